// Op table: unary floating-point functions (exp, log, trig, sigmoid, erf, ...). Integral and bool
// inputs give the default float dtype; float16 is refused where PyTorch 1.13's CPU kernel refuses it.
// Each entry: forward (rounded per step like PyTorch's float32 kernel), grad_fn name and the
// derivatives.yaml formula written with engine ops (so create_graph works), plus samples.
import { record } from '../../autograd';
import { check } from '../../errors';
import { PyFloat } from '../../scalar';
import { Tensor } from '../../tensor';
import { defineOps, OpDef, SampleCase } from '../spec';
import { inplaceVariant } from '../inplace';
import { call, resultTypeOf } from '../util';
import { Round, checkSupport, floatOf, gpuElementwise, mapBinary, mapUnary, stepRound } from './elementwiseUtil';
import { PREC32, PREC64, Prec, digammaP, erf, erfc, erfinv, lgamma, polygamma, trigammaP } from './elementwiseMath';
import { TorchError } from '../../errors';
import { sleefCosf, sleefExpf, sleefExpm1f, sleefLog10f, sleefLog1pf, sleefLog2f, sleefLogf, sleefSigmoidf, sleefSinf, sleefTanhf } from './nnMath';
import { vecUnaryKernel } from './nnUtil';

type Grad = (g: Tensor, self: Tensor, result: Tensor) => Tensor;

interface FloatUnary {
  name: string;
  aliases?: string[];
  /** grad_fn name */
  node: string;
  /** kernel name in PyTorch's "not implemented for" error */
  kernel: string;
  /** float16 has a CPU kernel */
  half?: boolean;
  /** the value, with `r` rounding each intermediate step (float32 kernels) */
  f: (x: number, r: Round) => number;
  grad: Grad;
  doc: string;
  samples: SampleCase[];
  /** has a name_ in-place variant (default true) */
  inplace?: boolean;
  /** the in-place variant's grad_fn when PyTorch gives it its own, not implemented, derivative */
  inplaceNode?: string;
  /** float32 AVX2 lane function (SLEEF) used where PyTorch's kernel vectorises (float32 / bfloat16) */
  vec?: (x: number) => number;
  /** cpu_kernel_vec (blocks of 16, scalar libm tail) rather than a vml kernel that vectorises every element */
  loop?: boolean;
  /** the webgpu kernel: a WGSL f32 expression of `a` */
  wgsl?: string;
}

const F = (x: number) => new PyFloat(x);
const mul = (a: unknown, b: unknown) => call('mul', a, b);
const div = (a: unknown, b: unknown) => call('div', a, b);
const add = (a: unknown, b: unknown) => call('add', a, b);
const neg = (a: unknown) => call('neg', a);
const pow = (a: unknown, b: unknown) => call('pow', a, b);
/** 1 − x*x written as PyTorch's formulas write it: (-x * x + 1) */
const oneMinusSq = (x: Tensor) => add(mul(neg(x), x), 1);

/** Samples shared by most entries: broadcasting shapes, an int input, float64 and a 0-dim tensor. */
const std = (domain: 'any' | 'positive' | 'unit' = 'any'): SampleCase[] => [
  { args: [{ t: [2, 3], grad: true, domain }] },
  { args: [{ t: [4], dtype: 'float64', grad: true, domain }], method: true },
  { args: [{ t: [3], dtype: 'int64', domain: domain === 'unit' ? 'unit' : 'positive' }] },
  { args: [{ t: [], grad: true, domain }] },
];

const prec = (r: Round) => (r === Math.fround ? PREC32 : PREC64);

const LN2 = 0.6931471805599453;
const LN10 = 2.3025850929940456;

