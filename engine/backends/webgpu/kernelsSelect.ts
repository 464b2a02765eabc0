// Mask and flat-index ops of the webgpu device:
//   - masked_select / masked_scatter / nonzero (argwhere): the selected elements' places are an inclusive
//     scan (gpuScan) of 0/1 flags over the (broadcast) shape; one thread per element then moves a selected
//     element to (or from) place − 1. The output size of masked_select and nonzero depends on the values,
//     so their count (the scan's last word) is read back: one 4-byte read per call. masked_scatter reads it
//     too (to raise PyTorch's error when the source is short), except when its caller knows it
//     (masked_select's backward). nonzero's int64 coordinates are i32 words on the device (bounded by the
//     largest dim), laid out column-major like the CPU's.
//   - take / put: flat indices checked on the host as the index kernels do (kernelsIndex.ts: an
//     out-of-range one returns null, so that the CPU raises PyTorch's error); put writes through
//     index_put's kernel (the last write wins, or additions in the CPU's order).
//   - bincount: the bins' range needs the values' min and max: one 8-byte read; counts by atomic adds,
//     float32 weights summed per bin in input order (the CPU's float32 sums bit for bit).
//   - searchsorted / bucketize: one thread per value, the CPU's binary search (NaN sorts last).
// Each returns null when it does not apply; the op then runs on the CPU.
import { DType, dtypes } from '../../dtype';
import { numel } from '../../shape';
import { Tensor, webgpu } from '../../tensor';
import { FLAT_MAIN, MAX_DIMS, WG, WGSL_WALK, bindings, broadcastStridesOf, buf, coalesce, dispatch, flatKernel, gpuOut, isWordType, onGpu, storageType, treeReduce, uniform, wgslType } from './common';
import { gpuDense, gpuMap } from './kernels';
import { gpuIndexPut } from './kernelsAdvIndex';
import { gpuIndex } from './kernelsIndex';
import { gpuScan } from './kernelsScan';
import { client, stateOf } from './storage';

/** `t` viewed as 1-D over its (contiguous) storage. */
const flat = (t: Tensor, dtype: DType = t.dtype) => new Tensor(t.storage, [t.numel()], [1], t.offset, dtype);

/** The inclusive scan of the 0/1 flags of `x` (nonzero: NaN counts) broadcast to `shape`, as int32 [n], or null. */
function places(x: Tensor, shape: readonly number[]): Tensor | null {
  const t = wgslType(x.dtype) ?? (isWordType(x.dtype) ? 'i32' : null);
  if (!t || !onGpu(x)) return null;
  const f = gpuMap([x], shape, t === 'f32' ? dtypes.float32 : dtypes.int32, dtypes.int32, t === 'f32' ? 'select(0, 1, a != 0.0 || isnan(a))' : 'select(0, 1, a != 0)');
  return f && gpuScan(flat(f), 0, 'sum');
}

/** The last word of an int32 GPU tensor (one read of 4 bytes): the count of an inclusive scan. */
function lastWord(t: Tensor): number {
  const n = t.numel();
  if (n === 0) return 0;
  const bytes = client().read(buf(t), (t.offset + n - 1) * 4, 4);
  return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 4))[0];
}

/** WGSL: is element i selected (its place Q[i] above the one before)? */
const PICKED = 'fn picked(i: u32) -> bool { return Q[i] != select(0, Q[i - 1u], i > 0u); }';
const WALK_FIELDS = 'n: u32, w: u32, off: u32, nd: u32, count: u32, pad0: u32, pad1: u32, pad2: u32, shape: array<vec4<u32>, 2>, st: array<vec4<u32>, 2>';

/** The walk of `t` broadcast to `shape` (coalesced): [nd, shape, strides], or null past MAX_DIMS. */
function walkOf(t: Tensor, shape: readonly number[]): { nd: number; fill: (p: { u: Uint32Array }) => void } | null {
  const co = coalesce(shape, [broadcastStridesOf(t, shape)]);
  if (co.shape.length > MAX_DIMS) return null;
  return { nd: co.shape.length, fill: (p) => co.shape.forEach((s, d) => { p.u[8 + d] = s; p.u[16 + d] = co.strides[0][d]; }) };
}

