// Reductions of the webgpu device beyond sum/mean (kernels.ts): max/min/amax/amin/argmax/argmin (values
// and indices, PyTorch's rules: the first occurrence of the extreme wins, a NaN wins over everything and
// the first NaN is the one reported), prod and its backward, and the backward formulas of max()/min()
// (evenly_distribute_backward, PyTorch's CUDA formulation) and amax/amin, composed of GPU kernels so a
// backward pass reads nothing back. One workgroup per output element (threads stride over the reduced
// elements, then a tree reduction in workgroup memory), like gpuReduce. Indices are int64 storages whose
// device copy is i32 words (storage.ts: kernel-made int64, bounded by the reduced size).
// Each function returns null when it does not apply; the op then runs on the CPU.
import { dtypes } from '../../dtype';
import { contiguousStrides, numel } from '../../shape';
import { Tensor } from '../../tensor';
import { MAX_DIMS, WG, WGSL_ISNAN, coalesce, gpuContiguous, gpuMap, gpuReduce, groupsFor, launch, onGpu, wgslType } from './kernels';
import { gpuStorage, stateOf } from './storage';

const buf = (t: Tensor) => stateOf(t.storage).deviceBuffer(t.storage);

interface Split { nOut: number; nRed: number; params: ArrayBuffer; groups: [number, number, number] }

/**
 * The uniform block of a one-workgroup-per-output reduction of `x` over the dims flagged in `reduced`
 * (kept and reduced dims each coalesced; the reduced index r runs in row-major order over the reduced
 * dims), or null when there are too many dims.
 */
function split(x: Tensor, reduced: readonly boolean[]): Split | null {
  const keptShape: number[] = [], keptStrides: number[] = [], redShape: number[] = [], redStrides: number[] = [];
  x.shape.forEach((s, d) => {
    if (reduced[d]) { redShape.push(s); redStrides.push(x.strides[d]); } else { keptShape.push(s); keptStrides.push(x.strides[d]); }
  });
  const ko = coalesce(keptShape, [keptStrides]), ro = coalesce(redShape, [redStrides]);
  if (ko.shape.length > MAX_DIMS || ro.shape.length > MAX_DIMS) return null;
  const nOut = numel(keptShape), nRed = numel(redShape);
  if (nOut > 65535 * 65535) return null;
  const params = new ArrayBuffer(160);
  const u = new Uint32Array(params);
  const gx = Math.max(1, Math.min(nOut, 65535));
  u[0] = nOut; u[1] = nRed; u[2] = ko.shape.length; u[3] = ro.shape.length; u[4] = x.offset; u[5] = gx;
  ko.shape.forEach((s, d) => { u[8 + d] = s; u[16 + d] = ko.strides[0][d]; });
  ro.shape.forEach((s, d) => { u[24 + d] = s; u[32 + d] = ro.strides[0][d]; });
  return { nOut, nRed, params, groups: [gx, Math.ceil(nOut / gx), 1] };
}

const HEAD = (t: string, index: boolean) => `@group(0) @binding(0) var<storage, read> X: array<${t}>;
@group(0) @binding(1) var<storage, read_write> Y: array<${t}>;
${index ? `@group(0) @binding(2) var<storage, read_write> I: array<i32>;` : ''}
struct P { nout: u32, nred: u32, kd: u32, rd: u32, off: u32, gx: u32, pad0: u32, pad1: u32,
  ks: array<vec4<u32>, 2>, kst: array<vec4<u32>, 2>, rs: array<vec4<u32>, 2>, rst: array<vec4<u32>, 2> }
@group(0) @binding(${index ? 3 : 2}) var<uniform> p: P;
${WGSL_ISNAN}
fn baseOf(o: u32) -> u32 {
  var rem = o;
  var base = p.off;
  for (var d = i32(p.kd) - 1; d >= 0; d--) {
    let s = p.ks[d / 4][d % 4];
    base += (rem % s) * p.kst[d / 4][d % 4];
    rem = rem / s;
  }
  return base;
}
fn offOf(base: u32, r: u32) -> u32 {
  var q = r;
  var off = base;
  for (var d = i32(p.rd) - 1; d >= 0; d--) {
    let s = p.rs[d / 4][d % 4];
    off += (q % s) * p.rst[d / 4][d % 4];
    q = q / s;
  }
  return off;
}`;

