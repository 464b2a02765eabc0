// Sorting and selection along a dim on the webgpu device (sort / argsort / msort, topk, kthvalue, median /
// nanmedian), float32 or int32, values and int64 indices (i32 words bounded by the size along dim, like
// argmax's) made on the GPU.
//
// Values are compared as order-preserving u32 keys (int32: the sign bit flipped; float32: every NaN the
// largest key, -0 the key of +0, so equivalent values have equal keys), which makes one set of kernels
// serve both dtypes and both directions (uniform flags). Every slice is first sorted in the strict total
// order (key, index): ascending or descending, equal keys by index, which is what a stable sort gives
// (stable=True; and with no two equivalent values, what any correct sort gives). A bitonic network sorts
// blocks of up to 1024 elements in workgroup memory (one workgroup per block); longer slices are merged in
// passes (run width doubling; each element finds its place by a binary search in the other run). The
// sorted slices then become the outputs (the first k along dim for topk; values copied bit for bit).
//
// Where the CPU's order of equal values is not the stable one (sort(stable=False), topk: std::sort,
// std::partial_sort, std::nth_element; kthvalue: quick_select), one thread per slice looks for equal keys
// side by side in its sorted slice and, when it finds some, redoes the slice with the very algorithm the
// CPU runs (kernelsSortSeq.ts) and writes that. topk(sorted=False) with k·64 > n always takes the CPU's
// nth_element order. median's order is total but for an all-NaN nanmedian slice (nth_element again).
// So values and indices equal the CPU's exactly. Slices longer than 2^20 of the ops that may need a
// per-slice rerun (unstable sort, topk, kthvalue) run on the CPU. null when a kernel does not apply.
import { dtypes } from '../../dtype';
import { Tensor } from '../../tensor';
import { FLAT_MAIN, ROW_MAIN, WG, bindings, dispatch, flatKernel, gpuOut, onGpu, rowGroups, uniform, wgslType } from './common';
import { gpuDense } from './kernels';
import { STL_WGSL } from './kernelsSortSeq';
import { stateOf } from './storage';

/** The widest bitonic block (elements sorted in workgroup memory by one workgroup). */
const BLOCK = 1024;
/**
 * The longest slice one GPU thread may have to redo with the CPU's algorithm (a single thread sorting far
 * more could outlast a display driver's watchdog): longer slices of the ops that may need it run on the CPU.
 */
const SEQ_MAX = 1 << 20;
const sizeAlong = (x: Tensor, dim: number) => (x.ndim === 0 ? 1 : x.shape[dim]);

/** Uniform fields of every sort kernel after its first two: the slices' geometry, the flags, k. */
const GEOM = 'size: u32, inner: u32, xo: u32, width: u32, kout: u32, k: u32, isf: u32, desc: u32, mode: u32, pad: u32';
const FIELDS = `n: u32, w: u32, ${GEOM}`;
const WORDS = 12;

/**
 * WGSL keyOf(bits): the order-preserving key, complemented when descending (so that every comparison is
 * `<`); before(...): the total order with the index (SENT: past the end).
 */
const KEYS = `const NANKEY = 0xffffffffu;
const SENT = 0xffffffffu;
fn keyOf(b: u32) -> u32 {
  var k = b ^ 0x80000000u;
  if (p.isf != 0u) {
    if ((b & 0x7fffffffu) > 0x7f800000u) { k = NANKEY; } else if (b == 0x80000000u) { k = b; } else { k = select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u); }
  }
  return select(k, ~k, p.desc != 0u);
}
fn before(ka: u32, ia: u32, kb: u32, ib: u32) -> bool {
  if (ia == SENT) { return false; }
  if (ib == SENT) { return true; }
  return ka < kb || (ka == kb && ia < ib);
}
fn xAt(s: u32, k: u32) -> u32 { return p.xo + (s / p.inner) * p.size * p.inner + s % p.inner + k * p.inner; }`;

/**
 * The slices of `x` along `dim` sorted in the total order: the keys and indices of slice s at
 * [s·size, (s + 1)·size), and kx: the key of element k of slice s at s·size + k.
 */
interface Slices { x: Tensor; size: number; inner: number; slices: number; keys: Tensor; idx: Tensor; kx: Tensor; head: number[] }

