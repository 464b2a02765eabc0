// CPU matrix-product kernels. PyTorch 1.13 (Debian) sends float/double mm, mv and dot to the reference
// (netlib) BLAS, whose loops have no FMA and no reordering, and picks the BLAS call (which operand is
// "transposed") from the operands' strides (aten/src/ATen/native/LinearAlgebra.cpp addmm_impl_cpu_,
// addmv_out_cpu, Blas.cpp). That choice decides where beta*C enters the sums, so it is modelled here.
// Small bmm/baddbmm (< 400 multiply-adds per batch item) use ATen's own naive loop instead.
// Results are JS numbers rounded per operation to the dtype (float32: Math.fround); a float32 result may
// be written straight into a Float32Array (the storage of the result tensor).
import { DType } from '../../dtype';
import { WASM_GEMM_MIN_MACS, sgemmWasm } from './wasm/gemm';

/** A strided matrix inside a flat array: element (i, j) is data[off + i * s0 + j * s1]. */
export interface Mat {
  data: ArrayLike<number>;
  off: number;
  rows: number;
  cols: number;
  s0: number;
  s1: number;
}

type Round = (x: number) => number;
const ident: Round = (x) => x;
const fr = Math.fround;

/** The rounding of one arithmetic result in `dtype`'s BLAS precision (half types use float32). */
export function roundFor(dtype: DType): Round {
  return dtype.category === 'float' && dtype.name !== 'float64' ? Math.fround : ident;
}

/** A row-major contiguous copy (Tensor.clone(MemoryFormat::Contiguous)). */
function contiguousCopy(a: Mat): Mat {
  const data = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) data[i * a.cols + j] = a.data[a.off + i * a.s0 + j * a.s1];
  return { data, off: 0, rows: a.rows, cols: a.cols, s0: a.cols, s1: 1 };
}

/**
 * Reference BLAS xGEMM, column-major: C := alpha*op(A)*op(B) + beta*C, with op(A) m×k, op(B) k×n.
 * A(i, l) is a[aOff + i + l * lda] (before op), likewise B and C.
 */
export function gemm(
  ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number,
  a: ArrayLike<number>, aOff: number, lda: number, b: ArrayLike<number>, bOff: number, ldb: number,
  beta: number, c: Float64Array | Float32Array, cOff: number, ldc: number, r: Round,
): void {
  if (m === 0 || n === 0 || ((alpha === 0 || k === 0) && beta === 1)) return;
  const scaleColumn = (cj: number) => {
    if (beta === 0) for (let i = 0; i < m; i++) c[cj + i] = 0;
    else if (beta !== 1) for (let i = 0; i < m; i++) c[cj + i] = r(beta * c[cj + i]);
  };
  if (alpha === 0) { for (let j = 0; j < n; j++) scaleColumn(cOff + j * ldc); return; }
  // B(l, j) of op(B): element (l, j) of B, or (j, l) when B is transposed
  const bs0 = tb ? ldb : 1, bs1 = tb ? 1 : ldb;
  const f32 = r === fr;
  // float32 with alpha 1: the WebAssembly SIMD kernel (same per-element order, bit-exact)
  if (f32 && alpha === 1 && m * n * k >= WASM_GEMM_MIN_MACS && sgemmWasm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc)) return;
  if (!ta) {
    // C(:, j) = beta*C(:, j), then C(:, j) += (alpha*B(l, j)) * A(:, l) for each l
    for (let j = 0; j < n; j++) {
      const cj = cOff + j * ldc;
      scaleColumn(cj);
      for (let l = 0; l < k; l++) {
        const temp = r(alpha * b[bOff + l * bs0 + j * bs1]);
        const al = aOff + l * lda;
        if (f32) for (let i = 0; i < m; i++) c[cj + i] = fr(c[cj + i] + fr(temp * a[al + i]));
        else for (let i = 0; i < m; i++) c[cj + i] += temp * a[al + i];
      }
    }
  } else {
    // one dot product per element (A(l, i) = a[i * lda + l]), then C = alpha*temp (+ beta*C)
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < m; i++) {
        const ai = aOff + i * lda, bj = bOff + j * bs1;
        let temp = 0;
        if (f32) for (let l = 0; l < k; l++) temp = fr(temp + fr(a[ai + l] * b[bj + l * bs0]));
        else for (let l = 0; l < k; l++) temp += a[ai + l] * b[bj + l * bs0];
        const o = cOff + i + j * ldc;
        c[o] = beta === 0 ? r(alpha * temp) : r(r(alpha * temp) + r(beta * c[o]));
      }
    }
  }
}