export const FLOAT_UNARY: FloatUnary[] = [
  { name: 'exp', wgsl: 'exp(a)', node: 'ExpBackward0', kernel: 'exp_vml_cpu', f: Math.exp, vec: sleefExpf, grad: (g, _s, r) => mul(g, r), doc: 'e to the power of each element.', samples: std() },
  { name: 'exp2', node: 'Exp2Backward0', kernel: 'exp2_cpu', half: true, f: (x) => Math.pow(2, x), grad: (g, _s, r) => mul(mul(g, r), F(LN2)), doc: '2 to the power of each element.', samples: std() },
  { name: 'expm1', node: 'Expm1Backward0', kernel: 'expm1_vml_cpu', f: Math.expm1, vec: sleefExpm1f, grad: (g, _s, r) => mul(g, add(r, 1)), doc: 'exp(x) − 1, accurate near 0.', samples: std() },
  { name: 'log', wgsl: 'log(a)', node: 'LogBackward0', kernel: 'log_vml_cpu', f: Math.log, vec: sleefLogf, grad: (g, s) => div(g, s), doc: 'Natural logarithm.', samples: std('positive') },
  { name: 'log2', wgsl: 'log2(a)', node: 'Log2Backward0', kernel: 'log2_vml_cpu', f: Math.log2, vec: sleefLog2f, grad: (g, s) => div(g, mul(s, F(LN2))), doc: 'Base-2 logarithm.', samples: std('positive') },
  { name: 'log10', wgsl: 'log(a) * 0.43429448190325176', node: 'Log10Backward0', kernel: 'log10_vml_cpu', f: Math.log10, vec: sleefLog10f, grad: (g, s) => div(g, mul(s, F(LN10))), doc: 'Base-10 logarithm.', samples: std('positive') },
  { name: 'log1p', node: 'Log1PBackward0', kernel: 'log1p_vml_cpu', f: Math.log1p, vec: sleefLog1pf, grad: (g, s) => div(g, add(s, 1)), doc: 'log(1 + x), accurate near 0.', samples: std('positive') },
  { name: 'sqrt', wgsl: 'sqrt(a)', node: 'SqrtBackward0', kernel: 'sqrt_vml_cpu', f: Math.sqrt, grad: (g, _s, r) => div(g, mul(r, 2)), doc: 'Square root.', samples: std('positive') },
  { name: 'rsqrt', wgsl: 'inverseSqrt(a)', node: 'RsqrtBackward0', kernel: 'rsqrt_cpu', f: (x, r) => r(1 / r(Math.sqrt(x))), grad: (g, _s, r) => mul(mul(g, F(-0.5)), pow(r, 3)), doc: 'Reciprocal of the square root, 1/√x.', samples: std('positive') },
  { name: 'reciprocal', wgsl: '1.0 / a', node: 'ReciprocalBackward0', kernel: 'reciprocal_cpu', half: true, f: (x) => 1 / x, grad: (g, _s, r) => mul(neg(g), mul(r, r)), doc: '1/x.', samples: std('positive') },
  { name: 'sin', wgsl: 'sin(a)', node: 'SinBackward0', kernel: 'sin_vml_cpu', f: Math.sin, vec: sleefSinf, grad: (g, s) => mul(g, call('cos', s)), doc: 'Sine (radians).', samples: std() },
  { name: 'cos', wgsl: 'cos(a)', node: 'CosBackward0', kernel: 'cos_vml_cpu', f: Math.cos, vec: sleefCosf, grad: (g, s) => mul(g, neg(call('sin', s))), doc: 'Cosine (radians).', samples: std() },
  { name: 'tan', wgsl: 'tan(a)', node: 'TanBackward0', kernel: 'tan_vml_cpu', f: Math.tan, grad: (g, _s, r) => mul(g, add(pow(r, 2), 1)), doc: 'Tangent (radians).', samples: std('unit') },
  { name: 'asin', wgsl: 'atan2(a, sqrt((1.0 - a) * (1.0 + a)))', aliases: ['arcsin'], node: 'AsinBackward0', kernel: 'asin_vml_cpu', f: Math.asin, grad: (g, s) => mul(g, call('rsqrt', oneMinusSq(s))), doc: 'Arcsine.', samples: std('unit') },
  { name: 'acos', wgsl: 'atan2(sqrt((1.0 - a) * (1.0 + a)), a)', aliases: ['arccos'], node: 'AcosBackward0', kernel: 'acos_vml_cpu', f: Math.acos, grad: (g, s) => mul(g, neg(call('rsqrt', oneMinusSq(s)))), doc: 'Arccosine.', samples: std('unit') },
  { name: 'atan', wgsl: 'atan(a)', aliases: ['arctan'], node: 'AtanBackward0', kernel: 'atan_vml_cpu', f: Math.atan, grad: (g, s) => div(g, add(mul(s, s), 1)), doc: 'Arctangent.', samples: std() },
  { name: 'sinh', wgsl: 'sinh(a)', node: 'SinhBackward0', kernel: 'sinh_cpu', f: Math.sinh, grad: (g, s) => mul(g, call('cosh', s)), doc: 'Hyperbolic sine.', samples: std() },
  { name: 'cosh', wgsl: 'cosh(a)', node: 'CoshBackward0', kernel: 'cosh_cpu', f: Math.cosh, grad: (g, s) => mul(g, call('sinh', s)), doc: 'Hyperbolic cosine.', samples: std() },
  {
    name: 'tanh', wgsl: 'tanh(clamp(a, -15.0, 15.0))', node: 'TanhBackward0', kernel: 'tanh_vml_cpu', f: Math.tanh, vec: sleefTanhf,
    grad: (g, _s, r) => call('tanh_backward', g, r), doc: 'Hyperbolic tangent.', samples: std(),
  },
  { name: 'asinh', wgsl: 'asinh(a)', aliases: ['arcsinh'], node: 'AsinhBackward0', inplaceNode: 'AsinhBackward1', kernel: 'asinh_cpu', f: Math.asinh, grad: (g, s) => mul(g, call('rsqrt', add(pow(s, 2), 1))), doc: 'Inverse hyperbolic sine.', samples: std() },
  { name: 'acosh', wgsl: 'acosh(a)', aliases: ['arccosh'], node: 'AcoshBackward0', inplaceNode: 'AcoshBackward1', kernel: 'acosh_cpu', f: Math.acosh, grad: (g, s) => mul(g, call('rsqrt', call('sub', pow(s, 2), 1))), doc: 'Inverse hyperbolic cosine (x ≥ 1).', samples: [{ args: [{ t: [2, 3], grad: true, values: [1.5, 2, 3.25, 1.125, 8, 1.75] }] }, { args: [{ t: [3], dtype: 'int64', domain: 'positive' }] }] },
  { name: 'atanh', wgsl: 'atanh(a)', aliases: ['arctanh'], node: 'AtanhBackward0', inplaceNode: 'AtanhBackward1', kernel: 'atanh_cpu', f: Math.atanh, grad: (g, s) => div(g, call('rsub', pow(s, 2), 1)), doc: 'Inverse hyperbolic tangent.', samples: std('unit') },
  {
    name: 'sigmoid', wgsl: '1.0 / (1.0 + exp(-a))', node: 'SigmoidBackward0', kernel: 'sigmoid_cpu',
    // 1 / (1 + exp(-x)), each step in float32 like the vectorised kernel
    f: (x, r) => r(1 / r(1 + r(Math.exp(-x)))),
    // vectorised lambda: (0 - x).exp() + 1, then reciprocal, with Sleef exp
    vec: sleefSigmoidf, loop: true,
    grad: (g, _s, r) => call('sigmoid_backward', g, r), doc: 'Logistic sigmoid 1/(1 + e^−x).', samples: std(),
  },
  // torch.erf (float32) is neither glibc erff nor Vectorized::erf: correctly rounded erf is closest (~1.5% off)
  { name: 'erf', node: 'ErfBackward0', kernel: 'erf_vml_cpu', f: erf, grad: (g, s) => mul(mul(call('exp', neg(pow(s, 2))), F(1.1283791670955126)), g), doc: 'Error function.', samples: std() },
  { name: 'erfc', node: 'ErfcBackward0', kernel: 'erfc_vml_cpu', f: erfc, grad: (g, s) => mul(mul(call('exp', neg(pow(s, 2))), F(-1.1283791670955126)), g), doc: 'Complementary error function 1 − erf(x).', samples: std() },
  { name: 'erfinv', node: 'ErfinvBackward0', kernel: 'erfinv_vml_cpu', f: erfinv, grad: (g, s) => mul(mul(call('exp', pow(call('erfinv', s), 2)), F(0.88622692545275801)), g), doc: 'Inverse error function on (−1, 1).', samples: std('unit') },
  { name: 'lgamma', node: 'LgammaBackward0', kernel: 'lgamma_vml_cpu', f: lgamma, grad: (g, s) => mul(g, call('digamma', s)), doc: 'log|Γ(x)|.', samples: std('positive') },
  { name: 'digamma', node: 'DigammaBackward0', kernel: 'digamma', f: (x, r) => digammaP(x, prec(r)), grad: (g, s) => mul(g, call('polygamma', 1, s)), doc: 'ψ(x), the logarithmic derivative of Γ.', samples: std('positive') },
  {
    name: 'deg2rad', node: 'Deg2RadBackward0', kernel: 'deg2rad_cpu', half: true,
    f: (x, r) => r(x * r(0.017453292519943295)), grad: (g) => mul(g, F(0.017453292519943295)), doc: 'Degrees to radians.', samples: std(),
  },
  {
    name: 'rad2deg', node: 'Rad2DegBackward0', kernel: 'rad2deg_cpu', half: true,
    f: (x, r) => r(x * r(57.295779513082323)), grad: (g) => mul(g, F(57.295779513082323)), doc: 'Radians to degrees.', samples: std(),
  },
];

