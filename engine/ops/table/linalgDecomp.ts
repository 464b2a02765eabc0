// Op table: LU-based linear algebra. linalg.det / det, linalg.slogdet, linalg.inv / inverse, linalg.inv_ex.
// The LU factorisation replays reference LAPACK's recursive getrf2 (partial pivoting, reciprocal scaling)
// and getrs (triangular solves in reference BLAS order), rounding every step to the dtype, so float32
// results print like PyTorch 1.13's. Like ATen, a contiguous A is factored as A^T (F-contiguous view).
import { isGradEnabled, record } from '../../autograd';
import { DType, dtypes } from '../../dtype';
import { TorchError, check, runtimeError } from '../../errors';
import { namedTuple } from '../../namedtuple';
import { Tensor } from '../../tensor';
import { roundFor } from '../../backends/cpu/matmul';
import { defineOps } from '../spec';
import { shortTypeName } from '../inplace';
import { call } from '../util';
import { fromValues } from './reduce';

type Round = (x: number) => number;

/** A column-major n x n matrix with LAPACK's 1-based pivots. */
interface LU { a: Float64Array; n: number; piv: Int32Array; info: number }

/** sgetrf2 on the m x n block at (r0, c0) of column-major `a` (leading dim ld); returns info (1-based, 0 = ok). */
function getrf2(a: Float64Array, ld: number, r0: number, c0: number, m: number, n: number, piv: Int32Array, rd: Round, sfmin: number): number {
  const at = (i: number, j: number) => (c0 + j) * ld + r0 + i;
  if (m === 0 || n === 0) return 0;
  if (m === 1) { piv[r0] = 1; return a[at(0, 0)] === 0 ? 1 : 0; }
  if (n === 1) {
    let p = 0, best = -1;
    for (let i = 0; i < m; i++) { const v = Math.abs(a[at(i, 0)]); if (v > best) { best = v; p = i; } }
    piv[r0] = p + 1;
    if (a[at(p, 0)] === 0) return 1;
    if (p !== 0) { const t = a[at(0, 0)]; a[at(0, 0)] = a[at(p, 0)]; a[at(p, 0)] = t; }
    const d = a[at(0, 0)];
    if (Math.abs(d) >= sfmin) { const r = rd(1 / d); for (let i = 1; i < m; i++) a[at(i, 0)] = rd(a[at(i, 0)] * r); }
    else for (let i = 1; i < m; i++) a[at(i, 0)] = rd(a[at(i, 0)] / d);
    return 0;
  }
  const mn = Math.min(m, n), n1 = Math.floor(mn / 2), n2 = n - n1;
  let info = getrf2(a, ld, r0, c0, m, n1, piv, rd, sfmin);
  laswp(a, ld, r0, c0 + n1, n2, 0, n1, piv);
  // trsm Left Lower NoTrans Unit: A12 := L11^-1 A12
  for (let j = 0; j < n2; j++) for (let k = 0; k < n1; k++) {
    const bkj = a[at(k, n1 + j)];
    if (bkj !== 0) for (let i = k + 1; i < n1; i++) a[at(i, n1 + j)] = rd(a[at(i, n1 + j)] - rd(bkj * a[at(i, k)]));
  }
  // gemm: A22 := A22 - A21 A12
  for (let j = 0; j < n2; j++) for (let l = 0; l < n1; l++) {
    const t = -a[at(l, n1 + j)];
    if (t !== 0) for (let i = n1; i < m; i++) a[at(i, n1 + j)] = rd(a[at(i, n1 + j)] + rd(t * a[at(i, l)]));
  }
  const i2 = getrf2(a, ld, r0 + n1, c0 + n1, m - n1, n2, piv, rd, sfmin);
  if (info === 0 && i2 > 0) info = i2 + n1;
  for (let i = n1; i < mn; i++) piv[r0 + i] += n1;
  laswp(a, ld, r0, c0, n1, n1, mn, piv);
  return info;
}

