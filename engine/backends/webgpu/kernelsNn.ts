// nn kernels of the webgpu device: softmax / log_softmax along the last dim and their backwards (one
// workgroup per row: max, sum of exp, then the write; tree reductions in workgroup memory), along another
// dim (one thread per (outer, inner) column, summing in sequence like the CPU's kernel), and the NLL
// loss (forward and backward) over input [N, C, S] with class-index targets. Targets are int64, which
// has no WGSL type: their host copy is current, so they are checked there (bounds) and uploaded as i32
// (a write, no read back). null when a kernel does not apply; the op then runs on the CPU.
import { dtypes } from '../../dtype';
import { numel } from '../../shape';
import { Tensor, webgpu } from '../../tensor';
import { Binding, FLAT_MAIN, ROW_MAIN, WG, WGSL_ISNAN, around, bindings, dispatch, flatDispatch, flatKernel, gpuOut, onGpuF32, rowGroups, treeReduce, uniform } from './common';
import { gpuMap, gpuReduce } from './kernels';

const sameShape = (a: Tensor, b: Tensor) => a.shape.length === b.shape.length && a.shape.every((s, d) => s === b.shape[d]);

/** The uniform block of the softmax family: the same six words, named for a row kernel or a column kernel. */
const ROW_FIELDS = 'rows: u32, cols: u32, inner: u32, gx: u32, off: u32, off2: u32';
const COLUMN_FIELDS = 'n: u32, size: u32, inner: u32, w: u32, off: u32, off2: u32';

/**
 * Run a softmax-family kernel over dense float32 operands of one shape on the GPU (x, or g and y) into a
 * new tensor of that shape: one workgroup per row of the last dim (`dim` null: ROW_FIELDS), or one thread
 * per column along `dim` (COLUMN_FIELDS; colBase gives a column's first element). null when it does not apply.
 */
function softmaxFamily(key: string, code: () => string, xs: Tensor[], dim: number | null): Tensor | null {
  const [x] = xs;
  if (!onGpuF32(...xs) || !xs.every((t) => t.isContiguous && sameShape(t, x))) return null;
  if (dim !== null && (dim < 0 || dim >= Math.max(x.ndim, 1))) return null;
  const out = gpuOut(x.shape, dtypes.float32);
  const n = x.numel();
  if (n === 0) return out;
  const cols = x.ndim === 0 ? 1 : x.shape[x.ndim - 1];
  const [outer, size, inner] = dim === null ? [n / cols, cols, 1] : around(x.shape, dim);
  const lines = outer * inner;
  const { groups, w } = dim === null ? { groups: rowGroups(lines), w: rowGroups(lines)[0] } : flatDispatch(lines);
  const p = uniform(6);
  p.u.set([lines, size, inner, w, xs[0].offset, xs[1]?.offset ?? 0]);
  dispatch(key, code, xs, [out], p.buffer, groups);
  return out;
}

const rowHead = (arrays: Binding[]) => `${bindings(arrays, ROW_FIELDS)}
var<workgroup> part: array<f32, ${WG}>;
${SLEEF_EXPF}
${ROW_MAIN}`;

const columnHead = (arrays: Binding[]) => `${bindings(arrays, COLUMN_FIELDS)}
fn colBase(col: u32) -> u32 { return (col / p.inner) * p.size * p.inner + col % p.inner; }
${WGSL_ISNAN}
${SLEEF_EXPF}
${FLAT_MAIN}`;

/** softmax (or log_softmax) of float32 `x` along its last dim, or null. */
export function gpuSoftmax(x: Tensor, log: boolean): Tensor | null {
  return softmaxFamily(`softmax:${log ? 'log' : 'exp'}`, () => softmaxCode(log), [x], null);
}

/**
 * One workgroup per row, computed like PyTorch's CPU kernel (so values usually match it bit for bit):
 * Sleef's expf (same polynomial and fused multiply-adds), the sum in vec::reduce_all's order (8 lanes
 * summed in sequence, then (l0+l4 + l2+l6) + (l1+l5 + l3+l7)), then × 1/sum or − log(sum).
 */
