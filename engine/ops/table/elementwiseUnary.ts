// Op table: unary ops that keep the input dtype (abs, sign, floor/ceil/round/trunc, frac, relu,
// square, nan_to_num, positive) and the bool-valued tests (isnan, isinf, isfinite, signbit, ...).
import { DType, castValue, dtypes } from '../../dtype';
import { check } from '../../errors';
import { record } from '../../autograd';
import { Tensor } from '../../tensor';
import { defineOps, OpDef, SampleCase } from '../spec';
import { inplaceVariant } from '../inplace';
import { call, resultTypeOf } from '../util';
import { checkSupport, gpuElementwise, mapBinary, mapUnary, stepRound, Support } from './elementwiseUtil';
import { rint } from './elementwiseMath';
import { newTensor } from '../../backends/cpu/elementwise';
import { SIMD_MIN_LEN, activationF32 } from '../../backends/cpu/simd';

const zerosLike = (g: Tensor) => call('zeros_like', g);

/** A dtype-keeping unary op: kernel check, value, grad_fn. */
function keep(self: Tensor, kernel: string, support: Support, f: (x: number) => number, node: string | null, grad?: (g: Tensor) => Tensor, wgsl?: string): Tensor {
  checkSupport(kernel, self.dtype, support);
  const out = (wgsl ? gpuElementwise([self], self.dtype, self.dtype, wgsl) : null) ?? mapUnary(self, self.dtype, self.dtype, f);
  if (node && grad) record(node, [self], out, ([g]) => [grad(g!)], (n) => n.save(self));
  return out;
}

const sign = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);
const noBoolHalf: Support = { bool: false, half: false };

const samplesAny: SampleCase[] = [
  { args: [{ t: [2, 3], grad: true }], noGradcheck: true },
  { args: [{ t: [4], dtype: 'float64', grad: true }], method: true, noGradcheck: true },
  { args: [{ t: [5], dtype: 'int64' }] },
];
const roundSamples: SampleCase[] = [
  { args: [{ t: [6], grad: true, values: [-1.5, -0.5, 0.5, 1.5, 2.5, -2.25] }], noGradcheck: true },
  { args: [{ t: [2, 2], dtype: 'float64', grad: true }], method: true, noGradcheck: true },
  { args: [{ t: [3], dtype: 'int32' }] },
];

function roundImpl(self: Tensor, decimals: number | null): Tensor {
  if (decimals === null) return keep(self, 'round_vml_cpu', noBoolHalf, rint, 'RoundBackward0', zerosLike);
  checkSupport('round_cpu', self.dtype, { bool: false, int: false, half: false });
  // the kernel computes in scalar_t: bfloat16 rounds every step to bfloat16
  const d = self.dtype;
  const r = d.name === 'bfloat16' ? (x: number) => castValue(d, x) : stepRound(d);
  const negd = decimals < 0;
  const p = r(Math.pow(10, Math.abs(decimals)));
  const f = negd ? (x: number) => r(rint(r(x / p)) * p) : (x: number) => r(rint(r(x * p)) / p);
  return keep(self, 'round_cpu', {}, f, 'RoundBackward1', zerosLike);
}

/** Largest finite value of a float dtype (nan_to_num's default for ±inf). */
function finfoMax(d: DType): number {
  switch (d.name) {
    case 'float16': return 65504;
    case 'bfloat16': return 3.3895313892515355e38;
    case 'float32': return 3.4028234663852886e38;
    default: return Number.MAX_VALUE;
  }
}

