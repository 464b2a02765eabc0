// Activation functions of torch.nn.functional (and torch.selu/celu/threshold/hardshrink).
// Each forward rounds like PyTorch 1.13's CPU kernel (vectorised blocks + scalar tail, see nnUtil.ts)
// and records PyTorch's node, whose backward calls the matching "*_backward" op (nnActGrad.ts), as
// derivatives.yaml does. F-only ops use F's Python signature (with `inplace`); relu is in
// elementwiseUnary.ts.
import { DType, dtypes } from '../../dtype';
import { check } from '../../errors';
import { isGradEnabled, record } from '../../autograd';
import { Scalar, scalarValue } from '../../scalar';
import { Tensor } from '../../tensor';
import { Bound } from '../schema';
import { defineOps, OpDef, SampleCase } from '../spec';
import { call, callKw } from '../util';
import { Support, checkSupport, gpuElementwise } from './elementwiseUtil';
import { MathSet, VecMode, mapKernel, runInplace } from './nnUtil';

const FLOAT_ONLY: Support = { bool: false, int: false, half: false };
const sv = (s: Scalar) => scalarValue(s);

interface Act {
  name: string;
  ns: 'torch' | 'nn.functional';
  /** F's Python signature (an `inplace` flag routes to the in-place kernel) */
  sig: string;
  /** the in-place builtin (F.elu_, torch.selu_, ...) with its ATen signature */
  inplaceSig?: string;
  /** the in-place builtin is torch._C._nn only (F has no silu_, mish_, ...) */
  inplaceInternal?: boolean;
  doc: string;
  kernel: string;
  support?: Support;
  node: string;
  /** node of the in-place form when PyTorch saves the result there (LeakyReluBackward1, ...) */
  nodeInplace?: string;
  pre?: (self: Tensor, a: Bound) => void;
  /** the elementwise function; `m.r` rounds one step in the kernel's dtype */
  f: (m: MathSet, a: Bound, d: DType) => (x: number) => number;
  grad: (g: Tensor, self: Tensor, out: Tensor, a: Bound, inplace: boolean) => Tensor;
  samples: SampleCase[];
  variants?: ('function' | 'method')[];
  vec?: VecMode;
  /** the webgpu kernel for float32: a WGSL expression of `a` (the input) and the uniforms b, c, d it lists, or null */
  wgsl?: (a: Bound) => [string, number[]] | null;
}

function forward(spec: Act, self: Tensor, a: Bound, inplace: boolean): Tensor {
  spec.pre?.(self, a);
  checkSupport(spec.kernel, self.dtype, spec.support ?? FLOAT_ONLY);
  const g = spec.wgsl && self.dtype === dtypes.float32 ? spec.wgsl(a) : null;
  const out = (g ? gpuElementwise([self], self.dtype, self.dtype, g[0], g[1]) : null)
    ?? mapKernel([self], self.dtype, (m) => spec.f(m, a, self.dtype), spec.vec);
  const node = inplace && spec.nodeInplace ? spec.nodeInplace : spec.node;
  record(node, [self], out, ([g]) => [spec.grad(g!, self, out, a, inplace && !!spec.nodeInplace)], (n) => n.save(inplace ? out : self));
  return out;
}

function defs(spec: Act): OpDef[] {
  const run = (a: Bound, inplace: boolean) => (inplace
    ? runInplace(a.self, [], (src) => forward(spec, src, a, true))
    : forward(spec, a.self, a, false));
  const out: OpDef[] = [{
    name: spec.name, ns: spec.ns, variants: spec.variants ?? ['function'], sig: spec.sig, doc: spec.doc, samples: spec.samples,
    impl: (a) => run(a, a.inplace === true),
  }];
  if (spec.inplaceSig) {
    out.push({
      name: `${spec.name}_`, ns: spec.inplaceInternal ? 'internal' : spec.ns, variants: ['function'], sig: spec.inplaceSig,
      doc: `In-place ${spec.name}.`, samples: spec.inplaceInternal ? undefined : spec.samples.slice(0, 1),
      impl: (a) => run(a, true),
    });
  }
  return out;
}

