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
import { FLAT_MAIN, MAX_DIMS, WG, bindings, coalesce, dispatch, flatKernel, gpuOut, onGpu, onGpuF32, reduceHead, reduceKernel, reduceSplit, wgslType } from './common';
import { gpuContiguous, gpuMap, gpuReduce } from './kernels';
import { stateOf } from './storage';

/**
 * The extreme ('max' or 'min') of float32/int32 `x` over the dims flagged in `reduced`, shaped `outShape`
 * (as many elements as the kept dims), with its index along the reduced dims (row-major over them) as
 * int64 when `withIndex`. null when it does not apply.
 */
export function gpuExtreme(x: Tensor, reduced: readonly boolean[], outShape: readonly number[], kind: 'max' | 'min', withIndex: boolean): { values: Tensor; indices: Tensor | null } | null {
  const t = wgslType(x.dtype);
  if (!onGpu(x) || !t) return null;
  const sp = reduceSplit(x, reduced);
  if (!sp || sp.nRed === 0 || sp.nRed >= 2 ** 31 || numel(outShape) !== sp.nOut) return null;
  const values = gpuOut(outShape, x.dtype);
  let indices: Tensor | null = null;
  if (withIndex) {
    indices = gpuOut(outShape, dtypes.int64, Float64Array);
    stateOf(indices.storage).bound = sp.nRed;
  }
  if (sp.nOut === 0) return { values, indices };
  dispatch(`reduce:${kind}:${t}:${withIndex ? 'index' : 'value'}`, () => extremeCode(t, kind, withIndex), [x], indices ? [values, indices] : [values], sp.params.buffer, sp.groups);
  return { values, indices };
}

function extremeCode(t: 'f32' | 'i32', kind: 'max' | 'min', withIndex: boolean): string {
  const nan = t === 'f32';
  return `${reduceHead(t, withIndex ? [['Y', t, true], ['I', 'i32', true]] : undefined)}
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
  if (!onGpuF32(x)) return null;
  const sp = reduceSplit(x, reduced);
  if (!sp || numel(outShape) !== sp.nOut) return null;
  const res = gpuOut(outShape, dtypes.float32);
  if (sp.nOut === 0) return res;
  dispatch('reduce:prod', prodCode, [x], [res], sp.params.buffer, sp.groups);
  return res;
}

const prodCode = () => reduceKernel([{ init: '1.0', step: 'acc * x', combine: 'part[l.x] * part[l.x + w]', name: 's' }], 'Y[o] = s;');

/**
 * prod_backward for float32 `x` reduced over the flagged dims to `result`, with incoming gradient `g`
 * (result's shape, keepdim or not): per slice, g·result/x when the slice has no zero, else
 * g·(exclusive prefix product × exclusive suffix product), computed sequentially like the CPU's cumprods.
 * One thread per slice. null when it does not apply.
 */
export function gpuProdBackward(g: Tensor, x: Tensor, result: Tensor, reduced: readonly boolean[]): Tensor | null {
  if (!onGpuF32(x, g, result)) return null;
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
  const res = gpuOut(x.shape, dtypes.float32);
  if (x.numel() === 0) return res;
  flatKernel('reduce:prod_backward', prodBackwardCode, [x, gc, rc], [res], nOut, [nRed, ko.shape.length, ro.shape.length, x.offset, gc.offset, rc.offset], 56, (p) => {
    ko.shape.forEach((s, d) => { p.u[8 + d] = s; p.u[16 + d] = ko.strides[0][d]; p.u[24 + d] = ko.strides[1][d]; });
    ro.shape.forEach((s, d) => { p.u[32 + d] = s; p.u[40 + d] = ro.strides[0][d]; p.u[48 + d] = ro.strides[1][d]; });
  });
  return res;
}

function prodBackwardCode(): string {
  return `${bindings([['X', 'f32'], ['G', 'f32'], ['R', 'f32'], ['Y', 'f32', true]], `n: u32, w: u32, nred: u32, kd: u32, rd: u32, off: u32, goff: u32, roff: u32,
  ks: array<vec4<u32>, 2>, kst: array<vec4<u32>, 2>, kos: array<vec4<u32>, 2>,
  rs: array<vec4<u32>, 2>, rst: array<vec4<u32>, 2>, ros: array<vec4<u32>, 2>`)}
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
${FLAT_MAIN}
  let o = i;
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
