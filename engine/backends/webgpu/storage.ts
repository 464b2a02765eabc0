// Storages on the webgpu device. A storage keeps a host array and a device buffer, either or both
// current. Resident storages hold one 4-byte word per element on the GPU:
//   - float32 and int32 (and float16/bfloat16, whose host arrays are float32): WGSL's f32 / i32;
//   - bool and uint8 (host Uint8Array): one u32 word per element (0/1 for bool), widened on upload and
//     narrowed back on download (a bool mask made by a GPU comparison has no host copy until read);
//   - int64 made by a GPU kernel (argmax/argmin/max/min indices, gpuStorage(n, Float64Array)): i32
//     words whose values the kernel knows to lie in [0, bound) (GpuState.bound); the host copy
//     (Float64Array, as every int64 host array) is widened on download. Once the host copy may have
//     been written (storage.data), such a storage becomes host-only like any other int64 storage, so
//     values are never narrowed.
// The other dtypes (int8/16, int64 and float64 made on the host) have no WGSL type, so their storages
// stay in host memory and their ops run on the CPU (a one-time note says so; values are never narrowed).
// Index tensors of the index kernels (kernelsIndex.ts) are int64 host values: they are checked there and
// uploaded as i32 (a write, never a read back).
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
export function dropClient(): void { void clientRef?.close(); clientRef = null; }
/** Close the device and wait until its GPU side has stopped (before the thread that owns it ends). */
export async function shutdownClient(): Promise<void> { const c = clientRef; clientRef = null; await c?.close(); }

/** Does a storage of this host array type live on the GPU (when made from host values)? */
export const residentArray = (a: { BYTES_PER_ELEMENT: number; constructor: unknown }) =>
  a.constructor === Float32Array || a.constructor === Int32Array || a.constructor === Uint8Array;

/** A host copy from the device's 4-byte words (bool/uint8 from u32, kernel-made int64 from i32). */
function fromWords(bytes: Uint8Array, ctor: new (n: number) => StorageArray, n: number): StorageArray {
  const arr = new ctor(n);
  if (ctor === Float32Array || ctor === Int32Array) new Uint8Array((arr as Float32Array).buffer).set(bytes);
  else if (ctor === Uint8Array) arr.set(new Uint32Array(bytes.buffer, bytes.byteOffset, n));
  else arr.set(new Int32Array(bytes.buffer, bytes.byteOffset, n));
  return arr;
}

/** The device's 4-byte words of a host array. */
function toWords(a: StorageArray): ArrayBufferView {
  if (a instanceof Float32Array || a instanceof Int32Array) return a;
  if (a instanceof Uint8Array) return Uint32Array.from(a);
  for (let i = 0; i < a.length; i++) {
    if (!(a[i] === (a[i] | 0))) throw new Error('internal: an int64 value outside int32 on a resident storage');
  }
  return Int32Array.from(a);
}

export class GpuState implements DeviceState {
  readonly serial = deviceContext.serial++;
  /** device buffer id (0: none yet) */
  buffer = 0;
  hostValid: boolean;
  gpuValid: boolean;
  /** kernel-made int64 indices: every value is in [0, bound) (-1: unknown) */
  bound = -1;
  constructor(readonly length: number, public resident: boolean, readonly ctor: new (n: number) => StorageArray, hasHost: boolean, onGpu: boolean) {
    this.hostValid = hasHost;
    this.gpuValid = onGpu;
  }

  host(s: Storage, write = true): StorageArray {
    if (!this.hostValid) {
      s.hostArray = fromWords(client().read(this.buffer, 0, this.length * 4), this.ctor, this.length);
      this.hostValid = true;
    }
    if (write && this.serial >= deviceContext.readOnlyBelow) {
      this.gpuValid = false;
      // int64 is resident only as a kernel's output: written on the host, it stays there (never narrowed)
      if (this.ctor === Float64Array) { this.resident = false; this.bound = -1; }
    }
    return s.hostArray;
  }

  /** The device buffer with current contents (uploaded from the host copy when that is newer). */
  deviceBuffer(s: Storage): number {
    if (!this.resident) throw new Error('internal: a non-resident storage has no device buffer');
    const c = client();
    if (this.buffer === 0) this.buffer = c.create(this.length * 4, s);
    if (!this.gpuValid) {
      c.write(this.buffer, toWords(s.hostArray));
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
  [Int8Array, 'int8 (WGSL has no 8-bit types)'],
  [Int16Array, 'int16 (WGSL has no 16-bit integers)'],
];

/** Once per kind: say that tensors of these dtypes on the device stay in host memory. */
function noteHostDtype(data: StorageArray): void {
  const kind = HOST_KINDS.find(([c]) => data.constructor === c)?.[1] ?? `${data.constructor.name} data`;
  warnOnce('UserWarning', `webgpu: ${kind} tensors on the webgpu device are kept in host memory and their ops run on the CPU (values are never narrowed)`);
}

/**
 * A new webgpu storage of `length` elements whose buffer a kernel is about to fill: float32 / int32, bool
 * (Uint8Array host type, u32 words) or int64 indices (Float64Array host type, i32 words: set the state's
 * bound).
 */
export function gpuStorage(length: number, ctor: typeof Float32Array | typeof Int32Array | typeof Uint8Array | typeof Float64Array): Storage {
  fillCtor = ctor;
  return new Storage(null, webgpu, length);
}

export const stateOf = (s: Storage): GpuState => s.dev as GpuState;
