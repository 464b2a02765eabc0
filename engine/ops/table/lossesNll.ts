// Classification losses: F.nll_loss (NllLossBackward0; 3-D and 5-D+ inputs reshape to the 2-D-spatial
// kernel, NllLoss2DBackward0) and F.cross_entropy (log_softmax + nll_loss, the label-smoothing mix, and
// the class-probability form), as PyTorch 1.13's nll_loss_nd / cross_entropy_loss compose them. The
// reduced NLL kernel adds in PyTorch's 8-level cascade; all ignored → 0/0 = nan for 'mean'.
import { dtypes } from '../../dtype';
import { TorchError, check, runtimeError } from '../../errors';
import { isGradEnabled, record } from '../../autograd';
import { Tensor } from '../../tensor';
import { newTensor } from '../../backends/cpu/elementwise';
import { onGpu } from '../../backends/webgpu/kernels';
import { gpuNll, gpuNllBackward, uploadTargets } from '../../backends/webgpu/kernelsNn';
import { defineOps } from '../spec';
import { call, callKw } from '../util';
import { arithFor } from './nnNormKernels';
import { Reduction, mapKernel, reductionFromEnum, reductionOf } from './nnUtil';

/**
 * Targets uploaded for the GPU NLL kernels (int64 has no device copy), kept per target tensor while its
 * storage's version is unchanged: a training loop's labels go up once, not twice per step.
 */
const uploaded = new WeakMap<Tensor, { version: number; gpu: Tensor }>();
function gpuTargets(target: Tensor, values: ArrayLike<number>): Tensor {
  const hit = uploaded.get(target);
  if (hit && hit.version === target.version && hit.gpu.numel() === values.length) return hit.gpu;
  const gpu = uploadTargets(values, [values.length]);
  uploaded.set(target, { version: target.version, gpu });
  return gpu;
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;
const typeName = (t: Tensor) => t.dtype.legacyName.replace('Tensor', '');

/**
 * The NLL kernel over input viewed as [N, C, S] (S spatial positions; `batched` false for 1-D input)
 * and target [N, S]. Returns the loss ([N] / [N, ...] for 'none', else 0-dim) and the total weight.
 */
function nllKernel(input: Tensor, target: Tensor, weight: Tensor | null, r: Reduction, ignore: number, N: number, C: number, S: number, noneShape: number[] | null): [Tensor, number] {
  check(target.dtype === dtypes.int64 || target.dtype === dtypes.uint8, () => `expected scalar type Long but found ${typeName(target)}`);
  const rd = arithFor(input.dtype.name === 'float64').r;
  const t = target.contiguousData(), w = weight ? weight.contiguousData() : null;
  const at = (n: number, c: number, s: number) => (n * C + c) * S + s;
  const checkT = (k: number) => { if (!(k >= 0 && k < C)) throw new TorchError('IndexError', `Target ${k} is out of bounds.`); };
  if (!w && onGpu(input) && input.dtype === dtypes.float32) {
    // on the GPU: the targets (host values) are checked here and uploaded; the input is not read back
    let kept = 0;
    for (let i = 0; i < t.length; i++) if (t[i] !== ignore) { checkT(t[i]); kept++; }
    const out = gpuNll(input, gpuTargets(target, t), ignore, N, C, S, noneShape, r === 'mean', kept);
    if (out) return [out, kept];
  }
  if (noneShape) {
    const x = input.contiguousData();
    const out = newTensor(noneShape, input.dtype);
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) {
      const k = t[n * S + s];
      if (k === ignore) continue;
      checkT(k);
      out.storage.data[n * S + s] = rd(-x[at(n, k, s)] * (w ? w[k] : 1));
    }
    return [out, 0];
  }
  const levels = 8, total = N * S;
  const power = Math.max(4, Math.floor(Math.ceil(Math.log2(Math.max(total, 1))) / levels));
  const mask = (1 << power) - 1;
  const ws = new Array<number>(levels).fill(0), ls = new Array<number>(levels).fill(0);
  const x = input.contiguousData();
  let ignored = 0;
  for (let i = 0; i < total; i++) {
    const n = Math.floor(i / S), s = i % S, k = t[i];
    if (k === ignore) { ignored++; continue; }
    checkT(k);
    const v = x[at(n, k, s)];
    if (w) { ls[0] = rd(ls[0] - rd(v * w[k])); ws[0] = rd(ws[0] + w[k]); } else ls[0] = rd(ls[0] - v);
    for (let j = 0; j + 1 < levels; j++) {
      if ((i & (mask * 2 ** (j * power))) !== 0) break;
      ws[j + 1] = rd(ws[j + 1] + ws[j]); ls[j + 1] = rd(ls[j + 1] + ls[j]);
      ws[j] = 0; ls[j] = 0;
    }
  }
  const tw = w ? ws.reduce((a, b) => rd(a + b), 0) : total - ignored;
  let o = ls.reduce((a, b) => rd(a + b), 0);
  if (r === 'mean') o = rd(o / tw);
  const out = newTensor([], input.dtype);
  out.storage.data[0] = o;
  return [out, tw];
}

