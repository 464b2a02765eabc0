// Regression and binary losses of torch.nn.functional, with F's Python signatures: mse_loss
// (MseLossBackward0), l1_loss ((x − y).abs() then mean/sum: MeanBackward0 ...), smooth_l1_loss,
// huber_loss, binary_cross_entropy (BinaryCrossEntropyBackward0, log clamped at −100) and
// binary_cross_entropy_with_logits (BinaryCrossEntropyWithLogitsBackward0). Elementwise terms round
// like PyTorch's float32 kernels; mean/sum go through the engine's reductions. Under create_graph the
// gradients are built from engine ops so they can be differentiated again.
import { TorchError, check } from '../../errors';
import { isGradEnabled, record } from '../../autograd';
import { Tensor } from '../../tensor';
import { defineOps, OpDef, SampleCase } from '../spec';
import { call, contiguous } from '../util';
import { dtypes } from '../../dtype';
import { checkSupport, gpuElementwise } from './elementwiseUtil';
import { MathSet, Reduction, applyReduction, mapKernel, reductionOf, sameSize, sizeStr, warnTargetSize } from './nnUtil';

type Pair = [Tensor, Tensor];
const mul = (a: unknown, b: unknown) => call('mul', a, b);
const sub = (a: unknown, b: unknown) => call('sub', a, b);
const div = (a: unknown, b: unknown) => call('div', a, b);

/** F's prologue: the broadcast warning, then torch.broadcast_tensors, then the reduction. */
function prologue(a: Record<string, any>): [Tensor, Tensor, Reduction] {
  warnTargetSize(a.input, a.target);
  const [x, y] = call('broadcast_tensors', a.input, a.target) as unknown as Pair;
  return [x, y, reductionOf(a)];
}

const LEGACY = 'bool? size_average=None, bool? reduce=None, str reduction="mean"';
const F32 = (shape: number[], extra: object = {}) => ({ t: shape, grad: true, ...extra });
const lossSamples: SampleCase[] = [
  { args: [F32([2, 3]), F32([2, 3])] },
  { args: [F32([4], { dtype: 'float64' }), F32([4], { dtype: 'float64' })], kwargs: { reduction: 'sum' } },
  { args: [F32([2, 3]), { t: [2, 3] }], kwargs: { reduction: 'none' } },
];

/**
 * A pointwise loss node: forward `f(x, y)` per element, then the reduction; backward `df(x, y, g)`
 * scaled by `norm` (1/numel for mean) as one kernel, or `composite` under create_graph.
 */
function pointwiseLoss(name: string, node: string, x: Tensor, y: Tensor, r: Reduction, kernel: string,
  f: (m: MathSet) => (a: number, b: number) => number,
  df: (m: MathSet, norm: number) => (a: number, b: number, g: number) => number,
  composite: (x: Tensor, y: Tensor, g: Tensor, norm: number) => Tensor,
  wgsl?: { f: string; df: string }): Tensor {
  checkSupport(kernel, x.dtype, { bool: false, int: false, half: false });
  check(x.dtype === y.dtype, () => `expected scalar type ${x.dtype.legacyName.replace('Tensor', '')} but found ${y.dtype.legacyName.replace('Tensor', '')}`);
  // on the GPU (float32): `wgsl.f` of a = x, b = y; `wgsl.df` of a, b, c = grad and d = norm
  const gpu = wgsl && x.dtype === dtypes.float32 ? wgsl : null;
  const loss = (gpu ? gpuElementwise([x, y], x.dtype, x.dtype, gpu.f) : null) ?? mapKernel([x, y], x.dtype, f);
  const out = r === 'none' ? loss : applyReduction(loss, r);
  const norm = r === 'mean' ? 1 / x.numel() : 1;
  record(node, [x, y], out, ([g]) => {
    const gi = (a: Tensor, b: Tensor) => (isGradEnabled() ? composite(a, b, g!, norm)
      : (gpu && g!.dtype === a.dtype ? gpuElementwise([a, b, g!], a.dtype, a.dtype, gpu.df, [norm]) : null) ?? mapKernel([a, b, g!], a.dtype, (m) => df(m, norm)));
    return [x.requiresGrad ? gi(x, y) : null, y.requiresGrad ? gi(y, x) : null];
  });
  return out;
}