const absDef: OpDef = {
  name: 'abs', aliases: ['absolute'], sig: 'abs(Tensor self)', doc: 'Absolute value.',
  impl: (a) => keep(a.self, 'abs_cpu', { bool: false }, Math.abs, 'AbsBackward0', (g) => call('mul', g, call('sgn', a.self)), 'abs(a)'),
  samples: [{ args: [{ t: [2, 3], grad: true }] }, { args: [{ t: [4], dtype: 'float64', grad: true }], method: true }, { args: [{ t: [5], dtype: 'int32' }] }],
};
const signDef: OpDef = {
  name: 'sign', sig: 'sign(Tensor self)', doc: 'Sign of each element: −1, 0 or 1 (0 for NaN).',
  impl: (a) => keep(a.self, 'sign_cpu', {}, sign, 'SignBackward0', zerosLike), samples: samplesAny,
};
const sgnDef: OpDef = {
  name: 'sgn', sig: 'sgn(Tensor self)', doc: 'Sign of each element (x/|x| for complex; same as sign for real input).',
  impl: (a) => keep(a.self, 'sgn_cpu', {}, sign, 'SgnBackward0', zerosLike), samples: samplesAny,
};
const floorDef: OpDef = {
  name: 'floor', sig: 'floor(Tensor self)', doc: 'Largest integer ≤ x.',
  impl: (a) => keep(a.self, 'floor_vml_cpu', noBoolHalf, Math.floor, 'FloorBackward0', zerosLike), samples: samplesAny,
};
const ceilDef: OpDef = {
  name: 'ceil', sig: 'ceil(Tensor self)', doc: 'Smallest integer ≥ x.',
  impl: (a) => keep(a.self, 'ceil_vml_cpu', noBoolHalf, Math.ceil, 'CeilBackward0', zerosLike), samples: samplesAny,
};
const truncDef: OpDef = {
  name: 'trunc', aliases: ['fix'], sig: 'trunc(Tensor self)', doc: 'Rounds toward zero.',
  impl: (a) => keep(a.self, 'trunc_vml_cpu', noBoolHalf, Math.trunc, 'TruncBackward0', zerosLike), samples: samplesAny,
};
const roundDef: OpDef = {
  name: 'round', sig: ['round(Tensor self)', 'round(Tensor self, *, int decimals)'],
  doc: 'Rounds half to even; with decimals, to that many decimal places (negative: tens, hundreds, ...).',
  impl: (a, ov) => roundImpl(a.self, ov === 0 ? null : a.decimals),
  samples: [...roundSamples, { args: [{ t: [4], grad: true, values: [1.2345, -2.675, 1234.5678, 0.125] }], kwargs: { decimals: 2 }, noGradcheck: true }],
};
const fracDef: OpDef = {
  name: 'frac', sig: 'frac(Tensor self)', doc: 'Fractional part x − trunc(x), with the sign of x.',
  impl: (a) => keep(a.self, 'frac_cpu', { bool: false, int: false }, (x) => x - Math.trunc(x), 'FracBackward0', (g) => g),
  samples: [{ args: [{ t: [2, 3], grad: true }] }, { args: [{ t: [4], dtype: 'float64', grad: true }], method: true }],
};
const reluDef: OpDef = {
  name: 'relu', sig: 'relu(Tensor self)', doc: 'max(x, 0) (NaN stays NaN).',
  impl: (a) => {
    const self: Tensor = a.self;
    check(self.dtype.category !== 'bool', 'Boolean inputs not supported for relu');
    checkSupport('clamp_min_cpu', self.dtype, { half: false });
    const zero = self.dtype === dtypes.float32 ? '0.0' : '0';
    const out = gpuElementwise([self], self.dtype, self.dtype, `select(a, ${zero}, a < ${zero})`)
      ?? simdActivation(self, null, 0)
      ?? mapUnary(self, self.dtype, self.dtype, (x) => (x < 0 ? 0 : x));
    record('ReluBackward0', [self], out, ([g]) => [call('threshold_backward', g, out, 0)], (n) => n.save(out, true));
    return out;
  },
  samples: [{ args: [{ t: [2, 3], grad: true }], noGradcheck: true }, { args: [{ t: [4], dtype: 'float64', grad: true }], method: true, noGradcheck: true }, { args: [{ t: [5], dtype: 'int64' }] }],
};
const squareDef: OpDef = {
  name: 'square', sig: 'square(Tensor self)', doc: 'x², computed as pow(x, 2) (bool gives int64).',
  impl: (a) => call('pow', a.self, 2),
  samples: [{ args: [{ t: [2, 3], grad: true }] }, { args: [{ t: [4], dtype: 'float64', grad: true }], method: true }, { args: [{ t: [3], dtype: 'bool' }] }],
};
const nanToNumDef: OpDef = {
  name: 'nan_to_num', sig: 'nan_to_num(Tensor self, float? nan=None, float? posinf=None, float? neginf=None)',
  doc: 'Replaces NaN (default 0), +inf and −inf (default: the largest/smallest finite value of the dtype).',
  impl: (a) => {
    const self: Tensor = a.self;
    if (self.dtype.category !== 'float') return keep(self, 'nan_to_num', {}, (x) => x, null);
    const big = finfoMax(self.dtype);
    const nan = a.nan ?? 0, pos = a.posinf ?? big, ng = a.neginf ?? -big;
    const out = mapUnary(self, self.dtype, self.dtype, (x) => (Number.isNaN(x) ? nan : x === Infinity ? pos : x === -Infinity ? ng : x));
    record('NanToNumBackward0', [self], out, ([g]) => [call('mul', g!, call('isfinite', self))], (n) => n.save(self));
    return out;
  },
  samples: [
    { args: [{ t: [4], grad: true, values: [1.5, NaN, Infinity, -Infinity] }], noGradcheck: true },
    { args: [{ t: [4], dtype: 'float64', values: [NaN, Infinity, -Infinity, -2] }], kwargs: { nan: { f: 1.5 }, posinf: 2, neginf: { f: -3.5 } }, method: true },
    { args: [{ t: [3], dtype: 'int64' }] },
  ],
};
const positiveDef: OpDef = {
  name: 'positive', sig: 'positive(Tensor self)', doc: 'Returns input itself (+x).',
  impl: (a) => {
    check(a.self.dtype.category !== 'bool', 'The `+` operator, on a bool tensor is not supported.');
    return a.self;
  },
  samples: [{ args: [{ t: [3] }] }, { args: [{ t: [3], dtype: 'int64' }], method: true }],
};

