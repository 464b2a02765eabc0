// Storages on the webgpu device. A storage keeps a host array and a device buffer, either or both
// current. float32 and int32 storages live on the GPU (WGSL's f32 and i32); the other dtypes (bool,
// uint8, int8/16, int64, float64, float16, bfloat16) have no WGSL type, so their storages stay in host
// memory and their ops run on the CPU (a one-time note says so; values are never narrowed).
//
// Host access goes through Storage.data. Reading the host copy of a storage whose buffer is current
// costs a download; a caller that may write makes the buffer stale (it is uploaded again before the
// next GPU kernel reads it). The op registry tells which accesses only read (deviceContext.readOnlyBelow): inside an op
// that does not mutate its inputs, storages made before the op are inputs, so reading them keeps the
// device copy current.
import { StorageArray } from '../../dtype';
import { warnOnce } from '../../warnings';
import { Storage, deviceContext, deviceStates, DeviceState, webgpu } from '../../tensor';
import { GpuClient } from './client';


let clientRef: GpuClient | null = null;
let opener: (() => GpuClient) | null = null;

/** How the device is opened on first use (the Node default is Dawn; the VS Code runtime may swap it). */
export function setOpener(open: () => GpuClient): void { opener = open; }
export function client(): GpuClient {
  if (clientRef) return clientRef;
  if (!opener) throw new Error('no WebGPU transport is configured');
  clientRef = opener();
  return clientRef;
}
export function hasClient(): boolean { return clientRef !== null; }
export function dropClient(): void { clientRef?.close(); clientRef = null; }

/** Does a storage of this array type live on the GPU? */
export const residentArray = (a: { BYTES_PER_ELEMENT: number; constructor: unknown }) => a.constructor === Float32Array || a.constructor === Int32Array;

export class GpuState implements DeviceState {
  readonly serial = deviceContext.serial++;
  /** device buffer id (0: none yet) */
  buffer = 0;
  hostValid: boolean;
  gpuValid: boolean;
  constructor(readonly length: number, readonly resident: boolean, readonly ctor: new (n: number) => StorageArray, hasHost: boolean, onGpu: boolean) {
    this.hostValid = hasHost;
    this.gpuValid = onGpu;
  }

  host(s: Storage, write = true): StorageArray {
    if (!this.hostValid) {
      const bytes = client().read(this.buffer, 0, this.length * 4);
      const arr = new this.ctor(this.length);
      new Uint8Array((arr as Float32Array).buffer).set(bytes);
      s.hostArray = arr;
      this.hostValid = true;
    }
    if (write && this.serial >= deviceContext.readOnlyBelow) this.gpuValid = false;
    return s.hostArray;
  }

  /** The device buffer with current contents (uploaded from the host copy when that is newer). */
  deviceBuffer(s: Storage): number {
    if (!this.resident) throw new Error('internal: a non-resident storage has no device buffer');
    const c = client();
    if (this.buffer === 0) this.buffer = c.create(this.length * 4, s);
    if (!this.gpuValid) {
      c.write(this.buffer, s.hostArray as unknown as ArrayBufferView);
      this.gpuValid = true;
    }
    return this.buffer;
  }

  /** A kernel wrote the buffer: the host copy is stale. */
  written(): void { this.gpuValid = true; this.hostValid = false; }
}

type Ctor = new (n: number) => StorageArray;
let fillCtor: Ctor | null = null;

deviceStates.webgpu = (s, data, length) => {
  if (data === null) {
    // a buffer a kernel fills (gpuStorage)
    const ctor = fillCtor;
    if (!ctor) throw new Error('internal: use gpuStorage() for device-filled storages');
    fillCtor = null;
    const st = new GpuState(length, true, ctor, false, true);
    st.buffer = client().create(length * 4, s);
    return st;
  }
  const resident = residentArray(data);
  if (!resident) noteHostDtype(data);
  return new GpuState(data.length, resident, data.constructor as Ctor, true, false);
};

const HOST_KINDS: [unknown, string][] = [
  [Float64Array, 'float64 and int64 (WGSL has no 64-bit types)'],
  [Uint8Array, 'bool and uint8 (WGSL has no 8-bit types)'],
  [Int8Array, 'int8 (WGSL has no 8-bit types)'],
  [Int16Array, 'int16 (WGSL has no 16-bit integers)'],
];

/** Once per kind: say that tensors of these dtypes on the device stay in host memory. */
function noteHostDtype(data: StorageArray): void {
  const kind = HOST_KINDS.find(([c]) => data.constructor === c)?.[1] ?? `${data.constructor.name} data`;
  warnOnce('UserWarning', `webgpu: ${kind} tensors on the webgpu device are kept in host memory and their ops run on the CPU (values are never narrowed)`);
}

/** A new webgpu storage of `length` float32 or int32 elements whose buffer a kernel is about to fill. */
export function gpuStorage(length: number, ctor: typeof Float32Array | typeof Int32Array): Storage {
  fillCtor = ctor;
  return new Storage(null, webgpu, length);
}

export const stateOf = (s: Storage): GpuState => s.dev as GpuState;
