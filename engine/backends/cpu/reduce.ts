// CPU reduction kernels that reproduce PyTorch 1.13's CPU results bit for bit (AVX2 build, one thread).
// The order of float additions is what makes the last bits, so this models how ATen walks a reduction:
// TensorIterator's dim order (reduced dims first, then by stride) and coalescing, then
//  - sum / nansum: cascade_sum (aten/src/ATen/native/cpu/SumKernel.cpp): 4 levels of partial sums,
//    4-way ILP, vector lanes (8 floats / 4 doubles), inner vs outer reduction paths;
//  - prod and friends: binary_kernel_reduce_vec (cpu/Reduce.h): 4 vector accumulators per row;
//  - var / std: Welford per output (with FMA in the m2 update), or two passes when reducing to one value.
import { DType, castValue } from '../../dtype';
import { fma32, fma64 } from '../../random/fma';
import { Tensor } from '../../tensor';
import { cascadeColumns32 } from './simd';

// ---- the iteration order (TensorIterator::reorder_dimensions + coalesce_dimensions) ----------

/** Dims of a reduction as TensorIterator iterates them: fastest first, with output and input strides (elements). */
export interface ReduceLayout {
  shape: number[];
  out: number[];
  inp: number[];
  /** the number of real dims (shape is padded with size-1 dims to at least 2) */
  ndim: number;
}

/**
 * The layout of reducing `x` over the dims flagged in `reduced` into a contiguous output (kept dims in
 * logical order). Output strides are 0 on reduced dims.
 */
export function reduceLayout(x: Tensor, reduced: readonly boolean[]): ReduceLayout {
  const nd = x.ndim;
  const out = new Array<number>(nd).fill(0);
  let s = 1;
  for (let d = nd - 1; d >= 0; d--) if (!reduced[d]) { out[d] = s; s *= x.shape[d]; }
  return iterLayout(x.shape, [out, x.strides.slice()], true);
}

/** reorder + coalesce for operands with the given strides (operand 0 is the output when isReduction). */
export function iterLayout(shape: readonly number[], strides: number[][], isReduction: boolean): ReduceLayout {
  const nd = shape.length;
  const perm: number[] = [];
  for (let d = nd - 1; d >= 0; d--) perm.push(d);
  const shouldSwap = (d0: number, d1: number): number => {
    for (let a = 0; a < strides.length; a++) {
      const s0 = strides[a][d0], s1 = strides[a][d1];
      if (isReduction && a === 0 && (s0 === 0) !== (s1 === 0)) return s1 === 0 ? 1 : -1;
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
      if (c > 0) { [perm[d0], perm[d1]] = [perm[d1], perm[d0]]; d1 = d0; } else if (c < 0) break;
    }
  }
  const sh = perm.map((p) => shape[p]);
  const st = strides.map((o) => perm.map((p) => o[p]));
  if (sh.length > 0) {
    let prev = 0;
    for (let d = 1; d < sh.length; d++) {
      const can = sh[prev] === 1 || sh[d] === 1 || st.every((o) => sh[prev] * o[prev] === o[d]);
      if (can) {
        if (sh[prev] === 1) for (const o of st) o[prev] = o[d];
        sh[prev] *= sh[d];
      } else {
        prev++;
        if (prev !== d) { for (const o of st) o[prev] = o[d]; sh[prev] = sh[d]; }
      }
    }
    sh.length = prev + 1;
    for (const o of st) o.length = prev + 1;
  }
  const ndim = sh.length;
  while (sh.length < 2) { sh.push(1); for (const o of st) o.push(0); }
  return { shape: sh, out: st[0], inp: st[st.length - 1], ndim };
}

