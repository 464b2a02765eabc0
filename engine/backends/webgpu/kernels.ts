// WGSL kernels of the webgpu device and the functions that launch them. The op table's entries call
// these from their forward (e.g. `gpuMap(...) ?? cpuPath()`): each returns null when it does not
// apply (an operand not on the GPU, a dtype WGSL lacks, too many dims), and the op then runs on the
// CPU over the storages' host copies. Pipelines are cached by kernel key (here: sent once; the GPU side
// keeps them). Results are float32 like the CPU's, not bit for bit (the GPU's exp, sum order, ...).
// Shared scaffolding (launches, dispatch sizes, bindings, uniform blocks): common.ts. More kernels:
// kernelsCopy.ts (fills, writes into views, casts, where, padding, table gathers), kernelsNn.ts (softmax,
// NLL), kernelsReduce.ts (max/min/arg*, prod, their backwards), kernelsIndex.ts (gather/scatter/index_*,
// embedding, cat/stack), kernelsAdvIndex.ts (x[idx], index_put), kernelsConv.ts (conv1d/2d),
// kernelsPool.ts (pooling), kernelsNorm.ts (batch/layer/group norm), kernelsScan.ts (cumsum/cumprod,
// cummax/cummin), kernelsStats.ts (var/std/var_mean/std_mean, logsumexp; softDouble.ts: double steps in
// WGSL), kernelsSort.ts and kernelsSortSeq.ts (sort/argsort/topk/kthvalue/median), kernelsSelect.ts
// (masked_select/masked_scatter/nonzero, take/put, bincount, searchsorted).
import { DType, dtypes } from '../../dtype';
import { numel } from '../../shape';
import { Tensor } from '../../tensor';
import { MAX_DIMS, WG, WGSL_ISNAN, broadcastStridesOf, coalesce, dispatch, gpuOut, groupsFor, isWordType, onGpu, onGpuF32, reduceKernel, reduceSplit, wgslType } from './common';

export {
  MAX_DIMS, WG, WGSL_ISNAN, broadcastStridesOf, coalesce, countLaunch, ctorOf, groupsFor, isWordType, kernelStats, launch, onGpu,
  resetKernelStats, storageType, wgslType,
} from './common';

/** An elementwise operand: a tensor on the GPU, or a value the kernel gets as a uniform. */
export type MapOperand = Tensor | number;

/**
 * out = expr over broadcast operands, in `outDtype` (f32 or i32). In `expr` the operands are named
 * a, b, c, d, read as the WGSL type of `compute` (f32 or i32): at most 3 tensors, 4 operands in all.
 * A bool/uint8 tensor operand (u32 words) is converted to `compute` (exact: 0/1, 0..255). With outDtype
 * bool, `expr` is a WGSL bool (the plain copy 'a' means a != 0, NaN true: a cast to bool), stored as u32
 * 0/1. A bool/uint8 `compute` is allowed only for a plain copy ('a', same out dtype). int32 scalars are
 * passed bit for bit (no trip through f32). null when it does not apply.
 */
