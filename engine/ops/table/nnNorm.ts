// Normalisation: torch.layer_norm (NativeLayerNormBackward0), torch.batch_norm (NativeBatchNormBackward0,
// running statistics updated in place with momentum and the unbiased variance), torch.group_norm
// (NativeGroupNormBackward0), and the composites F.normalize, torch.cosine_similarity and
// torch.pairwise_distance built from other ops as PyTorch builds them. On the webgpu device the three
// norms (forward and backward, running statistics included) run as kernelsNorm.ts's GPU kernels.
import { DType } from '../../dtype';
import { check, runtimeError } from '../../errors';
import { noGrad, record } from '../../autograd';
import { Tensor } from '../../tensor';
import { newTensor } from '../../backends/cpu/elementwise';
import { defineOps } from '../spec';
import { call, callKw, resultTypeOf } from '../util';
import { checkSupport } from './elementwiseUtil';
import { Arith, arithFor, fusedDot, rowwiseMoments, vecSum } from './nnNormKernels';
import { gpuBatchNorm, gpuBatchNormBackward, gpuGroupNorm, gpuGroupNormBackward, gpuLayerNorm, gpuLayerNormBackward } from '../../backends/webgpu/kernelsNorm';

const fmtShape = (s: readonly number[]) => `[${s.join(', ')}]`;
const data = (t: Tensor | null) => (t ? t.contiguousData() : null);
const A = (d: DType): Arith => arithFor(d.name === 'float64');

// ---- layer_norm --------------------------------------------------------------------------------

function layerNorm(input: Tensor, shape: number[], weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const nn = shape.length;
  check(nn >= 1, () => `Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = ${fmtShape(shape)}`);
  const same = (t: Tensor) => t.ndim === nn && t.shape.every((s, i) => s === shape[i]);
  check(!weight || same(weight), () => `Expected weight to be of same shape as normalized_shape, but got weight of shape ${fmtShape(weight!.shape)} and normalized_shape = ${fmtShape(shape)}`);
  check(!bias || same(bias), () => `Expected bias to be of same shape as normalized_shape, but got bias of shape ${fmtShape(bias!.shape)} and normalized_shape = ${fmtShape(shape)}`);
  const tail = input.shape.slice(input.ndim - nn);
  if (input.ndim < nn || !tail.every((s, i) => s === shape[i])) {
    throw runtimeError(`Given normalized_shape=${fmtShape(shape)}, expected input with shape [*${shape.map((s) => `, ${s}`).join('')}], but got input of size${fmtShape(input.shape)}`);
  }
  checkSupport('LayerNormKernelImpl', input.dtype, { bool: false, int: false, half: false });
  const N = shape.reduce((a, b) => a * b, 1), M = input.numel() / Math.max(N, 1);
  const mask = () => [input.requiresGrad, !!weight?.requiresGrad, !!bias?.requiresGrad];
  const gpu = gpuLayerNorm(input, weight, bias, M, N, eps);
  if (gpu) {
    const [out, mean, rstd] = gpu;
    record('NativeLayerNormBackward0', [input, weight, bias], out, ([go]) =>
      gpuLayerNormBackward(go!, input, weight, mean, rstd, M, N, mask()) ?? layerNormBackward(go!, input, N, mean, rstd, weight, mask()));
    return out;
  }
  const ar = A(input.dtype), { r, fma } = ar;
  const x = input.contiguousData(), g = data(weight), b = data(bias);
  const out = newTensor(input.shape, input.dtype);
  const statShape = [...input.shape.slice(0, input.ndim - nn), ...shape.map(() => 1)];
  const mean = newTensor(statShape, input.dtype), rstd = newTensor(statShape, input.dtype);
  const od = out.storage.data;
  const e = r(eps);
  for (let i = 0; i < M; i++) {
    const [mu, v] = rowwiseMoments(x, i * N, N, ar);
    const rs = r(1 / r(Math.sqrt(r(v + e))));
    const bi = r(-rs * mu);
    for (let j = 0; j < N; j++) od[i * N + j] = fma(fma(x[i * N + j], rs, bi), g ? g[j] : 1, b ? b[j] : 0);
    mean.storage.data[i] = mu;
    rstd.storage.data[i] = rs;
  }
  record('NativeLayerNormBackward0', [input, weight, bias], out, ([go]) => layerNormBackward(go!, input, N, mean, rstd, weight, mask()));
  return out;
}