/** TensorIterator::serial_for_each: the 2-D inner loop called for every index of the outer dims. */
export function forEach2d(L: ReduceLayout, inOffset: number,
  fn: (outBase: number, inBase: number, size0: number, size1: number) => void): void {
  const nd = L.shape.length;
  if (L.shape.some((s) => s === 0)) return;
  const idx = new Array<number>(nd).fill(0);
  let ob = 0, ib = inOffset;
  for (;;) {
    fn(ob, ib, L.shape[0], L.shape[1]);
    let d = 2;
    for (; d < nd; d++) {
      idx[d]++; ob += L.out[d]; ib += L.inp[d];
      if (idx[d] < L.shape[d]) break;
      ob -= L.out[d] * L.shape[d]; ib -= L.inp[d] * L.shape[d]; idx[d] = 0;
    }
    if (d >= nd) return;
  }
}

// ---- cascade sum (float sum / nansum) ------------------------------------------------------------

type Arr = ArrayLike<number>;
const fr = Math.fround;

/**
 * multi_row_sum for one column d[start + i * stride], i < size: four levels of partial sums, level j
 * flushed into level j + 1 every 2^levelPower additions of level j - 1 (f32: float32 arithmetic).
 */
function cascade(d: Arr, start: number, stride: number, size: number, f32: boolean): number {
  const ceilLog2 = size <= 2 ? 1 : 32 - Math.clz32(size - 1);
  const lp = Math.max(4, Math.floor(ceilLog2 / 4));
  const step = 2 ** lp, m1 = (step - 1) * 2 ** lp, m2 = (step - 1) * 2 ** (2 * lp);
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, i = 0;
  while (i + step <= size) {
    if (f32) for (let j = 0; j < step; j++, i++) a0 = fr(a0 + d[start + i * stride]);
    else for (let j = 0; j < step; j++, i++) a0 += d[start + i * stride];
    a1 = f32 ? fr(a1 + a0) : a1 + a0; a0 = 0;
    if ((i & m1) !== 0) continue;
    a2 = f32 ? fr(a2 + a1) : a2 + a1; a1 = 0;
    if ((i & m2) !== 0) continue;
    a3 = f32 ? fr(a3 + a2) : a3 + a2; a2 = 0;
  }
  if (f32) {
    for (; i < size; i++) a0 = fr(a0 + d[start + i * stride]);
    return fr(fr(fr(a0 + a1) + a2) + a3);
  }
  for (; i < size; i++) a0 += d[start + i * stride];
  return a0 + a1 + a2 + a3;
}

/** row_sum: the row seen as (-1, 4) for 4-way ILP, each column cascaded, then the tail, then the 4 partials. */
function rowSum(d: Arr, start: number, stride: number, size: number, f32: boolean): number {
  const n = Math.floor(size / 4);
  let p0 = 0, p1 = 0, p2 = 0, p3 = 0;
  if (n > 0) {
    p0 = cascade(d, start, 4 * stride, n, f32); p1 = cascade(d, start + stride, 4 * stride, n, f32);
    p2 = cascade(d, start + 2 * stride, 4 * stride, n, f32); p3 = cascade(d, start + 3 * stride, 4 * stride, n, f32);
  }
  for (let i = n * 4; i < size; i++) p0 = f32 ? fr(p0 + d[start + i * stride]) : p0 + d[start + i * stride];
  return f32 ? fr(fr(fr(p0 + p1) + p2) + p3) : p0 + p1 + p2 + p3;
}

/** log2 of the cascade's step for a column of `size` values (levelPower in SumKernel.cpp). */
export const cascadePower = (size: number): number => Math.max(4, Math.floor((size <= 2 ? 1 : 32 - Math.clz32(size - 1)) / 4));

/**
 * cascade() of the `cols` adjacent columns d[start + c + i * cols] (c < cols, i < size) in one pass over
 * memory (the flush points depend only on i, so every column adds in exactly cascade()'s order).
 */