/** bool-valued tests: no gradient, any input dtype. */
function predicate(name: string, doc: string, f: (x: number) => boolean, floatOnly = true): OpDef {
  return {
    name, sig: `${name}(Tensor self)`, doc,
    impl: (a) => {
      const self: Tensor = a.self;
      if (floatOnly && self.dtype.category !== 'float') return mapUnary(self, self.dtype, dtypes.bool, () => 0);
      return mapUnary(self, self.dtype, dtypes.bool, (x) => (f(x) ? 1 : 0));
    },
    samples: [
      { args: [{ t: [6], values: [1.5, NaN, Infinity, -Infinity, -0, 0] }] },
      { args: [{ t: [6], dtype: 'float64', values: [1.5, NaN, Infinity, -Infinity, -0, -2] }], method: true },
      { args: [{ t: [3], dtype: 'int64' }] },
    ],
  };
}

/**
 * relu(x) (g null) or threshold_backward(g, x, th) through the SIMD kernels: contiguous float32 CPU
 * operands of one shape (the result in the storage arena); null where they do not apply.
 */
function simdActivation(x: Tensor, g: Tensor | null, th: number): Tensor | null {
  const n = x.numel();
  if (n < SIMD_MIN_LEN || x.dtype !== dtypes.float32 || !x.isContiguous || x.device.type !== 'cpu') return null;
  if (g && (g.dtype !== dtypes.float32 || !g.isContiguous || g.device.type !== 'cpu' || g.ndim !== x.ndim || !g.shape.every((s, i) => s === x.shape[i]))) return null;
  const out = newTensor(x.shape, dtypes.float32, false);
  const od = out.storage.data;
  const ok = g ? activationF32('threshold', od, 0, g.storage.data, g.offset, n, x.storage.data, x.offset, th)
    : activationF32('relu', od, 0, x.storage.data, x.offset, n);
  return ok ? out : null;
}

/** threshold_backward(grad, self, threshold): grad where self > threshold, else 0 (relu's derivative). */
const thresholdBackwardDef: OpDef = {
  name: 'threshold_backward', ns: 'internal', variants: ['function'],
  sig: 'threshold_backward(Tensor grad_output, Tensor self, Scalar threshold)',
  doc: 'grad_output where self > threshold, else 0 (the derivative of relu/threshold).',
  impl: (a) => {
    const g: Tensor = a.grad_output, self: Tensor = a.self;
    const th = Number(a.threshold.valueOf());
    const d = resultTypeOf(g, self);
    // on the GPU: float32 operands (the threshold is a float32 uniform)
    const out = (d === dtypes.float32 && g.dtype === d && self.dtype === d ? gpuElementwise([g, self], d, d, 'select(a, 0.0, b <= c)', [th]) : null)
      ?? simdActivation(self, g, th)
      ?? mapBinary(g, self, d, d, (u, x) => (x <= th ? 0 : u));
    record('ThresholdBackwardBackward0', [g, self], out, ([gg]) => [
      call('threshold_backward', gg!, self, a.threshold), call('zeros_like', gg!),
    ], (n) => n.save(self));
    return out;
  },
};

/** neg lives in core.ts; its in-place forms are here. */
const negRef: OpDef = { name: 'neg', sig: 'neg(Tensor self)', doc: 'Negation.', impl: (a) => call('neg', a.self) };

const defs = [absDef, signDef, sgnDef, floorDef, ceilDef, truncDef, roundDef, fracDef, reluDef, squareDef, nanToNumDef];

export default defineOps([
  ...defs,
  ...defs.filter((d) => d !== squareDef).map((d) => inplaceVariant(d)),
  { ...inplaceVariant(absDef), name: 'absolute_' },
  { ...inplaceVariant(truncDef), name: 'fix_' },
  {
    name: 'square_', sig: 'square_(Tensor self)', variants: ['method'], doc: 'In-place x².',
    impl: (a) => call('pow_', a.self, 2),
  },
  positiveDef, thresholdBackwardDef,
  inplaceVariant(negRef), { ...inplaceVariant(negRef), name: 'negative_' },
  predicate('isnan', 'True where x is NaN.', Number.isNaN),
  predicate('isinf', 'True where x is ±inf.', (x) => x === Infinity || x === -Infinity),
  predicate('isposinf', 'True where x is +inf.', (x) => x === Infinity),
  predicate('isneginf', 'True where x is −inf.', (x) => x === -Infinity),
  {
    ...predicate('isfinite', 'True where x is neither NaN nor ±inf.', Number.isFinite),
    impl: (a) => mapUnary(a.self, a.self.dtype, dtypes.bool, (x) => (Number.isFinite(x) ? 1 : 0)),
  },
  {
    ...predicate('signbit', 'True where the sign bit is set (−0 included).', (x) => x < 0 || Object.is(x, -0), false),
  },
  {
    name: 'isreal', sig: 'isreal(Tensor self)', doc: 'True everywhere for real tensors.',
    impl: (a) => mapUnary(a.self, a.self.dtype, dtypes.bool, () => 1),
  },
]);
