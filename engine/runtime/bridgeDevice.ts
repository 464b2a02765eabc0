// The device part of the `_gradscope` module: a tensor's device, and torch.webgpu's queries.
import type { Tensor } from '../tensor';
import { adapterInfo, memoryAllocated, setCudaAlias, setDefaultDevice, setTransport, synchronize, unavailableReason, webgpuAvailable } from '../backends/webgpu/index';
import { setAutoOffload } from '../backends/webgpu/offload';
import { RelayMessages, relayTransport } from '../backends/webgpu/relay';
import { deviceContext } from '../tensor';
import { kernelStats, resetKernelStats } from '../backends/webgpu/kernels';

export const deviceApi = {
  deviceName: (t: Tensor): string => String(t.device),
  webgpuAvailable: (): boolean => webgpuAvailable(),
  webgpuUnavailableReason: (): string | null => unavailableReason(),
  webgpuAdapterName: (): string => {
    const a = adapterInfo();
    return a ? (a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ')) : '';
  },
  webgpuSynchronize: (): void => synchronize(),
  webgpuMemoryAllocated: (): number => memoryAllocated(),
  /** kernel launches by kernel family since the last reset, as JSON */
  webgpuKernelStats: (): string => JSON.stringify(kernelStats()),
  webgpuResetKernelStats: (): void => resetKernelStats(),
  cudaAlias: (): boolean => deviceContext.cudaAlias,
  defaultDeviceName: (): string => String(deviceContext.default),
};

let transportMode: 'dawn' | 'host' = 'dawn';

/**
 * Make `device` the session's default device ('auto': the CPU, with large matrix products offloaded);
 * an error text when it cannot be opened. `relay`: the
 * webgpu device is the caller's (messages to it), not a Dawn thread of this worker.
 */
export function useDevice(device: string, cudaAlias: boolean, relay: RelayMessages | null = null, reopen = false): string | null {
  setCudaAlias(cudaAlias);
  // a new transport only when it changes (switching the default device keeps tensors on the GPU alive)
  const mode = relay ? 'host' : 'dawn';
  if (mode !== transportMode || reopen) {
    setTransport(relay ? relayTransport(relay) : null);
    transportMode = mode;
  }
  // 'auto': the CPU as default device, large float32 matrix products offloaded (backends/webgpu/offload.ts)
  setAutoOffload(device === 'auto');
  if (device === 'cpu' || device === 'auto') { setDefaultDevice('cpu'); return null; }
  if (device !== 'webgpu') return `unknown device '${device}' (expected cpu, webgpu or auto)`;
  if (!webgpuAvailable()) return `the webgpu device is not available: ${unavailableReason()}`;
  setDefaultDevice('webgpu');
  return null;
}