export function cascadeColumns(d: Arr, start: number, cols: number, size: number, f32: boolean): Float64Array {
  const lp = cascadePower(size);
  const step = 2 ** lp, m1 = (step - 1) * 2 ** lp, m2 = (step - 1) * 2 ** (2 * lp);
  const a0 = new Float64Array(cols), a1 = new Float64Array(cols), a2 = new Float64Array(cols), a3 = new Float64Array(cols);
  let i = 0;
  const addRows = (end: number) => {
    for (; i < end; i++) {
      const b = start + i * cols;
      if (f32) for (let c = 0; c < cols; c++) a0[c] = fr(a0[c] + d[b + c]);
      else for (let c = 0; c < cols; c++) a0[c] += d[b + c];
    }
  };
  while (i + step <= size) {
    addRows(i + step);
    for (let c = 0; c < cols; c++) { a1[c] = f32 ? fr(a1[c] + a0[c]) : a1[c] + a0[c]; a0[c] = 0; }
    if ((i & m1) !== 0) continue;
    for (let c = 0; c < cols; c++) { a2[c] = f32 ? fr(a2[c] + a1[c]) : a2[c] + a1[c]; a1[c] = 0; }
    if ((i & m2) !== 0) continue;
    for (let c = 0; c < cols; c++) { a3[c] = f32 ? fr(a3[c] + a2[c]) : a3[c] + a2[c]; a2[c] = 0; }
  }
  addRows(size);
  for (let c = 0; c < cols; c++) a0[c] = f32 ? fr(fr(fr(a0[c] + a1[c]) + a2[c]) + a3[c]) : a0[c] + a1[c] + a2[c] + a3[c];
  return a0;
}

/** rowSum(d, start + l, lanes, size, f32) for every lane l < lanes, in one pass over memory. */
function rowSumLanes(d: Arr, start: number, lanes: number, size: number, f32: boolean): Float64Array {
  const n = Math.floor(size / 4);
  const out = new Float64Array(lanes);
  // float32 with 8 lanes (32 columns): the SIMD kernel when it can run (same additions, same order)
  const cols = n === 0 ? new Float64Array(4 * lanes)
    : (f32 && lanes === 8 && cascadeColumns32(d, start, n, cascadePower(n))) || cascadeColumns(d, start, 4 * lanes, n, f32);
  for (let l = 0; l < lanes; l++) {
    let p0 = cols[l];
    const p1 = cols[l + lanes], p2 = cols[l + 2 * lanes], p3 = cols[l + 3 * lanes];
    for (let i = n * 4; i < size; i++) p0 = f32 ? fr(p0 + d[start + l + i * lanes]) : p0 + d[start + l + i * lanes];
    out[l] = f32 ? fr(fr(fr(p0 + p1) + p2) + p3) : p0 + p1 + p2 + p3;
  }
  return out;
}

/** AVX2 vector shape of a sum: scalar lanes per load, accumulator lanes, and how half types fold pairs. */
interface SumSpec { vecLanes: number; accLanes: number; pairs: 'adjacent' | 'halves' | null }

function sumSpec(dtype: DType): SumSpec {
  switch (dtype.name) {
    case 'float64': return { vecLanes: 4, accLanes: 4, pairs: null };
    case 'float16': return { vecLanes: 16, accLanes: 8, pairs: 'adjacent' };
    case 'bfloat16': return { vecLanes: 16, accLanes: 8, pairs: 'halves' };
    default: return { vecLanes: 8, accLanes: 8, pairs: null };
  }
}

/**
 * torch.sum / torch.nansum of a floating tensor over the `reduced` dims, as cascade_sum computes it.
 * Returns the values of the contiguous output (kept dims in logical order).
 */
