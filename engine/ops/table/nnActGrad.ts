// Op table: the "*_backward" kernels of the activations (threshold_backward, gelu_backward, ...), as
// in PyTorch: each activation's node calls its op, and each op records its own node
// (GeluBackwardBackward0, ...) with derivatives.yaml's double-backward formulas, so create_graph works.
// Internal: not exposed as torch.* functions. (threshold_backward, shared with relu, is in
// elementwiseUnary.ts.)
import { dtypes } from '../../dtype';
import { check } from '../../errors';
import { Scalar, scalarValue } from '../../scalar';
import { Tensor } from '../../tensor';
import { Bound } from '../schema';
import { defineOps, OpDef } from '../spec';
import { call, callKw } from '../util';
import { MathSet, VecMode, mapKernel, recordBackwardOp, zerosLike } from './nnUtil';
import { gpuElementwise } from './elementwiseUtil';
import { GELU_BETA, GELU_KAPPA } from './nnActivation';

const sv = (s: Scalar) => scalarValue(s);
const mul = (a: unknown, b: unknown) => call('mul', a, b);
const add = (a: unknown, b: unknown) => call('add', a, b);
const typeAs = (mask: Tensor, g: Tensor) => call('to', mask, g.dtype);

interface GradOp {
  name: string;
  sig: string;
  node: string;
  /** the differentiable tensor inputs, in the order `double` returns grads for them */
  inputs: (a: Bound) => Tensor[];
  /** f(grad, x, ...) for one element */
  f: (m: MathSet, a: Bound) => (...xs: number[]) => number;
  /** tensors the kernel reads, in f's argument order (default: inputs) */
  reads?: (a: Bound) => Tensor[];
  double: (gg: Tensor, a: Bound) => (Tensor | null)[];
  pre?: (a: Bound) => void;
  vec?: VecMode;
  /** the webgpu kernel for float32: a WGSL expression of the reads (a, b, ...) and the uniforms after them, or null */
  wgsl?: (a: Bound) => [string, number[]] | null;
}

function def(op: GradOp): OpDef {
  return {
    name: op.name, ns: 'internal', variants: ['function'], sig: op.sig, doc: `${op.node.replace(/Backward0$/, '')}: gradient kernel.`,
    impl: (a) => {
      op.pre?.(a);
      const reads = (op.reads ?? op.inputs)(a);
      const d = reads[0].dtype;
      const g = op.wgsl && d === dtypes.float32 && reads.every((t) => t.dtype === d) ? op.wgsl(a) : null;
      const out = (g ? gpuElementwise(reads, d, d, g[0], g[1]) : null) ?? mapKernel(reads, d, (m) => op.f(m, a), op.vec);
      recordBackwardOp(op.node, op.inputs(a), out, (gg) => op.double(gg, a));
      return out;
    },
  };
}

const gs = (a: Bound): Tensor[] => [a.grad_output, a.self];
/** WGSL: sigmoid of twice gelu's inner term of b (c = β, d = κ), and sigmoid(b) */
const GS = '(1.0 / (1.0 + exp(-2.0 * c * (b + d * b * b * b))))';
const SIG_B = '(1.0 / (1.0 + exp(-b)))';
const maskGrad = (zero: (x: number, a: Bound) => boolean) => (_m: MathSet, a: Bound) => (g: number, x: number) => (zero(x, a) ? 0 : g);

