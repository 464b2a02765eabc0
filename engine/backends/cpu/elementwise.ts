// CPU elementwise kernels: contiguous fast paths, broadcasting/strided views walked row by row (no
// offset tables), and tight loops for the canonical kernels ADD/SUB/MUL/DIV (passed by identity) so
// the common arithmetic does not pay a function call per element.
import { DType, StorageArray, castValue } from '../../dtype';
import { broadcastStrides, coalesce, contiguousStrides, numel } from '../../shape';
import { Storage, Tensor } from '../../tensor';
import { allocArray, arenaCopy } from './alloc';
import { ArithOp, SIMD_MIN_LEN, arithF32 } from './simd';

/** Physical offsets of `t` viewed (broadcast) as `shape`, in logical order. */
export function broadcastOffsets(t: Tensor, shape: readonly number[]): Int32Array | Float64Array {
  if (t.shape.length === shape.length && t.shape.every((s, i) => s === shape[i])) return t.offsets();
  const st = broadcastStrides(t.shape, t.strides, shape);
  const view = new Tensor(t.storage, shape.slice(), st, t.offset, t.dtype);
  return view.offsets();
}

type Read = ((v: number) => number) | null;

/** Values of `t` read as `compute` dtype would hold them (PyTorch casts operands to the common dtype first); null = as stored. */
function reader(t: Tensor, compute: DType): Read {
  if (t.dtype === compute) return null;
  // opmath: half types compute in float32
  if (compute.name === 'float16' || compute.name === 'bfloat16') return null;
  if (compute.name === 'float64') return null;
  return (v) => castValue(compute, v);
}

/** A contiguous tensor; zero-filled unless `zero` is false (for kernels that write every element). Large float32 ones live in the arena (alloc.ts). */
export function newTensor(shape: readonly number[], dtype: DType, zero = true): Tensor {
  const n = numel(shape);
  const data = allocArray(dtype.arrayCtor, n, zero);
  return new Tensor(new Storage(data), shape.slice(), contiguousStrides(shape), 0, dtype);
}

/**
 * In-place arithmetic (add_, sub_, mul_, div_ outside autograd) offers its self as the place for the
 * result (withOutput); the first kernel that asks (outputFor) gets a view of self when that is safe —
 * CPU, contiguous, the result's shape and dtype, and no input overlapping self other than self's own
 * elements (element i is read before it is written) — and commitInPlace then has nothing to copy.
 */
let outHint: Tensor | null = null;
export function withOutput<T>(self: Tensor, f: () => T): T {
  const prev = outHint;
  outHint = self;
  try { return f(); } finally { outHint = prev; }
}

const sameView = (x: Tensor, h: Tensor) => x.offset === h.offset && x.ndim === h.ndim
  && x.shape.every((s, i) => s === h.shape[i] && (s === 1 || x.strides[i] === h.strides[i]));

/** A new tensor for a kernel's result, or the offered in-place target (see withOutput). */
export function outputFor(shape: readonly number[], dtype: DType, zero: boolean, ...inputs: Tensor[]): Tensor {
  const h = outHint;
  if (h) {
    outHint = null;
    if (h.dtype === dtype && h.device.type === 'cpu' && h.isContiguous && h.ndim === shape.length && h.shape.every((s, i) => s === shape[i])
      && inputs.every((x) => x.storage !== h.storage || sameView(x, h))) {
      return new Tensor(h.storage, h.shape.slice(), h.strides.slice(), h.offset, h.dtype);
    }
  }
  return newTensor(shape, dtype, zero);
}

function finish(out: StorageArray, dtype: DType): void {
  if (!dtype.needsConvert) return;
  for (let i = 0; i < out.length; i++) out[i] = castValue(dtype, out[i]);
}

// ---- canonical kernels ------------------------------------------------------------------------------

/** x + y: pass this function itself (not a copy) to binaryMap for its tight loop. */
export const ADD = (x: number, y: number): number => x + y;
export const SUB = (x: number, y: number): number => x - y;
export const MUL = (x: number, y: number): number => x * y;
export const DIV = (x: number, y: number): number => x / y;

type Bin = (x: number, y: number) => number;
type Arr = StorageArray;