export function cascadeSum(x: Tensor, reduced: readonly boolean[], ignoreNan = false): Float64Array {
  const sp = sumSpec(x.dtype);
  const f32 = x.dtype.name !== 'float64';
  const half = x.dtype.name === 'float16' || x.dtype.name === 'bfloat16';
  const add = (a: number, b: number) => (f32 ? fr(a + b) : a + b);
  const store = (a: number, b: number) => (half ? castValue(x.dtype, fr(a + b)) : add(a, b));
  let nOut = 1;
  x.shape.forEach((s, d) => { if (!reduced[d]) nOut *= s; });
  const out = new Float64Array(nOut);
  const src: Arr = ignoreNan ? x.storage.data.map((v) => (v !== v ? 0 : v)) : x.storage.data;
  const L = reduceLayout(x, reduced);
  forEach2d(L, x.offset, (ob, ib, size0, size1) => {
    let os0 = L.out[0], os1 = L.out[1], is0 = L.inp[0], is1 = L.inp[1];
    if (os0 !== 0 && os1 === 0) { [os0, os1] = [os1, os0]; [is0, is1] = [is1, is0]; [size0, size1] = [size1, size0]; }
    const put = (j: number, v: number) => { const o = ob + j * os1; out[o] = store(out[o], v); };
    if (os0 !== 0 && os1 !== 0) { // not a reduction: out += in elementwise
      for (let j = 0; j < size1; j++) for (let i = 0; i < size0; i++) {
        const o = ob + j * os1 + i * os0;
        out[o] = store(out[o], src[ib + j * is1 + i * is0]);
      }
      return;
    }
    if (is0 === 1 && size0 >= sp.vecLanes) {
      // contiguous inner reduction: lane l of vector v is element v * lanes + l (half types: a folded pair)
      const nv = Math.floor(size0 / sp.vecLanes), A = sp.accLanes;
      for (let j = 0; j < size1; j++) {
        const base = ib + j * is1;
        let lanes: Arr = src, start = base;
        if (sp.pairs) {
          const folded = new Float64Array(nv * A);
          for (let v = 0; v < nv; v++) for (let l = 0; l < A; l++) {
            const e = base + v * sp.vecLanes;
            folded[v * A + l] = sp.pairs === 'adjacent' ? fr(src[e + 2 * l] + src[e + 2 * l + 1]) : fr(src[e + l] + src[e + l + A]);
          }
          lanes = folded; start = 0;
        }
        let fin = 0;
        for (let k = nv * sp.vecLanes; k < size0; k++) fin = add(fin, src[base + k]);
        const lanesum = rowSumLanes(lanes, start, A, nv, f32);
        for (let l = 0; l < A; l++) fin = add(fin, lanesum[l]);
        put(j, fin);
      }
    } else if (is1 === 1 && size1 >= sp.vecLanes) {
      // contiguous outer reduction: 4 vectors of columns at once, then single vectors, then scalars
      const A = sp.accLanes;
      let j = 0;
      const simd = f32 && !half && 4 * A === 32;
      for (; j + 4 * A <= size1; j += 4 * A) {
        // 32 float32 columns: the SIMD kernel walks them together (each column's additions unchanged)
        const cols = simd ? cascadeColumns32(src, ib + j, size0, cascadePower(size0), is0) : null;
        if (cols) for (let c = 0; c < 32; c++) put(j + c, cols[c]);
        else for (let c = 0; c < 4 * A; c++) put(j + c, cascade(src, ib + j + c, is0, size0, f32));
      }
      for (; j + A <= size1; j += A) for (let c = 0; c < A; c++) put(j + c, rowSum(src, ib + j + c, is0, size0, f32));
      for (; j < size1; j++) put(j, rowSum(src, ib + j, is0, size0, f32));
    } else if (is0 < is1) {
      for (let j = 0; j < size1; j++) put(j, rowSum(src, ib + j * is1, is0, size0, f32));
    } else {
      let j = 0;
      for (; j + 3 < size1; j += 4) for (let c = 0; c < 4; c++) put(j + c, cascade(src, ib + (j + c) * is1, is0, size0, f32));
      for (; j < size1; j++) put(j, rowSum(src, ib + j * is1, is0, size0, f32));
    }
  });
  return out;
}

// ---- binary_kernel_reduce_vec (prod, and integer sums) ---------------------------------------------

type Add = (a: number, b: number) => number;