/** `x`'s slices along `dim` sorted in the total order (descending or not), or null. */
function sortSlices(x: Tensor, dim: number, desc: boolean): Slices | null {
  const xc = onGpu(x) && wgslType(x.dtype) ? gpuDense(x) : null;
  if (!xc) return null;
  const size = sizeAlong(x, dim);
  const inner = x.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const slices = size === 0 ? 0 : x.numel() / size;
  const n = slices * size, isf = x.dtype === dtypes.float32 ? 1 : 0;
  const scratch = () => gpuOut([n], dtypes.int32);
  const s: Slices = { x: xc, size, inner, slices, keys: scratch(), idx: scratch(), kx: scratch(), head: [size, inner, xc.offset] };
  if (n === 0) return s;
  let width = 1;
  while (width < Math.min(s.size, BLOCK)) width *= 2;
  const nb = Math.ceil(s.size / width), rows = s.slices * nb;
  const groups = rowGroups(rows);
  const p = uniform(WORDS);
  p.u.set([rows, groups[0], ...s.head, width, nb, 0, isf, desc ? 1 : 0]);
  dispatch('sort:block', blockCode, [s.x], [s.keys, s.idx, s.kx], p.buffer, groups);
  for (; width < s.size; width *= 2) {
    const k2 = gpuOut([n], dtypes.int32), i2 = gpuOut([n], dtypes.int32);
    flatKernel('sort:merge', mergeCode, [s.keys, s.idx], [k2, i2], n, [s.size, s.inner, 0, width, 0, 0, isf, desc ? 1 : 0], WORDS);
    s.keys = k2; s.idx = i2;
  }
  return s;
}

function blockCode(): string {
  return `${bindings([['X', 'u32'], ['K', 'u32', true], ['I', 'i32', true], ['KX', 'u32', true]], `rows: u32, gx: u32, ${GEOM}`)}
${KEYS}
var<workgroup> sk: array<u32, ${BLOCK}>;
var<workgroup> si: array<u32, ${BLOCK}>;
${ROW_MAIN}
  let P = p.width;
  let s = row / p.kout;
  let b0 = (row % p.kout) * P;
  for (var e = l.x; e < P; e += ${WG}u) {
    let k = b0 + e;
    if (k < p.size) {
      sk[e] = keyOf(X[xAt(s, k)]);
      si[e] = k;
      KX[s * p.size + k] = sk[e];
    } else { si[e] = SENT; }
  }
  workgroupBarrier();
  for (var k = 2u; k <= P; k = k * 2u) {
    for (var j = k / 2u; j > 0u; j = j / 2u) {
      for (var q = l.x; q < P / 2u; q += ${WG}u) {
        let a = 2u * j * (q / j) + q % j;
        let b = a + j;
        let swap = select(before(sk[a], si[a], sk[b], si[b]), before(sk[b], si[b], sk[a], si[a]), (a & k) == 0u);
        if (swap) {
          let tk = sk[a]; sk[a] = sk[b]; sk[b] = tk;
          let ti = si[a]; si[a] = si[b]; si[b] = ti;
        }
      }
      workgroupBarrier();
    }
  }
  for (var e = l.x; e < P; e += ${WG}u) {
    if (b0 + e < p.size) { K[s * p.size + b0 + e] = sk[e]; I[s * p.size + b0 + e] = i32(si[e]); }
  }
}`;
}

function mergeCode(): string {
  return `${bindings([['KA', 'u32'], ['IA', 'i32'], ['K', 'u32', true], ['I', 'i32', true]], FIELDS)}
${KEYS}
${FLAT_MAIN}
  let s = i / p.size;
  let pos = i % p.size;
  let start = pos - pos % p.width;
  let key = KA[i];
  let id = u32(IA[i]);
  // the other run of the pair, and where the pair starts
  var lo = start + p.width;
  var base = start;
  if (((pos / p.width) & 1u) == 1u) { lo = start - p.width; base = lo; }
  let hi = min(lo + p.width, p.size);
  var a = 0u;
  var b = select(0u, hi - lo, hi > lo);
  let o = s * p.size + lo;
  while (a < b) {
    let m = (a + b) / 2u;
    if (before(KA[o + m], u32(IA[o + m]), key, id)) { a = m + 1u; } else { b = m; }
  }
  let at = s * p.size + base + (pos - start) + a;
  K[at] = key;
  I[at] = i32(id);
}`;
}