/** od[o + j] = f(ad[ia + j*sa], bd[ib + j*sb]) for j < len, values as stored. */
function binaryRow(f: Bin, od: Arr, o: number, ad: Arr, ia: number, sa: number, bd: Arr, ib: number, sb: number, len: number): void {
  if (len >= SIMD_MIN_LEN) {
    // float32 arrays in the arena: the SIMD kernels (same bits)
    const op = f === ADD ? 0 : f === SUB ? 1 : f === MUL ? 2 : f === DIV ? 3 : -1;
    if (op >= 0 && arithF32(op as ArithOp, od, o, ad, ia, sa, bd, ib, sb, len)) return;
  }
  if (sa === 1 && sb === 1) {
    if (f === ADD) for (let j = 0; j < len; j++) od[o + j] = ad[ia + j] + bd[ib + j];
    else if (f === MUL) for (let j = 0; j < len; j++) od[o + j] = ad[ia + j] * bd[ib + j];
    else if (f === SUB) for (let j = 0; j < len; j++) od[o + j] = ad[ia + j] - bd[ib + j];
    else if (f === DIV) for (let j = 0; j < len; j++) od[o + j] = ad[ia + j] / bd[ib + j];
    else for (let j = 0; j < len; j++) od[o + j] = f(ad[ia + j], bd[ib + j]);
  } else if (sb === 0) {
    const y = bd[ib];
    if (f === ADD) for (let j = 0; j < len; j++) od[o + j] = ad[ia + j * sa] + y;
    else if (f === MUL) for (let j = 0; j < len; j++) od[o + j] = ad[ia + j * sa] * y;
    else if (f === SUB) for (let j = 0; j < len; j++) od[o + j] = ad[ia + j * sa] - y;
    else if (f === DIV) for (let j = 0; j < len; j++) od[o + j] = ad[ia + j * sa] / y;
    else for (let j = 0; j < len; j++) od[o + j] = f(ad[ia + j * sa], y);
  } else if (sa === 0) {
    const x = ad[ia];
    if (f === ADD) for (let j = 0; j < len; j++) od[o + j] = x + bd[ib + j * sb];
    else if (f === MUL) for (let j = 0; j < len; j++) od[o + j] = x * bd[ib + j * sb];
    else if (f === SUB) for (let j = 0; j < len; j++) od[o + j] = x - bd[ib + j * sb];
    else if (f === DIV) for (let j = 0; j < len; j++) od[o + j] = x / bd[ib + j * sb];
    else for (let j = 0; j < len; j++) od[o + j] = f(x, bd[ib + j * sb]);
  } else {
    for (let j = 0; j < len; j++) od[o + j] = f(ad[ia + j * sa], bd[ib + j * sb]);
  }
}

// ---- strided iteration ------------------------------------------------------------------------------

/**
 * Walk `shape` in row-major order, the last (coalesced) dim as rows: row(o, offs, len) gets the output
 * index of the row start and each operand's physical offset there; operands advance by `strides[k]`.
 */
function forEachRow(shape: readonly number[], offsets: number[], strides: number[][], row: (o: number, offs: number[], len: number) => void): void {
  // coalesce dims that are contiguous with their neighbour for every operand (size-1 dims vanish)
  const { shape: sh, strides: st } = coalesce(shape, strides);
  const nd = sh.length;
  if (nd === 0) { row(0, offsets.slice(), 1); return; }
  const len = sh[nd - 1];
  let rows = 1;
  for (let d = 0; d < nd - 1; d++) rows *= sh[d];
  const idx = new Array<number>(nd).fill(0);
  const offs = offsets.slice();
  for (let r = 0, o = 0; r < rows; r++, o += len) {
    row(o, offs, len);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < offs.length; k++) offs[k] += st[k][d];
      if (idx[d] < sh[d]) break;
      for (let k = 0; k < offs.length; k++) offs[k] -= st[k][d] * sh[d];
      idx[d] = 0;
    }
  }
}

/** t's strides viewed (broadcast) as `shape`: 0 on broadcast dims. */
function stridesAs(t: Tensor, shape: readonly number[]): number[] {
  if (t.shape.length === shape.length && t.shape.every((s, i) => s === shape[i])) return t.strides;
  return broadcastStrides(t.shape, t.strides, shape);
}

// ---- maps -------------------------------------------------------------------------------------------

/** out[i] = f(x[i]) with x read in `compute` dtype; result stored as `outDtype`. */
export function unaryMap(x: Tensor, compute: DType, outDtype: DType, f: (v: number) => number): Tensor {
  const out = newTensor(x.shape, outDtype, false);
  const od = out.storage.data;
  const xd = x.storage.data;
  const rd = reader(x, compute);
  const n = od.length;
  if (x.isContiguous) {
    const o = x.offset;
    if (rd) for (let i = 0; i < n; i++) od[i] = f(rd(xd[o + i]));
    else for (let i = 0; i < n; i++) od[i] = f(xd[o + i]);
  } else if (n > 0) {
    const sx = lastStride(x.shape, x.strides);
    forEachRow(x.shape, [x.offset], [x.strides], (o, offs, len) => rowUnary(f, rd, od, o, xd, offs[0], sx, len));
  }
  finish(od, outDtype);
  return out;
}

/** The stride of the innermost non-size-1 dim (the coalesced row's stride). */
function lastStride(shape: readonly number[], strides: readonly number[]): number {
  for (let d = shape.length - 1; d >= 0; d--) if (shape[d] !== 1) return strides[d];
  return 1;
}

function rowUnary(f: (v: number) => number, rd: Read, od: Arr, o: number, xd: Arr, ix: number, sx: number, len: number): void {
  if (rd) for (let j = 0; j < len; j++) od[o + j] = f(rd(xd[ix + j * sx]));
  else for (let j = 0; j < len; j++) od[o + j] = f(xd[ix + j * sx]);
}