/** Vector lanes of an AVX2 register for a dtype (Vectorized<T>::size()). */
export const vecLanes = (d: DType): number => 32 / d.itemsize;

/**
 * out = op(out, x) over the reduced dims with binary_kernel_reduce_vec's order: a contiguous inner
 * reduction keeps 4 vector accumulators and folds them lane by lane; an outer one keeps per-column vectors.
 */
export function vecReduce(x: Tensor, reduced: readonly boolean[], ident: number, op: Add): Float64Array {
  const lanes = vecLanes(x.dtype);
  let nOut = 1;
  x.shape.forEach((s, d) => { if (!reduced[d]) nOut *= s; });
  const out = new Float64Array(nOut).fill(ident);
  const src = x.storage.data;
  const L = reduceLayout(x, reduced);
  const block = 4 * lanes;
  forEach2d(L, x.offset, (ob, ib, size0, size1) => {
    const [os0, os1, is0, is1] = [L.out[0], L.out[1], L.inp[0], L.inp[1]];
    if (os0 === 0 && is0 === 1) {
      for (let j = 0; j < size1; j++) {
        const o = ob + j * os1, base = ib + j * is1;
        const count = Math.floor(size0 / block);
        if (count > 0) {
          const acc = Array.from({ length: block }, (_, k) => src[base + k]);
          for (let r = 1; r < count; r++) for (let k = 0; k < block; k++) acc[k] = op(acc[k], src[base + r * block + k]);
          const lane = Array.from({ length: lanes }, (_, l) => op(op(acc[l], acc[lanes + l]), op(acc[2 * lanes + l], acc[3 * lanes + l])));
          let b = lane[0];
          for (let l = 1; l < lanes; l++) b = op(b, lane[l]);
          out[o] = op(out[o], b);
        }
        for (let i = count * block; i < size0; i++) out[o] = op(out[o], src[base + i]);
      }
    } else if (os0 === 0 && os1 === 1 && is1 === 1) {
      let j = 0;
      for (; j + block <= size1; j += block) {
        for (let c = 0; c < block; c++) {
          let acc = src[ib + j + c];
          for (let i = 1; i < size0; i++) acc = op(acc, src[ib + i * is0 + j + c]);
          out[ob + j + c] = op(out[ob + j + c], acc);
        }
      }
      for (; j < size1; j++) for (let i = 0; i < size0; i++) out[ob + j] = op(out[ob + j], src[ib + i * is0 + j]);
    } else {
      for (let j = 0; j < size1; j++) for (let i = 0; i < size0; i++) {
        const o = ob + j * os1 + i * os0;
        out[o] = op(out[o], src[ib + j * is1 + i * is0]);
      }
    }
  });
  return out;
}

// ---- vector norms (norm_kernel_tensor_iterator_impl) -----------------------------------------------

/** is_reduce_lastdim: exactly one reduced dim, the innermost one, and it is contiguous. */
function isReduceLastdim(L: ReduceLayout): boolean {
  let count = 0;
  for (let d = 0; d < L.ndim; d++) if (L.out[d] === 0 && L.shape[d] > 1) count++;
  return count === 1 && L.out[0] === 0 && L.shape[0] > 1 && L.inp[0] === 1;
}

/**
 * The p-norm over the `reduced` dims. float32 p = 2 over a contiguous last dim runs ATen's vectorised
 * loop (8 lanes of fused x*x + acc, folded in order, then the tail as GCC compiled it); everything else
 * is a sequential accumulation per output (fused for p = 2), in float for float32/half and double for
 * float64. (Checked bit for bit on 876 rows of lengths 1..1003.)
 */