function mseLoss(x: Tensor, y: Tensor, r: Reduction): Tensor {
  return pointwiseLoss('mse_loss', 'MseLossBackward0', x, y, r, 'mse_cpu',
    (m) => (a, b) => { const d = m.r(a - b); return m.r(d * d); },
    (m, norm) => { const n = m.r(2 * norm); return (a, b, g) => m.r(m.r(n * m.r(a - b)) * g); },
    (a, b, g, norm) => mul(mul(sub(a, b), 2 * norm), g),
    { f: '(a - b) * (a - b)', df: '2.0 * d * (a - b) * c' });
}

function smoothL1(x: Tensor, y: Tensor, r: Reduction, beta: number): Tensor {
  check(beta >= 0, 'smooth_l1_loss does not support negative values for beta.');
  return pointwiseLoss('smooth_l1_loss', 'SmoothL1LossBackward0', x, y, r, 'smooth_l1_cpu',
    (m) => { const be = m.r(beta); return (a, b) => { const z = Math.abs(m.r(a - b)); return z < be ? m.r(m.r(m.r(0.5 * z) * z) / be) : m.r(z - m.r(0.5 * be)); }; },
    (m, norm) => {
      const n = m.r(norm), be = m.r(beta);
      return (a, b, g) => { const d = m.r(a - b); return d <= -be ? m.r(-n * g) : d >= be ? m.r(n * g) : m.r(m.r(m.r(n * d) * g) / be); };
    },
    (a, b, g, norm) => {
      const d = sub(a, b);
      const inner = beta === 0 ? call('sign', d) : call('clamp', div(d, beta), -1, 1);
      return mul(mul(inner, norm), g);
    });
}

function huber(x: Tensor, y: Tensor, r: Reduction, delta: number): Tensor {
  check(delta > 0, 'huber_loss does not support non-positive values for delta.');
  return pointwiseLoss('huber_loss', 'HuberLossBackward0', x, y, r, 'huber_cpu',
    (m) => { const de = m.r(delta); return (a, b) => { const z = Math.abs(m.r(a - b)); return z < de ? m.r(m.r(0.5 * z) * z) : m.r(de * m.fma(-0.5, de, z)); }; },
    (m, norm) => {
      const n = m.r(norm), de = m.r(delta);
      return (a, b, g) => { const d = m.r(a - b); return d <= -de ? m.r(m.r(-n * g) * de) : d >= de ? m.r(m.r(n * g) * de) : m.r(m.r(n * d) * g); };
    },
    (a, b, g, norm) => mul(mul(call('clamp', sub(a, b), -delta, delta), norm), g));
}

// ---- binary cross entropy ----------------------------------------------------------------------