/**
 * The extreme ('max' or 'min') of float32/int32 `x` over the dims flagged in `reduced`, shaped `outShape`
 * (as many elements as the kept dims), with its index along the reduced dims (row-major over them) as
 * int64 when `withIndex`. null when it does not apply.
 */
export function gpuExtreme(x: Tensor, reduced: readonly boolean[], outShape: readonly number[], kind: 'max' | 'min', withIndex: boolean): { values: Tensor; indices: Tensor | null } | null {
  const t = wgslType(x.dtype);
  if (!onGpu(x) || !t) return null;
  const sp = split(x, reduced);
  if (!sp || sp.nRed === 0 || sp.nRed >= 2 ** 31 || numel(outShape) !== sp.nOut) return null;
  const vs = gpuStorage(sp.nOut, t === 'f32' ? Float32Array : Int32Array);
  const values = new Tensor(vs, outShape.slice(), contiguousStrides(outShape), 0, x.dtype);
  let indices: Tensor | null = null;
  const bufs = [buf(x), stateOf(vs).buffer];
  if (withIndex) {
    const is = gpuStorage(sp.nOut, Float64Array);
    stateOf(is).bound = sp.nRed;
    indices = new Tensor(is, outShape.slice(), contiguousStrides(outShape), 0, dtypes.int64);
    bufs.push(stateOf(is).buffer);
  }
  if (sp.nOut === 0) return { values, indices };
  launch(`reduce:${kind}:${t}:${withIndex ? 'index' : 'value'}`, () => extremeCode(t, kind, withIndex), bufs, sp.params, sp.groups);
  stateOf(vs).written();
  if (indices) stateOf(indices.storage).written();
  return { values, indices };
}

function extremeCode(t: 'f32' | 'i32', kind: 'max' | 'min', withIndex: boolean): string {
  const nan = t === 'f32';
  return `${HEAD(t, withIndex)}
var<workgroup> pv: array<${t}, ${WG}>;
var<workgroup> pi: array<u32, ${WG}>;
const NONE = 0xffffffffu;
/** does (v, i) beat the best so far (bv, bi)? NaN first, then the extreme, ties to the lower index */
fn take(v: ${t}, i: u32, bv: ${t}, bi: u32) -> bool {
  if (i == NONE) { return false; }
  if (bi == NONE) { return true; }
  ${nan ? `let vn = isnan(v);
  let bn = isnan(bv);
  if (vn || bn) {
    if (vn && bn) { return i < bi; }
    return vn;
  }` : ''}
  if (v ${kind === 'max' ? '>' : '<'} bv) { return true; }
  if (v == bv) { return i < bi; }
  return false;
}
@compute @workgroup_size(${WG}) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let o = wg.x + wg.y * p.gx;
  if (o >= p.nout) { return; }
  let base = baseOf(o);
  var bv = ${t}(0);
  var bi = NONE;
  for (var r = l.x; r < p.nred; r += ${WG}u) {
    let v = X[offOf(base, r)];
    if (take(v, r, bv, bi)) { bv = v; bi = r; }
  }
  pv[l.x] = bv;
  pi[l.x] = bi;
  workgroupBarrier();
  for (var w = ${WG / 2}u; w > 0u; w = w / 2u) {
    if (l.x < w && take(pv[l.x + w], pi[l.x + w], pv[l.x], pi[l.x])) { pv[l.x] = pv[l.x + w]; pi[l.x] = pi[l.x + w]; }
    workgroupBarrier();
  }
  if (l.x == 0u) {
    Y[o] = pv[0];
    ${withIndex ? 'I[o] = i32(pi[0]);' : ''}
  }
}`;
}