export function vectorNorm(x: Tensor, reduced: readonly boolean[], p: number): Float64Array {
  const isF64 = x.dtype.name === 'float64';
  const r = isF64 ? (v: number) => v : Math.fround;
  const fma = isF64 ? fma64 : fma32;
  let nOut = 1;
  x.shape.forEach((s, d) => { if (!reduced[d]) nOut *= s; });
  const out = new Float64Array(nOut);
  if (x.numel() === 0) return out;
  const src = x.storage.data;
  const L = reduceLayout(x, reduced);
  if (p === 2 && x.dtype.name === 'float32' && isReduceLastdim(L)) {
    const lanes = vecLanes(x.dtype);
    forEach2d(L, x.offset, (ob, ib, size0, size1) => {
      for (let j = 0; j < size1; j++) {
        const base = ib + j * L.inp[1];
        const acc = new Array<number>(lanes).fill(0);
        let d = 0;
        for (; d < size0 - (size0 % lanes); d += lanes) for (let l = 0; l < lanes; l++) { const v = src[base + d + l]; acc[l] = fma(v, v, acc[l]); }
        let b = acc[0];
        for (let l = 1; l < lanes; l++) b = r(b + acc[l]);
        // the compiler vectorises the tail's squares 4 at a time (rounded, then added in order);
        // the last size % 4 tail elements are fused multiply-adds
        const unfused = d + Math.floor((size0 - d) / 4) * 4;
        for (; d < unfused; d++) { const v = src[base + d]; b = r(b + r(v * v)); }
        for (; d < size0; d++) { const v = src[base + d]; b = fma(v, v, b); }
        out[ob + j * L.out[1]] = r(Math.sqrt(b));
      }
    });
    return out;
  }
  const { size, offsets } = reduceGroups(x, reduced);
  const invP = r(1 / p);
  for (let o = 0; o < nOut; o++) {
    let acc = p === -Infinity ? Infinity : 0;
    for (let i = 0; i < size; i++) {
      const v = src[offsets[o * size + i]], a = Math.abs(v);
      if (p === 0) acc = v !== 0 ? r(acc + 1) : acc;
      else if (p === 1) acc = r(acc + a);
      else if (p === 2) acc = fma(v, v, acc);
      else if (p === Infinity) acc = a !== a || acc !== acc ? NaN : Math.max(acc, a);
      else if (p === -Infinity) acc = a !== a || acc !== acc ? NaN : Math.min(acc, a);
      else acc = r(acc + r(Math.pow(a, p)));
    }
    out[o] = p === 2 ? r(Math.sqrt(acc)) : p === 0 || p === 1 || !Number.isFinite(p) ? acc : r(Math.pow(acc, invP));
  }
  return out;
}

// ---- per-output element walks (binary_kernel_reduce order) ---------------------------------------

/**
 * The physical offsets of the elements reduced into each output: group o (o in contiguous output
 * order) is offsets[o * size .. (o + 1) * size), in the order ATen visits them (by input stride).
 */
export function reduceGroups(x: Tensor, reduced: readonly boolean[]): { nOut: number; size: number; offsets: Int32Array | Float64Array } {
  let nOut = 1, size = 1;
  x.shape.forEach((s, d) => { if (reduced[d]) size *= s; else nOut *= s; });
  // reduced dims ordered by input stride (fastest first, as TensorIterator sorts them), kept dims logical
  const red = [...x.shape.keys()].filter((d) => reduced[d]).sort((a, b) => x.strides[a] - x.strides[b] || a - b).reverse();
  const kept = [...x.shape.keys()].filter((d) => !reduced[d]);
  const order = [...kept, ...red];
  const v = new Tensor(x.storage, order.map((d) => x.shape[d]), order.map((d) => x.strides[d]), x.offset, x.dtype);
  return { nOut, size, offsets: v.offsets() };
}

// ---- variance ------------------------------------------------------------------------------------

/** WelfordOps over values in double (m2 += delta * new_delta fused, as the AVX2 build compiles it). */
export function welford(get: (i: number) => number, n: number): { mean: number; m2: number } {
  let mean = 0, m2 = 0;
  for (let i = 0; i < n; i++) {
    const x = get(i);
    const delta = x - mean;
    mean = mean + delta / (i + 1);
    m2 = fma64(delta, x - mean, m2);
  }
  return { mean, m2 };
}