function softmaxCode(log: boolean): string {
  return `${rowHead([['X', 'f32'], ['Y', 'f32', true]])}
  let base = p.off + row * p.cols;
  let ob = row * p.cols;
  let n = p.cols;
  var m = -3.4028234663852886e38;
  for (var c = l.x; c < n; c += ${WG}u) { m = max(m, X[base + c]); }
  part[l.x] = m;${treeReduce('max(part[l.x], part[l.x + w])')}
  let mx = part[0];
  workgroupBarrier();
  if (l.x < 8u) {
    var acc = 0.0;
    if (n < 8u) {
      if (l.x == 0u) { acc = sexp(X[base] - mx); for (var i = 1u; i < n; i++) { acc = acc + sexp(X[base + i] - mx); } }
    } else {
      let full = n - n % 8u;
      acc = sexp(X[base + l.x] - mx);
      for (var d = 8u; d < full; d += 8u) { acc = acc + sexp(X[base + d + l.x] - mx); }
      if (full + l.x < n) { acc = acc + sexp(X[base + full + l.x] - mx); }
    }
    part[l.x] = acc;
  }
  workgroupBarrier();
  var sum = part[0];
  if (n >= 8u) { sum = ((part[0] + part[4]) + (part[2] + part[6])) + ((part[1] + part[5]) + (part[3] + part[7])); }
  let rec = 1.0 / sum;
  for (var c = l.x; c < n; c += ${WG}u) {
    ${log ? 'Y[ob + c] = (X[base + c] - mx) - log(sum);' : 'Y[ob + c] = sexp(X[base + c] - mx) * rec;'}
  }
}`;
}

/** Sleef_expf8_u10 (FMA flavour) for one lane, as engine/ops/table/nnMath.ts's sleefExpf. */
const SLEEF_EXPF = `fn sexp(d: f32) -> f32 {
  if (d != d) { return d; }
  if (d < -104.0) { return 0.0; }
  if (d > 100.0) { return d * 3.0e38; }
  let q = round(d * 1.4426950216293335);
  var s = fma(q, -0.693145751953125, d);
  s = fma(q, -1.428606765330187e-06, s);
  var u = 0.00019852761761285365;
  u = fma(u, s, 0.0013930435525253415);
  u = fma(u, s, 0.008333360776305199);
  u = fma(u, s, 0.041666485369205475);
  u = fma(u, s, 0.1666666716337204);
  u = fma(u, s, 0.5);
  u = 1.0 + fma(s * s, u, s);
  return ldexp(u, i32(q));
}`;

/**
 * The backward of softmax (grad_input = y·(g − Σ g·y)) or log_softmax (g − exp(y)·Σ g) along the last
 * dim, from the forward's output y and the incoming gradient g (both float32 on the GPU), or null.
 */
export function gpuSoftmaxBackward(g: Tensor, y: Tensor, log: boolean): Tensor | null {
  return softmaxFamily(`softmax_backward:${log ? 'log' : 'exp'}`, () => softmaxBackwardCode(log), [g, y], null);
}

function softmaxBackwardCode(log: boolean): string {
  return `${rowHead([['G', 'f32'], ['Y', 'f32'], ['R', 'f32', true]])}
  let gb = p.off + row * p.cols;
  let yb = p.off2 + row * p.cols;
  let ob = row * p.cols;
  var s = 0.0;
  for (var c = l.x; c < p.cols; c += ${WG}u) { s += ${log ? 'G[gb + c]' : 'G[gb + c] * Y[yb + c]'}; }
  part[l.x] = s;${treeReduce('part[l.x] + part[l.x + w]')}
  let sum = part[0];
  for (var c = l.x; c < p.cols; c += ${WG}u) {
    ${log ? 'R[ob + c] = fma(-sexp(Y[yb + c]), sum, G[gb + c]);' : 'R[ob + c] = Y[yb + c] * (G[gb + c] - sum);'}
  }
}`;
}

/**
 * softmax (or log_softmax) of contiguous float32 `x` along `dim` (any dim; meant for the non-last ones):
 * one thread per (outer, inner) column, max then the sum of exp in sequence, then exp / sum or
 * x − max − log(sum), as the CPU's non-last-dim kernel. null when it does not apply.
 */
export function gpuSoftmaxDim(x: Tensor, dim: number, log: boolean): Tensor | null {
  return softmaxFamily(`softmax:${log ? 'log' : 'exp'}:dim`, () => softmaxDimCode(log), [x], dim);
}

function softmaxDimCode(log: boolean): string {
  return `${columnHead([['X', 'f32'], ['Y', 'f32', true]])}
  let ob = colBase(i);
  let xb = p.off + ob;
  var m = X[xb];
  for (var d = 1u; d < p.size; d++) { let v = X[xb + d * p.inner]; m = select(v, m, isnan(m) || (!isnan(v) && m > v)); }
  var sum = 0.0;
  for (var d = 0u; d < p.size; d++) {
    let z = sexp(X[xb + d * p.inner] - m);
    ${log ? '' : 'Y[ob + d * p.inner] = z;'}
    sum = sum + z;
  }
  ${log ? 'let ls = log(sum);' : ''}
  for (var d = 0u; d < p.size; d++) {
    let k = ob + d * p.inner;
    ${log ? 'Y[k] = (X[xb + d * p.inner] - m) - ls;' : 'Y[k] = Y[k] / sum;'}
  }
}`;
}