export default defineOps([
  def({
    name: 'leaky_relu_backward', sig: 'leaky_relu_backward(Tensor grad_output, Tensor self, Scalar negative_slope, bool self_is_result)',
    node: 'LeakyReluBackwardBackward0', inputs: gs,
    pre: (a) => check(!a.self_is_result || sv(a.negative_slope) >= 0, 'In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. This is caused by calling in-place forward function with a negative slope, please call out-of-place version instead. File an issue at https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu backward calculation with negative slope'),
    f: (m, a) => { const s = m.r(sv(a.negative_slope)); return (g, x) => (x > 0 ? g : m.r(g * s)); },
    wgsl: (a) => ['select(a * c, a, b > 0.0)', [sv(a.negative_slope)]],
    double: (gg, a) => [call('leaky_relu_backward', gg, a.self, a.negative_slope, false), zerosLike(gg)],
  }),
  def({
    name: 'elu_backward', sig: 'elu_backward(Tensor grad_output, Scalar alpha, Scalar scale, Scalar input_scale, bool is_result, Tensor self_or_result)',
    node: 'EluBackwardBackward0', inputs: (a) => [a.grad_output, a.self_or_result],
    pre: (a) => check(!a.is_result || sv(a.alpha) >= 0, 'In-place elu backward calculation is triggered with a negative slope which is not supported. This is caused by calling in-place forward function with a negative slope, please call out-of-place version instead.'),
    f: (m, a) => {
      const r = m.r, neg = r(r(sv(a.alpha)) * r(sv(a.scale))), pos = r(sv(a.scale)), nip = r(sv(a.input_scale));
      return a.is_result
        ? (g, b) => (b <= 0 ? r(r(g * nip) * r(b + neg)) : r(g * pos))
        : (g, b) => (b <= 0 ? r(r(r(g * nip) * neg) * m.exp(r(b * nip))) : r(g * pos));
    },
    // c = alpha·scale, d = scale; input_scale 1 only (elu, selu): four operands at most
    wgsl: (a) => (sv(a.input_scale) !== 1 ? null : [a.is_result ? 'select(a * d, a * (b + c), b <= 0.0)' : 'select(a * d, a * c * exp(b), b <= 0.0)',
      [Math.fround(sv(a.alpha)) * Math.fround(sv(a.scale)), sv(a.scale)]]),
    double: (gg, a) => {
      const x: Tensor = a.self_or_result, go: Tensor = a.grad_output;
      const neg = typeAs(call('lt', x, 0), gg);
      const self = a.is_result
        ? mul(mul(mul(gg, go), a.input_scale), neg)
        : mul(call('elu_backward', mul(mul(gg, go), a.input_scale), a.alpha, a.scale, a.input_scale, false, x), neg);
      return [call('elu_backward', gg, a.alpha, a.scale, a.input_scale, a.is_result, x), self];
    },
  }),
  def({
    name: 'gelu_backward', sig: "gelu_backward(Tensor grad_output, Tensor self, *, str approximate='none')", node: 'GeluBackwardBackward0', inputs: gs,
    f: (m, a) => {
      const r = m.r;
      if (a.approximate === 'tanh') {
        const beta = r(Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5), kappa = r(0.044715), k3 = r(3 * kappa);
        return (g, x) => {
          const sq = r(x * x), cube = r(sq * x);
          const t = m.tanh(r(beta * m.fma(kappa, cube, x)));
          const left = r(0.5 * x), right = r(1 + t);
          const leftD = r(0.5 * right);
          const tanhD = m.fma(-t, t, 1);
          const innerD = r(beta * m.fma(k3, sq, 1));
          return r(g * m.fma(r(left * tanhD), innerD, leftD));
        };
      }
      const alpha = r(Math.SQRT1_2), beta = r((2 / Math.sqrt(Math.PI)) * Math.SQRT1_2 * 0.5);
      return (g, x) => {
        const cdf = r(0.5 * r(1 + m.erf(r(x * alpha))));
        const pdf = r(beta * m.exp(r(r(x * x) * -0.5)));
        return r(g * m.fma(x, pdf, cdf));
      };
    },
    // g · (0.5x·(1 − t²)·β(1 + 3κx²) + 0.5(1 + t)), t = tanh(β(x + κx³)), written with s = sigmoid(2β(x + κx³)):
    // 1 + t = 2s, 1 − t² = 4s(1 − s). tanh approximation only (WGSL has no erf)
    wgsl: (a) => (a.approximate === 'tanh' ? [
      `a * (2.0 * b * ${GS} * (1.0 - ${GS}) * c * (1.0 + 3.0 * d * b * b) + ${GS})`, [GELU_BETA, GELU_KAPPA]] : null),
    double: (gg, a) => [callKw('gelu_backward', [gg, a.self], { approximate: a.approximate }), geluDouble(gg, a.grad_output, a.self, a.approximate)],
  }),
  def({
    name: 'silu_backward', sig: 'silu_backward(Tensor grad_output, Tensor self)', node: 'SiluBackwardBackward0', inputs: gs,
    f: (m) => (g, x) => { const s = m.r(1 / m.r(1 + m.exp(-x))); return m.r(m.r(g * s) * m.fma(x, m.r(1 - s), 1)); },
    wgsl: () => [`a * ${SIG_B} * (1.0 + b * (1.0 - ${SIG_B}))`, []],
    double: () => { throw new Error('silu_backward is only used without create_graph'); },
  }),
  def({
    name: 'mish_backward', sig: 'mish_backward(Tensor grad_output, Tensor self)', node: 'MishBackwardBackward0', inputs: gs,
    f: (m) => (g, x) => {
      const s = m.r(1 / m.r(1 + m.exp(-x)));
      const ts = m.tanh(m.log1p(m.exp(x)));
      return m.r(g * m.fma(m.r(x * s), m.fma(-ts, ts, 1), ts));
    },
    double: () => { throw new Error('mish_backward is only used without create_graph'); },
  }),
  def({
    name: 'hardtanh_backward', sig: 'hardtanh_backward(Tensor grad_output, Tensor self, Scalar min_val, Scalar max_val)', node: 'HardtanhBackwardBackward0',
    inputs: gs, f: maskGrad((x, a) => x <= sv(a.min_val) || x >= sv(a.max_val)),
    wgsl: (a) => ['select(a, 0.0, b <= c || b >= d)', [sv(a.min_val), sv(a.max_val)]],
    double: (gg, a) => [call('hardtanh_backward', gg, a.self, a.min_val, a.max_val), zerosLike(gg)],
  }),
  def({
    name: 'hardsigmoid_backward', sig: 'hardsigmoid_backward(Tensor grad_output, Tensor self)', node: 'HardsigmoidBackwardBackward0', inputs: gs,
    f: (m) => { const sixth = Math.fround(1 / 6); return (g, x) => (x > -3 && x < 3 ? m.r(g * sixth) : 0); },
    double: (gg, a) => [call('hardsigmoid_backward', gg, a.self), zerosLike(gg)],
  }),
  def({
    name: 'hardswish_backward', sig: 'hardswish_backward(Tensor grad_output, Tensor self)', node: 'HardswishBackwardBackward0', inputs: gs,
    f: (m) => (g, x) => (x < -3 ? 0 : x <= 3 ? m.r(g * m.r(m.r(x / 3) + 0.5)) : g),
    double: (gg, a) => {
      const inside = call('logical_and', call('gt', a.self, -3), call('lt', a.self, 3));
      return [call('hardswish_backward', gg, a.self), call('where', inside, call('div', mul(gg, a.grad_output), 3.0), zerosLike(gg))];
    },
  }),
  def({
    name: 'softplus_backward', sig: 'softplus_backward(Tensor grad_output, Tensor self, Scalar beta, Scalar threshold)', node: 'SoftplusBackwardBackward0', inputs: gs,
    f: (m, a) => {
      const r = m.r, b = r(sv(a.beta)), th = r(sv(a.threshold));
      return (g, x) => { const z = m.exp(r(x * b)); return r(x * b) > th ? g : r(r(g * z) / r(z + 1)); };
    },
    double: (gg, a) => {
      const x = mul(a.self, a.beta);
      const s = call('sigmoid', x);
      const sb = mul(mul(mul(gg, a.grad_output), call('rsub', s, 1)), s);
      return [call('softplus_backward', gg, a.self, a.beta, a.threshold), mul(mul(sb, typeAs(call('lt', x, a.threshold), gg)), a.beta)];
    },
  }),
  def({
    name: 'log_sigmoid_backward', sig: 'log_sigmoid_backward(Tensor grad_output, Tensor self, Tensor buffer)', node: 'LogSigmoidBackwardBackward0',
    inputs: gs, reads: (a) => [a.self, a.buffer, a.grad_output],
    f: (m) => (x, b, g) => {
      const neg = x < 0;
      return m.r(m.r((neg ? 1 : 0) - (neg ? 1 : -1) * m.r(b / m.r(1 + b))) * g);
    },
    double: (gg, a) => {
      const z = call('sigmoid', a.self);
      return [call('log_sigmoid_backward', gg, a.self, a.buffer), mul(mul(mul(gg, a.grad_output), call('sub', z, 1)), z)];
    },
  }),
  def({
    name: 'softshrink_backward', sig: 'softshrink_backward(Tensor grad_output, Tensor self, Scalar lambd)', node: 'SoftshrinkBackwardBackward0',
    inputs: gs, f: maskGrad((x, a) => x >= -sv(a.lambd) && x <= sv(a.lambd)),
    double: (gg, a) => [call('softshrink_backward', gg, a.self, a.lambd), zerosLike(gg)],
  }),
  def({
    name: 'hardshrink_backward', sig: 'hardshrink_backward(Tensor grad_out, Tensor self, Scalar lambd)', node: 'HardshrinkBackwardBackward0',
    inputs: (a) => [a.grad_out, a.self], f: maskGrad((x, a) => x >= -sv(a.lambd) && x <= sv(a.lambd)),
    double: (gg, a) => [call('hardshrink_backward', gg, a.self, a.lambd), zerosLike(gg)],
  }),
]);

