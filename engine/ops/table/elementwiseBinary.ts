// Op table: binary math ops beyond + − × ÷ and pow: atan2, maximum/minimum, fmax/fmin, hypot,
// logaddexp(2), copysign, xlogy. (lerp, addcmul, addcdiv live in elementwiseTernary.ts.)
import { record } from '../../autograd';
import { PyFloat, Scalar } from '../../scalar';
import { broadcastShapes } from '../../shape';
import { Tensor } from '../../tensor';
import { defineOps, OpDef, SampleCase } from '../spec';
import { inplaceVariant } from '../inplace';
import { call, resultTypeOf, sumToShape, wrapScalar } from '../util';
import { checkSupport, floatOf, mapBinary, stepRound, Support } from './elementwiseUtil';

const F = (x: number) => new PyFloat(x);
const mul = (a: unknown, b: unknown) => call('mul', a, b);
const div = (a: unknown, b: unknown) => call('div', a, b);
const maskedFill = (t: Tensor, mask: Tensor, v: number) => call('masked_fill', t, mask, F(v));
const isneg = (y: number) => y < 0 || Object.is(y, -0);

const pairSamples = (domain: 'any' | 'positive' = 'any'): SampleCase[] => [
  { args: [{ t: [2, 3], grad: true, domain }, { t: [3], grad: true, domain }] },
  { args: [{ t: [4], dtype: 'float64', grad: true, domain }, { t: [4], dtype: 'float64', grad: true, domain }], method: true },
  { args: [{ t: [3], dtype: 'int64', domain: 'positive' }, { t: [3], domain }] },
];

/** A binary op whose result is floating (integral operands promote to the default float dtype). */
function floatBinary(self: Tensor, other: Tensor, kernel: string, support: Support, f: (x: number, y: number) => number): Tensor {
  const common = floatOf(resultTypeOf(self, other));
  broadcastShapes(self.shape, other.shape);
  checkSupport(kernel, common, support);
  return mapBinary(self, other, common, common, f);
}

/** A binary op that keeps the promoted dtype (ints stay ints). */
function sameBinary(self: Tensor, other: Tensor, kernel: string, support: Support, f: (x: number, y: number) => number): Tensor {
  const common = resultTypeOf(self, other);
  broadcastShapes(self.shape, other.shape);
  checkSupport(kernel, common, support);
  return mapBinary(self, other, common, common, f);
}

const grads2 = (self: Tensor, other: Tensor, gs: () => [Tensor | null, Tensor | null]) => {
  const [a, b] = gs();
  return [self.requiresGrad && a ? sumToShape(a, self.shape) : null, other.requiresGrad && b ? sumToShape(b, other.shape) : null];
};

const atan2Def: OpDef = {
  name: 'atan2', aliases: ['arctan2'], sig: 'atan2(Tensor self, Tensor other)',
  doc: 'Angle of the point (other, input): arctangent of input/other in the correct quadrant.',
  impl: (a) => {
    const self: Tensor = a.self, other: Tensor = a.other;
    const out = floatBinary(self, other, 'atan2_cpu', { half: false }, Math.atan2);
    record('Atan2Backward0', [self, other], out, ([g]) => grads2(self, other, () => {
      const recip = call('reciprocal', call('add', mul(self, self), mul(other, other)));
      return [mul(mul(g!, other), recip), mul(mul(g!, call('neg', self)), recip)];
    }), (n) => { n.save(self); n.save(other); });
    return out;
  },
  samples: pairSamples(),
};

function extremum(name: 'maximum' | 'minimum', self: Tensor, other: Tensor): Tensor {
  const isMax = name === 'maximum';
  const out = sameBinary(self, other, `${name}_cpu`, {}, (x, y) => {
    if (x !== x || y !== y) return NaN;
    return isMax ? (x < y ? y : x) : (y < x ? y : x);
  });
  record(isMax ? 'MaximumBackward0' : 'MinimumBackward0', [self, other], out, ([g]) => grads2(self, other, () => {
    // where(self == other, grad / 2, grad), zeroed where the other operand wins
    const split = call('where', call('eq', self, other), div(g!, 2), g!);
    const selfLoses = call(isMax ? 'lt' : 'gt', self, other), otherLoses = call(isMax ? 'gt' : 'lt', self, other);
    return [maskedFill(split, selfLoses, 0), maskedFill(split, otherLoses, 0)];
  }), (n) => { n.save(self); n.save(other); });
  return out;
}

