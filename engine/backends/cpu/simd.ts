// Drivers of the arena's SIMD kernels (wasm/elementwise.wat) for the JavaScript loops of elementwise.ts
// and reduce.ts. Each returns false / null when it cannot run (no arena, output not in the arena, an
// operand of another kind), and the caller keeps its loop; when it runs, the results are bit for bit the
// loop's (see elementwise.wat).
import { ARENA_STATE_BYTES, Arena, KERNEL_STATE, STAGING, STAGING_BYTES, arenaKernels, arenaOffset, freeScratch, heapF32, scratch } from './alloc';
import { ArithJobOp, PARALLEL_MIN, parallelActivation, parallelArith, parallelCascade, readyThreads } from './threads';

/** Rows shorter than this stay in JavaScript (the call and checks cost more than the loop). */
export const SIMD_MIN_LEN = 256;
/** Operand kinds: 0 add, 1 sub, 2 mul, 3 div. */
export type ArithOp = 0 | 1 | 2 | 3;

const fr = Math.fround;

/** The arena byte offset of d[i..i+len) (copied into scratch when d is a plain Float32Array), or -1. */
function operand(d: ArrayLike<number>, i: number, len: number, tmp: number[]): number {
  const at = arenaOffset(d);
  if (at >= 0) return at + 4 * i;
  if (!(d instanceof Float32Array)) return -1;
  const s = scratch(4 * len);
  if (s < 0) return -1;
  tmp.push(s);
  heapF32().set(d.subarray(i, i + len), s >> 2);
  return s;
}

/**
 * od[o + j] = ad[ia + j*sa] ∘ bd[ib + j*sb] for j < len, float32, with sa, sb ∈ {0, 1} (0: a single
 * value) and od a float32 array in the arena. Returns false (nothing written) when the kernels cannot run.
 */
export function arithF32(op: ArithOp, od: ArrayLike<number>, o: number, ad: ArrayLike<number>, ia: number, sa: number,
  bd: ArrayLike<number>, ib: number, sb: number, len: number): boolean {
  if (len < SIMD_MIN_LEN || (sa | sb) > 1 || (sa === 0 && sb === 0)) return false;
  const oo = arenaOffset(od);
  if (oo < 0) return false;
  const K = arenaKernels()!.k;
  const out = oo + 4 * o;
  const tmp: number[] = [];
  try {
    if (sa === 1 && sb === 1) {
      const pa = operand(ad, ia, len, tmp), pb = operand(bd, ib, len, tmp);
      if (pa < 0 || pb < 0) return false;
      // large ones over the worker threads (elementwise: any split gives the same bits)
      if (len >= PARALLEL_MIN.arith && parallelArith(op, pa, pb, 0, out, len)) return true;
      (op === 0 ? K.add : op === 1 ? K.sub : op === 2 ? K.mul : K.div)(pa, pb, out, len);
      return true;
    }
    // one single value: it must be a float32 already (the JavaScript loop would not round it first)
    const s = sa === 0 ? ad[ia] : bd[ib];
    if (fr(s) !== s && s === s) return false;
    const pv = sa === 0 ? operand(bd, ib, len, tmp) : operand(ad, ia, len, tmp);
    if (pv < 0) return false;
    // the kernel's op number in the threads' arith job: adds subs rsubs muls divs rdivs = 4..9
    const jop = (sb === 0 ? [4, 5, 7, 8] : [4, 6, 7, 9])[op] as ArithJobOp;
    if (len >= PARALLEL_MIN.arith && parallelArith(jop, pv, 0, s, out, len)) return true;
    if (sb === 0) (op === 0 ? K.adds : op === 1 ? K.subs : op === 2 ? K.muls : K.divs)(pv, s, out, len);
    else (op === 0 ? K.adds : op === 1 ? K.rsubs : op === 2 ? K.muls : K.rdivs)(pv, s, out, len);
    return true;
  } finally {
    for (const s of tmp) freeScratch(s);
  }
}

/**
 * od[o + j] = relu(ad[ia + j]) (kind 'relu') or, with bd: ad[ia + j] where bd[ib + j] > th, else 0
 * (kind 'threshold': threshold_backward), for j < len, float32 contiguous, od in the arena. False when
 * the kernels cannot run (then nothing is written).
 */
