// Glue between tensors and the bit-exact samplers of engine/random.ts: the generator an op was given,
// PyTorch's element order for serial kernels (TensorIterator's reorder_dimensions), in-place fills of any
// view in that order, and correctly rounded exp/pow (log_normal_, logspace). Ops live in
// engine/ops/table/random.ts and range.ts.
import { DType, StorageArray, dtypes } from './dtype';
import { TorchError } from './errors';
import { Generator, defaultGenerator, normalSample, normal_ } from './random';
import type { OutArray } from './random';
import { castFloat, checkFloat } from './random/common';
import { fma64 } from './random/fma';
import { Device, Storage, Tensor, cpu } from './tensor';
import { contiguousStrides, numel } from './shape';
import { allocArray } from './backends/cpu/alloc';

/** The generator of a `Generator? generator=None` argument: the default one when None. */
export function genOf(g: unknown, op: string): Generator {
  if (g === null || g === undefined) return defaultGenerator;
  if (g instanceof Generator) return g;
  const type = typeof g === 'number' ? (Number.isInteger(g) ? 'int' : 'float') : typeof g === 'string' ? 'str' : typeof g;
  throw new TorchError('TypeError', `${op}(): argument 'generator' must be torch.Generator, not ${type}`);
}

// ---- torch.Generator's Python-named members --------------------------------------------------------

declare module './random/generator' {
  interface Generator {
    /** Generator.manual_seed(seed): reseeds (int(seed), read as uint64) and returns the generator */
    manual_seed(seed: unknown): Generator;
    initial_seed(): bigint;
    /** Generator.get_state(): the state as a uint8 tensor of 5056 bytes */
    get_state(): Tensor;
    /** Generator.set_state(state): restores a state from get_state() */
    set_state(state: unknown): Generator;
    readonly device: Device;
  }
}

