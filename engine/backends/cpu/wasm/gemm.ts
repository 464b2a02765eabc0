// float32 xGEMM through the WebAssembly SIMD kernel (gemm.wat), bit-exact with the reference BLAS
// loop that engine/backends/cpu/matmul.ts models: each C element is a sequential float32 sum of
// float32 products over k. The kernel shares its memory with the storage arena (../alloc.ts): operands
// stored there are packed straight from their storage (any strides: A·B, Aᵀ·B and A·Bᵀ share one inner
// loop), others are copied in first; the product is written straight into C when C is an arena array
// laid out as the kernel writes (the usual case: a new contiguous result), else through a work area.
// Large products are split across threads (../threads.ts).
import { WasmKernels, kernels } from './index';
import { SCRATCH_MAIN, parallelGemm } from '../threads';
import { arenaKernels, arenaOffset, freeScratch, heapF32, scratch } from '../alloc';

/** Products below this many multiply-adds stay in JavaScript (the call and packing would dominate). */
export const WASM_GEMM_MIN_MACS = 4096;
/** k block: the partial sums pass through C (as float32, so the order is unchanged) every KC steps. */
const KC = 256;
/** Row block, in 4-row panels: its packed A block (MCP*4 × KC floats, 64 KiB) stays in L2. */
const MCP = 16;

const fr = Math.fround;
const align = (x: number) => (x + 63) & ~63;
const extentOf = (rows: number, cols: number, rs: number, cs: number) => (rows - 1) * rs + (cols - 1) * cs + 1;

/**
 * Column-major C(i, j) = c[cOff + i + j*ldc] := beta*C + op(A)·op(B) with alpha = 1 (xGEMM's order:
 * without transposed A, beta*C first and the products added into it; with transposed A, the dot
 * product first and beta*C added last). Returns false when the kernel cannot run (no WebAssembly,
 * memory); the caller then uses its JavaScript loop.
 */
export function sgemmWasm(
  ta: boolean, tb: boolean, m: number, n: number, k: number,
  a: ArrayLike<number>, aOff: number, lda: number, b: ArrayLike<number>, bOff: number, ldb: number,
  beta: number, c: Float64Array | Float32Array, cOff: number, ldc: number,
): boolean {
  const K = kernels();
  if (!K) return false;
  // row-major X (n×m) = P (n×k) · Q (k×m) with X(j, i) = C(i, j), P(j, l) = op(B)(l, j), Q(l, i) = op(A)(i, l)
  const [pRs, pCs] = tb ? [1, ldb] : [ldb, 1];
  const [qRs, qCs] = ta ? [1, lda] : [lda, 1];
  const acc = beta !== 0 && !ta;
  const pAt = arenaOffset(b), qAt = arenaOffset(a), cAt = arenaOffset(c);
  // X is C itself when C is an arena array with X's row stride (then beta*C is formed in place)
  const direct = cAt >= 0 && ldc === m && (beta === 0 || acc);
  const pExt = extentOf(n, k, pRs, pCs), qExt = extentOf(k, m, qRs, qCs);
  const rawP = 0;
  const rawQ = align(rawP + (pAt >= 0 ? 0 : 4 * pExt));
  const packP = align(rawQ + (qAt >= 0 ? 0 : 4 * qExt));
  const packQ = align(packP + 16 * Math.ceil(n / 4) * k);
  const x = align(packQ + 32 * Math.ceil(m / 8) * k);
  const work = scratch(x + (direct ? 0 : 4 * n * m) + 64, true);
  if (work < 0) return false;
  try {
    const heap = heapF32();
    const copyIn = (src: ArrayLike<number>, off: number, ext: number, at: number) => {
      if (src instanceof Float32Array || src instanceof Float64Array) heap.set(src.subarray(off, off + ext), at >> 2);
      else for (let i = 0; i < ext; i++) heap[(at >> 2) + i] = src[off + i];
    };
    let pSrc = pAt + 4 * bOff, qSrc = qAt + 4 * aOff;
    if (pAt < 0) { copyIn(b, bOff, pExt, work + rawP); pSrc = work + rawP; }
    if (qAt < 0) { copyIn(a, aOff, qExt, work + rawQ); qSrc = work + rawQ; }
    K.gemm.pack_a(pSrc, pRs, pCs, n, k, work + packP);
    K.gemm.pack_b(qSrc, qRs, qCs, k, m, work + packQ);
    if (direct) {
      if (acc && beta !== 1) for (let i = cOff, e = cOff + n * m; i < e; i++) c[i] = fr(beta * c[i]);
      runGemm(K, work + packP, work + packQ, cAt + 4 * cOff, n, m, k, acc);
      return true;
    }
    const xi = (work + x) >> 2;
    if (acc) {
      for (let j = 0; j < n; j++) {
        const cj = cOff + j * ldc, xj = xi + j * m;
        if (beta === 1) for (let i = 0; i < m; i++) heap[xj + i] = c[cj + i];
        else for (let i = 0; i < m; i++) heap[xj + i] = fr(beta * c[cj + i]);
      }
    }
    runGemm(K, work + packP, work + packQ, work + x, n, m, k, acc);
    // the dot products, then C added last (transposed A, beta 1): the SIMD add where C is in the arena
    // (a float32 sum of two float32 values, as the loop below rounds it)
    const add = !acc && beta === 1 && cAt >= 0 ? arenaKernels()!.k.add : null;
    for (let j = 0; j < n; j++) {
      const cj = cOff + j * ldc, xj = xi + j * m;
      if (add) add(work + x + 4 * j * m, cAt + 4 * cj, cAt + 4 * cj, m);
      else if (beta === 0 || acc) c.set(heap.subarray(xj, xj + m), cj);
      else for (let i = 0; i < m; i++) c[cj + i] = fr(heap[xj + i] + fr(beta * c[cj + i]));
    }
    return true;
  } finally {
    freeScratch(work);
  }
}

/** The blocked product over all row panels, on both cores when it is large enough. */
function runGemm(K: WasmKernels, ap: number, bp: number, x: number, rows: number, cols: number, k: number, acc: boolean): void {
  if (parallelGemm(K, { ap, bp, c: x, m: rows, n: cols, k, ldc: cols, acc: acc ? 1 : 0, kc: KC, mcp: MCP })) return;
  K.gemm.gemm(ap, bp, x, rows, cols, k, cols, acc ? 1 : 0, 0, Math.ceil(rows / 4), KC, MCP, SCRATCH_MAIN);
}