function nllBackwardKernel(g: Tensor, input: Tensor, target: Tensor, weight: Tensor | null, r: Reduction, ignore: number, tw: number, N: number, C: number, S: number): Tensor {
  if (!weight && onGpu(g) && g.dtype === dtypes.float32 && input.dtype === dtypes.float32) {
    const none = r === 'none' && g.ndim > 0;
    const gi = gpuNllBackward(g, input.shape, gpuTargets(target, target.contiguousData()), ignore, C, S, none, r === 'mean' ? tw : 1);
    if (gi) return gi;
  }
  const rd = input.dtype.name === 'float64' ? (v: number) => v : Math.fround;
  const out = newTensor(input.shape, input.dtype);
  const od = out.storage.data, t = target.contiguousData(), w = weight ? weight.contiguousData() : null, gd = g.contiguousData();
  const none = r === 'none' && g.ndim > 0;
  const coef = none ? 0 : -(r === 'mean' ? rd(gd[0] / tw) : gd[0]);
  for (let i = 0; i < N * S; i++) {
    const n = Math.floor(i / S), s = i % S, k = t[i];
    if (k === ignore) continue;
    od[(n * C + k) * S + s] = none ? rd(-(w ? w[k] : 1) * gd[i]) : w ? rd(w[k] * coef) : coef;
  }
  return out;
}

/** nll_loss / nll_loss2d on input [N, C, S...] (node name `node`). */
function nllCore(input: Tensor, target: Tensor, weight: Tensor | null, r: Reduction, ignore: number, node: string, N: number, C: number, S: number, noneShape: number[] | null): Tensor {
  check(input.dtype.category === 'float', () => `"nll_loss_out_frame" not implemented for '${typeName(input)}'`);
  check(!weight || (weight.ndim === 1 && weight.numel() === C), () => `weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${fmt(weight!.shape)}`);
  const [out, tw] = nllKernel(input, target, weight, r, ignore, N, C, S, noneShape);
  record(node, [input], out, ([g]) => {
    const gi = nllBackwardKernel(g!, input, target, weight, r, ignore, tw, N, C, S);
    if (isGradEnabled()) {
      record(`${node.replace('Backward0', '')}BackwardBackward0`, [g!, input], gi, ([gg]) => [
        nllCore(gg!, target, weight, r, ignore, node, N, C, S, noneShape), call('zeros_like', gg!),
      ]);
    }
    return [gi];
  });
  return out;
}