/** Forward of a float unary op: dtype rules, dispatch check, kernel, and the backward node. */
export function floatUnary(spec: Pick<FloatUnary, 'node' | 'kernel' | 'half' | 'f' | 'grad' | 'vec' | 'loop' | 'wgsl'>, self: Tensor): Tensor {
  const out = floatOf(self.dtype);
  checkSupport(spec.kernel, out, { half: !!spec.half });
  const r = stepRound(out);
  const f = spec.f;
  const scalar = f.length > 1 ? (x: number) => f(x, r) : (f as (x: number) => number);
  const vec = spec.vec;
  const result = (spec.wgsl && self.dtype === out ? gpuElementwise([self], out, out, spec.wgsl) : null)
    ?? (vec && (out.name === 'float32' || out.name === 'bfloat16')
      ? vecUnaryKernel(self, out, vec, (x) => Math.fround(scalar(x)), spec.loop ? 'loop' : 'all')
      : mapUnary(self, out, out, scalar));
  record(spec.node, [self], result, ([g]) => [spec.grad(g!, self, result)], (n) => { n.save(self); n.save(result, true); });
  return result;
}

function toDef(spec: FloatUnary): OpDef {
  return { name: spec.name, aliases: spec.aliases, sig: `${spec.name}(Tensor self)`, doc: spec.doc, samples: spec.samples, impl: (a) => floatUnary(spec, a.self) };
}