/** std_var_all_cpu's sum of squared deviations from `mean`: per 2-D chunk in memory order, in double. */
export function sumSquaredDeviations(x: Tensor, mean: number): number {
  const L = iterLayout(x.shape, [x.strides.slice()], false);
  const src = x.storage.data;
  let total = 0;
  forEach2d(L, x.offset, (_ob, ib, size0, size1) => {
    let local = 0;
    for (let j = 0; j < size1; j++) for (let i = 0; i < size0; i++) {
      const d = src[ib + j * L.inp[1] + i * L.inp[0]] - mean;
      local += d * d;
    }
    total += local;
  });
  return total;
}

// ---- selection and sorting: libstdc++'s algorithms, step for step ---------------------------------
// PyTorch's CPU sort (not stable by default), topk, mode and median call std::sort, std::nth_element and
// std::partial_sort, so which of several equal elements lands where (and so each index) follows
// libstdc++'s introsort / introselect / heap code. These are ports of those algorithms.

export type Less<T> = (a: T, b: T) => boolean;

const lg = (n: number) => 31 - Math.clz32(n);
function swap<T>(a: T[], i: number, j: number): void { const t = a[i]; a[i] = a[j]; a[j] = t; }

function moveMedianToFirst<T>(a: T[], result: number, x: number, y: number, z: number, comp: Less<T>): void {
  if (comp(a[x], a[y])) {
    if (comp(a[y], a[z])) swap(a, result, y);
    else if (comp(a[x], a[z])) swap(a, result, z);
    else swap(a, result, x);
  } else if (comp(a[x], a[z])) swap(a, result, x);
  else if (comp(a[y], a[z])) swap(a, result, z);
  else swap(a, result, y);
}

function unguardedPartition<T>(a: T[], first: number, last: number, pivot: number, comp: Less<T>): number {
  for (;;) {
    while (comp(a[first], a[pivot])) first++;
    last--;
    while (comp(a[pivot], a[last])) last--;
    if (!(first < last)) return first;
    swap(a, first, last);
    first++;
  }
}

function partitionPivot<T>(a: T[], first: number, last: number, comp: Less<T>): number {
  const mid = first + Math.floor((last - first) / 2);
  moveMedianToFirst(a, first, first + 1, mid, last - 1, comp);
  return unguardedPartition(a, first + 1, last, first, comp);
}

function unguardedLinearInsert<T>(a: T[], last: number, comp: Less<T>): void {
  const val = a[last];
  let next = last - 1;
  while (comp(val, a[next])) { a[last] = a[next]; last = next; next--; }
  a[last] = val;
}

function insertionSort<T>(a: T[], first: number, last: number, comp: Less<T>): void {
  if (first === last) return;
  for (let i = first + 1; i < last; i++) {
    if (comp(a[i], a[first])) {
      const val = a[i];
      for (let j = i; j > first; j--) a[j] = a[j - 1];
      a[first] = val;
    } else unguardedLinearInsert(a, i, comp);
  }
}

function pushHeap<T>(a: T[], first: number, hole: number, top: number, value: T, comp: Less<T>): void {
  let parent = Math.floor((hole - 1) / 2);
  while (hole > top && comp(a[first + parent], value)) {
    a[first + hole] = a[first + parent];
    hole = parent;
    parent = Math.floor((hole - 1) / 2);
  }
  a[first + hole] = value;
}

function adjustHeap<T>(a: T[], first: number, hole: number, len: number, value: T, comp: Less<T>): void {
  const top = hole;
  let child = hole;
  while (child < Math.floor((len - 1) / 2)) {
    child = 2 * (child + 1);
    if (comp(a[first + child], a[first + child - 1])) child--;
    a[first + hole] = a[first + child];
    hole = child;
  }
  if ((len & 1) === 0 && child === Math.floor((len - 2) / 2)) {
    child = 2 * (child + 1);
    a[first + hole] = a[first + child - 1];
    hole = child - 1;
  }
  pushHeap(a, first, hole, top, value, comp);
}