export function gpuMap(ops: MapOperand[], shape: readonly number[], compute: DType, outDtype: DType, expr: string): Tensor | null {
  const copy = expr === 'a' && ops.length === 1;
  const ct = wgslType(compute) ?? (copy && isWordType(compute) && outDtype === compute ? 'u32' : null);
  const boolOut = outDtype === dtypes.bool && compute !== dtypes.bool;
  const ot = boolOut ? 'u32' : ct === 'u32' ? 'u32' : wgslType(outDtype);
  if (!ct || !ot || ops.length > 4) return null;
  let anyGpu = false;
  for (const o of ops) {
    if (typeof o === 'number') continue;
    if (!onGpu(o) || (o.dtype !== compute && !(isWordType(o.dtype) && ct !== 'u32'))) return null;
    anyGpu = true;
  }
  if (!anyGpu) return null;
  const n = numel(shape);
  const tensors = ops.filter((o): o is Tensor => typeof o !== 'number');
  if (tensors.length > 3) return null;
  const flat = tensors.every((t) => t.isContiguous && numel(t.shape) === n);
  const co = coalesce(shape, tensors.map((t) => broadcastStridesOf(t, shape)));
  if (!flat && co.shape.length > MAX_DIMS) return null;
  const res = gpuOut(shape, outDtype);
  if (n === 0) return res;
  const names = ['a', 'b', 'c', 'd'];
  const intScalar = (o: number) => ct === 'i32' && Number.isInteger(o) && o >= -(2 ** 31) && o < 2 ** 31;
  const opKey = ops.map((o) => (typeof o === 'number' ? (intScalar(o) ? 'S' : 's') : o.dtype === compute ? 't' : 'u')).join('');
  const body = boolOut ? `select(0u, 1u, ${copy ? (ct === 'f32' ? 'isnan(a) || a != 0.0' : `a != ${ct}(0)`) : expr})` : `${ot}(${expr})`;
  const key = `map:${ct}:${ot}:${flat ? 'flat' : 'nd'}:${opKey}:${boolOut ? 'bool:' : ''}${expr}`;
  const code = () => {
    const decl: string[] = [];
    const load: string[] = [];
    let ti = 0;
    ops.forEach((o, k) => {
      if (typeof o === 'number') { load.push(intScalar(o) ? `let ${names[k]} = bitcast<i32>(p.sc[${k}]);` : `let ${names[k]} = ${ct}(p.sc[${k}]);`); return; }
      decl.push(`@group(0) @binding(${ti}) var<storage, read> x${ti}: array<${o.dtype === compute ? ct : 'u32'}>;`);
      load.push(flat ? `let ${names[k]} = ${ct}(x${ti}[p.off[${ti}] + i]);` : `let ${names[k]} = ${ct}(x${ti}[o${ti}]);`);
      ti++;
    });
    const walk = flat ? '' : `
  var rem = i;
  ${tensors.map((_, k) => `var o${k} = p.off[${k}];`).join(' ')}
  for (var d = i32(p.nd) - 1; d >= 0; d--) {
    let s = p.shape[d / 4][d % 4];
    let q = rem % s;
    rem = rem / s;
    ${tensors.map((_, k) => `o${k} += q * p.st${k}[d / 4][d % 4];`).join(' ')}
  }`;
    return `${decl.join('\n')}
@group(0) @binding(${ti}) var<storage, read_write> y: array<${ot}>;
struct P { n: u32, nd: u32, w: u32, pad: u32, off: vec4<u32>, sc: vec4<f32>, shape: array<vec4<u32>, 2>, st0: array<vec4<u32>, 2>, st1: array<vec4<u32>, 2>, st2: array<vec4<u32>, 2> }
@group(0) @binding(${ti + 1}) var<uniform> p: P;
${WGSL_ISNAN}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let i = g.x + g.y * p.w;
  if (i >= p.n) { return; }${walk}
  ${load.join('\n  ')}
  y[i] = ${body};
}`;
  };
  // uniform block: 4 u32, off vec4, sc vec4 (f32, or i32 bits), shape 8, st0..st2 8 each = 16 + 16 + 16 + 32 + 96 bytes
  const params = new ArrayBuffer(176);
  const u = new Uint32Array(params), f = new Float32Array(params), si = new Int32Array(params);
  const groups = groupsFor(n);
  u[0] = n; u[1] = co.shape.length; u[2] = groups[0] * WG;
  tensors.forEach((t, k) => { u[4 + k] = t.offset; });
  ops.forEach((o, k) => { if (typeof o === 'number') { if (intScalar(o)) si[8 + k] = o; else f[8 + k] = o; } });
  co.shape.forEach((s, d) => { u[12 + d] = s; });
  co.strides.forEach((st, k) => st.forEach((s, d) => { u[20 + 8 * k + d] = s; }));
  dispatch(key, code, tensors, [res], params, groups);
  return res;
}

/**
 * C[b] = alpha * A[b] @ B[b] (+ beta * bias broadcast to [batch, m, n]) for float32 operands on the GPU,
 * A and B read through their strides (transposed views need no copy). null when it does not apply.
 */
export function gpuMatmul(a: Tensor, b: Tensor, bias: Tensor | null, beta: number, alpha: number): Tensor | null {
  if (!onGpu(a) || !onGpu(b) || a.dtype !== dtypes.float32 || b.dtype !== dtypes.float32) return null;
  if (bias && beta !== 0 && (!onGpu(bias) || bias.dtype !== dtypes.float32)) return null;
  const batched = a.ndim === 3;
  const [bs, m, k] = batched ? a.shape : [1, a.shape[0], a.shape[1]];
  const nn = b.shape[batched ? 2 : 1];
  const outShape = batched ? [bs, m, nn] : [m, nn];
  const res = gpuOut(outShape, dtypes.float32);
  if (bs * m * nn === 0) return res;
  const sa = batched ? a.strides : [0, a.strides[0], a.strides[1]];
  const sb = batched ? b.strides : [0, b.strides[0], b.strides[1]];
  const useBias = bias !== null && beta !== 0;
  const sc = useBias ? broadcastStridesOf(bias!, [bs, m, nn].slice(batched ? 0 : 1)) : [];
  const sbias = useBias ? (batched ? sc : [0, ...sc]) : [0, 0, 0];
  const params = new ArrayBuffer(80);
  const u = new Uint32Array(params), f = new Float32Array(params);
  u.set([m, nn, k, bs, a.offset, sa[0], sa[1], sa[2], b.offset, sb[0], sb[1], sb[2], useBias ? bias!.offset : 0, sbias[0], sbias[1], sbias[2]]);
  f[16] = alpha; f[17] = beta;
  const key = `matmul:${useBias ? 'bias' : 'nobias'}`;
  const zs = Math.ceil(bs / 65535) > 1 ? null : bs;
  if (zs === null) return null;
  dispatch(key, () => matmulCode(useBias), useBias ? [a, b, bias!] : [a, b], [res], params, [Math.ceil(nn / 64), Math.ceil(m / 64), bs]);
  return res;
}