/** masked_select(self, mask) with a bool/uint8 `mask` (one read: the count, unless `count` is given), or null. */
export function gpuMaskedSelect(self: Tensor, mask: Tensor, shape: readonly number[], count?: number): Tensor | null {
  const t = onGpu(self) ? storageType(self.dtype) : null;
  const wk = t && walkOf(self, shape);
  const pos = wk ? places(mask, shape) : null;
  if (!t || !wk || !pos) return null;
  const out = gpuOut([count ?? lastWord(pos)], self.dtype);
  flatKernel(`select:masked_select:${t}`, () => `${bindings([['X', t], ['Q', 'i32'], ['Y', t, true]], WALK_FIELDS)}
${WGSL_WALK}
${PICKED}
${FLAT_MAIN}
  if (picked(i)) { Y[Q[i] - 1] = X[p.off + walk(i, p.nd, p.shape, p.st)]; }
}`, [self, pos], [out], numel(shape), [self.offset, wk.nd], 24, wk.fill);
  return out;
}

/**
 * masked_scatter(self, mask, source): self broadcast to `shape` with the places where the bool/uint8
 * mask is set filled in order from source, and the mask's count; or null (also when source is short:
 * the CPU raises). `count`: the mask's count when the caller knows it (no read).
 */
export function gpuMaskedScatter(self: Tensor, mask: Tensor, source: Tensor, shape: readonly number[], count?: number): [Tensor, number] | null {
  const t = onGpu(self) && onGpu(source) && source.dtype === self.dtype ? storageType(self.dtype) : null;
  const src = t ? gpuDense(source) : null;
  const pos = src ? places(mask, shape) : null;
  const out = pos ? gpuMap([self], shape, self.dtype, self.dtype, 'a') : null;
  const n = pos ? count ?? lastWord(pos) : 0;
  if (!t || !src || !pos || !out || n > source.numel()) return null;
  flatKernel(`select:masked_scatter:${t}`, () => `${bindings([['S', t], ['Q', 'i32'], ['Y', t, true]], 'n: u32, w: u32, off: u32, pad: u32')}
${PICKED}
${FLAT_MAIN}
  if (picked(i)) { Y[i] = S[p.off + u32(Q[i] - 1)]; }
}`, [src, pos], [out], numel(shape), [src.offset]);
  return [out, n];
}

/** nonzero(self) for ndim ≥ 1 (one read: the count): the [count, ndim] int64 coordinates, or null. */
export function gpuNonzero(self: Tensor): Tensor | null {
  const nd = self.ndim;
  const pos = nd > 0 && nd <= MAX_DIMS ? places(self, self.shape) : null;
  if (!pos) return null;
  const count = lastWord(pos);
  const out = gpuOut([count * nd], dtypes.int64, Float64Array);
  stateOf(out.storage).bound = Math.max(1, ...self.shape);
  flatKernel('select:nonzero', () => `${bindings([['Q', 'i32'], ['Y', 'i32', true]], WALK_FIELDS)}
${PICKED}
${FLAT_MAIN}
  if (!picked(i)) { return; }
  let at = u32(Q[i] - 1);
  var rem = i;
  for (var d = i32(p.nd) - 1; d >= 0; d--) {
    let s = p.shape[d / 4][d % 4];
    Y[u32(d) * p.count + at] = i32(rem % s);
    rem = rem / s;
  }
}`, [pos], [out], self.numel(), [0, nd, count], 24, (p) => self.shape.forEach((s, d) => { p.u[8 + d] = s; }));
  return new Tensor(out.storage, [count, nd], [1, count], 0, dtypes.int64);
}