function layerNormBackward(go: Tensor, input: Tensor, N: number, mean: Tensor, rstd: Tensor, weight: Tensor | null, mask: boolean[]): (Tensor | null)[] {
  const ar = A(input.dtype), { r, fma } = ar;
  const M = input.numel() / Math.max(N, 1);
  const dy = go.contiguousData(), x = input.contiguousData(), g = data(weight);
  const mu = mean.contiguousData(), rs = rstd.contiguousData();
  const dx = mask[0] ? newTensor(input.shape, input.dtype) : null;
  const dgamma = new Float64Array(N), dbeta = new Float64Array(N);
  const scale = r(1 / N);
  for (let i = 0; i < M; i++) {
    const o = i * N, a = rs[i];
    if (mask[1]) { const bb = r(-a * mu[i]); for (let j = 0; j < N; j++) dgamma[j] = fma(dy[o + j], fma(a, x[o + j], bb), dgamma[j]); }
    if (mask[2]) for (let j = 0; j < N; j++) dbeta[j] = r(dbeta[j] + dy[o + j]);
    if (!dx) continue;
    const ds = g ? fusedDot(N, (j) => r(dy[o + j] * x[o + j]), (j) => g[j], ar) : fusedDot(N, (j) => dy[o + j], (j) => x[o + j], ar);
    const db = g ? fusedDot(N, (j) => dy[o + j], (j) => g[j], ar) : vecSum(N, (j) => dy[o + j], ar);
    const b = r(r(r(r(fma(db, mu[i], -ds) * a) * a) * a) * scale);
    const c = fma(-b, mu[i], -r(r(db * a) * scale));
    const dd = dx.storage.data;
    for (let j = 0; j < N; j++) {
      const t = fma(b, x[o + j], g ? r(r(a * dy[o + j]) * g[j]) : r(a * dy[o + j]));
      dd[o + j] = r(t + c);
    }
  }
  const vec = (v: Float64Array, on: boolean) => {
    if (!on || !weight) return null;
    const t = newTensor(weight.shape, weight.dtype);
    t.storage.data.set(v);
    return t;
  };
  return [dx, vec(dgamma, mask[1]), vec(dbeta, mask[2])];
}

// ---- batch_norm --------------------------------------------------------------------------------

