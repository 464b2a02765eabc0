// Tensor: data (storage + shape + strides + offset + dtype) and autograd links. No op logic lives here:
// op methods are attached from the op table (engine/ops/index.ts).
import { DType, StorageArray } from './dtype';
import { Shape, contiguousStrides, isContiguous, numel } from './shape';
import type { Node } from './autograd';
import { allocArray } from './backends/cpu/alloc';

export type DeviceType = 'cpu' | 'webgpu';

export class Device {
  constructor(readonly type: DeviceType, readonly index: number | null = null) {}
  toString(): string { return this.index === null ? this.type : `${this.type}:${this.index}`; }
}
export const cpu = new Device('cpu');
export const webgpu = new Device('webgpu', 0);

/**
 * Where new storages go: the device of the op being run (set by the op registry's dispatch from the
 * op's tensors or its `device` argument), else the session's default device.
 */
export const deviceContext = {
  current: cpu,
  default: cpu,
  /** a storage was ever made on a device other than the CPU (until then dispatch skips device checks) */
  active: false,
  /** serial number of the next device storage */
  serial: 1,
  /** device storages with a serial below this are only read by the running op (see webgpu/storage.ts) */
  readOnlyBelow: 0,
  /** 'cuda' means the webgpu device (a session setting, off by default) */
  cudaAlias: false,
};

/**
 * A storage's state on a device other than the CPU (engine/backends/webgpu/storage.ts): which copy is
 * current (host array, device buffer or both) and how to bring the host copy up to date.
 */
export interface DeviceState {
  readonly length: number;
  /** the host array, current (downloaded first when only the device copy is); `write`: the caller may change it */
  host(s: Storage, write?: boolean): StorageArray;
}

/** Installed by a device backend when it loads: gives a new storage on that device its state. */
export const deviceStates: Partial<Record<DeviceType, (s: Storage, data: StorageArray | null, length: number) => DeviceState>> = {};

/** A flat buffer shared by views. The version counter is shared too, like PyTorch's. */
export class Storage {
  /** set by the autograd module while torch.inference_mode() is on */
  static inferenceMode = false;
  version = 0;
  /** made under inference mode: its tensors are inference tensors (is_inference()) */
  readonly inference = Storage.inferenceMode;
  /** the host array (on a device: its host copy, possibly stale or not yet made: use `data`) */
  hostArray: StorageArray;
  /** null on the CPU */
  readonly dev: DeviceState | null = null;
  readonly device: Device;

  /**
   * `data` may be null only on a device (a buffer the device fills; `length` elements). The device
   * defaults to the current op's.
   */
  constructor(data: StorageArray | null, device: Device = deviceContext.current, length = data?.length ?? 0) {
    this.device = device;
    this.hostArray = data as StorageArray;
    if (device.type !== 'cpu') {
      const make = deviceStates[device.type];
      if (!make) throw new Error(`the ${device.type} backend is not loaded`);
      this.dev = make(this, data, length);
      deviceContext.active = true;
    }
  }
  /** the values (on a device: the host copy, brought up to date) */
  get data(): StorageArray { return this.dev === null ? this.hostArray : this.dev.host(this); }
  get length(): number { return this.dev === null ? this.hostArray.length : this.dev.length; }
  /** the values for reading only (on a device, the device copy stays current) */
  read(): StorageArray { return this.dev === null ? this.hostArray : this.dev.host(this, false); }
}

let nextId = 1;

export class Tensor {
  readonly id = nextId++;
  requiresGrad = false;
  grad: Tensor | null = null;
  gradFn: Node | null = null;
  /** which output of gradFn this tensor is */
  outputNr = 0;
  retainsGrad = false;
  /** nn.Parameter: prints "Parameter containing:" */
  isParameter = false;
  /** the tensor this one is a view of (PyTorch's _base), null for non-views */
  base: Tensor | null = null;
  /** AccumulateGrad node of a leaf, created on first use and kept so graphs share it */
  accNode: Node | null = null;
  /** Python-visible name for the graph panel and hover (set by the runtime where known) */
  label: string | null = null;
  /** hooks registered with register_hook */
  hooks: ((g: Tensor) => Tensor | void)[] | null = null;
  /** a 0-dim tensor made from a Python scalar (at::is_wrapped_number) */
  wrappedNumber = false;

  constructor(
    public storage: Storage,
    public shape: number[],
    public strides: number[],
    public offset: number,
    public dtype: DType,
  ) {}

  static fromArray(data: StorageArray, shape: Shape, dtype: DType, device?: Device): Tensor {
    return new Tensor(new Storage(data, device), shape.slice(), contiguousStrides(shape), 0, dtype);
  }

  get ndim(): number { return this.shape.length; }
  /** number of elements (torch's numel()) */
  numel(): number { return numel(this.shape); }
  get device(): Device { return this.storage.device; }
  get isContiguous(): boolean { return isContiguous(this.shape, this.strides); }
  get isLeaf(): boolean { return this.gradFn === null; }
  get version(): number { return this.storage.version; }
  bumpVersion(): void { this.storage.version++; }

  /** Physical offsets of every element, in logical (row-major) order. */
  offsets(): Int32Array | Float64Array {
    const n = this.numel();
    const out = n < 2 ** 31 ? new Int32Array(n) : new Float64Array(n);
    const nd = this.shape.length;
    if (n === 0) return out;
    if (this.isContiguous) {
      for (let i = 0; i < n; i++) out[i] = this.offset + i;
      return out;
    }
    const idx = new Array<number>(nd).fill(0);
    let off = this.offset;
    const shape = this.shape, st = this.strides;
    for (let i = 0; i < n; i++) {
      out[i] = off;
      for (let d = nd - 1; d >= 0; d--) {
        idx[d]++;
        off += st[d];
        if (idx[d] < shape[d]) break;
        off -= st[d] * shape[d];
        idx[d] = 0;
      }
    }
    return out;
  }

  /** Values in logical order as a fresh array of the storage's kind. */
  contiguousData(): StorageArray {
    const data = this.storage.read();
    if (this.isContiguous) return data.subarray(this.offset, this.offset + this.numel());
    const offs = this.offsets();
    const out = allocArray(this.dtype.arrayCtor, offs.length, false);
    for (let i = 0; i < offs.length; i++) out[i] = data[offs[i]];
    return out;
  }

  /** Values in logical order as JS numbers. */
  toFlatArray(): number[] {
    return Array.from(this.contiguousData());
  }

  /** The single value of a one-element tensor. */
  scalarValue(): number {
    return this.storage.read()[this.offset];
  }
}