const mul = (a: Tensor, b: Tensor) => call('mul', a, b);
const g1 = (name: string, ...rest: unknown[]) => (g: Tensor, self: Tensor) => call(name, g, self, ...rest);
const S = (shape: number[], extra: object = {}) => ({ t: shape, grad: true, ...extra });
const F64 = (shape: number[]) => ({ t: shape, dtype: 'float64' as const, grad: true });

// elu family: negcoef = alpha * scale, poscoef = scale, negiptcoef = input_scale (each a scalar_t)
function eluF(m: MathSet, alpha: number, scale: number, inputScale: number) {
  const r = m.r;
  const neg = r(r(alpha) * r(scale)), pos = r(scale), nip = r(inputScale);
  return (x: number) => (x <= 0 ? r(r(m.exp(r(x * nip)) - 1) * neg) : r(x * pos));
}
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
const eluGrad = (alpha: Scalar | number, scale: Scalar | number, inputScale: Scalar | number) =>
  (g: Tensor, self: Tensor, out: Tensor, _a: Bound, isResult: boolean) =>
    call('elu_backward', g, alpha, scale, inputScale, isResult, isResult ? out : self);

/** elu on the GPU: x if x > 0 else (exp(x·input_scale) − 1)·alpha·scale (b = alpha·scale, c = scale, d = input_scale) */
const eluWgsl = (alpha: number, scale: number, inputScale: number): [string, number[]] =>
  ['select(a * c, (exp(a * d) - 1.0) * b, a <= 0.0)', [Math.fround(alpha) * Math.fround(scale), scale, inputScale]];
/** gelu(approximate='tanh'): b = √2·(2/√π)·0.5, c = 0.044715 */
export const GELU_BETA = Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5, GELU_KAPPA = 0.044715;
// 0.5·x·(1 + tanh(z)) = x·sigmoid(2z): no cancellation where tanh(z) ≈ −1, no overflow of tanh
const GELU_TANH_WGSL = 'a / (1.0 + exp(-2.0 * b * (a + c * a * a * a)))';
/** clamp to [b, c] keeping NaN (std::min/max order) */
const CLAMP_WGSL = 'select(select(a, b, a < b), c, c < select(a, b, a < b))';
const clampF = (lo: number, hi: number) => (x: number) => (Number.isNaN(x) ? x : x < lo ? lo : x > hi ? hi : x);