/** New values / int64 indices shaped `shape` (indices bounded by the size along dim). */
function outputs(x: Tensor, shape: readonly number[], size: number): [Tensor, Tensor] {
  const v = gpuOut(shape, x.dtype), i = gpuOut(shape, dtypes.int64, Float64Array);
  stateOf(i.storage).bound = size;
  return [v, i];
}

/** The slice-major position of element j < kout of slice i in outputs laid out like x with kout along dim. */
const OUT_AT = 'fn outAt(s: u32, j: u32) -> u32 { return (s / p.inner) * p.kout * p.inner + s % p.inner + j * p.inner; }';

/** The first `kout` of every sorted slice into values (bits of x) / indices. */
function spread(s: Slices, v: Tensor, i: Tensor, kout: number): void {
  flatKernel('sort:spread', () => `${bindings([['X', 'u32'], ['IS', 'i32'], ['V', 'u32', true], ['I', 'i32', true]], FIELDS)}
${KEYS}
${OUT_AT}
${FLAT_MAIN}
  let s = i / p.kout;
  let j = i % p.kout;
  let id = IS[s * p.size + j];
  V[outAt(s, j)] = X[xAt(s, u32(id))];
  I[outAt(s, j)] = id;
}`, [s.x, s.idx], [v, i], s.slices * kout, [...s.head, 0, kout], WORDS);
}

/**
 * The CPU's per-slice algorithm, one thread per slice over the items IS (kernelsSortSeq.ts) with `less`:
 * `<` of the keys KX (complemented when the slices were sorted descending), with the index for equal
 * non-NaN keys when `tie` (median's (value, index) order):
 *   sort: where the sorted slice has equal neighbours, std::sort(0, size), all written;
 *   topk (mode 0 / 1 / 2): where the sorted slice has equal neighbours, std::partial_sort(0, k, size) /
 *     std::nth_element(0, k - 1, size) then std::sort(0, k - 1); mode 2: always std::nth_element; the
 *     first k written;
 *   quick (kthvalue, slices sorted descending: quick_select compares by "greater"): quick_select(k - 1)
 *     where the k-th smallest key has an equal neighbour; one written;
 *   median (mode 1: nanmedian): the lower median of the sorted slice (median: the first NaN when there is
 *     one), std::nth_element(0, 0, size) over an all-NaN nanmedian slice of more than 3; one written.
 */
type Algo = 'sort' | 'topk' | 'quick' | 'median';

function perSlice(s: Slices, algo: Algo, v: Tensor, i: Tensor, f: { k?: number; kout: number; mode?: number; tie?: boolean }): void {
  flatKernel(`sort:slice:${algo}`, () => sliceCode(algo), [s.x, s.keys, s.kx], [s.idx, v, i], s.slices,
    [...s.head, f.tie ? 1 : 0, f.kout, f.k ?? 0, s.x.dtype === dtypes.float32 ? 1 : 0, 0, f.mode ?? 0], WORDS);
}

const TIES = `var ties = false;
  for (var j = 1u; j < p.size; j++) { if (KS[ab + j - 1u] == KS[ab + j]) { ties = true; break; } }`;
const FRESH = 'for (var j = 0; j < i32(p.size); j++) { sa(j, j); }';

