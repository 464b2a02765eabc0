// nn kernels of the webgpu device: softmax / log_softmax along the last dim and their backwards (one
// workgroup per row: max, sum of exp, then the write; tree reductions in workgroup memory), along another
// dim (one thread per (outer, inner) column, summing in sequence like the CPU's kernel), and the NLL
// loss (forward and backward) over input [N, C, S] with class-index targets. Targets are int64, which
// has no WGSL type: their host copy is current, so they are checked there (bounds) and uploaded as i32
// (a write, no read back). null when a kernel does not apply; the op then runs on the CPU.
import { dtypes } from '../../dtype';
import { contiguousStrides, numel } from '../../shape';
import { Tensor, webgpu } from '../../tensor';
import { WG, WGSL_ISNAN, gpuMap, gpuReduce, groupsFor, launch, onGpu } from './kernels';
import { gpuStorage, stateOf } from './storage';

const buf = (t: Tensor) => stateOf(t.storage).deviceBuffer(t.storage);
const dense = (t: Tensor) => t.isContiguous;

function rowGroups(rows: number): [number, number, number] {
  const gx = Math.min(rows, 65535);
  return [gx, Math.ceil(rows / gx), 1];
}

/** softmax (or log_softmax) of float32 `x` along its last dim, or null. */
export function gpuSoftmax(x: Tensor, log: boolean): Tensor | null {
  if (!onGpu(x) || x.dtype !== dtypes.float32 || !dense(x)) return null;
  const n = x.numel();
  const cols = x.ndim === 0 ? 1 : x.shape[x.ndim - 1];
  const out = gpuStorage(n, Float32Array);
  const res = new Tensor(out, x.shape.slice(), contiguousStrides(x.shape), 0, dtypes.float32);
  if (n === 0) return res;
  const rows = n / cols;
  const groups = rowGroups(rows);
  const params = new Uint32Array([rows, cols, x.offset, groups[0]]).buffer;
  launch(`softmax:${log ? 'log' : 'exp'}`, () => softmaxCode(log), [buf(x), stateOf(out).buffer], params, groups);
  stateOf(out).written();
  return res;
}

const REDUCE = (op: string) => `
  workgroupBarrier();
  for (var w = ${WG / 2}u; w > 0u; w = w / 2u) {
    if (l.x < w) { part[l.x] = ${op}; }
    workgroupBarrier();
  }`;

/**
 * One workgroup per row, computed like PyTorch's CPU kernel (so values usually match it bit for bit):
 * Sleef's expf (same polynomial and fused multiply-adds), the sum in vec::reduce_all's order (8 lanes
 * summed in sequence, then (l0+l4 + l2+l6) + (l1+l5 + l3+l7)), then × 1/sum or − log(sum).
 */