/** out = f(a, b) broadcast, operands read in `compute` dtype; result stored as `outDtype`. */
export function binaryMap(a: Tensor, b: Tensor, shape: readonly number[], compute: DType, outDtype: DType, f: (x: number, y: number) => number): Tensor {
  const out = outputFor(shape, outDtype, false, a, b);
  const od = out.storage.data;
  const ad = a.storage.data, bd = b.storage.data;
  const ra = reader(a, compute), rb = reader(b, compute);
  const n = od.length;
  if (n === 0) { finish(od, outDtype); return out; }
  const na = a.numel(), nb = b.numel();
  const sameA = na === n && a.isContiguous, sameB = nb === n && b.isContiguous;
  if ((sameA ? !ra : na === 1) && (sameB ? !rb : nb === 1)) {
    // contiguous operands and single values (a single value is read, and cast, once)
    const A = !sameA && ra ? Float64Array.of(ra(ad[a.offset])) : ad, B = !sameB && rb ? Float64Array.of(rb(bd[b.offset])) : bd;
    binaryRow(f, od, 0, A, A === ad ? a.offset : 0, sameA ? 1 : 0, B, B === bd ? b.offset : 0, sameB ? 1 : 0, n);
  } else if (sameA && sameB) {
    const ao = a.offset, bo = b.offset;
    for (let i = 0; i < n; i++) od[i] = f(ra ? ra(ad[ao + i]) : ad[ao + i], rb ? rb(bd[bo + i]) : bd[bo + i]);
  } else {
    const sa = stridesAs(a, shape), sb = stridesAs(b, shape);
    // the coalesced row strides of each operand
    let lsa = 1, lsb = 1;
    for (let d = shape.length - 1; d >= 0; d--) if (shape[d] !== 1) { lsa = sa[d]; lsb = sb[d]; break; }
    const g: Bin = ra || rb ? (x, y) => f(ra ? ra(x) : x, rb ? rb(y) : y) : f;
    forEachRow(shape, [a.offset, b.offset], [sa, sb], (o, offs, len) => binaryRow(g, od, o, ad, offs[0], lsa, bd, offs[1], lsb, len));
  }
  finish(od, outDtype);
  return out;
}

const isFloatArray = (a: unknown) => a instanceof Float32Array || a instanceof Float64Array;

/** Write `src` (broadcast to dst's shape, cast to dst's dtype) into the view `dst` in place. */
export function copyInto(dst: Tensor, src: Tensor): void {
  if (dst.storage === src.storage && dst.dtype === src.dtype && sameView(src, dst)) return; // already there
  const dd = dst.storage.data, sd = src.storage.data;
  const n = dst.numel();
  if (n === 0) return;
  const conv = dst.dtype.needsConvert || (dst.dtype !== src.dtype && dst.dtype.category !== 'float');
  // same-shape contiguous copy between different storages: typed-array set (it rounds to float32 like a store)
  if (!conv && dst.storage !== src.storage && src.numel() === n && dst.isContiguous && src.isContiguous) {
    if (dst.dtype === src.dtype && arenaCopy(dd, dst.offset, sd, src.offset, n)) return;
    dd.set(sd.subarray(src.offset, src.offset + n), dst.offset);
    return;
  }
  const ss = stridesAs(src, dst.shape);
  const lsd = lastStride(dst.shape, dst.strides);
  let lss = 1;
  for (let d = dst.shape.length - 1; d >= 0; d--) if (dst.shape[d] !== 1) { lss = ss[d]; break; }
  const dt = dst.dtype;
  // unit-stride rows of float arrays in different storages (a broadcast bias into a product, say): one
  // typed-array set per row, which stores (and rounds) as the loop would
  const rows = !conv && lsd === 1 && lss === 1 && dst.storage !== src.storage && isFloatArray(dd) && isFloatArray(sd);
  forEachRow(dst.shape, [dst.offset, src.offset], [dst.strides, ss], (_o, offs, len) => {
    const id = offs[0], is = offs[1];
    if (rows) (dd as Float32Array).set((sd as Float32Array).subarray(is, is + len), id);
    else if (conv) for (let j = 0; j < len; j++) dd[id + j * lsd] = castValue(dt, sd[is + j * lss]);
    else for (let j = 0; j < len; j++) dd[id + j * lsd] = sd[is + j * lss];
  });
}

/** Apply f to every element of the view `dst` in place: dst[i] = f(dst[i], i). */
export function mapInPlace(dst: Tensor, f: (v: number, i: number) => number): void {
  const dd = dst.storage.data;
  const offs = dst.offsets();
  const conv = dst.dtype.needsConvert;
  for (let i = 0; i < offs.length; i++) {
    const v = f(dd[offs[i]], i);
    dd[offs[i]] = conv ? castValue(dst.dtype, v) : v;
  }
}