const LOGIT = { node: 'LogitBackward0', kernel: 'logit_cpu' };

function logit(self: Tensor, eps: number | null): Tensor {
  const out = floatOf(self.dtype);
  checkSupport(LOGIT.kernel, out, { half: false });
  const r = stepRound(out);
  let f: (x: number) => number;
  if (eps === null || eps < 0) {
    f = (x) => (x === 1 ? Infinity : r(Math.log(r(x / r(1 - x)))));
  } else {
    const lo = r(eps), hi = r(1 - lo);
    f = (x) => { const z = x < lo ? lo : x > hi ? hi : x; return r(Math.log(r(z / r(1 - z)))); };
  }
  const result = mapUnary(self, out, out, f);
  record(LOGIT.node, [self], result, ([g]) => {
    // logit_backward: grad / (x (1 − x)) inside [eps, 1 − eps] (0 outside; NaN outside [0, 1] without eps)
    const inner = div(g!, mul(self, call('rsub', self, 1)));
    const lo = eps === null || eps < 0 ? 0 : eps, hi = eps === null || eps < 0 ? 1 : 1 - eps;
    const inside = call('logical_and', call('ge', self, F(lo)), call('le', self, F(hi)));
    const outside = eps === null || eps < 0 ? F(NaN) : F(0);
    return [call('where', inside, inner, outside)];
  }, (n) => n.save(self));
  return result;
}

const logitDef: OpDef = {
  name: 'logit', sig: 'logit(Tensor self, float? eps=None)',
  doc: 'log(p / (1 − p)); with eps, p is clamped to [eps, 1 − eps] first.',
  impl: (a) => logit(a.self, a.eps),
  samples: [
    { args: [{ t: [2, 3], grad: true, domain: 'positive', values: [0.125, 0.25, 0.5, 0.625, 0.75, 0.875] }] },
    { args: [{ t: [4], dtype: 'float64', grad: true, values: [0.05, 0.3, 0.6, 0.97] }], kwargs: { eps: { f: 0.1 } }, method: true, noGradcheck: true },
    { args: [{ t: [3], dtype: 'int64', domain: 'unit' }] },
  ],
};