function softmaxCode(log: boolean): string {
  return `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
struct P { rows: u32, cols: u32, off: u32, gx: u32 }
@group(0) @binding(2) var<uniform> p: P;
var<workgroup> part: array<f32, ${WG}>;
${SLEEF_EXPF}
@compute @workgroup_size(${WG}) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let row = wg.x + wg.y * p.gx;
  if (row >= p.rows) { return; }
  let base = p.off + row * p.cols;
  let ob = row * p.cols;
  let n = p.cols;
  var m = -3.4028234663852886e38;
  for (var c = l.x; c < n; c += ${WG}u) { m = max(m, X[base + c]); }
  part[l.x] = m;${REDUCE('max(part[l.x], part[l.x + w])')}
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
  if (!onGpu(g) || !onGpu(y) || g.dtype !== dtypes.float32 || y.dtype !== dtypes.float32 || !dense(g) || !dense(y)) return null;
  if (g.shape.length !== y.shape.length || g.shape.some((s, d) => s !== y.shape[d])) return null;
  const n = y.numel();
  const cols = y.ndim === 0 ? 1 : y.shape[y.ndim - 1];
  const out = gpuStorage(n, Float32Array);
  const res = new Tensor(out, y.shape.slice(), contiguousStrides(y.shape), 0, dtypes.float32);
  if (n === 0) return res;
  const rows = n / cols;
  const groups = rowGroups(rows);
  const params = new Uint32Array([rows, cols, g.offset, y.offset, groups[0], 0, 0, 0]).buffer;
  launch(`softmax_backward:${log ? 'log' : 'exp'}`, () => softmaxBackwardCode(log), [buf(g), buf(y), stateOf(out).buffer], params, groups);
  stateOf(out).written();
  return res;
}

function softmaxBackwardCode(log: boolean): string {
  return `@group(0) @binding(0) var<storage, read> G: array<f32>;
@group(0) @binding(1) var<storage, read> Y: array<f32>;
@group(0) @binding(2) var<storage, read_write> R: array<f32>;
struct P { rows: u32, cols: u32, goff: u32, yoff: u32, gx: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(3) var<uniform> p: P;
var<workgroup> part: array<f32, ${WG}>;
${SLEEF_EXPF}
@compute @workgroup_size(${WG}) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let row = wg.x + wg.y * p.gx;
  if (row >= p.rows) { return; }
  let gb = p.goff + row * p.cols;
  let yb = p.yoff + row * p.cols;
  let ob = row * p.cols;
  var s = 0.0;
  for (var c = l.x; c < p.cols; c += ${WG}u) { s += ${log ? 'G[gb + c]' : 'G[gb + c] * Y[yb + c]'}; }
  part[l.x] = s;${REDUCE('part[l.x] + part[l.x + w]')}
  let sum = part[0];
  for (var c = l.x; c < p.cols; c += ${WG}u) {
    ${log ? 'R[ob + c] = fma(-sexp(Y[yb + c]), sum, G[gb + c]);' : 'R[ob + c] = Y[yb + c] * (G[gb + c] - sum);'}
  }
}`;
}

/** outer × size × inner of a contiguous tensor split at `dim`. */
function around(shape: readonly number[], dim: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape.length ? shape[dim] : 1, inner];
}

/**
 * softmax (or log_softmax) of contiguous float32 `x` along `dim` (any dim; meant for the non-last ones):
 * one thread per (outer, inner) column, max then the sum of exp in sequence, then exp / sum or
 * x − max − log(sum), as the CPU's non-last-dim kernel. null when it does not apply.
 */
export function gpuSoftmaxDim(x: Tensor, dim: number, log: boolean): Tensor | null {
  if (!onGpu(x) || x.dtype !== dtypes.float32 || !dense(x) || dim < 0 || dim >= Math.max(x.ndim, 1)) return null;
  const n = x.numel();
  const out = gpuStorage(n, Float32Array);
  const res = new Tensor(out, x.shape.slice(), contiguousStrides(x.shape), 0, dtypes.float32);
  if (n === 0) return res;
  const [outer, size, inner] = around(x.shape, dim);
  const cols = outer * inner;
  const groups = groupsFor(cols);
  const params = new Uint32Array([cols, size, inner, x.offset, groups[0] * WG, 0, 0, 0]).buffer;
  launch(`softmax:${log ? 'log' : 'exp'}:dim`, () => softmaxDimCode(log), [buf(x), stateOf(out).buffer], params, groups);
  stateOf(out).written();
  return res;
}

const COLUMN = `struct P { cols: u32, size: u32, inner: u32, off: u32, w: u32, off2: u32, pad0: u32, pad1: u32 }
fn colBase(col: u32) -> u32 { return (col / p.inner) * p.size * p.inner + col % p.inner; }`;

function softmaxDimCode(log: boolean): string {
  return `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
${COLUMN}
@group(0) @binding(2) var<uniform> p: P;
${WGSL_ISNAN}
${SLEEF_EXPF}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let col = g.x + g.y * p.w;
  if (col >= p.cols) { return; }
  let ob = colBase(col);
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
  if (!onGpu(g) || !onGpu(y) || g.dtype !== dtypes.float32 || y.dtype !== dtypes.float32 || !dense(g) || !dense(y)) return null;
  if (g.shape.length !== y.shape.length || g.shape.some((s, d) => s !== y.shape[d]) || dim < 0 || dim >= Math.max(y.ndim, 1)) return null;
  const n = y.numel();
  const out = gpuStorage(n, Float32Array);
  const res = new Tensor(out, y.shape.slice(), contiguousStrides(y.shape), 0, dtypes.float32);
  if (n === 0) return res;
  const [outer, size, inner] = around(y.shape, dim);
  const cols = outer * inner;
  const groups = groupsFor(cols);
  const params = new Uint32Array([cols, size, inner, g.offset, groups[0] * WG, y.offset, 0, 0]).buffer;
  launch(`softmax_backward:${log ? 'log' : 'exp'}:dim`, () => softmaxBackwardDimCode(log), [buf(g), buf(y), stateOf(out).buffer], params, groups);
  stateOf(out).written();
  return res;
}