function fextremum(name: 'fmax' | 'fmin', self: Tensor, other: Tensor): Tensor {
  const isMax = name === 'fmax';
  const out = sameBinary(self, other, `${name}_cpu`, {}, (x, y) => {
    if (x !== x) return y;
    if (y !== y) return x;
    return isMax ? Math.max(x, y) : Math.min(x, y);
  });
  record(isMax ? 'FmaxBackward0' : 'FminBackward0', [self, other], out, ([g]) => grads2(self, other, () => {
    const selfWins = call('logical_or', call(isMax ? 'ge' : 'le', self, other), call('isnan', other));
    return [maskedFill(g!, call('logical_not', selfWins), 0), maskedFill(g!, selfWins, 0)];
  }), (n) => { n.save(self); n.save(other); });
  return out;
}

const hypotDef: OpDef = {
  name: 'hypot', sig: 'hypot(Tensor self, Tensor other)', doc: '√(input² + other²) without overflow.',
  impl: (a) => {
    const self: Tensor = a.self, other: Tensor = a.other;
    const out = sameBinary(self, other, 'hypot_cpu', { bool: false, int: false, half: false }, Math.hypot);
    record('HypotBackward0', [self, other], out, ([g]) => grads2(self, other, () => [div(mul(g!, self), out), div(mul(g!, other), out)]),
      (n) => { n.save(self); n.save(other); n.save(out, true); });
    return out;
  },
  samples: pairSamples(),
};

function logaddexp(base2: boolean, self: Tensor, other: Tensor): Tensor {
  const common = resultTypeOf(self, other);
  const r = stepRound(common);
  const f = base2
    ? (x: number, y: number) => (Math.abs(x) === Infinity && x === y ? x : r(Math.max(x, y) + r(Math.log2(r(1 + r(Math.pow(2, -r(Math.abs(x - y)))))))))
    : (x: number, y: number) => (Math.abs(x) === Infinity && x === y ? x : r(Math.max(x, y) + r(Math.log(r(1 + r(Math.exp(-r(Math.abs(x - y)))))))));
  const out = sameBinary(self, other, base2 ? 'logaddexp2_cpu' : 'logaddexp_cpu', { bool: false, int: false, half: false }, f);
  record(base2 ? 'Logaddexp2Backward0' : 'LogaddexpBackward0', [self, other], out, ([g]) => grads2(self, other, () => {
    // grad / (1 + exp(other − self)), grad / (1 + exp(self − other)) (pow(2, ·) for base 2)
    const e = (d: Tensor) => (base2 ? call('pow', 2, d) : call('exp', d));
    return [div(g!, call('add', e(call('sub', other, self)), 1)), div(g!, call('add', e(call('sub', self, other)), 1))];
  }), (n) => { n.save(self); n.save(other); });
  return out;
}

function copysign(self: Tensor, other: Tensor, scalar: boolean): Tensor {
  const out = floatBinary(self, other, 'copysign_cpu', {}, (x, y) => (isneg(y) ? -Math.abs(x) : Math.abs(x)));
  record(scalar ? 'CopysignBackward1' : 'CopysignBackward0', scalar ? [self] : [self, other], out, ([g]) => {
    // copysign_tensor_self_backward: grad * (result / self), 0 where self == 0
    const ratio = maskedFill(div(out, self), call('eq', self, 0), 0);
    const gs = sumToShape(mul(g!, ratio), self.shape);
    return scalar ? [gs] : [self.requiresGrad ? gs : null, other.requiresGrad ? call('zeros_like', other) : null];
  }, (n) => { n.save(self); n.save(out, true); });
  return out;
}

function xlogyKernel(x: number, y: number, r: (v: number) => number): number {
  if (y !== y) return NaN;
  if (x === 0) return 0;
  return r(x * r(Math.log(y)));
}