/** slaswp: for k in [k1, k2) swap rows k and piv[r0+k]-1 of the `ncols` columns starting at c0 (rows relative to r0). */
function laswp(a: Float64Array, ld: number, r0: number, c0: number, ncols: number, k1: number, k2: number, piv: Int32Array): void {
  for (let k = k1; k < k2; k++) {
    const p = piv[r0 + k] - 1;
    if (p === k) continue;
    for (let j = 0; j < ncols; j++) {
      const x = (c0 + j) * ld + r0 + k, y = (c0 + j) * ld + r0 + p;
      const t = a[x]; a[x] = a[y]; a[y] = t;
    }
  }
}

/** getrf of the n x n matrix m(i, j) (row-major accessor). */
function luFactor(get: (i: number, j: number) => number, n: number, dt: DType): LU {
  const a = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) a[j * n + i] = get(i, j);
  const piv = new Int32Array(n);
  const single = dt.name === 'float32';
  const info = getrf2(a, n, 0, 0, n, n, piv, roundFor(dt), single ? 1.1754943508222875e-38 : 2.2250738585072014e-308);
  return { a, n, piv, info };
}

/** getrs: solves op(M) X = B in place (B column-major n x nrhs), M = P L U as factored. */
function luSolve(lu: LU, b: Float64Array, nrhs: number, trans: boolean, rd: Round): void {
  const { a, n, piv } = lu;
  const A = (i: number, j: number) => a[j * n + i];
  if (!trans) {
    laswp(b, n, 0, 0, nrhs, 0, n, piv);
    for (let j = 0; j < nrhs; j++) {
      const B = j * n;
      for (let k = 0; k < n; k++) if (b[B + k] !== 0) for (let i = k + 1; i < n; i++) b[B + i] = rd(b[B + i] - rd(b[B + k] * A(i, k)));
      for (let k = n - 1; k >= 0; k--) {
        if (b[B + k] === 0) continue;
        b[B + k] = rd(b[B + k] / A(k, k));
        for (let i = 0; i < k; i++) b[B + i] = rd(b[B + i] - rd(b[B + k] * A(i, k)));
      }
    }
    return;
  }
  for (let j = 0; j < nrhs; j++) {
    const B = j * n;
    for (let i = 0; i < n; i++) { // U^T y = b
      let t = b[B + i];
      for (let k = 0; k < i; k++) t = rd(t - rd(A(k, i) * b[B + k]));
      b[B + i] = rd(t / A(i, i));
    }
    for (let i = n - 1; i >= 0; i--) { // L^T z = y (unit)
      let t = b[B + i];
      for (let k = i + 1; k < n; k++) t = rd(t - rd(A(k, i) * b[B + k]));
      b[B + i] = t;
    }
  }
  for (let k = n - 1; k >= 0; k--) { // P^T (laswp backwards)
    const p = piv[k] - 1;
    if (p === k) continue;
    for (let j = 0; j < nrhs; j++) { const x = j * n + k, y = j * n + p; const t = b[x]; b[x] = b[y]; b[y] = t; }
  }
}

const short = shortTypeName;

function checkSquare(A: Tensor, fn: string): void {
  check(A.ndim >= 2, () => `${fn}: The input tensor A must have at least 2 dimensions.`);
  const [r, c] = A.shape.slice(-2);
  check(r === c, () => `${fn}: A must be batches of square matrices, but they are ${r} by ${c} matrices`);
  check(A.dtype.category === 'float', () => `${fn}: Expected a floating point or complex tensor as input. Got ${short(A.dtype)}`);
  if (A.dtype.name === 'float32' || A.dtype.name === 'float64') return;
  // linalg.det has no low-precision check of its own: its LU kernel's dispatch rejects the dtype
  check(fn !== 'linalg.det', () => `"lu_cpu" not implemented for '${short(A.dtype)}'`);
  throw runtimeError(`${fn}: Low precision dtypes not supported. Got ${short(A.dtype)}`);
}