const polygammaDef: OpDef = {
  name: 'polygamma', sig: 'polygamma(int n, Tensor self)',
  doc: 'ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function.',
  impl: (a) => {
    const n: number = a.n;
    check(n >= 0, 'polygamma(n, x) does not support negative n.');
    const f = n === 0 ? (x: number, r: Round) => digammaP(x, prec(r)) : n === 1 ? (x: number, r: Round) => trigammaP(x, prec(r)) : (x: number) => polygamma(n, x);
    const spec = { node: 'PolygammaBackward0', kernel: 'polygamma', f, grad: ((g, s) => mul(g, call('polygamma', n + 1, s))) as Grad };
    return floatUnary(spec, a.self);
  },
  samples: [
    { args: [1, { t: [2, 3], grad: true, domain: 'positive' }] },
    { args: [2, { t: [4], dtype: 'float64', grad: true, domain: 'positive' }] },
  ],
};

const defs = FLOAT_UNARY.map(toDef);

/** The in-place variant: like PyTorch, a few ops (asinh_, ...) get their own node whose backward is not implemented. */
function inplaceOf(spec: FloatUnary, def: OpDef): OpDef {
  const samples: SampleCase[] = [{ args: [...spec.samples[0].args], method: true }, { args: [{ t: [2], dtype: 'int64' }], method: true }];
  if (!spec.inplaceNode) return { ...inplaceVariant(def), samples };
  const msg = `the derivative for 'inplace version of ${spec.name}' is not implemented.`;
  const grad: Grad = () => { throw new TorchError('NotImplementedError', msg); };
  return inplaceVariant(toDef({ ...spec, node: spec.inplaceNode, grad }));
}

/** tanh_backward / sigmoid_backward: the first derivatives as ops of their own, so create_graph shows PyTorch's nodes. */
function backwardOp(name: string, node: string, f: (g: number, y: number, p: Prec) => number, grads: (gg: Tensor, g: Tensor, y: Tensor) => [Tensor, Tensor], wgsl: string): OpDef {
  return {
    name, sig: `${name}(Tensor grad_output, Tensor output)`, variants: ['function'], ns: 'internal',
    doc: `The derivative of ${name.replace('_backward', '')} from its output (used by autograd).`,
    impl: (a) => {
      const g: Tensor = a.grad_output, y: Tensor = a.output;
      const d = resultTypeOf(g, y);
      const p = stepRound(d) === Math.fround ? PREC32 : PREC64;
      const out = (g.dtype === d && y.dtype === d ? gpuElementwise([g, y], d, d, wgsl) : null) ?? mapBinary(g, y, d, d, (u, v) => f(u, v, p));
      record(node, [g, y], out, ([gg]) => grads(gg!, g, y), (n) => { n.save(g); n.save(y); });
      return out;
    },
  };
}

const tanhBackward = backwardOp('tanh_backward', 'TanhBackwardBackward0',
  // grad * (1 − y²), with 1 − y² fused
  (g, y, p) => p.r(g * p.fma(-y, y, 1)),
  (gg, g, y) => [call('tanh_backward', gg, y), mul(gg, mul(mul(y, -2), g))], 'a * fma(-b, b, 1.0)');
const sigmoidBackward = backwardOp('sigmoid_backward', 'SigmoidBackwardBackward0',
  // grad * (1 − y) * y
  (g, y, p) => p.r(p.r(g * p.r(1 - y)) * y),
  (gg, g, y) => [call('sigmoid_backward', gg, y), mul(mul(gg, g), add(mul(y, -2), 1))], 'a * (1.0 - b) * b');

export default defineOps([
  ...defs,
  ...FLOAT_UNARY.flatMap((spec, i) => (spec.inplace === false ? [] : [inplaceOf(spec, defs[i])])),
  tanhBackward, sigmoidBackward,
  logitDef, inplaceVariant(logitDef),
  polygammaDef,
  {
    name: 'polygamma_', sig: 'polygamma_(Tensor self, int n)', variants: ['method'],
    doc: 'In-place polygamma: self ← ψ⁽ⁿ⁾(self).',
    impl: (a) => inplaceVariant(polygammaDef).impl({ self: a.self, n: a.n }, 0),
  },
]);