function batchNorm(input: Tensor, weight: Tensor | null, bias: Tensor | null, rm: Tensor | null, rv: Tensor | null, training: boolean, momentum: number, eps: number): Tensor {
  const C = input.ndim > 1 ? input.shape[1] : 1;
  const feat = (name: string, t: Tensor | null) => check(!t || t.numel() === C, () => `${name} should contain ${C} elements not ${t!.numel()}`);
  if (rm) feat('running_mean', rm); else check(training, 'running_mean must be defined in evaluation mode');
  if (rv) feat('running_var', rv); else check(training, 'running_var must be defined in evaluation mode');
  feat('weight', weight);
  feat('bias', bias);
  checkSupport('batch_norm', input.dtype, { bool: false, int: false, half: false });
  const ar = A(input.dtype), { r, fma } = ar;
  const Nb = input.shape[0], HW = input.numel() / Math.max(Nb * C, 1), cnt = Nb * HW;
  const mask = () => [input.requiresGrad, !!weight?.requiresGrad, !!bias?.requiresGrad];
  const gpu = gpuBatchNorm(input, weight, bias, rm, rv, training, momentum, eps, Nb, C, HW);
  if (gpu) {
    const [out, mean, invstd] = gpu;
    record('NativeBatchNormBackward0', [input, weight, bias], out, ([go]) =>
      gpuBatchNormBackward(go!, input, weight, mean, invstd, training, Nb, C, HW, mask())
      ?? batchNormBackwardCpu(go!, input, weight, mean.contiguousData(), invstd.contiguousData(), training ? null : rv!.contiguousData(), eps, mask()));
    return out;
  }
  const x = input.contiguousData(), g = data(weight), b = data(bias);
  const at = (n: number, c: number, i: number) => (n * C + c) * HW + i;
  const mean = new Float64Array(C), invstd = new Float64Array(C);
  let rvEval: ArrayLike<number> | null = null;
  if (training) {
    // batch_norm_cpu_update_stats_template (contiguous): Σx in double, the mean and Σ(x − mean)² stored
    // as float, the running stats updated with a float momentum
    const rmd = rm ? rm.storage.data : null, rvd = rv ? rv.storage.data : null;
    const rmo = rm ? rm.offsets() : null, rvo = rv ? rv.offsets() : null;
    const mom = r(momentum), omm = r(1 - mom);
    // 2-D input is "channels last" to PyTorch (float sums over the batch, fused square sums);
    // N×C×spatial input accumulates in double (sum of x, sum of the float squares (x − mean)²)
    const cl = HW === 1;
    for (let c = 0; c < C; c++) {
      let sum = 0;
      if (cl) for (let n = 0; n < Nb; n++) sum = r(sum + x[at(n, c, 0)]);
      else for (let n = 0; n < Nb; n++) for (let i = 0; i < HW; i++) sum += x[at(n, c, i)];
      const m = r(sum / cnt);
      let vs = 0;
      if (cl) for (let n = 0; n < Nb; n++) { const d = r(x[at(n, c, 0)] - m); vs = fma(d, d, vs); }
      else for (let n = 0; n < Nb; n++) for (let i = 0; i < HW; i++) { const d = r(x[at(n, c, i)] - m); vs += r(d * d); }
      vs = r(vs);
      mean[c] = m;
      const v = r(vs / cnt);
      invstd[c] = r(v === 0 && eps === 0 ? 0 : 1 / Math.sqrt(v + eps));
      if (rmd) rmd[rmo![c]] = r(r(mom * m) + r(omm * rmd[rmo![c]]));
      if (rvd) rvd[rvo![c]] = r(mom * r(vs / (cnt - 1)) + r(omm * rvd[rvo![c]]));
    }
    if (rm) rm.bumpVersion();
    if (rv) rv.bumpVersion();
  } else {
    const rmv = rm!.contiguousData(), rvv = rv!.contiguousData();
    rvEval = rvv;
    for (let c = 0; c < C; c++) { mean[c] = rmv[c]; invstd[c] = r(1 / r(Math.sqrt(r(rvv[c] + r(eps))))); }
  }
  const out = newTensor(input.shape, input.dtype);
  const od = out.storage.data;
  for (let c = 0; c < C; c++) {
    const alpha = r(invstd[c] * (g ? g[c] : 1));
    const beta = fma(-mean[c], alpha, b ? b[c] : 0);
    for (let n = 0; n < Nb; n++) for (let i = 0; i < HW; i++) od[at(n, c, i)] = fma(x[at(n, c, i)], alpha, beta);
  }
  record('NativeBatchNormBackward0', [input, weight, bias], out, ([go]) => batchNormBackwardCpu(go!, input, weight, mean, invstd, rvEval, eps, mask()));
  return out;
}