/** The product of float32 `x` over the dims flagged in `reduced`, shaped `outShape`, or null (a tree order: float32 rounding differs from the CPU's). */
export function gpuProd(x: Tensor, reduced: readonly boolean[], outShape: readonly number[]): Tensor | null {
  if (!onGpu(x) || x.dtype !== dtypes.float32) return null;
  const sp = split(x, reduced);
  if (!sp || numel(outShape) !== sp.nOut) return null;
  const out = gpuStorage(sp.nOut, Float32Array);
  const res = new Tensor(out, outShape.slice(), contiguousStrides(outShape), 0, dtypes.float32);
  if (sp.nOut === 0) return res;
  launch('reduce:prod', prodCode, [buf(x), stateOf(out).buffer], sp.params, sp.groups);
  stateOf(out).written();
  return res;
}

function prodCode(): string {
  return `${HEAD('f32', false)}
var<workgroup> part: array<f32, ${WG}>;
@compute @workgroup_size(${WG}) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let o = wg.x + wg.y * p.gx;
  if (o >= p.nout) { return; }
  let base = baseOf(o);
  var acc = 1.0;
  for (var r = l.x; r < p.nred; r += ${WG}u) { acc = acc * X[offOf(base, r)]; }
  part[l.x] = acc;
  workgroupBarrier();
  for (var w = ${WG / 2}u; w > 0u; w = w / 2u) {
    if (l.x < w) { part[l.x] = part[l.x] * part[l.x + w]; }
    workgroupBarrier();
  }
  if (l.x == 0u) { Y[o] = part[0]; }
}`;
}

/**
 * prod_backward for float32 `x` reduced over the flagged dims to `result`, with incoming gradient `g`
 * (result's shape, keepdim or not): per slice, g·result/x when the slice has no zero, else
 * g·(exclusive prefix product × exclusive suffix product), computed sequentially like the CPU's cumprods.
 * One thread per slice. null when it does not apply.
 */
export function gpuProdBackward(g: Tensor, x: Tensor, result: Tensor, reduced: readonly boolean[]): Tensor | null {
  if (!onGpu(x) || !onGpu(g) || !onGpu(result) || x.dtype !== dtypes.float32 || g.dtype !== dtypes.float32 || result.dtype !== dtypes.float32) return null;
  const gc = g.isContiguous ? g : gpuContiguous(g);
  const rc = result.isContiguous ? result : gpuContiguous(result);
  if (!gc || !rc) return null;
  const os = contiguousStrides(x.shape);
  const kept: [number[], number[], number[]] = [[], [], []], red: [number[], number[], number[]] = [[], [], []];
  x.shape.forEach((s, d) => { const a = reduced[d] ? red : kept; a[0].push(s); a[1].push(x.strides[d]); a[2].push(os[d]); });
  const ko = coalesce(kept[0], [kept[1], kept[2]]), ro = coalesce(red[0], [red[1], red[2]]);
  if (ko.shape.length > MAX_DIMS || ro.shape.length > MAX_DIMS) return null;
  const nOut = numel(kept[0]), nRed = numel(red[0]);
  if (gc.numel() !== nOut || rc.numel() !== nOut) return null;
  const out = gpuStorage(x.numel(), Float32Array);
  const res = new Tensor(out, x.shape.slice(), os, 0, dtypes.float32);
  if (x.numel() === 0) return res;
  const params = new ArrayBuffer(224);
  const u = new Uint32Array(params);
  const groups = groupsFor(nOut);
  u[0] = nOut; u[1] = nRed; u[2] = ko.shape.length; u[3] = ro.shape.length; u[4] = x.offset; u[5] = groups[0] * WG; u[6] = gc.offset; u[7] = rc.offset;
  ko.shape.forEach((s, d) => { u[8 + d] = s; u[16 + d] = ko.strides[0][d]; u[24 + d] = ko.strides[1][d]; });
  ro.shape.forEach((s, d) => { u[32 + d] = s; u[40 + d] = ro.strides[0][d]; u[48 + d] = ro.strides[1][d]; });
  launch('reduce:prod_backward', prodBackwardCode, [buf(x), buf(gc), buf(rc), stateOf(out).buffer], params, groups);
  stateOf(out).written();
  return res;
}