/** take(self, index): self seen as 1-D at the (wrapped) int64 indices, shaped like index, or null. */
export function gpuTake(self: Tensor, index: Tensor): Tensor | null {
  const t = onGpu(self) ? storageType(self.dtype) : null;
  const x = t ? gpuDense(self) : null;
  const idx = x ? gpuIndex(index, self.numel(), true) : null;
  if (!t || !x || !idx) return null;
  const out = gpuOut(index.shape, self.dtype);
  flatKernel(`select:take:${t}`, () => `${bindings([['X', t], ['I', 'i32'], ['Y', t, true]], 'n: u32, w: u32, off: u32, pad: u32')}
${FLAT_MAIN}
  Y[i] = X[p.off + u32(I[i])];
}`, [x, idx.t], [out], out.numel(), [x.offset]);
  return out;
}

/** put(self, index, source, accumulate): a copy of self with source written (added) at the flat indices, or null. */
export function gpuPut(self: Tensor, index: Tensor, source: Tensor, accumulate: boolean): Tensor | null {
  if (!onGpu(self) || !onGpu(source) || source.dtype !== self.dtype) return null;
  const n = self.numel(), vals = index.contiguousData();
  const offs = new Float64Array(vals.length);
  for (let k = 0; k < vals.length; k++) {
    const v = vals[k] < 0 ? vals[k] + n : vals[k];
    if (!(v >= 0 && v < n)) return null;
    offs[k] = v;
  }
  const out = gpuMap([self], self.shape, self.dtype, self.dtype, 'a');
  const src = gpuDense(source);
  if (!out || !src) return null;
  return gpuIndexPut(out, [vals.length], () => offs, flat(src), accumulate) ? out : null;
}

/**
 * bincount of a 1-D int32 / uint8 / kernel-made int64 `self` on the GPU (one read: min and max), with
 * optional float32 `weights`: [result, bins], or null (also for a negative value: the CPU raises).
 */
export function gpuBincount(self: Tensor, weights: Tensor | null, minlength: number): Tensor | null {
  const st = onGpu(self) ? stateOf(self.storage) : null;
  const ok = st && (self.dtype === dtypes.int32 || self.dtype === dtypes.uint8 || (self.dtype === dtypes.int64 && st.bound >= 0));
  if (!ok || self.ndim !== 1 || self.numel() === 0 || self.numel() >= 2 ** 31 || (weights && !(onGpu(weights) && weights.dtype === dtypes.float32))) return null;
  const x = gpuDense(flat(self, self.dtype === dtypes.int64 ? dtypes.int32 : self.dtype));
  const w = weights && gpuDense(weights);
  if (!x || (weights && !w)) return null;
  const range = gpuOut([2], dtypes.int32);
  const p = uniform(4);
  p.u.set([x.numel(), x.offset]);
  dispatch('select:bincount_range', rangeCode, [x], [range], p.buffer, [1, 1, 1]);
  const bytes = client().read(buf(range), 0, 8);
  const [lo, hi] = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 8));
  if (lo < 0) return null;
  const bins = Math.max(minlength, hi + 1);
  if (!w) {
    const out = gpuOut([bins], dtypes.int64, Float64Array);
    stateOf(out.storage).bound = x.numel() + 1;
    flatKernel('select:bincount', () => `${bindings([['X', 'i32'], ['C', 'atomic<i32>', true]], 'n: u32, w: u32, off: u32, pad: u32')}
${FLAT_MAIN}
  atomicAdd(&C[X[p.off + i]], 1);
}`, [x], [out], x.numel(), [x.offset]);
    return out;
  }
  const out = gpuOut([bins], dtypes.float32);
  flatKernel('select:bincount_weights', () => `${bindings([['X', 'i32'], ['W', 'f32'], ['Y', 'f32', true]], 'n: u32, w: u32, off: u32, woff: u32, len: u32, pad: u32')}
${FLAT_MAIN}
  var acc = 0.0;
  for (var k = 0u; k < p.len; k++) { if (u32(X[p.off + k]) == i) { acc = acc + W[p.woff + k]; } }
  Y[i] = acc;
}`, [x, w!], [out], bins, [x.offset, w!.offset, x.numel()]);
  return out;
}