function xlogy(self: Tensor, other: Tensor, kind: 0 | 1 | 2, scalarSelf?: Scalar, scalarOther?: Scalar): Tensor {
  const common = floatOf(resultTypeOf(kind === 1 ? scalarSelf! : self, kind === 2 ? scalarOther! : other));
  const r = stepRound(common);
  const out = mapBinary(self, other, common, common, (x, y) => xlogyKernel(x, y, r));
  const inputs = kind === 0 ? [self, other] : kind === 1 ? [other] : [self];
  record(`XlogyBackward${kind}`, inputs, out, ([g]) => {
    const gOther = () => sumToShape(div(mul(g!, kind === 1 ? scalarSelf! : self), other), other.shape);
    if (kind === 1) return [gOther()];
    const xg = call('xlogy', g!, kind === 2 ? scalarOther! : other);
    if (kind === 2) {
      return [Number(scalarOther!.valueOf()) > 0 ? xg : maskedFill(xg, call('eq', self, F(0)), 0)];
    }
    const gs = maskedFill(xg, call('logical_and', call('eq', self, F(0)), call('le', other, F(0))), 0);
    return [self.requiresGrad ? sumToShape(gs, self.shape) : null, other.requiresGrad ? gOther() : null];
  }, (n) => { n.save(self); n.save(other); });
  return out;
}

const maximumDef: OpDef = {
  name: 'maximum', sig: 'maximum(Tensor self, Tensor other)', doc: 'Elementwise maximum (NaN propagates).',
  impl: (a) => extremum('maximum', a.self, a.other), samples: pairSamples(),
};
const minimumDef: OpDef = {
  name: 'minimum', sig: 'minimum(Tensor self, Tensor other)', doc: 'Elementwise minimum (NaN propagates).',
  impl: (a) => extremum('minimum', a.self, a.other), samples: pairSamples(),
};
const copysignDef: OpDef = {
  name: 'copysign', sig: ['copysign(Tensor self, Tensor other)', 'copysign(Tensor self, Scalar other)'],
  doc: 'Magnitude of input with the sign of other (−0 counts as negative). Integer input gives float.',
  impl: (a, ov) => copysign(a.self, ov === 0 ? a.other : wrapScalar(a.other), ov === 1),
  samples: [...pairSamples(), { args: [{ t: [2, 2], grad: true }, { f: -0.0 }] }],
};
const xlogyDef: OpDef = {
  name: 'xlogy',
  sig: ['xlogy(Tensor self, Tensor other)', 'xlogy(Scalar self, Tensor other)', 'xlogy(Tensor self, Scalar other)'],
  doc: 'input × log(other), with 0 where input is 0 (NaN where other is NaN).',
  impl: (a, ov) => (ov === 0 ? xlogy(a.self, a.other, 0)
    : ov === 1 ? xlogy(wrapScalar(a.self), a.other, 1, a.self)
      : xlogy(a.self, wrapScalar(a.other), 2, undefined, a.other)),
  samples: [
    { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true, domain: 'positive' }] },
    { args: [{ f: 2.5 }, { t: [4], dtype: 'float64', grad: true, domain: 'positive' }] },
    { args: [{ t: [4], grad: true, values: [0, 1, -2, 3] }, 3], method: true },
  ],
};
const atan2Inplace = inplaceVariant(atan2Def);
const hypotInplace = inplaceVariant(hypotDef);

export default defineOps([
  atan2Def, atan2Inplace, { ...atan2Inplace, name: 'arctan2_' },
  maximumDef, minimumDef,
  { name: 'fmax', sig: 'fmax(Tensor self, Tensor other)', doc: 'Elementwise maximum ignoring NaN.', impl: (a) => fextremum('fmax', a.self, a.other), samples: pairSamples() },
  { name: 'fmin', sig: 'fmin(Tensor self, Tensor other)', doc: 'Elementwise minimum ignoring NaN.', impl: (a) => fextremum('fmin', a.self, a.other), samples: pairSamples() },
  hypotDef, hypotInplace,
  { name: 'logaddexp', sig: 'logaddexp(Tensor self, Tensor other)', doc: 'log(eˣ + eʸ) without overflow.', impl: (a) => logaddexp(false, a.self, a.other), samples: pairSamples() },
  { name: 'logaddexp2', sig: 'logaddexp2(Tensor self, Tensor other)', doc: 'log₂(2ˣ + 2ʸ) without overflow.', impl: (a) => logaddexp(true, a.self, a.other), samples: pairSamples() },
  copysignDef, inplaceVariant(copysignDef),
  xlogyDef, inplaceVariant(xlogyDef),
]);