/** at::nll_loss_nd */
export function nllLossNd(input: Tensor, target: Tensor, weight: Tensor | null, r: Reduction, ignore: number): Tensor {
  const d = input.ndim;
  if (d < 1) throw new TorchError('ValueError', `Expected 1 or more dimensions (got ${d})`);
  if (d !== 1 && input.shape[0] !== target.shape[0]) {
    throw new TorchError('ValueError', `Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0]}).`);
  }
  if (d <= 2) {
    check(target.ndim <= 1, '0D or 1D target tensor expected, multi-target not supported');
    const noBatch = d === 1 && target.ndim === 0;
    check(noBatch || input.shape[0] === target.shape[0], () => `size mismatch (got input: ${fmt(input.shape)}, target: ${fmt(target.shape)})`);
    const N = d === 1 ? 1 : input.shape[0], C = input.shape[d - 1];
    return nllCore(input, target, weight, r, ignore, 'NllLossBackward0', N, C, 1, r === 'none' && d === 2 ? [N] : null);
  }
  if (d === 4) {
    check(target.ndim === 3, () => `only batches of spatial targets supported (3D tensors) but got targets of dimension: ${target.ndim}`);
    check(input.shape[0] === target.shape[0] && input.shape[2] === target.shape[1] && input.shape[3] === target.shape[2],
      () => `input and target batch or spatial sizes don't match: target ${fmt(target.shape)}, input ${fmt(input.shape)}`);
    const [N, C, H, W] = input.shape;
    return nllCore(input, target, weight, r, ignore, 'NllLoss2DBackward0', N, C, H * W, r === 'none' ? [N, H, W] : null);
  }
  const n = input.shape[0], c = input.shape[1];
  const outSize = [n, ...input.shape.slice(2)];
  if (target.ndim !== outSize.length || !target.shape.slice(1).every((s, i) => s === input.shape[i + 2])) {
    throw runtimeError(`Expected target size ${fmt(outSize)}, got ${fmt(target.shape)}`);
  }
  const x = call('view', call('contiguous', input), [n, c, 1, -1]);
  const t = call('view', call('contiguous', target), [n, 1, -1]);
  const out = nllLossNd(x, t, weight, r, ignore);
  return r === 'none' ? call('view', out, outSize) : out;
}

function crossEntropy(self: Tensor, target: Tensor, weight: Tensor | null, r: Reduction, ignore: number, ls: number): Tensor {
  const classDim = self.ndim === 1 ? 0 : 1;
  const sameShape = self.ndim === target.ndim && self.shape.every((s, i) => s === target.shape[i]);
  if (sameShape) {
    check(target.dtype.category === 'float', () => `Expected floating point type for target with class probabilities, got ${typeName(target)}`);
    check(ignore < 0, 'ignore_index is not supported for floating point target');
    const C = self.shape[classDim];
    check(!weight || (weight.ndim === 1 && weight.numel() === C), () => `cross_entropy: weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${fmt(weight!.shape)}`);
    const input = call('log_softmax', self, classDim, self.dtype);
    let tgt = target;
    if (ls > 0) {
      check(ls <= 1, () => `label_smoothing must be between 0.0 and 1.0. Got: ${ls}`);
      tgt = call('add', call('mul', target, 1 - ls), ls / C);
    }
    let prod = call('mul', input, tgt);
    if (weight) prod = call('mul', prod, input.ndim > 1 ? call('view', weight, input.shape.map((s, i) => (i === classDim ? C : 1))) : weight);
    if (r === 'mean') {
      if (input.numel() === 0) return call('fill_', call('neg', call('sum', prod)), NaN);
      return divScalar(call('neg', call('sum', prod)), Math.floor(input.numel() / C));
    }
    return r === 'sum' ? call('neg', call('sum', prod)) : call('neg', call('sum', prod, classDim));
  }
  if (ls > 0) {
    check(ls <= 1, () => `label_smoothing must be between 0.0 and 1.0. Got: ${ls}`);
    const input = call('log_softmax', self, classDim, self.dtype);
    const nll = nllLossNd(input, target, weight, r, ignore);
    const C = input.shape[classDim];
    const ignoreMask = call('eq', target, ignore);
    let smooth = weight
      ? call('neg', call('sum', call('mul', input, input.ndim > 1 ? call('view', weight, input.shape.map((s, i) => (i === classDim ? C : 1))) : weight), classDim))
      : call('neg', call('sum', input, classDim));
    smooth = call('masked_fill', smooth, ignoreMask, 0.0);
    let ret: Tensor;
    if (r === 'mean') {
      ret = weight
        ? call('div', call('sum', smooth), call('sum', callKw('gather', [weight, 0, call('flatten', call('masked_select', target, call('logical_not', ignoreMask)))], {})))
        : call('div', call('sum', smooth), call('sum', call('logical_not', ignoreMask)));
    } else ret = r === 'sum' ? call('sum', smooth) : smooth;
    return call('add', call('mul', nll, 1 - ls), call('mul', ret, ls / C));
  }
  return nllLossNd(call('log_softmax', self, classDim, self.dtype), target, weight, r, ignore);
}