/** FunctionsManual's gelu_double_backward, with engine ops. */
function geluDouble(ggI: Tensor, gO: Tensor, x: Tensor, approximate: string): Tensor {
  if (approximate === 'tanh') {
    const kBeta = Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5, kKappa = 0.044715;
    const inner = mul(add(x, mul(call('pow', x, 3), kKappa)), kBeta);
    const t = call('tanh', inner);
    const sech = call('reciprocal', call('cosh', inner));
    const f = mul(x, 0.5);
    const g = call('rsub', mul(t, t), 1);
    const h = mul(add(mul(mul(x, x), 3 * kKappa), 1), kBeta);
    const fgh = mul(mul(g, h), 0.5);
    const gPrime = mul(mul(mul(sech, 2), mul(call('neg', sech), t)), h);
    const gfh = mul(mul(f, h), gPrime);
    const hfg = mul(mul(f, g), mul(x, 6 * kKappa * kBeta));
    return mul(mul(ggI, gO), add(add(add(fgh, fgh), gfh), hfg));
  }
  const kBeta = (2 / Math.sqrt(Math.PI)) * Math.SQRT1_2 * 0.5;
  const sq = mul(x, x);
  const pdf = mul(call('exp', mul(sq, -0.5)), kBeta);
  const d = call('sub', mul(pdf, 2), mul(sq, pdf));
  return mul(mul(ggI, gO), d);
}