/** batch_norm's backward on the CPU from the forward's mean / invstd (and, in eval, the running variance). */
function batchNormBackwardCpu(go: Tensor, input: Tensor, weight: Tensor | null, mean: ArrayLike<number>, invstd: ArrayLike<number>, rvEval: ArrayLike<number> | null, eps: number, mask: boolean[]): (Tensor | null)[] {
  const ar = A(input.dtype), { r, fma } = ar;
  const C = input.ndim > 1 ? input.shape[1] : 1;
  const Nb = input.shape[0], HW = input.numel() / Math.max(Nb * C, 1), cnt = Nb * HW;
  const training = rvEval === null;
  const x = input.contiguousData(), g = data(weight);
  const at = (n: number, c: number, i: number) => (n * C + c) * HW + i;
  const gd = go.contiguousData();
  const dx = mask[0] ? newTensor(input.shape, input.dtype) : null;
  const dw = mask[1] && weight ? newTensor(weight.shape, weight.dtype) : null;
  const db = mask[2] ? newTensor([C], input.dtype) : null;
  for (let c = 0; c < C; c++) {
    let sum = 0, dotp = 0;
    for (let n = 0; n < Nb; n++) {
      sum = r(sum + vecSum(HW, (i) => gd[at(n, c, i)], ar));
      dotp = HW === 1 ? fma(r(x[at(n, c, 0)] - mean[c]), gd[at(n, c, 0)], dotp)
        : r(dotp + fusedDot(HW, (i) => r(x[at(n, c, i)] - mean[c]), (i) => gd[at(n, c, i)], ar));
    }
    const w = g ? g[c] : 1, is = invstd[c];
    if (dx) {
      const dd = dx.storage.data;
      if (training) {
        const k = r(r(r(dotp * is) * is) / cnt), gm = r(sum / cnt);
        for (let n = 0; n < Nb; n++) for (let i = 0; i < HW; i++) {
          const j = at(n, c, i);
          dd[j] = r(r(fma(-r(x[j] - mean[c]), k, r(gd[j] - gm)) * is) * w);
        }
      } else {
        // eval: the backward recomputes invstd from the running variance in double
        const iw = r((1 / Math.sqrt(rvEval![c] + eps)) * w);
        for (let n = 0; n < Nb; n++) for (let i = 0; i < HW; i++) { const j = at(n, c, i); dd[j] = r(gd[j] * iw); }
      }
    }
    if (dw) dw.storage.data[c] = r(dotp * is);
    if (db) db.storage.data[c] = sum;
  }
  return [dx, dw, db];
}

// ---- group_norm --------------------------------------------------------------------------------

function groupNorm(input: Tensor, G: number, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const N = input.shape[0], C = input.shape[1];
  check(C % G === 0, () => `Expected number of channels in input to be divisible by num_groups, but got input of shape ${fmtShape(input.shape)} and num_groups=${G}`);
  check(!weight || (weight.ndim === 1 && weight.numel() === C), () => `Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape ${fmtShape(weight!.shape)} and input of shape ${fmtShape(input.shape)}`);
  check(!bias || (bias.ndim === 1 && bias.numel() === C), () => `Expected bias to be a vector of size equal to the number of channels in input, but got bias of shape ${fmtShape(bias!.shape)} and input of shape ${fmtShape(input.shape)}`);
  checkSupport('GroupNormKernelImpl', input.dtype, { bool: false, int: false, half: false });
  const ar = A(input.dtype), { r, fma } = ar;
  const D = C / G, HW = input.numel() / Math.max(N * C, 1), len = D * HW;
  const mask = () => [input.requiresGrad, !!weight?.requiresGrad, !!bias?.requiresGrad];
  const gpu = gpuGroupNorm(input, weight, bias, N, C, HW, G, eps);
  if (gpu) {
    const [out, mean, rstd] = gpu;
    record('NativeGroupNormBackward0', [input, weight, bias], out, ([go]) =>
      gpuGroupNormBackward(go!, input, weight, mean, rstd, N, C, HW, G, mask())
      ?? groupNormBackwardCpu(go!, input, weight, bias, mean.contiguousData(), rstd.contiguousData(), G));
    return out;
  }
  const x = input.contiguousData(), g = data(weight), b = data(bias);
  const out = newTensor(input.shape, input.dtype);
  const od = out.storage.data;
  const mean = new Float64Array(N * G), rstd = new Float64Array(N * G);
  for (let i = 0; i < N * G; i++) {
    const [mu, v] = rowwiseMoments(x, i * len, len, ar);
    const rs = r(1 / r(Math.sqrt(r(Math.max(v, 0) + r(eps)))));
    mean[i] = mu; rstd[i] = rs;
    for (let j = 0; j < D; j++) {
      const c = (i % G) * D + j;
      const sc = r(rs * (g ? g[c] : 1));
      const bi = fma(-sc, mu, b ? b[c] : 0);
      for (let k = 0; k < HW; k++) { const p = (i * D + j) * HW + k; od[p] = !g && !b ? r(r(x[p] - mu) * rs) : fma(sc, x[p], bi); }
    }
  }
  record('NativeGroupNormBackward0', [input, weight, bias], out, ([go]) => groupNormBackwardCpu(go!, input, weight, bias, mean, rstd, G));
  return out;
}