/** The backward of softmax / log_softmax along any `dim` (one thread per column, fused sums in sequence), or null. */
export function gpuSoftmaxBackwardDim(g: Tensor, y: Tensor, dim: number, log: boolean): Tensor | null {
  return softmaxFamily(`softmax_backward:${log ? 'log' : 'exp'}:dim`, () => softmaxBackwardDimCode(log), [g, y], dim);
}

function softmaxBackwardDimCode(log: boolean): string {
  return `${columnHead([['G', 'f32'], ['Y', 'f32'], ['R', 'f32', true]])}
  let ob = colBase(i);
  let gb = p.off + ob;
  let yb = p.off2 + ob;
  var sum = 0.0;
  for (var d = 0u; d < p.size; d++) {
    let k = d * p.inner;
    ${log ? 'sum = sum + G[gb + k];' : 'sum = fma(G[gb + k], Y[yb + k], sum);'}
  }
  for (var d = 0u; d < p.size; d++) {
    let k = d * p.inner;
    ${log ? 'R[ob + k] = fma(-sexp(Y[yb + k]), sum, G[gb + k]);' : 'R[ob + k] = (G[gb + k] - sum) * Y[yb + k];'}
  }
}`;
}

/** Class-index targets (host values, already bounds-checked) as an int32 tensor on the GPU. */
export function uploadTargets(t: ArrayLike<number>, shape: readonly number[]): Tensor {
  return Tensor.fromArray(Int32Array.from(t as ArrayLike<number>), shape, dtypes.int32, webgpu);
}

const NLL_FIELDS = 'n: u32, w: u32, c: u32, s: u32, off: u32, ign: i32, per: u32, div: f32';

/** Run an NLL kernel over `n` threads: the uniform block [n, w, C, S, offset, ignore, per-position, divisor]. */
function nllRun(key: string, code: () => string, reads: Tensor[], out: Tensor, n: number, C: number, S: number, off: number, ignore: number, per = 0, div = 1): void {
  flatKernel(key, code, reads, [out], n, [C, S, off], 8, (p) => { p.i[5] = ignore; p.u[6] = per; p.f[7] = div; });
}

/**
 * Unweighted NLL over contiguous float32 input [N, C, S] on the GPU with targets `t` (int32 on the GPU,
 * [N·S]): the per-position loss −x[n, t, s] (0 where t == ignore), shaped `noneShape`, or its sum
 * (reduction 'sum') / sum over `count` ('mean'). null when it does not apply.
 */
export function gpuNll(input: Tensor, t: Tensor, ignore: number, N: number, C: number, S: number, noneShape: number[] | null, mean: boolean, count: number): Tensor | null {
  if (!onGpuF32(input) || !input.isContiguous || Math.abs(ignore) >= 2 ** 31) return null;
  const n = N * S;
  const per = gpuOut(noneShape ?? [n], dtypes.float32);
  nllRun('nll:forward', nllCode, [input, t], per, n, C, S, input.offset, ignore);
  if (noneShape) return per;
  const s = gpuReduce(per, [true], false, 'sum');
  if (!s || !mean) return s;
  return gpuMap([s, count], [], dtypes.float32, dtypes.float32, 'a / b');
}

function nllCode(): string {
  return `${bindings([['X', 'f32'], ['T', 'i32'], ['Y', 'f32', true]], NLL_FIELDS)}
${FLAT_MAIN}
  let k = T[i];
  var v = 0.0;
  if (k != p.ign) { v = -X[p.off + ((i / p.s) * p.c + u32(k)) * p.s + i % p.s]; }
  Y[i] = v;
}`;
}

/**
 * The NLL backward over [N, C, S]: −g / divisor at [n, t, s], 0 elsewhere (and where t == ignore). `g` is
 * the 0-dim gradient of a reduced loss (divisor: the count for 'mean', else 1) or, for 'none', a
 * contiguous [N·S] one.
 */
export function gpuNllBackward(g: Tensor, shape: readonly number[], t: Tensor, ignore: number, C: number, S: number, perPosition: boolean, divisor: number): Tensor | null {
  if (!onGpuF32(g) || (perPosition && !g.isContiguous)) return null;
  const n = numel(shape);
  const out = gpuOut(shape, dtypes.float32);
  nllRun('nll:backward', nllBackwardCode, [g, t], out, n, C, S, g.offset, ignore, perPosition ? 1 : 0, divisor);
  return out;
}

function nllBackwardCode(): string {
  return `${bindings([['G', 'f32'], ['T', 'i32'], ['R', 'f32', true]], NLL_FIELDS)}
${FLAT_MAIN}
  let cs = p.c * p.s;
  let pos = (i / cs) * p.s + i % p.s;
  let k = T[pos];
  var v = 0.0;
  if (k != p.ign && u32(k) == (i / p.s) % p.c) {
    var gv = G[p.off];
    if (p.per == 1u) { gv = G[p.off + pos]; }
    v = -(gv / p.div);
  }
  R[i] = v;
}`;
}