/** at::div(Tensor, Scalar) as C++ calls it: DivBackward1 (Python's `t / n` is div.Tensor, DivBackward0) */
function divScalar(t: Tensor, n: number): Tensor {
  const out = mapKernel([t], t.dtype, (m) => (x) => m.r(x / n), 'none');
  record('DivBackward1', [t], out, ([g]) => [call('div', g!, n)]);
  return out;
}

const LEGACY_CE = 'Tensor? weight=None, bool? size_average=None, int ignore_index=-100, bool? reduce=None, str reduction="mean"';
const cls = (n: number, values: number[]) => ({ t: [n], dtype: 'int64' as const, values });

export default defineOps([
  {
    name: 'nll_loss', ns: 'nn.functional', variants: ['function'], sig: `nll_loss(Tensor input, Tensor target, ${LEGACY_CE})`,
    doc: 'Negative log likelihood: −input[i, target[i]] (× weight), for log-probabilities input.',
    impl: (a) => nllLossNd(a.input, a.target, a.weight, reductionOf(a), a.ignore_index),
    samples: [
      { args: [{ t: [3, 4], grad: true }, cls(3, [0, 3, 1])] },
      { args: [{ t: [3, 4], dtype: 'float64', grad: true }, cls(3, [2, 2, 1])], kwargs: { weight: { t: [4], dtype: 'float64', domain: 'positive' }, reduction: 'sum' } },
      { args: [{ t: [2, 3], grad: true }, cls(2, [1, 0])], kwargs: { reduction: 'none', ignore_index: 0 } },
    ],
  },
  {
    name: 'cross_entropy', ns: 'nn.functional', variants: ['function'], sig: `cross_entropy(Tensor input, Tensor target, ${LEGACY_CE}, float label_smoothing=0.0)`,
    doc: 'log_softmax over the class dim (1, or 0 for 1-D input) then nll_loss; targets may be class indices or probabilities.',
    impl: (a) => crossEntropy(a.input, a.target, a.weight, reductionOf(a), a.ignore_index, a.label_smoothing),
    samples: [
      { args: [{ t: [3, 4], grad: true }, cls(3, [0, 3, 1])] },
      { args: [{ t: [3, 4], dtype: 'float64', grad: true }, cls(3, [2, 2, 1])], kwargs: { label_smoothing: { f: 0.1 } } },
      { args: [{ t: [2, 3], grad: true }, { t: [2, 3], domain: 'positive' }] },
      { args: [{ t: [2, 3, 2], grad: true }, { t: [2, 2], dtype: 'int64', values: [0, 2, 1, 1] }], kwargs: { reduction: 'sum' } },
    ],
  },
  {
    name: 'nll_loss_nd', ns: 'internal', variants: ['function'],
    sig: 'nll_loss_nd(Tensor self, Tensor target, Tensor? weight=None, int reduction=1, int ignore_index=-100)',
    doc: 'torch._C._nn.nll_loss_nd: nll_loss with an int reduction (0 none, 1 mean, 2 sum).',
    impl: (a) => nllLossNd(a.self, a.target, a.weight, reductionFromEnum(a.reduction), a.ignore_index),
  },
]);