export function activationF32(kind: 'relu' | 'threshold', od: ArrayLike<number>, o: number, ad: ArrayLike<number>, ia: number,
  len: number, bd: ArrayLike<number> | null = null, ib = 0, th = 0): boolean {
  if (len < SIMD_MIN_LEN) return false;
  const oo = arenaOffset(od);
  if (oo < 0) return false;
  const K = arenaKernels()!.k;
  const tmp: number[] = [];
  try {
    const pa = operand(ad, ia, len, tmp);
    if (pa < 0) return false;
    const par = len >= PARALLEL_MIN.act;
    if (kind === 'relu') {
      if (!(par && parallelActivation('relu', pa, 0, 0, oo + 4 * o, len))) K.relu(pa, oo + 4 * o, len);
      return true;
    }
    if (!bd || fr(th) !== th) return false;
    const pb = operand(bd, ib, len, tmp);
    if (pb < 0) return false;
    if (!(par && parallelActivation('threshold', pa, pb, th, oo + 4 * o, len))) K.threshold_bw(pa, pb, oo + 4 * o, len, th);
    return true;
  } finally {
    for (const s of tmp) freeScratch(s);
  }
}

/**
 * od[o + j] = fmaf(al, yd[iy + j], xd[ix + j]) for j < len (float32 al and operands, od in the arena):
 * the axpy kernel, with the elements it hands back formed by `exact` (random/fma.ts fma32). Bit for bit
 * random/fma.ts axpy32. False when the kernels cannot run.
 */
export function axpyF32(len: number, al: number, yd: ArrayLike<number>, iy: number, xd: ArrayLike<number>, ix: number,
  od: Float32Array, o: number, exact: (a: number, b: number, c: number) => number): boolean {
  if (len < SIMD_MIN_LEN || fr(al) !== al) return false;
  const oo = arenaOffset(od);
  if (oo < 0) return false;
  const K = arenaKernels()!.k;
  const tmp: number[] = [];
  try {
    const py = operand(yd, iy, len, tmp), px = operand(xd, ix, len, tmp);
    if (py < 0 || px < 0) return false;
    for (let i = 0; i < len;) {
      i += K.axpy(al, py + 4 * i, px + 4 * i, oo + 4 * (o + i), len - i);
      if (i < len) { od[o + i] = exact(al, yd[iy + i], xd[ix + i]); i++; }
    }
    return true;
  } finally {
    for (const s of tmp) freeScratch(s);
  }
}

/** Rows from which the cascade sum runs in WebAssembly. */
export const SIMD_MIN_ROWS = 64;
/** The state block of the calling thread (4 levels × 32 columns of float32). */
const STATE = KERNEL_STATE;
const STATE_BYTES = 512;
export const STATE_SLOTS = ARENA_STATE_BYTES / STATE_BYTES;

/**
 * reduce.ts cascadeColumns(d, start, 32, rows, f32 = true) in WebAssembly — or, with a row stride other
 * than 32, the cascade of each of the 32 columns d[start + c + i*rowStride] (reduce.ts cascade with
 * stride rowStride, as the contiguous outer reductions of cascadeSum run it): the 32 column sums, or
 * null when it cannot run here (d not a Float32Array, too few rows, no arena).
 */
export function cascadeColumns32(d: ArrayLike<number>, start: number, rows: number, lp: number, rowStride = 32): Float64Array | null {
  if (rows < SIMD_MIN_ROWS || !(d instanceof Float32Array)) return null;
  const A = arenaKernels();
  if (!A) return null;
  const at = arenaOffset(d);
  if (at >= 0 && 32 * rows >= PARALLEL_MIN.cascade) {
    const r = cascadeBlocks(A, at + 4 * start, rows, lp, 4 * rowStride);
    if (r) return r;
  }
  const heap = heapF32();
  heap.fill(0, STATE >> 2, (STATE + STATE_BYTES) >> 2);
  if (at >= 0) A.k.cascade32(at + 4 * start, 0, rows, lp, STATE, 4 * rowStride);
  else {
    // a plain array: stream its rows through the staging area (32 floats each), resuming the cascade at
    // each chunk's first row (the kernel addresses row i at src + 128*i, so src is shifted back by the
    // chunk's first row; i32 wraps)
    const chunk = STAGING_BYTES / 128;
    for (let i0 = 0; i0 < rows; i0 += chunk) {
      const i1 = Math.min(rows, i0 + chunk);
      if (rowStride === 32) heap.set(d.subarray(start + 32 * i0, start + 32 * i1), STAGING >> 2);
      else for (let i = i0; i < i1; i++) heap.set(d.subarray(start + i * rowStride, start + i * rowStride + 32), (STAGING >> 2) + 32 * (i - i0));
      A.k.cascade32((STAGING - 128 * i0) | 0, i0, i1, lp, STATE, 128);
    }
  }
  const out = new Float64Array(32);
  const s = STATE >> 2;
  for (let c = 0; c < 32; c++) out[c] = fr(fr(fr(heap[s + c] + heap[s + 32 + c]) + heap[s + 64 + c]) + heap[s + 96 + c]);
  return out;
}

