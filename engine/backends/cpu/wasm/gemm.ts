// float32 xGEMM through the WebAssembly SIMD kernel (gemm.wat), bit-exact with the reference BLAS
// loop that engine/backends/cpu/matmul.ts models: each C element is a sequential float32 sum of
// float32 products over k. Operands are copied into the kernel memory, packed there (any strides:
// A·B, Aᵀ·B and A·Bᵀ share one inner loop), multiplied (split across threads when large) and copied
// back.
import { RESERVED_BYTES, WasmKernels, ensureBytes, heapF32, kernels } from './index';
import { SCRATCH_MAIN, parallelGemm } from '../threads';

/** Products below this many multiply-adds stay in JavaScript (the copies would dominate). */
export const WASM_GEMM_MIN_MACS = 4096;
/** k block: the partial sums pass through C (as float32, so the order is unchanged) every KC steps. */
const KC = 256;
/** Row block, in 4-row panels: its packed A block (MCP*4 × KC floats, 64 KiB) stays in L2. */
const MCP = 16;

const fr = Math.fround;
const align = (x: number) => (x + 63) & ~63;

/** Copy the elements src[off + i*rs + j*cs] (rows×cols) into the heap at byte `dst`; returns the rebased offset 0 view strides. */
function copyIn(heap: Float32Array, dst: number, src: ArrayLike<number>, off: number, rows: number, cols: number, rs: number, cs: number): void {
  const extent = (rows - 1) * rs + (cols - 1) * cs + 1;
  const at = dst >> 2;
  if (src instanceof Float32Array || src instanceof Float64Array) heap.set(src.subarray(off, off + extent), at);
  else for (let i = 0; i < extent; i++) heap[at + i] = src[off + i];
}

const extentBytes = (rows: number, cols: number, rs: number, cs: number) => 4 * ((rows - 1) * rs + (cols - 1) * cs + 1);

/**
 * Column-major C(i, j) = c[cOff + i + j*ldc] := beta*C + op(A)·op(B) with alpha = 1 (xGEMM's order:
 * without transposed A, beta*C first and the products added into it; with transposed A, the dot
 * product first and beta*C added last). Returns false when the kernel cannot run (no WebAssembly,
 * memory); the caller then uses its JavaScript loop.
 */
export function sgemmWasm(
  ta: boolean, tb: boolean, m: number, n: number, k: number,
  a: ArrayLike<number>, aOff: number, lda: number, b: ArrayLike<number>, bOff: number, ldb: number,
  beta: number, c: Float64Array, cOff: number, ldc: number,
): boolean {
  const K = kernels();
  if (!K) return false;
  // row-major X (n×m) = P (n×k) · Q (k×m) with X(j, i) = C(i, j), P(j, l) = op(B)(l, j), Q(l, i) = op(A)(i, l)
  const [pRs, pCs] = tb ? [1, ldb] : [ldb, 1];
  const [qRs, qCs] = ta ? [1, lda] : [lda, 1];
  const rawP = RESERVED_BYTES;
  const rawQ = align(rawP + extentBytes(n, k, pRs, pCs));
  const packP = align(rawQ + extentBytes(k, m, qRs, qCs));
  const packQ = align(packP + 16 * Math.ceil(n / 4) * k);
  const x = align(packQ + 32 * Math.ceil(m / 8) * k);
  const end = x + 4 * n * m;
  if (!ensureBytes(K, end)) return false;
  const heap = heapF32(K);
  copyIn(heap, rawP, b, bOff, n, k, pRs, pCs);
  copyIn(heap, rawQ, a, aOff, k, m, qRs, qCs);
  K.gemm.pack_a(rawP, pRs, pCs, n, k, packP);
  K.gemm.pack_b(rawQ, qRs, qCs, k, m, packQ);
  const acc = beta !== 0 && !ta;
  const xi = x >> 2;
  if (acc) {
    for (let j = 0; j < n; j++) {
      const cj = cOff + j * ldc, xj = xi + j * m;
      if (beta === 1) for (let i = 0; i < m; i++) heap[xj + i] = c[cj + i];
      else for (let i = 0; i < m; i++) heap[xj + i] = fr(beta * c[cj + i]);
    }
  }
  runGemm(K, packP, packQ, x, n, m, k, acc);
  for (let j = 0; j < n; j++) {
    const cj = cOff + j * ldc, xj = xi + j * m;
    if (beta === 0 || acc) c.set(heap.subarray(xj, xj + m), cj);
    else for (let i = 0; i < m; i++) c[cj + i] = fr(heap[xj + i] + fr(beta * c[cj + i]));
  }
  return true;
}

/** The blocked product over all row panels, on both cores when it is large enough. */
function runGemm(K: WasmKernels, ap: number, bp: number, x: number, rows: number, cols: number, k: number, acc: boolean): void {
  const panels = Math.ceil(rows / 4);
  if (parallelGemm(K, { ap, bp, c: x, m: rows, n: cols, k, ldc: cols, acc: acc ? 1 : 0, panels, kc: KC, mcp: MCP })) return;
  K.gemm.gemm(ap, bp, x, rows, cols, k, cols, acc ? 1 : 0, 0, panels, KC, MCP, SCRATCH_MAIN);
}