/** 64×64 output tiles per workgroup of 16×16 threads, 4×4 outputs per thread, k in steps of 16. */
function matmulCode(bias: boolean): string {
  return `@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
${bias ? '@group(0) @binding(2) var<storage, read> C: array<f32>;\n' : ''}@group(0) @binding(${bias ? 3 : 2}) var<storage, read_write> Y: array<f32>;
struct P { m: u32, n: u32, k: u32, bs: u32, ao: u32, sab: u32, sam: u32, sak: u32, bo: u32, bsb: u32, bsk: u32, bsn: u32,
  co: u32, csb: u32, csm: u32, csn: u32, alpha: f32, beta: f32 }
@group(0) @binding(${bias ? 4 : 3}) var<uniform> p: P;
var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;
@compute @workgroup_size(16, 16) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let z = wg.z;
  let m0 = wg.y * 64u;
  let n0 = wg.x * 64u;
  let tid = l.y * 16u + l.x;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < p.k; k0 += 16u) {
    for (var r = 0u; r < 4u; r++) {
      let e = tid + r * 256u;
      let kk = e / 64u;
      let mm = e % 64u;
      var va = 0.0;
      if (m0 + mm < p.m && k0 + kk < p.k) { va = A[p.ao + z * p.sab + (m0 + mm) * p.sam + (k0 + kk) * p.sak]; }
      As[e] = va;
      var vb = 0.0;
      if (n0 + mm < p.n && k0 + kk < p.k) { vb = B[p.bo + z * p.bsb + (k0 + kk) * p.bsk + (n0 + mm) * p.bsn]; }
      Bs[e] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      var av: array<f32, 4>;
      var bv: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { av[i] = As[kk * 64u + l.y * 4u + i]; bv[i] = Bs[kk * 64u + l.x * 4u + i]; }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] = acc[i * 4u + j] + av[i] * bv[j]; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let row = m0 + l.y * 4u + i;
    if (row >= p.m) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let col = n0 + l.x * 4u + j;
      if (col >= p.n) { continue; }
      var v = p.alpha * acc[i * 4u + j];
      ${bias ? 'v = v + p.beta * C[p.co + z * p.csb + row * p.csm + col * p.csn];' : ''}
      Y[(z * p.m + row) * p.n + col] = v;
    }
  }
}`;
}

/**
 * Sum (or mean) of float32 `x` over the dims flagged in `reduced`, the result shaped like x with those
 * dims removed (or kept as 1). One workgroup per output element: threads stride over the reduced
 * elements, then a tree reduction in workgroup memory. null when it does not apply.
 */
export function gpuReduce(x: Tensor, reduced: readonly boolean[], keepdim: boolean, kind: 'sum' | 'mean'): Tensor | null {
  if (!onGpuF32(x)) return null;
  const sp = reduceSplit(x, reduced);
  if (!sp) return null;
  const outShape = keepdim ? x.shape.map((s, d) => (reduced[d] ? 1 : s)) : x.shape.filter((_, d) => !reduced[d]);
  const res = gpuOut(outShape, dtypes.float32);
  if (sp.nOut === 0) return res;
  sp.params.f[6] = kind === 'mean' ? sp.nRed : 1;
  dispatch('reduce:sum', reduceCode, [x], [res], sp.params.buffer, sp.groups);
  return res;
}

const reduceCode = () => reduceKernel([{ init: '0.0', step: 'acc + x', combine: 'part[l.x] + part[l.x + w]', name: 's' }], 'Y[o] = s / p.scale;');

/** A GPU copy of `t` in its logical order (contiguous), or null. */
export function gpuContiguous(t: Tensor): Tensor | null {
  return gpuMap([t], t.shape, t.dtype, t.dtype, 'a');
}

/** `t` itself when contiguous, else a contiguous GPU copy of it (null when that does not apply). */
export function gpuDense(t: Tensor): Tensor | null {
  return t.isContiguous ? t : gpuContiguous(t);
}