/**
 * addmm_impl_cpu_: out (m×n, row-major contiguous at outOff, already holding self when beta != 0)
 * := beta*out + alpha*(m1 @ m2), choosing the BLAS transposes from the strides as ATen does.
 */
export function addmmInto(out: Float64Array | Float32Array, outOff: number, m1In: Mat, m2In: Mat, beta: number, alpha: number, r: Round): void {
  const rows = m1In.rows, cols = m2In.cols;
  if (rows === 0 || cols === 0) return;
  if (m1In.cols === 0) {
    for (let i = 0; i < rows * cols; i++) out[outOff + i] = beta === 0 ? 0 : r(beta * out[outOff + i]);
    return;
  }
  // result strides are (cols, 1): "transpose_c" unless it is also column-major (cols == 1)
  const rs0 = cols, rs1 = 1;
  let m1 = m1In, m2 = m2In;
  let tc: boolean;
  if (rs0 === 1 && (cols === 1 || rs1 >= Math.max(1, rows))) tc = false;
  else { tc = true; [m1, m2] = [m2, m1]; }
  const M = tc ? cols : rows, N = tc ? rows : cols, K = m1In.cols;
  const strideOf = (x: Mat, d: number) => (d === 0 ? x.s0 : x.s1);
  const pick = (x: Mat, lead: number, other: number): [Mat, boolean] => {
    if (strideOf(x, tc ? 1 : 0) === 1 && strideOf(x, tc ? 0 : 1) >= Math.max(1, lead)) return [x, false];
    if (strideOf(x, tc ? 0 : 1) === 1 && strideOf(x, tc ? 1 : 0) >= Math.max(1, other)) return [x, true];
    return [contiguousCopy(x), !tc];
  };
  const [a, ta] = pick(m1, M, K);
  const [b, tb] = pick(m2, K, N);
  let lda = strideOf(a, ta === tc ? 1 : 0), ldb = strideOf(b, tb === tc ? 1 : 0);
  let ldc = tc ? rs0 : rs1;
  // cpublas normalize_last_dims
  if (N === 1) ldc = M;
  if (ta) { if (M === 1) lda = K; } else if (K === 1) lda = M;
  if (tb) { if (K === 1) ldb = N; } else if (N === 1) ldb = K;
  gemm(ta, tb, M, N, K, alpha, a.data, a.off, lda, b.data, b.off, ldb, beta, out, outOff, ldc, r);
}

/**
 * Reference BLAS xGEMV: y := alpha*op(A)*x + beta*y, A m×n column-major (A(i, j) = a[aOff + i + j*lda]).
 */
function gemv(
  trans: boolean, m: number, n: number, alpha: number, a: ArrayLike<number>, aOff: number, lda: number,
  x: ArrayLike<number>, xOff: number, incx: number, beta: number, y: Float64Array, r: Round,
): void {
  if (m === 0 || n === 0 || (alpha === 0 && beta === 1)) return;
  const leny = trans ? n : m;
  if (beta !== 1) for (let i = 0; i < leny; i++) y[i] = beta === 0 ? 0 : r(beta * y[i]);
  if (alpha === 0) return;
  const f32 = r === fr;
  if (!trans) {
    for (let j = 0; j < n; j++) {
      const temp = r(alpha * x[xOff + j * incx]), aj = aOff + j * lda;
      if (f32) for (let i = 0; i < m; i++) y[i] = fr(y[i] + fr(temp * a[aj + i]));
      else for (let i = 0; i < m; i++) y[i] += temp * a[aj + i];
    }
  } else {
    for (let j = 0; j < n; j++) {
      let temp = 0;
      const aj = aOff + j * lda;
      if (f32) for (let i = 0; i < m; i++) temp = fr(temp + fr(a[aj + i] * x[xOff + i * incx]));
      else for (let i = 0; i < m; i++) temp += a[aj + i] * x[xOff + i * incx];
      y[j] = r(y[j] + r(alpha * temp));
    }
  }
}

