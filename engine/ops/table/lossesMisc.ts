// The remaining losses of torch.nn.functional, composed from engine ops as PyTorch 1.13 composes them
// (so their nodes are the last op's: kl_div → SumBackward0 / SubBackward0 / DivBackward0, the margin
// losses → MeanBackward0 ...), plus soft_margin_loss, which has its own SoftMarginLossBackward0 node.
import { check, runtimeError } from '../../errors';
import { record } from '../../autograd';
import { Tensor } from '../../tensor';
import { warn } from '../../warnings';
import { defineOps, OpDef, SampleCase } from '../spec';
import { call } from '../util';
import { applyReduction, mapKernel, reductionOf } from './nnUtil';

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;
const T = (shape: number[], extra: object = {}) => ({ t: shape, grad: true, ...extra });
const LEGACY = 'bool? size_average=None, bool? reduce=None, str reduction="mean"';
const def = (name: string, sig: string, doc: string, impl: OpDef['impl'], samples: SampleCase[]): OpDef =>
  ({ name, ns: 'nn.functional', variants: ['function'], sig, doc, impl, samples });
const pm1 = (n: number) => ({ t: [n], values: Array.from({ length: n }, (_, i) => (i % 3 === 1 ? -1 : 1)) });

function klDiv(a: Record<string, any>): Tensor {
  const input: Tensor = a.input, target: Tensor = a.target;
  let r: string;
  if (a.size_average !== null || a.reduce !== null) r = reductionOf(a);
  else {
    if (a.reduction === 'mean') {
      warn('UserWarning', "reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed to behave the same as 'batchmean' in the next major release.");
    }
    r = a.reduction === 'batchmean' ? 'sum' : reductionOf(a);
  }
  const pointwise = a.log_target
    ? call('mul', call('exp', target), call('sub', target, input))
    : call('sub', call('xlogy', target, target), call('mul', target, input));
  const reduced = applyReduction(pointwise, r as 'none' | 'mean' | 'sum');
  return a.reduction === 'batchmean' && input.ndim !== 0 ? call('div', reduced, input.shape[0]) : reduced;
}

function softMargin(x: Tensor, y: Tensor, r: 'none' | 'mean' | 'sum'): Tensor {
  const loss = mapKernel([x, y], x.dtype, (m) => (a, b) => m.log1p(m.exp(m.r(-a * b))));
  const out = applyReduction(loss, r);
  const norm = r === 'mean' ? 1 / x.numel() : 1;
  record('SoftMarginLossBackward0', [x, y], out, ([g]) => {
    const z = call('exp', call('mul', call('neg', y), x));
    const gx = call('mul', call('div', call('mul', call('mul', y, -norm), z), call('add', z, 1)), g!);
    return [gx, y.requiresGrad ? call('mul', call('div', call('mul', call('mul', x, -norm), z), call('add', z, 1)), g!) : null];
  });
  return out;
}

function cosineEmbedding(x1: Tensor, x2: Tensor, y: Tensor, margin: number, r: 'none' | 'mean' | 'sum'): Tensor {
  const td = y.ndim;
  check(td === 1 || td === 0, '0D or 1D target tensor expected, multi-target not supported');
  if (td === 1) check(x1.ndim === 2 && x2.ndim === 2, () => `1D target tensor expects 2D input tensors, but found inputs with sizes ${fmt(x1.shape)} and ${fmt(x2.shape)}.`);
  else check(x1.ndim === 1 && x2.ndim === 1, () => `0D target tensor expects 1D input tensors, but found inputs with sizes ${fmt(x1.shape)} and ${fmt(x2.shape)}.`);
  const EPS = 1e-12;
  const prod = call('sum', call('mul', x1, x2), td);
  const m1 = call('add', call('sum', call('mul', x1, x1), td), EPS);
  const m2 = call('add', call('sum', call('mul', x2, x2), td), EPS);
  const cos = call('div', prod, call('sqrt_', call('mul', m1, m2)));
  const zeros = call('zeros_like', cos);
  const pos = call('rsub', cos, 1);
  const neg = call('clamp_min_', call('sub', cos, margin), 0);
  const out = call('add', call('where', call('eq', y, 1), pos, zeros), call('where', call('eq', y, -1), neg, zeros));
  return applyReduction(out, r);
}

export default defineOps([
  def('kl_div', `kl_div(Tensor input, Tensor target, ${LEGACY}, bool log_target=False)`,
    "KL divergence Σ target·(log target − input) for log-probability input; reduction 'batchmean' divides the sum by the batch size.",
    (a) => klDiv(a),
    [{ args: [T([2, 3]), { t: [2, 3], domain: 'positive' }], kwargs: { reduction: 'batchmean' } }, { args: [T([2, 3], { dtype: 'float64' }), T([2, 3], { dtype: 'float64' })], kwargs: { reduction: 'sum', log_target: true } }]),
  def('margin_ranking_loss', `margin_ranking_loss(Tensor input1, Tensor input2, Tensor target, float margin=0, ${LEGACY})`,
    'max(0, −target·(input1 − input2) + margin).',
    (a) => {
      const x1: Tensor = a.input1, x2: Tensor = a.input2, y: Tensor = a.target;
      const r = reductionOf(a);
      if (x1.ndim !== x2.ndim || x1.ndim !== y.ndim) {
        throw runtimeError(`margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: torch.Size(${fmt(x1.shape)}), input2: torch.Size(${fmt(x2.shape)}), target: torch.Size(${fmt(y.shape)}) `);
      }
      return applyReduction(call('clamp_min_', call('add', call('mul', call('neg', y), call('sub', x1, x2)), a.margin), 0), r);
    },
    [{ args: [T([4]), T([4]), pm1(4)], kwargs: { margin: { f: 0.5 } }, noGradcheck: true }]),
  def('hinge_embedding_loss', `hinge_embedding_loss(Tensor input, Tensor target, float margin=1.0, ${LEGACY})`,
    'x where target is 1, max(0, margin − x) where target is −1.',
    (a) => {
      const x: Tensor = a.input, y: Tensor = a.target;
      const r = reductionOf(a);
      const zeros = call('zeros_like', x);
      const mc = call('clamp_min_', call('rsub', x, a.margin), 0);
      const out = call('add', call('where', call('ne', y, 1), mc, zeros), call('where', call('ne', y, -1), x, zeros));
      return applyReduction(out, r);
    },
    [{ args: [T([4]), pm1(4)], noGradcheck: true }]),
  def('soft_margin_loss', `soft_margin_loss(Tensor input, Tensor target, ${LEGACY})`, 'log(1 + exp(−target·input)).',
    (a) => softMargin(a.input, a.target, reductionOf(a)),
    [{ args: [T([4]), pm1(4)] }]),
  def('cosine_embedding_loss', `cosine_embedding_loss(Tensor input1, Tensor input2, Tensor target, float margin=0, ${LEGACY})`,
    '1 − cos(x1, x2) where target is 1, max(0, cos(x1, x2) − margin) where target is −1.',
    (a) => cosineEmbedding(a.input1, a.input2, a.target, a.margin, reductionOf(a)),
    [{ args: [T([3, 4]), T([3, 4]), pm1(3)], noGradcheck: true }]),
]);