function sliceCode(algo: Algo): string {
  const one = algo === 'quick' || algo === 'median';
  const write = one ? 'V[i] = X[xAt(i, u32(ga(pick)))];\n  I[i] = ga(pick);' : `for (var j = 0u; j < p.kout; j++) {
    V[outAt(i, j)] = X[xAt(i, u32(ga(i32(j))))];
    I[outAt(i, j)] = ga(i32(j));
  }`;
  const body = {
    sort: `${TIES}
  if (!ties) { return; }
  ${FRESH}
  intro(0, i32(p.size), 0, false);`,
    topk: `${TIES}
  if (!ties && p.mode != 2u) { return; }
  ${FRESH}
  let k = i32(p.k);
  if (p.mode == 0u) { heap(0, k, i32(p.size), true); } else {
    for (var step = 0; step < 2; step++) {
      if (step == 1 && p.mode == 2u) { break; }
      intro(0, select(i32(p.size), k - 1, step == 1), select(k - 1, 0, step == 1), step == 0);
    }
  }`,
    quick: `let at = ab + p.size - p.k;
  var pick = i32(p.size - p.k);
  if (!((p.k < p.size && KS[at - 1u] == KS[at]) || (p.k > 1u && KS[at + 1u] == KS[at]))) { ${write} return; }
  ${FRESH}
  pick = i32(p.k) - 1;
  quickSelect(pick, i32(p.size));`,
    median: `var nn = 0u;
  while (p.isf != 0u && nn < p.size && KS[ab + p.size - 1u - nn] == NANKEY) { nn++; }
  var pick = select(select(i32(p.size - nn - 1u) / 2, i32(p.size - nn), nn > 0u), max(i32(p.size - nn) - 1, 0) / 2, p.mode == 1u);
  if (p.mode == 0u || nn < p.size || p.size <= 3u) { ${write} return; }
  ${FRESH}
  pick = 0;
  intro(0, i32(p.size), 0, true);`,
  }[algo];
  return `${bindings([['X', 'u32'], ['KS', 'u32'], ['KX', 'u32'], ['A', 'i32', true], ['V', 'u32', true], ['I', 'i32', true]], FIELDS)}
${KEYS}
${OUT_AT}
fn less(a: i32, b: i32) -> bool {
  let ka = KX[ab + u32(a)];
  let kb = KX[ab + u32(b)];
  return ka < kb || (p.width != 0u && ka == kb && ka != NANKEY && a < b);
}
${STL_WGSL}
${FLAT_MAIN}
  ab = i * p.size;
  ${body}
  ${write}
}`;
}

// ---- the ops ---------------------------------------------------------------------------------------

/** sort along `dim` (descending or not; the CPU's order of equal values when not stable): [values, indices], or null. */
export function gpuSort(x: Tensor, dim: number, desc: boolean, stable: boolean): [Tensor, Tensor] | null {
  if (!stable && sizeAlong(x, dim) > SEQ_MAX) return null;
  const s = sortSlices(x, dim, desc);
  if (!s) return null;
  const [v, i] = outputs(x, x.shape, s.size);
  if (s.slices === 0) return [v, i];
  spread(s, v, i, s.size);
  if (!stable && s.size > 1) perSlice(s, 'sort', v, i, { kout: s.size });
  return [v, i];
}

/** topk along `dim` (the CPU's choice of algorithm and so its order of equal values): [values, indices], or null. */
export function gpuTopk(x: Tensor, dim: number, k: number, largest: boolean, sorted: boolean): [Tensor, Tensor] | null {
  const shape = x.ndim === 0 ? [] : x.shape.map((n, d) => (d === dim ? k : n));
  if (sizeAlong(x, dim) > SEQ_MAX) return null;
  const s = sortSlices(x, dim, largest);
  if (!s) return null;
  const [v, i] = outputs(x, shape, s.size);
  if (s.slices === 0 || k === 0) return [v, i];
  // the CPU: partial_sort when k·64 <= n, else nth_element (then a sort of the first k - 1 when sorted)
  const mode = k * 64 <= s.size ? 0 : sorted ? 1 : 2;
  spread(s, v, i, k);
  if (s.size > 1) perSlice(s, 'topk', v, i, { k, kout: k, mode });
  return [v, i];
}

/** kthvalue along `dim` into `outShape` (the CPU's quick_select choice among equal values): [values, indices], or null. */
export function gpuKthvalue(x: Tensor, dim: number, k: number, outShape: readonly number[]): [Tensor, Tensor] | null {
  if (sizeAlong(x, dim) > SEQ_MAX) return null;
  return pickOne(x, dim, outShape, true, 'quick', { k, kout: 1 });
}

/** median / nanmedian along `dim` into `outShape`: [values, indices], or null. */
export function gpuMedian(x: Tensor, dim: number, ignoreNan: boolean, outShape: readonly number[]): [Tensor, Tensor] | null {
  return pickOne(x, dim, outShape, false, 'median', { kout: 1, mode: ignoreNan ? 1 : 0, tie: true });
}

function pickOne(x: Tensor, dim: number, outShape: readonly number[], desc: boolean, algo: Algo, f: { k?: number; kout: number; mode?: number; tie?: boolean }): [Tensor, Tensor] | null {
  const s = sortSlices(x, dim, desc);
  if (!s || s.slices === 0) return null;
  const [v, i] = outputs(x, outShape, s.size);
  perSlice(s, algo, v, i, f);
  return [v, i];
}