function bce(x: Tensor, y: Tensor, w: Tensor | null, r: Reduction): Tensor {
  checkSupport('binary_cross_entropy', x.dtype, { bool: false, int: false, half: false });
  // on the GPU (float32 x, y there) the [0, 1] range checks are not made: reading the values back would
  // cost a round trip (PyTorch's CUDA kernel asserts on the device instead); out-of-range values give nan
  const gpu = x.dtype === dtypes.float32 && y.dtype === x.dtype;
  let loss = (gpu ? gpuElementwise([x, y], x.dtype, x.dtype, '(b - 1.0) * max(log(1.0 - a), -100.0) - b * max(log(a), -100.0)') : null) ?? mapKernel([x, y], x.dtype, (m) => (a, b) => {
    check(a >= 0 && a <= 1, 'all elements of input should be between 0 and 1');
    check(b >= 0 && b <= 1, 'all elements of target should be between 0 and 1');
    const l1 = Math.max(m.r(Math.log(m.r(1 - a))), -100), l0 = Math.max(m.r(Math.log(a)), -100);
    return m.r(m.r(m.r(b - 1) * l1) - m.r(b * l0));
  }, 'none');
  if (w) { const l = loss; loss = (gpu ? gpuElementwise([l, w], x.dtype, x.dtype, 'a * b') : null) ?? mapKernel([l, w], x.dtype, (m) => (a, b) => m.r(a * b)); }
  const out = r === 'none' ? loss : applyReduction(loss, r);
  record('BinaryCrossEntropyBackward0', [x, y], out, ([g]) => {
    let gx: Tensor | null = null, gy: Tensor | null = null;
    if (x.requiresGrad) {
      if (isGradEnabled()) {
        gx = div(mul(g!, sub(x, y)), call('clamp_min', mul(call('rsub', x, 1), x), 1e-12));
        if (w) gx = mul(gx, w);
        if (r === 'mean') gx = div(gx, x.numel());
      } else {
        gx = (gpu && g!.dtype === x.dtype ? gpuElementwise([g!, x, y], x.dtype, x.dtype, 'a * (b - c) / max((1.0 - b) * b, d)', [1e-12]) : null)
          ?? mapKernel([g!, x, y], x.dtype, (m) => { const eps = m.r(1e-12); return (gv, a, b) => m.r(m.r(gv * m.r(a - b)) / Math.max(m.r(m.r(1 - a) * a), eps)); });
        if (w) gx = mapKernel([gx, w], x.dtype, (m) => (a, b) => m.r(a * b));
        if (r === 'mean') { const n = x.numel(); const gm = gx; gx = (gpu ? gpuElementwise([gm], x.dtype, x.dtype, 'a / b', [n]) : null) ?? mapKernel([gm], x.dtype, (m) => (a) => m.r(a / n)); }
      }
    }
    if (y.requiresGrad) {
      gy = mul(call('neg', call('logit', x)), g!);
      if (w) gy = mul(gy, w);
      if (r === 'mean') gy = div(gy, y.numel());
    }
    return [gx, gy];
  });
  return out;
}

function bceLogits(x: Tensor, y: Tensor, w: Tensor | null, pw: Tensor | null, r: Reduction): Tensor {
  checkSupport('binary_cross_entropy_with_logits', x.dtype, { bool: false, int: false, half: false });
  const pwFull = pw ? contiguous(call('expand', pw, x.shape), true) : null;
  let loss = pwFull
    ? mapKernel([x, y, pwFull], x.dtype, (m) => (a, b, p) => {
      const mv = Math.max(-a, 0);
      const lw = m.r(m.r(m.r(p - 1) * b) + 1);
      const inner = m.r(m.r(Math.log(m.r(m.exp(-mv) + m.exp(m.r(-a - mv))))) + mv);
      return m.r(m.r(m.r(1 - b) * a) + m.r(lw * inner));
    })
    : mapKernel([x, y], x.dtype, (m) => (a, b) => {
      const mv = Math.max(-a, 0);
      const lse = m.r(Math.log(m.r(m.exp(-mv) + m.exp(m.r(-a - mv)))));
      return m.r(m.r(m.r(m.r(1 - b) * a) + mv) + lse);
    });
  if (w) loss = mapKernel([loss, w], x.dtype, (m) => (a, b) => m.r(a * b));
  const out = r === 'none' ? loss : applyReduction(loss, r);
  record('BinaryCrossEntropyWithLogitsBackward0', [x, y], out, ([g]) => {
    let gx: Tensor | null = null, gy: Tensor | null = null;
    if (x.requiresGrad) {
      const sig = call('sigmoid', x);
      if (pw) { const t = mul(pw, y); gx = mul(sub(mul(sub(call('add', t, 1), y), sig), t), g!); }
      else gx = mul(sub(sig, y), g!);
      if (w) gx = mul(gx, w);
      if (r === 'mean') gx = div(gx, x.numel());
    }
    if (y.requiresGrad) {
      gy = pw
        ? mul(sub(call('logsigmoid', call('neg', x)), mul(call('logsigmoid', x), pw)), g!)
        : mul(call('neg', x), g!);
      if (w) gy = mul(gy, w);
      if (r === 'mean') gy = div(gy, y.numel());
    }
    return [gx, gy];
  });
  return out;
}