function softmaxBackwardDimCode(log: boolean): string {
  return `@group(0) @binding(0) var<storage, read> G: array<f32>;
@group(0) @binding(1) var<storage, read> Y: array<f32>;
@group(0) @binding(2) var<storage, read_write> R: array<f32>;
${COLUMN}
@group(0) @binding(3) var<uniform> p: P;
${SLEEF_EXPF}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col = gid.x + gid.y * p.w;
  if (col >= p.cols) { return; }
  let ob = colBase(col);
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

/**
 * Unweighted NLL over contiguous float32 input [N, C, S] on the GPU with targets `t` (int32 on the GPU,
 * [N·S]): the per-position loss −x[n, t, s] (0 where t == ignore), shaped `noneShape`, or its sum
 * (reduction 'sum') / sum over `count` ('mean'). null when it does not apply.
 */
export function gpuNll(input: Tensor, t: Tensor, ignore: number, N: number, C: number, S: number, noneShape: number[] | null, mean: boolean, count: number): Tensor | null {
  if (!onGpu(input) || input.dtype !== dtypes.float32 || !dense(input) || Math.abs(ignore) >= 2 ** 31) return null;
  const n = N * S;
  const shape = noneShape ?? [n];
  const out = gpuStorage(n, Float32Array);
  const per = new Tensor(out, shape.slice(), contiguousStrides(shape), 0, dtypes.float32);
  if (n > 0) {
    const groups = groupsFor(n);
    const params = new ArrayBuffer(32);
    const u = new Uint32Array(params), i = new Int32Array(params);
    u[0] = n; u[1] = C; u[2] = S; u[3] = input.offset; i[4] = ignore; u[5] = groups[0] * WG;
    launch('nll:forward', nllCode, [buf(input), buf(t), stateOf(out).buffer], params, groups);
    stateOf(out).written();
  }
  if (noneShape) return per;
  const s = gpuReduce(per, [true], false, 'sum');
  if (!s || !mean) return s;
  return gpuMap([s, count], [], dtypes.float32, dtypes.float32, 'a / b');
}

function nllCode(): string {
  return `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> T: array<i32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
struct P { n: u32, c: u32, s: u32, off: u32, ign: i32, w: u32, pad0: u32, pad1: u32 }
@group(0) @binding(3) var<uniform> p: P;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let i = g.x + g.y * p.w;
  if (i >= p.n) { return; }
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
  if (!onGpu(g) || g.dtype !== dtypes.float32 || (perPosition && !dense(g))) return null;
  const n = numel(shape);
  const out = gpuStorage(n, Float32Array);
  const res = new Tensor(out, shape.slice(), contiguousStrides(shape), 0, dtypes.float32);
  if (n === 0) return res;
  const groups = groupsFor(n);
  const params = new ArrayBuffer(32);
  const u = new Uint32Array(params), i = new Int32Array(params), f = new Float32Array(params);
  u[0] = n; u[1] = C; u[2] = S; u[3] = g.offset; i[4] = ignore; u[5] = groups[0] * WG; u[6] = perPosition ? 1 : 0; f[7] = divisor;
  launch('nll:backward', nllBackwardCode, [buf(g), buf(t), stateOf(out).buffer], params, groups);
  stateOf(out).written();
  return res;
}

function nllBackwardCode(): string {
  return `@group(0) @binding(0) var<storage, read> G: array<f32>;
@group(0) @binding(1) var<storage, read> T: array<i32>;
@group(0) @binding(2) var<storage, read_write> R: array<f32>;
struct P { n: u32, c: u32, s: u32, goff: u32, ign: i32, w: u32, per: u32, div: f32 }
@group(0) @binding(3) var<uniform> p: P;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let j = g.x + g.y * p.w;
  if (j >= p.n) { return; }
  let cs = p.c * p.s;
  let pos = (j / cs) * p.s + j % p.s;
  let k = T[pos];
  var v = 0.0;
  if (k != p.ign && u32(k) == (j / p.s) % p.c) {
    var gv = G[p.goff];
    if (p.per == 1u) { gv = G[p.goff + pos]; }
    v = -(gv / p.div);
  }
  R[j] = v;
}`;
}