function prodBackwardCode(): string {
  return `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read> R: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
struct P { nout: u32, nred: u32, kd: u32, rd: u32, off: u32, w: u32, goff: u32, roff: u32,
  ks: array<vec4<u32>, 2>, kst: array<vec4<u32>, 2>, kos: array<vec4<u32>, 2>,
  rs: array<vec4<u32>, 2>, rst: array<vec4<u32>, 2>, ros: array<vec4<u32>, 2> }
@group(0) @binding(4) var<uniform> p: P;
fn red(r: u32) -> vec2<u32> {
  var q = r;
  var o = vec2<u32>(0u, 0u);
  for (var d = i32(p.rd) - 1; d >= 0; d--) {
    let s = p.rs[d / 4][d % 4];
    let c = q % s;
    o += c * vec2<u32>(p.rst[d / 4][d % 4], p.ros[d / 4][d % 4]);
    q = q / s;
  }
  return o;
}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x + gid.y * p.w;
  if (o >= p.nout) { return; }
  var rem = o;
  var xb = p.off;
  var ob = 0u;
  for (var d = i32(p.kd) - 1; d >= 0; d--) {
    let s = p.ks[d / 4][d % 4];
    let c = rem % s;
    xb += c * p.kst[d / 4][d % 4];
    ob += c * p.kos[d / 4][d % 4];
    rem = rem / s;
  }
  let gv = G[p.goff + o];
  let rv = R[p.roff + o];
  var zeros = 0u;
  for (var r = 0u; r < p.nred; r++) { if (X[xb + red(r).x] == 0.0) { zeros++; } }
  if (zeros == 0u) {
    for (var r = 0u; r < p.nred; r++) { let k = red(r); Y[ob + k.y] = gv * (rv / X[xb + k.x]); }
    return;
  }
  var pre = 1.0;
  for (var r = 0u; r < p.nred; r++) { let k = red(r); Y[ob + k.y] = pre; pre = pre * X[xb + k.x]; }
  var suf = 1.0;
  for (var r = p.nred; r > 0u; r--) { let k = red(r - 1u); Y[ob + k.y] = gv * (Y[ob + k.y] * suf); suf = suf * X[xb + k.x]; }
}`;
}

/**
 * evenly_distribute_backward on the GPU (PyTorch's CUDA form): the 0-dim gradient `g` of max()/min() split
 * evenly over the elements of `x` equal to the 0-dim result `value` (NaN matching NaN). null when it does not apply.
 */
export function gpuEvenlyDistribute(g: Tensor, x: Tensor, value: Tensor): Tensor | null {
  if (![g, x, value].every((t) => onGpu(t) && t.dtype === dtypes.float32)) return null;
  const mask = gpuMap([x, value], x.shape, dtypes.float32, dtypes.float32, 'select(0.0, 1.0, select(a == b, isnan(a) && isnan(b), isnan(a) || isnan(b)))');
  const count = mask && gpuReduce(mask, x.shape.map(() => true), false, 'sum');
  return count && gpuMap([mask, g, count], x.shape, dtypes.float32, dtypes.float32, 'select(0.0, b / c, a != 0.0)');
}

/**
 * The amax/amin backward on the GPU: (g / count) · mask, mask = (x == result) (NaN matches nothing, as on
 * the CPU), count its sum over the reduced dims; `g` and `result` with the reduced dims kept. null when it
 * does not apply.
 */
export function gpuAmaxBackward(gKeep: Tensor, x: Tensor, resKeep: Tensor, reduced: readonly boolean[]): Tensor | null {
  if (![gKeep, x, resKeep].every((t) => onGpu(t) && t.dtype === dtypes.float32)) return null;
  const mask = gpuMap([resKeep, x], x.shape, dtypes.float32, dtypes.float32, 'select(0.0, 1.0, !isnan(a) && a == b)');
  const count = mask && gpuReduce(mask, reduced, true, 'sum');
  return count && gpuMap([gKeep, count, mask], x.shape, dtypes.float32, dtypes.float32, '(a / b) * c');
}
