// Op table: glu (GluBackward0: a · sigmoid(b) over the two halves of a dim) and prelu (PreluBackward0:
// a learned slope per channel), with PyTorch 1.13's checks and gradient formulas.
import { check } from '../../errors';
import { record } from '../../autograd';
import { wrapDim } from '../../shape';
import { Tensor } from '../../tensor';
import { defineOps } from '../spec';
import { call } from '../util';
import { checkSupport } from './elementwiseUtil';
import { mapKernel } from './nnUtil';

function glu(self: Tensor, dim: number): Tensor {
  checkSupport('glu_cpu', self.dtype, { bool: false, int: false, half: false });
  check(self.ndim > 0, 'glu does not support scalars because halving size must be even');
  const d = wrapDim(dim, self.ndim);
  const n = self.shape[d];
  check(n % 2 === 0, () => `Halving dimension must be even, but dimension ${d} is size ${n}`);
  const a = call('narrow', self, d, 0, n / 2), b = call('narrow', self, d, n / 2, n / 2);
  const out = mapKernel([a, b], self.dtype, (m) => (x, y) => m.r(x * m.r(1 / m.r(1 + m.exp(-y)))));
  record('GluBackward0', [self], out, ([g]) => {
    // glu_backward: first half sigmoid(b)·g, second half (1 − s)·s·a·g
    const s = call('sigmoid', b);
    const first = call('mul', s, g!);
    const second = mapKernel([s, a, g!], self.dtype, (m) => (sv, av, gv) => m.r(m.r(m.r(m.r(1 - sv) * sv) * av) * gv));
    return [call('cat', [first, second], d)];
  });
  return out;
}

function prelu(self: Tensor, weight: Tensor): Tensor {
  checkSupport('prelu_cpu', self.dtype, { bool: false, int: false, half: false });
  const wn = weight.numel();
  check(weight.ndim <= 1, () => `prelu: Expected \`weight\` to be a scalar or 1D tensor, but got ndim = ${weight.ndim}`);
  const channels = self.ndim >= 2 ? self.shape[1] : 1;
  if (wn !== 1) {
    check(self.ndim > 0, 'Not allow zero-dim input tensor.');
    check(channels === wn, () => `Mismatch of parameter numbers and input channel size. Found parameter numbers = ${wn} and channel size = ${channels}.`);
  }
  // weight viewed to broadcast along dim 1
  const wv = wn === 1 || self.ndim < 2 ? call('reshape', weight, [wn === 1 ? 1 : wn]) : call('reshape', weight, [wn, ...new Array(self.ndim - 2).fill(1)]);
  const out = mapKernel([self, wv], self.dtype, (m) => (x, w) => (x > 0 ? x : m.r(w * x)));
  record('PreluBackward0', [self, weight], out, ([g]) => {
    const gi = self.requiresGrad ? mapKernel([self, wv, g!], self.dtype, (m) => (x, w, gv) => (x > 0 ? gv : m.r(w * gv))) : null;
    let gw: Tensor | null = null;
    if (weight.requiresGrad) {
      const contrib = mapKernel([self, g!], self.dtype, (m) => (x, gv) => (x > 0 ? 0 : m.r(x * gv)));
      const dims = wn === 1 ? [...contrib.shape.keys()] : contrib.shape.map((_, i) => i).filter((i) => i !== 1);
      gw = dims.length ? call('reshape', call('sum', contrib, dims), weight.shape) : call('reshape', contrib, weight.shape);
    }
    return [gi, gw];
  });
  return out;
}

export default defineOps([
  {
    name: 'glu', ns: 'nn.functional', variants: ['function'], sig: 'glu(Tensor self, int dim=-1)',
    doc: 'Gated linear unit: a · sigmoid(b), where a and b are the two halves of input along dim.',
    impl: (a) => glu(a.self, a.dim),
    samples: [{ args: [{ t: [2, 4], grad: true }] }, { args: [{ t: [4, 3], dtype: 'float64', grad: true }, 0] }],
  },
  {
    name: 'prelu', sig: 'prelu(Tensor self, Tensor weight)',
    doc: 'x where x > 0, else weight · x (weight: one slope, or one per channel of dim 1).',
    impl: (a) => prelu(a.self, a.weight),
    samples: [{ args: [{ t: [2, 3], grad: true }, { t: [1], grad: true, domain: 'positive' }], noGradcheck: true },
      { args: [{ t: [2, 3, 2], dtype: 'float64', grad: true }, { t: [3], dtype: 'float64', grad: true }], noGradcheck: true }],
  },
]);