const ACTS: Act[] = [
  {
    name: 'leaky_relu', ns: 'nn.functional', sig: 'leaky_relu(Tensor self, Scalar negative_slope=0.01, bool inplace=False)',
    inplaceSig: 'leaky_relu_(Tensor self, Scalar negative_slope=0.01)',
    doc: 'x if x > 0 else negative_slope × x.', kernel: 'leaky_relu_cpu', node: 'LeakyReluBackward0', nodeInplace: 'LeakyReluBackward1',
    f: (m, a) => { const s = m.r(sv(a.negative_slope)); return (x) => (x > 0 ? x : m.r(x * s)); },
    wgsl: (a) => ['select(a * b, a, a > 0.0)', [sv(a.negative_slope)]],
    grad: (g, self, out, a, isResult) => call('leaky_relu_backward', g, isResult ? out : self, a.negative_slope, isResult),
    samples: [{ args: [S([2, 3])], noGradcheck: true }, { args: [F64([5]), { f: 0.2 }], noGradcheck: true }],
  },
  {
    name: 'elu', ns: 'nn.functional', sig: 'elu(Tensor self, float alpha=1.0, bool inplace=False)',
    inplaceSig: 'elu_(Tensor self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1)',
    doc: 'x if x > 0 else alpha × (exp(x) − 1).', kernel: 'elu_cpu', node: 'EluBackward0', nodeInplace: 'EluBackward1',
    f: (m, a) => eluF(m, sv(a.alpha), a.scale === undefined ? 1 : sv(a.scale), a.input_scale === undefined ? 1 : sv(a.input_scale)),
    wgsl: (a) => eluWgsl(sv(a.alpha), a.scale === undefined ? 1 : sv(a.scale), a.input_scale === undefined ? 1 : sv(a.input_scale)),
    grad: (g, self, out, a, isResult) => eluGrad(a.alpha, a.scale ?? 1, a.input_scale ?? 1)(g, self, out, a, isResult),
    samples: [{ args: [S([2, 3])] }, { args: [F64([5])], kwargs: { alpha: { f: 0.5 } } }],
  },
  {
    name: 'selu', ns: 'torch', sig: 'selu(Tensor self)', inplaceSig: 'selu_(Tensor self)',
    doc: 'scale × elu(x, alpha) with the self-normalising constants.', kernel: 'elu_cpu', node: 'EluBackward0', nodeInplace: 'EluBackward1',
    f: (m) => eluF(m, SELU_ALPHA, SELU_SCALE, 1),
    wgsl: () => eluWgsl(SELU_ALPHA, SELU_SCALE, 1),
    grad: (g, self, out, a, isResult) => eluGrad(SELU_ALPHA, SELU_SCALE, 1)(g, self, out, a, isResult),
    samples: [{ args: [S([2, 3])] }, { args: [F64([4])] }],
  },
  {
    name: 'celu', ns: 'torch', sig: 'celu(Tensor self, Scalar alpha=1.0)', inplaceSig: 'celu_(Tensor self, Scalar alpha=1.0)',
    doc: 'max(0, x) + min(0, alpha × (exp(x / alpha) − 1)).', kernel: 'elu_cpu', node: 'CeluBackward0', nodeInplace: 'CeluBackward1',
    pre: (_s, a) => check(sv(a.alpha) !== 0, 'ZeroDivisionError'),
    f: (m, a) => eluF(m, sv(a.alpha), 1, 1 / sv(a.alpha)),
    grad: (g, self, out, a, isResult) => eluGrad(a.alpha, 1, 1 / sv(a.alpha))(g, self, out, a, isResult),
    samples: [{ args: [S([2, 3])] }, { args: [F64([4]), { f: 2.0 }] }],
  },
  {
    name: 'gelu', ns: 'nn.functional', sig: "gelu(Tensor self, *, str approximate='none')",
    doc: "x × Φ(x) (approximate='tanh' uses the tanh formula).", kernel: 'GeluKernelImpl', node: 'GeluBackward0',
    pre: (_s, a) => check(a.approximate === 'none' || a.approximate === 'tanh', 'approximate argument must be either none or tanh.'),
    f: (m, a) => {
      const r = m.r;
      if (a.approximate === 'tanh') {
        const beta = r(Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5), kappa = r(0.044715);
        return (x) => {
          const cube = r(r(x * x) * x);
          const inner = r(beta * m.fma(kappa, cube, x));
          return r(r(0.5 * x) * r(1 + m.tanh(inner)));
        };
      }
      const alpha = r(Math.SQRT1_2);
      return (x) => r(r(x * 0.5) * r(1 + m.erf(r(x * alpha))));
    },
    // WGSL has no erf: only the tanh approximation runs on the GPU
    wgsl: (a) => (a.approximate === 'tanh' ? [GELU_TANH_WGSL, [GELU_BETA, GELU_KAPPA]] : null),
    grad: (g, self, _o, a) => callKw('gelu_backward', [g, self], { approximate: a.approximate }),
    samples: [{ args: [S([2, 3])] }, { args: [F64([5])], kwargs: { approximate: 'tanh' } }],
  },
  {
    name: 'silu', ns: 'nn.functional', sig: 'silu(Tensor self, bool inplace=False)', inplaceSig: 'silu_(Tensor self)', inplaceInternal: true,
    doc: 'x × sigmoid(x) (swish).', kernel: 'silu_cpu', node: 'SiluBackward0',
    f: (m) => (x) => m.r(x / m.r(1 + m.exp(-x))),
    wgsl: () => ['a / (1.0 + exp(-a))', []],
    grad: (g, self) => (isGradEnabled() ? mul(mul(g, call('sigmoid', self)), call('add', mul(self, call('rsub', call('sigmoid', self), 1)), 1)) : call('silu_backward', g, self)),
    samples: [{ args: [S([2, 3])] }, { args: [F64([4])] }],
  },
  {
    name: 'mish', ns: 'nn.functional', sig: 'mish(Tensor self, bool inplace=False)', inplaceSig: 'mish_(Tensor self)', inplaceInternal: true,
    doc: 'x × tanh(softplus(x)).', kernel: 'mish_cpu', support: { ...FLOAT_ONLY, bfloat16: false }, node: 'MishBackward0',
    f: (m) => (x) => m.r(x * m.tanh(m.log1p(m.exp(x)))),
    grad: (g, self) => {
      if (!isGradEnabled()) return call('mish_backward', g, self);
      const ts = call('tanh', call('softplus', self));
      return mul(g, call('add', ts, mul(mul(self, call('sigmoid', self)), call('rsub', mul(ts, ts), 1))));
    },
    samples: [{ args: [S([2, 3])] }, { args: [F64([4])] }],
  },
  {
    name: 'hardtanh', ns: 'nn.functional', sig: 'hardtanh(Tensor self, Scalar min_val=-1.0, Scalar max_val=1.0, bool inplace=False)',
    inplaceSig: 'hardtanh_(Tensor self, Scalar min_val=-1, Scalar max_val=1)',
    doc: 'Clamps to [min_val, max_val].', kernel: 'clamp_scalar_cpu', support: { half: false }, node: 'HardtanhBackward0',
    pre: (self, a) => {
      check(self.dtype.category !== 'bool', 'Bool inputs not supported for hardtanh');
      check(self.dtype.name !== 'uint8' || (Math.trunc(sv(a.min_val)) >= 0 && Math.trunc(sv(a.max_val)) >= 0), 'cannot do hardtanh on an unsigned type with negative limits');
    },
    f: (m, a, d) => (d.category === 'int' ? clampF(Math.trunc(sv(a.min_val)), Math.trunc(sv(a.max_val))) : clampF(m.r(sv(a.min_val)), m.r(sv(a.max_val)))),
    wgsl: (a) => [CLAMP_WGSL, [sv(a.min_val), sv(a.max_val)]],
    grad: (g, self, _o, a) => call('hardtanh_backward', g, self, a.min_val, a.max_val),
    samples: [{ args: [S([2, 3])], noGradcheck: true }, { args: [F64([5]), { f: -0.5 }, { f: 0.5 }], noGradcheck: true }, { args: [{ t: [4], dtype: 'int64' }] }],
  },
  {
    name: 'relu6', ns: 'nn.functional', sig: 'relu6(Tensor self, bool inplace=False)',
    doc: 'min(max(0, x), 6) (hardtanh on [0, 6]).', kernel: 'clamp_scalar_cpu', support: { half: false }, node: 'HardtanhBackward0',
    pre: (self) => check(self.dtype.category !== 'bool', 'Bool inputs not supported for hardtanh'),
    f: () => clampF(0, 6),
    wgsl: () => [CLAMP_WGSL, [0, 6]],
    grad: (g, self) => call('hardtanh_backward', g, self, 0, 6),
    samples: [{ args: [{ t: [2, 3], grad: true, values: [-1, 0.5, 3, 6.5, 7, 2] }], noGradcheck: true }, { args: [{ t: [3], dtype: 'int64' }] }],
  },
  {
    name: 'hardsigmoid', ns: 'nn.functional', sig: 'hardsigmoid(Tensor self, bool inplace=False)', inplaceSig: 'hardsigmoid_(Tensor self)', inplaceInternal: true,
    doc: 'min(max(x + 3, 0), 6) / 6.', kernel: 'hardsigmoid_cpu', node: 'HardsigmoidBackward0',
    f: (m) => (x) => m.r(clampF(0, 6)(m.r(x + 3)) / 6),
    grad: g1('hardsigmoid_backward'),
    samples: [{ args: [{ t: [2, 3], grad: true, values: [-4, -1.5, 0.25, 2, 3.5, -2.5] }], noGradcheck: true }, { args: [F64([4])], noGradcheck: true }],
  },
  {
    name: 'hardswish', ns: 'nn.functional', sig: 'hardswish(Tensor self, bool inplace=False)', inplaceSig: 'hardswish_(Tensor self)', inplaceInternal: true,
    doc: 'x × min(max(x + 3, 0), 6) / 6.', kernel: 'hardswish_cpu', node: 'HardswishBackward0',
    f: (m) => (x) => m.r(m.r(x * clampF(0, 6)(m.r(x + 3))) / 6),
    grad: g1('hardswish_backward'),
    samples: [{ args: [{ t: [2, 3], grad: true, values: [-4, -1.5, 0.25, 2, 3.5, -2.5] }], noGradcheck: true }, { args: [F64([4])], noGradcheck: true }],
  },
  {
    name: 'softplus', ns: 'nn.functional', sig: 'softplus(Tensor self, Scalar beta=1, Scalar threshold=20)',
    doc: 'log(1 + exp(beta × x)) / beta, linear above threshold.', kernel: 'softplus_cpu', node: 'SoftplusBackward0',
    f: (m, a) => {
      const r = m.r, b = r(sv(a.beta)), th = r(sv(a.threshold));
      return (x) => { const z = r(x * b); return z > th ? x : r(m.log1p(m.exp(z)) / b); };
    },
    grad: (g, self, _o, a) => call('softplus_backward', g, self, a.beta, a.threshold),
    samples: [{ args: [S([2, 3])] }, { args: [F64([4])], kwargs: { beta: 2, threshold: 1 }, noGradcheck: true }],
  },
  {
    name: 'logsigmoid', ns: 'nn.functional', sig: 'logsigmoid(Tensor self)',
    doc: 'log(sigmoid(x)) = min(x, 0) − log1p(exp(−|x|)).', kernel: 'log_sigmoid_cpu', node: 'LogSigmoidBackward0', vec: 'all',
    f: (m) => (x) => m.r(Math.min(x, 0) - m.log1p(m.exp(-Math.abs(x)))),
    // the buffer exp(−|x|) the forward kernel also computes
    grad: (g, self) => call('log_sigmoid_backward', g, self, mapKernel([self], self.dtype, (m) => (x) => m.exp(-Math.abs(x)), 'all')),
    samples: [{ args: [S([2, 3])] }, { args: [F64([4])] }],
  },
  {
    name: 'softshrink', ns: 'nn.functional', sig: 'softshrink(Tensor self, Scalar lambd=0.5)',
    doc: 'x − λ above λ, x + λ below −λ, else 0.', kernel: 'softshrink_cpu', node: 'SoftshrinkBackward0',
    pre: (_s, a) => check(sv(a.lambd) >= 0, `lambda must be greater or equal to 0, but found to be ${sv(a.lambd)}.`),
    f: (m, a) => { const l = m.r(sv(a.lambd)); return (x) => (x > l ? m.r(x - l) : x < -l ? m.r(x + l) : 0); },
    grad: (g, self, _o, a) => call('softshrink_backward', g, self, a.lambd),
    samples: [{ args: [S([2, 3])], noGradcheck: true }, { args: [F64([4]), { f: 0.25 }], noGradcheck: true }],
  },
  {
    name: 'hardshrink', ns: 'torch', variants: ['function', 'method'], sig: 'hardshrink(Tensor self, Scalar lambd=0.5)',
    doc: 'x where |x| > λ, else 0.', kernel: 'hardshrink_cpu', node: 'HardshrinkBackward0',
    f: (m, a) => { const l = m.r(sv(a.lambd)); return (x) => (x >= -l && x <= l ? 0 : x); },
    grad: (g, self, _o, a) => call('hardshrink_backward', g, self, a.lambd),
    samples: [{ args: [S([2, 3])], noGradcheck: true }, { args: [F64([4]), { f: 0.25 }], noGradcheck: true }],
  },
  {
    name: 'threshold', ns: 'torch', sig: 'threshold(Tensor self, Scalar threshold, Scalar value)',
    inplaceSig: 'threshold_(Tensor self, Scalar threshold, Scalar value)',
    doc: 'value where x <= threshold, else x.', kernel: 'threshold_cpu', support: { bool: false, half: false }, node: 'ThresholdBackward0', nodeInplace: 'ThresholdBackward1',
    f: (m, a, d) => {
      const c = (s: Scalar) => (d.category === 'int' ? Math.trunc(sv(s)) : m.r(sv(s)));
      const th = c(a.threshold), v = c(a.value);
      return (x) => (x <= th ? v : x);
    },
    wgsl: (a) => ['select(a, c, a <= b)', [sv(a.threshold), sv(a.value)]],
    // threshold_'s ThresholdBackward1 reads the original self (saved before the write), not the result
    grad: (g, self, _o, a) => call('threshold_backward', g, self, a.threshold),
    samples: [{ args: [S([2, 3]), { f: 0.1 }, { f: 20.0 }], noGradcheck: true }, { args: [{ t: [4], dtype: 'int64' }, 0, 5] }],
  },
];

export default defineOps([
  ...ACTS.flatMap(defs),
]);