/** Python's int(x) for a seed */
export function seedArg(s: unknown): number | bigint {
  if (typeof s === 'bigint') return s;
  if (typeof s === 'boolean') return s ? 1 : 0;
  if (typeof s === 'number') return Math.trunc(s);
  if (s instanceof Tensor && s.numel() === 1) return Math.trunc(s.scalarValue());
  if (s !== null && typeof s === 'object' && typeof (s as { valueOf(): unknown }).valueOf() === 'number') return Math.trunc(Number(s));
  throw new TorchError('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${s === null || s === undefined ? 'NoneType' : typeof s}'`);
}

/** A generator's state as PyTorch's uint8 tensor */
export function stateTensor(g: Generator): Tensor {
  const b = g.getState();
  return new Tensor(new Storage(b, cpu), [b.length], [1], 0, dtypes.uint8);
}

/** Generator.set_state / torch.set_rng_state: a uint8 tensor, else PyTorch's TypeErrors */
export function setStateFrom(g: Generator, s: unknown): Generator {
  if (!(s instanceof Tensor)) {
    const type = s === null || s === undefined ? 'NoneType' : Array.isArray(s) ? 'list' : typeof s;
    throw new TorchError('TypeError', `expected a torch.ByteTensor, but got ${type}`);
  }
  if (s.dtype !== dtypes.uint8) throw new TorchError('TypeError', 'RNG state must be a torch.ByteTensor');
  return g.setState(Uint8Array.from(s.contiguousData()));
}

const genProto = Generator.prototype;
genProto.manual_seed = function (this: Generator, seed: unknown) { return this.manualSeed(seedArg(seed)); };
genProto.initial_seed = function (this: Generator) { return this.initialSeed(); };
genProto.get_state = function (this: Generator) { return stateTensor(this); };
genProto.set_state = function (this: Generator, state: unknown) { return setStateFrom(this, state); };
Object.defineProperty(genProto, 'device', { get: () => cpu, configurable: true });

/**
 * TensorIterator::reorder_dimensions for operands sharing `shape` (strides already broadcast, the
 * output first): the dims from fastest to slowest. Ascending strides; a stride 0 defers to the next
 * operand; equal strides put the smaller size first.
 */
function iterationPerm(shape: readonly number[], operands: readonly (readonly number[])[]): number[] {
  const nd = shape.length;
  const perm = Array.from({ length: nd }, (_, i) => nd - 1 - i);
  const shouldSwap = (d0: number, d1: number): number => {
    for (const st of operands) {
      const s0 = st[d0], s1 = st[d1];
      if (s0 === 0 || s1 === 0) continue;
      if (s0 < s1) return -1;
      if (s0 > s1) return 1;
      if (shape[d0] > shape[d1]) return 1;
    }
    return 0;
  };
  for (let i = 1; i < nd; i++) {
    let d1 = i;
    for (let d0 = i - 1; d0 >= 0; d0--) {
      const c = shouldSwap(perm[d0], perm[d1]);
      if (c > 0) {
        [perm[d0], perm[d1]] = [perm[d1], perm[d0]];
        d1 = d0;
      } else if (c < 0) break;
    }
  }
  return perm;
}

/**
 * Logical (row-major) indices of the elements in the order a serial CPU kernel visits them, or null
 * when that is the logical order. Only dims of size > 1 can change the order.
 */
export function iterationOrder(shape: readonly number[], operands: readonly (readonly number[])[]): Int32Array | null {
  const perm = iterationPerm(shape, operands);
  const moving = perm.filter((d) => shape[d] > 1);
  let logical = true;
  for (let i = 1; i < moving.length; i++) if (moving[i] > moving[i - 1]) logical = false;
  if (logical) return null;
  const n = numel(shape);
  const cs = contiguousStrides(shape);
  const out = new Int32Array(n);
  const idx = new Array<number>(moving.length).fill(0);
  let lin = 0;
  for (let k = 0; k < n; k++) {
    out[k] = lin;
    for (let j = 0; j < moving.length; j++) {
      const d = moving[j];
      idx[j]++;
      lin += cs[d];
      if (idx[j] < shape[d]) break;
      lin -= cs[d] * shape[d];
      idx[j] = 0;
    }
  }
  return out;
}

/**
 * One value of torch.empty((), dtype=torch.int64).random_(generator=gen), exactly: random64() mod 2^63.
 * Int64 tensors hold values in a Float64Array (exact to 2^53), so callers that need the exact 63-bit
 * value (torch.utils.data's RandomSampler and DataLoader seeds) take it from here.
 */
export function randomInt64(gen: Generator): bigint {
  const hi = gen.random() & 0x7fffffff;
  const lo = gen.random();
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** A buffer the samplers can fill for `n` elements of `dtype` (the storage's array kind). */
export const bufferFor = (dtype: DType, n: number): StorageArray => allocArray(dtype.arrayCtor, n);

/**
 * Fill the view `t` from a serial sampler: `draw(buf)` writes t.numel() values in PyTorch's iteration
 * order (a nullary TensorIterator over t: memory order for transposed/permuted views).
 */
export function fillSerial(t: Tensor, draw: (buf: OutArray) => void): void {
  const n = t.numel();
  if (t.isContiguous || n === 0) {
    // an empty tensor still runs the sampler's argument and dtype checks
    draw(t.storage.data.subarray(t.offset, t.offset + n));
    return;
  }
  const buf = bufferFor(t.dtype, n);
  draw(buf);
  scatter(t, buf, iterationOrder(t.shape, [t.strides]));
}

/** Write `buf` (values in iteration order `order`, or logical order when null) into the view t. */
export function scatter(t: Tensor, buf: ArrayLike<number>, order: Int32Array | null): void {
  const offs = t.offsets();
  const data = t.storage.data;
  for (let k = 0; k < buf.length; k++) data[offs[order ? order[k] : k]] = buf[k];
}

/**
 * Tensor.normal_(mean, std) on any view: the vectorised fill for a contiguous tensor of 16 or more
 * elements, otherwise scalar Box-Muller samples (sharing the generator's cached second sample) in
 * iteration order, as normal_kernel does.
 */
export function normalFill(t: Tensor, gen: Generator, mean: number, std: number): void {
  const n = t.numel();
  const dt = t.dtype.name;
  if (n >= 16 && t.isContiguous) {
    normal_(gen, t.storage.data.subarray(t.offset, t.offset + n), mean, std, dt);
    return;
  }
  checkFloat(dt, 'normal_kernel_cpu');
  fillSerial(t, (buf) => {
    for (let i = 0; i < buf.length; i++) buf[i] = castFloat(dt, normalSample(gen, mean, std));
  });
}

/** at::empty_like(self) with the preserve memory format: self's strides when it is dense and non-overlapping. */
export function emptyLikePreserve(self: Tensor, dtype: DType = self.dtype): Tensor {
  const n = self.numel();
  const data = allocArray(dtype.arrayCtor, n);
  const strides = denseStrides(self) ?? contiguousStrides(self.shape);
  return new Tensor(new Storage(data), self.shape.slice(), strides, 0, dtype);
}

/** self's strides when its elements exactly tile 0..numel-1 (is_non_overlapping_and_dense), else null. */
function denseStrides(self: Tensor): number[] | null {
  if (!self.isContiguous) {
    const dims = self.shape.map((_, i) => i).filter((d) => self.shape[d] !== 1).sort((a, b) => self.strides[a] - self.strides[b]);
    let expected = 1;
    for (const d of dims) {
      if (self.strides[d] !== expected) return null;
      expected *= self.shape[d];
    }
  }
  return self.strides.slice();
}

// ---- exp, pow and tan, correctly rounded -----------------------------------------------------------
// glibc's exp, pow and tan (behind log_normal_, logspace and cauchy_) are correctly rounded in all but rare
// near-halfway cases, while Math.exp/Math.pow miss the last bit for several percent of inputs.
// Double-double arithmetic (exp by argument reduction and a Taylor series, log by a Newton step)
// rounds right.

type DD = [number, number];
const twoSum = (a: number, b: number): DD => { const s = a + b, bb = s - a; return [s, (a - (s - bb)) + (b - bb)]; };
const norm = (h: number, l: number): DD => { const s = h + l; return [s, l - (s - h)]; };
const twoProd = (a: number, b: number): DD => { const p = a * b; return [p, fma64(a, b, -p)]; };
const ddAdd = (a: DD, b: DD): DD => { const [s, e] = twoSum(a[0], b[0]); return norm(s, e + a[1] + b[1]); };
const ddMul = (a: DD, b: DD): DD => { const [p, e] = twoProd(a[0], b[0]); return norm(p, e + a[0] * b[1] + a[1] * b[0]); };
const ddDivInt = (a: DD, n: number): DD => { const q = a[0] / n; const [p, e] = twoProd(q, n); return norm(q, ((a[0] - p) - e + a[1]) / n); };
const ddDiv = (a: DD, b: DD): DD => {
  const q1 = a[0] / b[0];
  const r = ddAdd(a, ddMul([-q1, 0], b));
  const q2 = r[0] / b[0];
  const r2 = ddAdd(r, ddMul([-q2, 0], b));
  return ddAdd(norm(q1, q2), [r2[0] / b[0], 0]);
};
const LN2: DD = [Math.LN2, 2.3190468138462996e-17];
const PI_2: DD = [Math.PI / 2, 6.123233995736766e-17];

/** exp of a double-double: x = k ln2 + r, exp(r / 256) by Taylor series, squared 8 times, scaled by 2^k */
function ddExp(x: DD): DD {
  const k = Math.round(x[0] / Math.LN2);
  const r = ddAdd(x, ddMul([-k, 0], LN2));
  const q: DD = [r[0] / 256, r[1] / 256];
  let sum: DD = [1, 0], term: DD = [1, 0];
  for (let n = 1; n <= 12; n++) { term = ddDivInt(ddMul(term, q), n); sum = ddAdd(sum, term); }
  for (let i = 0; i < 8; i++) sum = ddMul(sum, sum);
  return [sum[0] * 2 ** k, sum[1] * 2 ** k];
}

/** log of a double as a double-double: Math.log refined by one Newton step */
function ddLog(b: number): DD {
  const x = Math.log(b);
  const e = ddExp([x, 0]);
  const [d0, d1] = twoSum(b, -e[0]);
  return norm(x, (d0 + d1 - e[1]) / e[0]);
}

/** b ** e rounded correctly (near overflow/underflow and for special values, Math.pow) */
export function powCR(b: number, e: number): number {
  if (b < 0 && Number.isFinite(b) && Number.isInteger(e)) {
    const m = powCR(-b, e);
    return Math.abs(e) % 2 === 1 ? -m : m;
  }
  if (!(b > 0) || !Number.isFinite(b) || !Number.isFinite(e) || e === 0 || b === 1) return Math.pow(b, e);
  const t = ddMul([e, 0], ddLog(b));
  if (Math.abs(t[0]) > 700) return Math.pow(b, e);
  const r = ddExp(t);
  return r[0] + r[1];
}

/** e ** x rounded correctly (near overflow/underflow and for special values, Math.exp) */
export function expCR(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) > 700 || x === 0) return Math.exp(x);
  const r = ddExp([x, 0]);
  return r[0] + r[1];
}

/** sin and cos of a double-double |y| <= pi/4 by their Taylor series */
function ddSinCos(y: DD): [DD, DD] {
  const y2 = ddMul(y, y);
  let s: DD = y, c: DD = [1, 0], ts: DD = y, tc: DD = [1, 0];
  for (let n = 1; n < 20; n++) {
    ts = ddDivInt(ddMul(ts, y2), -(2 * n) * (2 * n + 1));
    s = ddAdd(s, ts);
    tc = ddDivInt(ddMul(tc, y2), -(2 * n - 1) * (2 * n));
    c = ddAdd(c, tc);
  }
  return [s, c];
}

/**
 * tan(x) rounded correctly for |x| < pi/2 (cauchy_'s argument); past pi/4 as cot(pi/2 - |x|). glibc's
 * tan misses the last bit for about 0.1% of such inputs, which stay different.
 */
export function tanCR(x: number): number {
  const ax = Math.abs(x);
  if (!(ax < Math.PI / 2)) return Math.tan(x);
  if (ax <= Math.PI / 4) {
    const [s, c] = ddSinCos([x, 0]);
    const t = ddDiv(s, c);
    return t[0] + t[1];
  }
  const [s, c] = ddSinCos(ddAdd(PI_2, [-ax, 0]));
  const t = ddDiv(c, s);
  const r = t[0] + t[1];
  return x < 0 ? -r : r;
}
