// The webgpu device as the rest of the engine sees it: is it available, what adapter, make it the
// default device, and the transport that opens it (Dawn in a worker thread unless a host installs
// another, e.g. the VS Code webview relay).
import { Device, cpu, deviceContext, webgpu } from '../../tensor';
import { GpuAdapterSummary } from './protocol';
import { GpuClient, GpuError, TransportFactory } from './client';
import { client, dropClient, hasClient, setOpener } from './storage';
import { dawnTransport } from './nodeTransport';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// a full GC for GpuClient.collect (exposing it here costs nothing until it is called)
try {
  setFlagsFromString('--expose-gc');
  GpuClient.gc = runInNewContext('gc') as () => void;
} catch {
  GpuClient.gc = null;
}

let factory: TransportFactory | null = null;
let failure: string | null = null;

const defaultFactory = (): TransportFactory => dawnTransport;

setOpener(() => {
  if (failure) throw new GpuError(failure);
  try {
    return new GpuClient(factory ?? defaultFactory());
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    throw new GpuError(failure);
  }
});

/** Use another transport for the device (closes the current one). */
export function setTransport(f: TransportFactory | null): void {
  if (hasClient()) dropClient();
  factory = f;
  failure = null;
}

/** Open the device now if needed; false (with the reason in unavailableReason()) when there is none. */
export function webgpuAvailable(): boolean {
  try {
    client();
    return true;
  } catch {
    return false;
  }
}
export const unavailableReason = (): string | null => failure;
export const adapterInfo = (): GpuAdapterSummary | null => (webgpuAvailable() ? client().adapter : null);

/** Make `device` the default for new tensors (GRADSCOPE_DEVICE / --device / the Select Device command). */
export function setDefaultDevice(device: 'cpu' | 'webgpu'): Device {
  if (device === 'webgpu' && !webgpuAvailable()) throw new GpuError(`the webgpu device is not available: ${failure}`);
  deviceContext.default = device === 'webgpu' ? webgpu : cpu;
  deviceContext.current = deviceContext.default;
  if (device === 'webgpu') deviceContext.active = true;
  return deviceContext.default;
}

/** Let code written for CUDA (`.cuda()`, device='cuda', torch.cuda.is_available()) use the webgpu device. */
export function setCudaAlias(on: boolean): void { deviceContext.cudaAlias = on; }

/** Wait until the GPU has finished everything queued (a read of nothing). */
export function synchronize(): void {
  if (!hasClient()) return;
  const c = client();
  c.flush();
}

/** Device memory held by live buffers, in bytes. */
export const memoryAllocated = (): number => (hasClient() ? client().allocatedBytes : 0);