function popHeap<T>(a: T[], first: number, last: number, result: number, comp: Less<T>): void {
  const value = a[result];
  a[result] = a[first];
  adjustHeap(a, first, 0, last - first, value, comp);
}

function makeHeap<T>(a: T[], first: number, last: number, comp: Less<T>): void {
  const len = last - first;
  if (len < 2) return;
  for (let parent = Math.floor((len - 2) / 2); ; parent--) {
    adjustHeap(a, first, parent, len, a[first + parent], comp);
    if (parent === 0) return;
  }
}

function heapSelect<T>(a: T[], first: number, middle: number, last: number, comp: Less<T>): void {
  makeHeap(a, first, middle, comp);
  for (let i = middle; i < last; i++) if (comp(a[i], a[first])) popHeap(a, first, middle, i, comp);
}

function sortHeap<T>(a: T[], first: number, last: number, comp: Less<T>): void {
  while (last - first > 1) { last--; popHeap(a, first, last, last, comp); }
}

/** std::partial_sort(first, middle, last) */
export function partialSort<T>(a: T[], first: number, middle: number, last: number, comp: Less<T>): void {
  heapSelect(a, first, middle, last, comp);
  sortHeap(a, first, middle, comp);
}

function introsortLoop<T>(a: T[], first: number, last: number, depth: number, comp: Less<T>): void {
  while (last - first > 16) {
    if (depth === 0) { partialSort(a, first, last, last, comp); return; }
    depth--;
    const cut = partitionPivot(a, first, last, comp);
    introsortLoop(a, cut, last, depth, comp);
    last = cut;
  }
}

/** std::sort(first, last): introsort, then a final insertion sort. */
export function stdSort<T>(a: T[], first: number, last: number, comp: Less<T>): void {
  if (last - first < 1) return;
  introsortLoop(a, first, last, lg(last - first) * 2, comp);
  if (last - first > 16) {
    insertionSort(a, first, first + 16, comp);
    for (let i = first + 16; i < last; i++) unguardedLinearInsert(a, i, comp);
  } else insertionSort(a, first, last, comp);
}

/** std::nth_element(first, nth, last): introselect. */
export function nthElement<T>(a: T[], first: number, nth: number, last: number, comp: Less<T>): void {
  if (first === last || nth === last) return;
  let depth = lg(last - first) * 2;
  while (last - first > 3) {
    if (depth === 0) { heapSelect(a, first, nth + 1, last, comp); swap(a, first, nth); return; }
    depth--;
    const cut = partitionPivot(a, first, last, comp);
    if (cut <= nth) first = cut; else last = cut;
  }
  insertionSort(a, first, last, comp);
}

/** ATen's quick_select_template (SortingUtils.h): median-of-three quickselect used by kthvalue. */
export function quickSelect<T>(a: T[], k: number, gt: Less<T>): void {
  let L = 0, R = a.length - 1;
  for (;;) {
    if (R <= L) return;
    if (R === L + 1) { if (gt(a[L], a[R])) swap(a, L, R); return; }
    const P = L + Math.floor((R - L) / 2);
    swap(a, P, L + 1);
    if (gt(a[L + 1], a[R])) swap(a, L + 1, R);
    if (gt(a[L], a[R])) swap(a, L, R);
    if (gt(a[L + 1], a[L])) swap(a, L + 1, L);
    let i = L + 1, j = R;
    const piv = a[L];
    for (;;) {
      do i++; while (gt(piv, a[i]));
      do j--; while (gt(a[j], piv));
      if (j < i) break;
      swap(a, i, j);
    }
    swap(a, L, j);
    if (j <= k) L = i;
    if (j >= k) R = j - 1;
  }
}