/** Factors every matrix of the batch; ATen factors A^T when A is contiguous (det(A^T) = det(A)). */
function factorBatch(A: Tensor): { lus: LU[]; transposed: boolean } {
  const n = A.shape[A.ndim - 1];
  const transposed = A.isContiguous;
  const batch = A.numel() / Math.max(1, n * n) | 0;
  const data = A.contiguousData();
  const lus: LU[] = [];
  const count = n === 0 ? A.shape.slice(0, -2).reduce((p, s) => p * s, 1) : batch;
  for (let b = 0; b < count; b++) {
    const base = b * n * n;
    lus.push(luFactor(transposed ? (i, j) => data[base + j * n + i] : (i, j) => data[base + i * n + j], n, A.dtype));
  }
  return { lus, transposed };
}

const pivSign = (lu: LU) => { let s = 1; for (let i = 0; i < lu.n; i++) if (lu.piv[i] !== i + 1) s = -s; return s; };

/**
 * s * A^{-T} per matrix (the det / slogdet gradients): like ATen, lu_solve with the saved LU on diag(s)
 * (rounded as getrs does); under create_graph a differentiable composite through linalg_inv instead.
 */
function cofactorGrad(A: Tensor, s: Tensor): Tensor {
  if (isGradEnabled()) {
    return call('mul', call('unsqueeze', call('unsqueeze', s, -1), -1), call('transpose', call('linalg_inv', A), -2, -1));
  }
  const n = A.shape[A.ndim - 1];
  const rd = roundFor(A.dtype);
  const { lus, transposed } = factorBatch(A);
  const sv = s.contiguousData();
  const out = new Float64Array(A.numel());
  lus.forEach((lu, b) => {
    const x = new Float64Array(n * n);
    for (let i = 0; i < n; i++) x[i * n + i] = sv[b];
    luSolve(lu, x, n, !transposed, rd);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[b * n * n + i * n + j] = x[j * n + i];
  });
  return fromValues(A.shape, A.dtype, out);
}

function det(A: Tensor): Tensor {
  checkSquare(A, 'linalg.det');
  const rd = roundFor(A.dtype);
  const vals = factorBatch(A).lus.map((lu) => {
    let p = 1;
    for (let i = 0; i < lu.n; i++) p = rd(p * lu.a[i * lu.n + i]);
    return rd(pivSign(lu) * p);
  });
  const out = fromValues(A.shape.slice(0, -2), A.dtype, vals);
  record('LinalgDetBackward0', [A], out, ([g]) => [cofactorGrad(A, call('mul', g!, out))]);
  return out;
}

function slogdet(A: Tensor, tupleName: string) {
  checkSquare(A, 'linalg.slogdet');
  const rd = roundFor(A.dtype);
  const signs: number[] = [], logs: number[] = [];
  for (const lu of factorBatch(A).lus) {
    let s = pivSign(lu), l = 0;
    for (let i = 0; i < lu.n; i++) {
      const d = lu.a[i * lu.n + i];
      s *= d > 0 ? 1 : d < 0 ? -1 : 0;
      l = rd(l + rd(Math.log(Math.abs(d))));
    }
    signs.push(s); logs.push(l);
  }
  const bs = A.shape.slice(0, -2);
  const sign = fromValues(bs, A.dtype, signs), logabsdet = fromValues(bs, A.dtype, logs);
  record('LinalgSlogdetBackward0', [A], [sign, logabsdet], ([, g]) => [g ? cofactorGrad(A, g) : null]);
  return namedTuple(tupleName, ['sign', 'logabsdet'], [sign, logabsdet]);
}

/** linalg_inv_ex: the inverse and the per-matrix info (first zero pivot, 1-based). */
function invValues(A: Tensor, checkErrors: boolean): { inv: Tensor; infos: number[] } {
  checkSquare(A, 'linalg.inv');
  const n = A.shape[A.ndim - 1];
  const rd = roundFor(A.dtype);
  const { lus, transposed } = factorBatch(A);
  const out = new Float64Array(A.numel());
  const infos: number[] = [];
  lus.forEach((lu, b) => {
    infos.push(lu.info);
    if (lu.info > 0 && checkErrors) {
      const pre = A.ndim > 2 ? `(Batch element ${b}): ` : '';
      throw new TorchError('_LinAlgError', `linalg.inv: ${pre}The diagonal element ${lu.info} is zero, the inversion could not be completed because the input matrix is singular.`);
    }
    const x = new Float64Array(n * n);
    for (let i = 0; i < n; i++) x[i * n + i] = 1;
    luSolve(lu, x, n, transposed, rd);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[b * n * n + i * n + j] = x[j * n + i];
  });
  return { inv: fromValues(A.shape, A.dtype, out), infos };
}