/** group_norm's backward on the CPU: y = (x − μ)·σ⁻¹·γ + β per group; gradients in double, rounded once. */
function groupNormBackwardCpu(go: Tensor, input: Tensor, weight: Tensor | null, bias: Tensor | null, mean: ArrayLike<number>, rstd: ArrayLike<number>, G: number): (Tensor | null)[] {
  const N = input.shape[0], C = input.shape[1];
  const D = C / G, HW = input.numel() / Math.max(N * C, 1), len = D * HW;
  const x = input.contiguousData(), g = data(weight);
  const gd = go.contiguousData();
  const dx = input.requiresGrad ? newTensor(input.shape, input.dtype) : null;
  const dw = weight?.requiresGrad ? new Float64Array(C) : null, dbs = bias?.requiresGrad ? new Float64Array(C) : null;
  for (let i = 0; i < N * G; i++) {
    let s1 = 0, s2 = 0;
    for (let j = 0; j < D; j++) {
      const c = (i % G) * D + j, w = g ? g[c] : 1;
      for (let k = 0; k < HW; k++) {
        const p = (i * D + j) * HW + k, xh = (x[p] - mean[i]) * rstd[i];
        s1 += gd[p] * w; s2 += gd[p] * w * xh;
        if (dw) dw[c] += gd[p] * xh;
        if (dbs) dbs[c] += gd[p];
      }
    }
    if (!dx) continue;
    for (let j = 0; j < D; j++) {
      const c = (i % G) * D + j, w = g ? g[c] : 1;
      for (let k = 0; k < HW; k++) {
        const p = (i * D + j) * HW + k, xh = (x[p] - mean[i]) * rstd[i];
        dx.storage.data[p] = rstd[i] * (gd[p] * w - s1 / len - xh * s2 / len);
      }
    }
  }
  const vec = (v: Float64Array | null, like: Tensor | null) => { if (!v || !like) return null; const t = newTensor(like.shape, like.dtype); t.storage.data.set(v); return t; };
  return [dx, vec(dw, weight), vec(dbs, bias)];
}

const T = (shape: number[], extra: object = {}) => ({ t: shape, grad: true, ...extra });