/**
 * cascade32 over rows [0, rows) at byte offset src (row stride rsb bytes) split over the worker threads
 * by cascade blocks: the 32 column sums, bit for bit the one-thread kernel's, or null (nothing done)
 * when there are fewer than two chunks, no scratch memory or no ready worker.
 *
 * Why this is exact. Let step = 2^lp and B = step³. In the kernel (and in reduce.ts cascade /
 * cascadeColumns, which it follows) the flush after the step that ends at row i adds level 0 into
 * level 1, then — when i is a multiple of step² (i & m1 = 0, i being a multiple of step) — level 1 into
 * level 2, then — when i is also a multiple of step³ (i & m2 = 0) — level 2 into level 3, each time
 * setting the lower level to +0; i counts rows from the column's start. So at every multiple kB of B
 * that the step loop reaches, levels 0–2 are +0, and level 3 is touched only there: a3 := a3 + a2.
 * Hence over block k (rows [kB, (k+1)B)) levels 0–2 start at +0 and evolve from that block's rows alone,
 * with the same flush points (the same absolute i), and end as a2_k just before the flush; the one-
 * thread sum is a3_{k+1} = fr(a3_k + a2_k) from a3_0 = +0, then the rows after the last whole block
 * (levels 0–2 from +0, no level-3 flush since no multiple of B lies past the last block's end), and the
 * result fr(fr(fr(a0 + a1) + a2) + a3).
 * Here each block runs from its own zeroed state, at its absolute rows, so its state ends with level 3
 * R_k = fr(+0 + a2_k): a2_k, except that -0 becomes +0. The blocks are folded here in block order,
 * A_{k+1} = fr(A_k + R_k) from A_0 = +0, and the tail runs from a zeroed state too (its level 3 stays
 * +0), so the result is fr(fr(fr(t0 + t1) + t2) + A). A_k = a3_k for every k: a float32 sum is -0 only
 * when both addends are -0, so neither a3_k nor A_k is ever -0 (both start at +0); and for y ≠ -0,
 * y + (+0) and y + (-0) are both y (+0 when y = +0): so fr(A_k + R_k) = fr(a3_k + a2_k) whichever zero
 * R_k carries (NaN and other values: R_k = a2_k). The tail's levels are the one-thread ones by the same
 * argument (same rows, same absolute i, from +0). NaN bits too: where both addends are NaN the kernel's
 * f32x4.add gives the first one's (x64: a3's), while JavaScript's add may swap its operands, so once A is
 * NaN the fold keeps it as is. Checked in test/engine/backends/threads.test.ts.
 */
function cascadeBlocks(A: Arena, src: number, rows: number, lp: number, rsb: number): Float64Array | null {
  const B = 2 ** (3 * lp), blocks = Math.floor(rows / B);
  const chunks = blocks + (rows > blocks * B ? 1 : 0);
  if (chunks < 2 || readyThreads() < 2) return null;
  const bytes = STATE_BYTES * (blocks + 1);
  const states = scratch(bytes);
  if (states < 0) return null;
  try {
    A.k.zero(states, bytes);
    if (!parallelCascade(src, rows, lp, rsb, states, blocks)) return null;
    const heap = heapF32(), out = new Float64Array(32);
    const t = (states + STATE_BYTES * blocks) >> 2;
    for (let c = 0; c < 32; c++) {
      let a3 = 0;
      for (let k = 0, at = ((states + 384) >> 2) + c; k < blocks; k++, at += STATE_BYTES >> 2) if (a3 === a3) a3 = fr(a3 + heap[at]);
      out[c] = fr(fr(fr(heap[t + c] + heap[t + 32 + c]) + heap[t + 64 + c]) + a3);
    }
    return out;
  } finally {
    freeScratch(states);
  }
}