/** addmv_out_cpu: y (already holding self when beta != 0) := beta*y + alpha*(mat @ vec). */
export function addmvInto(y: Float64Array, mat: Mat, vec: { data: ArrayLike<number>; off: number; stride: number }, beta: number, alpha: number, r: Round): void {
  const [rows, cols] = [mat.rows, mat.cols];
  if (rows * cols === 0) {
    for (let i = 0; i < y.length; i++) y[i] = beta === 0 ? 0 : r(beta * y[i]);
    return;
  }
  const ldaOk = (mm: number, nn: number, lda: number) => nn === 1 || lda >= Math.max(1, mm);
  if (mat.s0 === 1 && ldaOk(rows, cols, mat.s1)) {
    gemv(false, rows, cols, alpha, mat.data, mat.off, cols === 1 ? rows : mat.s1, vec.data, vec.off, vec.stride, beta, y, r);
  } else if (mat.s1 === 1 && ldaOk(cols, rows, mat.s0)) {
    gemv(true, cols, rows, alpha, mat.data, mat.off, rows === 1 ? cols : mat.s0, vec.data, vec.off, vec.stride, beta, y, r);
  } else {
    const c = contiguousCopy(mat);
    gemv(true, cols, rows, alpha, c.data, 0, rows === 1 ? cols : c.s0, vec.data, vec.off, vec.stride, beta, y, r);
  }
}

/** xDOT: a sequential sum of rounded products from zero. */
export function dotKernel(x: ArrayLike<number>, xOff: number, incx: number, y: ArrayLike<number>, yOff: number, incy: number, n: number, r: Round): number {
  let s = 0;
  if (r === fr) for (let i = 0; i < n; i++) s = fr(s + fr(x[xOff + i * incx] * y[yOff + i * incy]));
  else for (let i = 0; i < n; i++) s += x[xOff + i * incx] * y[yOff + i * incy];
  return s;
}

/**
 * bmm / baddbmm. Batch items with fewer than 400 multiply-adds use ATen's naive kernel
 * (baddbmm_cpu_kernel); larger ones call addmm per batch item.
 * out holds self (bs×n×p contiguous) for baddbmm when beta != 0.
 */
export function bmmInto(out: Float64Array | Float32Array, b1: Mat[], b2: Mat[], beta: number, alpha: number, isBmm: boolean, r: Round): void {
  const bs = b1.length;
  if (bs === 0) return;
  const n = b1[0].rows, k = b1[0].cols, p = b2[0].cols;
  if (n * p === 0) return;
  if (k === 0) {
    for (let i = 0; i < out.length; i++) out[i] = isBmm || beta === 0 ? 0 : r(out[i] * beta);
    return;
  }
  if (k * n * p < 400) {
    // bmm: r = 0; r += a*b.  baddbmm: r *= beta; r += (alpha*a)*b.
    for (let b = 0; b < bs; b++) {
      const A = b1[b], B = b2[b];
      for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) {
        const o = b * n * p + i * p + j;
        let acc = isBmm || beta === 0 ? 0 : r(out[o] * beta);
        const ai = A.off + i * A.s0, bj = B.off + j * B.s1;
        if (isBmm && r === fr) for (let l = 0; l < k; l++) acc = fr(acc + fr(A.data[ai + l * A.s1] * B.data[bj + l * B.s0]));
        else for (let l = 0; l < k; l++) {
          const a = A.data[ai + l * A.s1], x = B.data[bj + l * B.s0];
          acc = r(acc + (isBmm ? r(a * x) : r(r(alpha * a) * x)));
        }
        out[o] = acc;
      }
    }
    return;
  }
  for (let b = 0; b < bs; b++) addmmInto(out, b * n * p, b1[b], b2[b], isBmm ? 0 : beta, isBmm ? 1 : alpha, r);
}