export default defineOps([
  {
    name: 'layer_norm', variants: ['function'],
    sig: 'layer_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, Tensor? bias=None, float eps=1e-05, bool cudnn_enable=True)',
    doc: 'Normalises over the trailing normalized_shape dims to zero mean / unit variance, then scales and shifts.',
    impl: (a) => layerNorm(a.input, a.normalized_shape, a.weight, a.bias, a.eps),
    samples: [{ args: [T([2, 3]), [3]] }, { args: [T([2, 2, 4]), [2, 4], T([2, 4]), T([2, 4])] }, { args: [{ t: [3, 5], dtype: 'float64', grad: true }, [5]], kwargs: { eps: { f: 0.1 } } }],
  },
  {
    name: 'batch_norm', variants: ['function'],
    sig: 'batch_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, bool training, float momentum, float eps, bool cudnn_enabled)',
    doc: 'Normalises each channel (dim 1) by the batch statistics (training) or the running ones.',
    impl: (a) => batchNorm(a.input, a.weight, a.bias, a.running_mean, a.running_var, a.training, a.momentum, a.eps),
    samples: [
      { args: [T([4, 3]), T([3]), T([3]), null, null, true, { f: 0.1 }, { f: 1e-5 }, false] },
      { args: [{ t: [2, 3, 2], dtype: 'float64', grad: true }, null, null, null, null, true, { f: 0.1 }, { f: 1e-5 }, false] },
    ],
  },
  {
    name: 'group_norm', variants: ['function'],
    sig: 'group_norm(Tensor input, int num_groups, Tensor? weight=None, Tensor? bias=None, float eps=1e-05, bool cudnn_enabled=True)',
    doc: 'Normalises each group of channels of each sample, then scales and shifts per channel.',
    impl: (a) => groupNorm(a.input, a.num_groups, a.weight, a.bias, a.eps),
    samples: [{ args: [T([2, 4, 3]), 2, T([4]), T([4])], rtol: 1e-5 }, { args: [{ t: [1, 2, 2, 2], dtype: 'float64', grad: true }, 1] }],
  },
  {
    name: 'normalize', ns: 'nn.functional', variants: ['function'],
    sig: 'normalize(Tensor input, float p=2.0, int dim=1, float eps=1e-12, Tensor? out=None)',
    doc: 'input / max(‖input‖_p along dim, eps).',
    impl: (a) => {
      const denom = call('expand_as', call('clamp_min', callKw('norm', [a.input, a.p, a.dim], { keepdim: true }), a.eps), a.input);
      const res = call('div', a.input, denom);
      if (!a.out) return res;
      call('copy_', a.out, res);
      return a.out;
    },
    samples: [{ args: [T([2, 3])] }, { args: [{ t: [3, 2], dtype: 'float64', grad: true }], kwargs: { dim: 0, p: { f: 1.0 } } }],
  },
  {
    name: 'cosine_similarity', variants: ['function'], sig: 'cosine_similarity(Tensor x1, Tensor x2, int dim=1, float eps=1e-08)',
    doc: 'Cosine of the angle between x1 and x2 along dim (each normalised first).',
    impl: (a) => {
      let x1: Tensor = a.x1, x2: Tensor = a.x2;
      const common = resultTypeOf(x1, x2);
      check(common.category === 'float', () => `expected common dtype to be floating point, yet common dtype is ${common.name === 'int64' ? 'Long' : common.name}`);
      if (x1.dtype.category !== 'float') x1 = call('to', x1, common);
      if (x2.dtype.category !== 'float') x2 = call('to', x2, common);
      [x1, x2] = call('broadcast_tensors', x1, x2) as unknown as Tensor[];
      const n1 = call('clone', callKw('linalg_vector_norm', [x1, 2, [a.dim]], { keepdim: true }));
      const n2 = call('clone', callKw('linalg_vector_norm', [x2, 2, [a.dim]], { keepdim: true }));
      noGrad(() => { call('clamp_min_', n1, a.eps); call('clamp_min_', n2, a.eps); });
      return call('sum', call('mul', call('div', x1, n1), call('div', x2, n2)), a.dim);
    },
    samples: [{ args: [T([2, 3]), T([2, 3])] }, { args: [T([3, 2]), T([3, 2])], kwargs: { dim: 0 } }],
  },
  {
    name: 'pairwise_distance', variants: ['function'], sig: 'pairwise_distance(Tensor x1, Tensor x2, float p=2, float eps=1e-06, bool keepdim=False)',
    doc: '‖x1 − x2 + eps‖_p over the last dim.',
    impl: (a) => {
      const dim = Math.max(a.x1.ndim, a.x2.ndim) - 1;
      return callKw('norm', [call('add', call('sub', a.x1, a.x2), a.eps), a.p, dim], { keepdim: a.keepdim });
    },
    samples: [{ args: [T([2, 3]), T([2, 3])] }, { args: [T([2, 3]), T([3])], kwargs: { p: { f: 1.0 }, keepdim: true } }],
  },
]);