function rangeCode(): string {
  return `${bindings([['X', 'i32'], ['R', 'i32', true]], 'n: u32, off: u32, pad0: u32, pad1: u32')}
var<workgroup> lo: array<i32, ${WG}>;
var<workgroup> hi: array<i32, ${WG}>;
@compute @workgroup_size(${WG}) fn main(@builtin(local_invocation_id) l: vec3<u32>) {
  var a = X[p.off];
  var b = a;
  for (var k = l.x; k < p.n; k += ${WG}u) { let v = X[p.off + k]; a = min(a, v); b = max(b, v); }
  lo[l.x] = a;
  hi[l.x] = b;${treeReduce('min(lo[l.x], lo[l.x + w]); hi[l.x] = max(hi[l.x], hi[l.x + w])', 'lo')}
  if (l.x == 0u) { R[0] = lo[0]; R[1] = hi[0]; }
}`;
}

/**
 * searchsorted(seq, values) over the last dim of `seq` (1-D, or rows matching values' leading dims), with
 * an optional int64 `sorter`, values of seq's dtype (or a host scalar that dtype holds exactly): int64
 * (or int32) places, or null.
 */
export function gpuSearchsorted(seq: Tensor, values: Tensor, right: boolean, sorter: Tensor | null, outInt32: boolean): Tensor | null {
  const t = onGpu(seq) ? wgslType(seq.dtype) : null;
  if (!t) return null;
  let v = values;
  const resident: boolean = onGpu(v);
  if (!resident && v.ndim === 0) {
    const x = v.scalarValue();
    if (!(t === 'f32' ? Math.fround(x) === x || Number.isNaN(x) : Number.isInteger(x) && Math.abs(x) < 2 ** 31)) return null;
    v = Tensor.fromArray(t === 'f32' ? Float32Array.of(x) : Int32Array.of(x), [], seq.dtype, webgpu);
  }
  const len = seq.ndim === 0 ? 1 : seq.shape[seq.ndim - 1];
  const s = gpuDense(seq), vd = onGpu(v) && v.dtype === seq.dtype ? gpuDense(v) : null;
  const srt = sorter ? gpuIndex(sorter, len, false) : null;
  if (!s || !vd || (sorter && !srt) || len >= 2 ** 31) return null;
  const out = outInt32 ? gpuOut(values.shape, dtypes.int32) : gpuOut(values.shape, dtypes.int64, Float64Array);
  if (!outInt32) stateOf(out.storage).bound = len + 1;
  const perRow = values.ndim === 0 ? 1 : values.shape[values.ndim - 1];
  const key = `select:searchsorted:${t}:${right ? 'right' : 'left'}:${sorter ? 'sorter' : 'plain'}`;
  const at = sorter ? 'u32(SR[start + mid])' : 'mid';
  flatKernel(key, () => `${bindings([['S', t], ['V', t], ...(sorter ? [['SR', 'i32'] as [string, string]] : []), ['Y', 'i32', true]], 'n: u32, w: u32, so: u32, vo: u32, len: u32, per: u32, rows: u32, pad: u32')}
${FLAT_MAIN}
  let v = V[p.vo + i];
  let start = select(0u, (i / p.per) * p.len, p.rows != 0u);
  var lo = 0u;
  var hi = p.len;
  while (lo < hi) {
    let mid = lo + (hi - lo) / 2u;
    let m = S[p.so + start + ${at}];
    if (${right ? '!(m > v)' : '!(m >= v)'}) { lo = mid + 1u; } else { hi = mid; }
  }
  Y[i] = i32(lo);
}`, sorter ? [s, vd, srt!.t] : [s, vd], [out], out.numel(), [s.offset, vd.offset, len, perRow, seq.ndim > 1 ? 1 : 0]);
  return out;
}