function recordInv(A: Tensor, inv: Tensor): void {
  record('LinalgInvExBackward0', [A], inv, ([g]) => {
    const invH = call('transpose', inv, -2, -1);
    return [call('neg', call('matmul', invH, call('matmul', g!, invH)))];
  });
}

function inv(A: Tensor): Tensor {
  const { inv: out } = invValues(A, true);
  recordInv(A, out);
  return out;
}

const SQ = (values: number[], extra: Record<string, unknown> = {}) => ({ t: [Math.round(Math.sqrt(values.length)), Math.round(Math.sqrt(values.length))], values, grad: true, ...extra });
const A3 = [2, -1, 0.5, 1, 3, -2, 0.25, 1.5, 4];
const B2x2x2 = [4, 7, 2, 6, 1, 2, 3, -1];

export default defineOps([
  {
    name: 'det', sig: 'det(Tensor self)',
    doc: 'Determinant of a square matrix (or a batch of them): torch.linalg.det.',
    impl: (a) => det(a.self),
    samples: [{ args: [SQ([4, 7, 2, 6])] }, { args: [SQ(A3)] }, { args: [SQ(A3, { dtype: 'float64' })] }, { args: [{ t: [2, 2, 2], values: B2x2x2, grad: true }] }],
  },
  {
    name: 'linalg_det', ns: 'linalg', variants: ['function'], sig: 'linalg_det(Tensor A)',
    doc: 'Determinant of a square matrix (or a batch of them), from an LU factorisation with partial pivoting.',
    impl: (a) => det(a.A),
    samples: [{ args: [SQ(A3)] }],
  },
  {
    name: 'slogdet', sig: 'slogdet(Tensor self)',
    doc: 'Sign and log of the absolute value of the determinant, as a (sign, logabsdet) named tuple.',
    impl: (a) => slogdet(a.self, 'slogdet'),
    samples: [{ args: [SQ(A3)] }],
  },
  {
    name: 'linalg_slogdet', ns: 'linalg', variants: ['function'], sig: 'linalg_slogdet(Tensor A)',
    doc: 'Sign and log of the absolute value of the determinant, as a (sign, logabsdet) named tuple.',
    impl: (a) => slogdet(a.A, 'linalg_slogdet'),
    samples: [{ args: [SQ(A3)] }, { args: [{ t: [2, 2, 2], values: B2x2x2, grad: true, dtype: 'float64' }] }],
  },
  {
    name: 'inverse', sig: 'inverse(Tensor self)',
    doc: 'Inverse of a square matrix (or a batch of them): torch.linalg.inv.',
    impl: (a) => inv(a.self),
    samples: [{ args: [SQ([4, 7, 2, 6])] }, { args: [SQ(A3)] }, { args: [SQ(A3, { dtype: 'float64' })] }, { args: [{ t: [2, 2, 2], values: B2x2x2, grad: true }] }],
  },
  {
    name: 'linalg_inv', ns: 'linalg', variants: ['function'], sig: 'linalg_inv(Tensor A)',
    doc: 'Inverse of a square matrix (or a batch of them); raises for singular matrices.',
    impl: (a) => inv(a.A),
    samples: [{ args: [SQ(A3)] }],
  },
  {
    name: 'linalg_inv_ex', ns: 'linalg', variants: ['function'], sig: 'linalg_inv_ex(Tensor A, *, bool check_errors=False)',
    doc: 'Inverse and an info tensor (0, or the 1-based index of the first zero pivot) without raising.',
    impl: (a) => {
      const { inv: out, infos } = invValues(a.A, a.check_errors);
      recordInv(a.A, out);
      const info = fromValues(a.A.shape.slice(0, -2), dtypes.int32, infos);
      return namedTuple('linalg_inv_ex', ['inverse', 'info'], [out, info]);
    },
  },
]);