const def = (name: string, sig: string, doc: string, impl: OpDef['impl'], samples: SampleCase[] = lossSamples): OpDef =>
  ({ name, ns: 'nn.functional', variants: ['function'], sig, doc, impl, samples });

export default defineOps([
  def('mse_loss', `mse_loss(Tensor input, Tensor target, ${LEGACY})`, 'Mean squared error (x − y)², reduced by mean / sum / none.',
    (a) => { const [x, y, r] = prologue(a); return mseLoss(x, y, r); }),
  def('l1_loss', `l1_loss(Tensor input, Tensor target, ${LEGACY})`, 'Mean absolute error |x − y|, reduced by mean / sum / none.',
    (a) => { const [x, y, r] = prologue(a); return applyReduction(call('abs', sub(x, y)), r); }),
  def('smooth_l1_loss', `smooth_l1_loss(Tensor input, Tensor target, ${LEGACY}, float beta=1.0)`,
    'Squared error below beta (divided by 2·beta), absolute error minus beta/2 above.',
    (a) => { const [x, y, r] = prologue(a); return smoothL1(x, y, r, a.beta); }),
  def('huber_loss', 'huber_loss(Tensor input, Tensor target, str reduction="mean", float delta=1.0)',
    'Squared error /2 below delta, delta·(|x − y| − delta/2) above.',
    (a) => { const [x, y, r] = prologue(a); return huber(x, y, r, a.delta); }),
  def('binary_cross_entropy', `binary_cross_entropy(Tensor input, Tensor target, Tensor? weight=None, ${LEGACY})`,
    '−(y·log x + (1 − y)·log(1 − x)) for probabilities x in [0, 1] (logs clamped at −100).',
    (a) => {
      const x: Tensor = a.input, y: Tensor = a.target;
      const r = reductionOf(a);
      if (!sameSize(x, y)) throw new TorchError('ValueError', `Using a target size (${sizeStr(y)}) that is different to the input size (${sizeStr(x)}) is deprecated. Please ensure they have the same size.`);
      const w = a.weight ? call('expand', a.weight, y.shape) : null;
      return bce(x, y, w, r);
    },
    [{ args: [{ t: [2, 3], grad: true, values: [0.1, 0.5, 0.9, 0.25, 0.75, 0.6] }, { t: [2, 3], values: [0, 1, 1, 0, 0.5, 1] }] },
      { args: [{ t: [3], dtype: 'float64', grad: true, values: [0.2, 0.7, 0.4] }, { t: [3], dtype: 'float64', values: [1, 0, 1] }], kwargs: { reduction: 'sum' } }]),
  def('binary_cross_entropy_with_logits',
    `binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight=None, ${LEGACY}, Tensor? pos_weight=None)`,
    'binary_cross_entropy(sigmoid(x), y) computed stably from logits; pos_weight scales the positive term.',
    (a) => {
      const x: Tensor = a.input, y: Tensor = a.target;
      const r = reductionOf(a);
      if (!sameSize(x, y)) throw new TorchError('ValueError', `Target size (${sizeStr(y)}) must be the same as input size (${sizeStr(x)})`);
      return bceLogits(x, y, a.weight, a.pos_weight, r);
    },
    [{ args: [F32([2, 3]), { t: [2, 3], domain: 'unit' }] },
      { args: [F32([2, 3], { dtype: 'float64' }), { t: [2, 3], dtype: 'float64', domain: 'unit' }], kwargs: { pos_weight: { t: [3], dtype: 'float64', domain: 'positive' }, reduction: 'sum' } }]),
]);
