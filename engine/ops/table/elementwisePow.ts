// Op table: pow (Tensor^Scalar → PowBackward0, Tensor^Tensor → PowBackward1, Scalar^Tensor →
// PowBackward2) and float_power (pow in float64). Integer powers wrap like C++ (int64 via BigInt);
// float kernels follow PyTorch's special cases (x*x, x*x*x, sqrt, rsqrt, 1/x, 1/(x*x)).
import { DType, dtypes, roundBF16, roundF16 } from '../../dtype';
import { runtimeError } from '../../errors';
import { record } from '../../autograd';
import { PyFloat, Scalar, scalarKind, scalarValue } from '../../scalar';
import { broadcastShapes } from '../../shape';
import { Tensor } from '../../tensor';
import { defineOps, OpDef } from '../spec';
import { shortTypeName as shortName } from '../inplace';
import { call, callKw, resultTypeOf, sumToShape, wrapScalar } from '../util';
import { checkSupport, gpuElementwise, inplaceWith, mapBinary, mapUnary, Round, stepRound } from './elementwiseUtil';

const F = (x: number) => new PyFloat(x);

/** C++'s powi for a signed integer type: negative exponents give 0 (or ±1 for bases ±1); wraps on overflow. */
export function powi(a: number, b: number, dtype: DType): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (Math.abs(b) % 2 ? -1 : 1) : 0;
  if (dtype.name === 'int64') {
    if (Math.abs(a) ** b < 2 ** 53) return a ** b;
    let r = 1n, x = BigInt(a), e = BigInt(b);
    while (e > 0n) { if (e & 1n) r = BigInt.asIntN(64, r * x); e >>= 1n; x = BigInt.asIntN(64, x * x); }
    return Number(r);
  }
  let r = 1, x = a | 0, e = b;
  while (e > 0) { if (e & 1) r = Math.imul(r, x); e = Math.floor(e / 2); x = Math.imul(x, x); }
  return r;
}

/** The float kernel of pow(tensor, scalar exponent) in PyTorch's CPU code, with step rounding `r`. */
function powScalarKernel(e: number, d: DType, r: Round): (x: number) => number {
  if (d.name === 'float16') {
    const eh = roundF16(e); // std::pow(Half, Half), computed in float
    return (x) => Math.pow(x, eh);
  }
  if (e === 0.5) return Math.sqrt;
  if (e === -0.5) return (x) => r(1 / r(Math.sqrt(x)));
  if (e === -1) return (x) => 1 / x;
  const rb: Round = d.name === 'bfloat16' ? roundBF16 : r;
  if (e === 2) return (x) => x * x;
  if (e === 3) return (x) => rb(rb(x * x) * x);
  if (e === -2) return (x) => rb(1 / rb(x * x));
  const ee = d.name === 'bfloat16' ? roundBF16(e) : e;
  return (x) => Math.pow(x, ee);
}

/** pow(x, e) for float32 on the GPU: PyTorch's special cases, else pow(|x|, e) with the sign of an odd integer power (NaN for x < 0 otherwise). */
function powWgsl(e: number): [string, number[]] {
  const special: Record<number, string> = { 0: '1.0', 1: 'a', 0.5: 'sqrt(a)', [-0.5]: '1.0 / sqrt(a)', [-1]: '1.0 / a', 2: 'a * a', 3: 'a * a * a', [-2]: '1.0 / (a * a)' };
  if (special[e] !== undefined) return [special[e], []];
  if (!Number.isInteger(e)) return ['select(pow(a, b), c, a < 0.0)', [e, NaN]];
  return [Math.abs(e) % 2 === 1 ? 'select(pow(abs(a), b), -pow(abs(a), b), a < 0.0)' : 'pow(abs(a), b)', [e]];
}

function powTensorScalar(self: Tensor, exponent: Scalar, node = 'PowBackward0'): Tensor {
  const common = resultTypeOf(self, exponent);
  const e = scalarValue(exponent);
  if (self.dtype.category !== 'float' && scalarKind(exponent) !== 'float' && e < 0) {
    throw runtimeError('Integers to negative integer powers are not allowed.');
  }
  checkSupport('pow', common, { bool: false });
  const gpu = common === dtypes.float32 && self.dtype === common ? powWgsl(e) : null;
  const out = (gpu ? gpuElementwise([self], common, common, gpu[0], gpu[1]) : null)
    ?? (e === 0 ? mapUnary(self, common, common, () => 1)
      : e === 1 ? mapUnary(self, common, common, (x) => x)
        : common.category === 'int' ? mapUnary(self, common, common, (x) => powi(x, e, common))
          : mapUnary(self, common, common, powScalarKernel(e, common, stepRound(common))));
  record(node, [self], out, ([g]) => {
    // pow_backward: grad * (e * self^(e − 1)), zero for e == 0
    if (e === 0) return [call('zeros_like', self)];
    return [call('mul', g!, call('mul', call('pow', self, F(e - 1)), F(e)))];
  }, (n) => n.save(self));
  return out;
}

function powKernel(common: DType): (x: number, y: number) => number {
  if (common.category === 'int') return (x, y) => powi(x, y, common);
  return (x, y) => Math.pow(x, y);
}

/** Zero where `cond`, else `value` (PyTorch's at::where(cond, at::zeros({}), value)). */
const zeroWhere = (cond: Tensor, value: Tensor, like: Tensor) =>
  call('where', cond, callKw('zeros', [[]], { dtype: like.dtype }), value);

function powTensorTensor(self: Tensor, exponent: Tensor): Tensor {
  const common = resultTypeOf(self, exponent);
  broadcastShapes(self.shape, exponent.shape);
  checkSupport('pow', common, { bool: false });
  const out = mapBinary(self, exponent, common, common, powKernel(common));
  record('PowBackward1', [self, exponent], out, ([g]) => [
    // pow_backward_self: where(exponent == 0, 0, grad * (exponent * self^(exponent − 1)))
    self.requiresGrad
      ? sumToShape(zeroWhere(call('eq', exponent, F(0)), call('mul', g!, call('mul', exponent, call('pow', self, call('sub', exponent, 1)))), g!), self.shape)
      : null,
    // pow_backward_exponent: grad * where(self == 0 & exponent >= 0, 0, result * log(self))
    exponent.requiresGrad
      ? sumToShape(call('mul', g!, zeroWhere(call('logical_and', call('eq', self, 0), call('ge', exponent, 0)), call('mul', out, call('log', self)), g!)), exponent.shape)
      : null,
  ], (n) => { n.save(self); n.save(exponent); n.save(out, true); });
  return out;
}

function powScalarTensor(base: Scalar, exponent: Tensor): Tensor {
  const common = resultTypeOf(base, exponent);
  checkSupport('pow', common, { bool: false });
  const b = scalarValue(base);
  const out = b === 1
    ? mapUnary(exponent, common, common, () => 1)
    : mapBinary(wrapScalar(base), exponent, common, common, powKernel(common));
  record('PowBackward2', [exponent], out, ([g]) => {
    // pow_backward_exponent with a Scalar base: grad * result * log(base) (0 where base == 0 and exponent >= 0)
    const v = call('mul', out, F(Math.log(b)));
    return [call('mul', g!, b === 0 ? zeroWhere(call('ge', exponent, 0), v, g!) : v)];
  }, (n) => { n.save(exponent); n.save(out, true); });
  return out;
}

const powDef: OpDef = {
  name: 'pow',
  sig: ['pow(Tensor self, Tensor exponent)', 'pow(Scalar self, Tensor exponent)', 'pow(Tensor self, Scalar exponent)'],
  doc: 'input raised to exponent, elementwise (tensor or Python number on either side).',
  impl: (a, ov) => (ov === 0 ? powTensorTensor(a.self, a.exponent) : ov === 1 ? powScalarTensor(a.self, a.exponent) : powTensorScalar(a.self, a.exponent)),
  samples: [
    { args: [{ t: [2, 3], grad: true }, 2] },
    { args: [{ t: [2, 3], grad: true, domain: 'positive' }, { t: [3], grad: true }] },
    { args: [{ f: 2.5 }, { t: [4], dtype: 'float64', grad: true }] },
    { args: [{ t: [4], dtype: 'int64' }, 3], method: true },
    { args: [{ t: [3], dtype: 'float64', grad: true, domain: 'positive' }, { f: -0.5 }], method: true },
  ],
};

/** pow_ checks the exponent's type against self before computing. */
const powInplace0 = inplaceWith(powDef, (a) => {
  const self: Tensor = a.self;
  const common = resultTypeOf(self, a.exponent);
  if (common !== self.dtype) throw runtimeError(`Found dtype ${shortName(self.dtype)} but expected ${shortName(common)}`);
});

const toDouble = (t: Tensor) => call('to', t, dtypes.float64);

const floatPowerDef: OpDef = {
  name: 'float_power',
  sig: ['float_power(Tensor self, Tensor exponent)', 'float_power(Scalar self, Tensor exponent)', 'float_power(Tensor self, Scalar exponent)'],
  doc: 'pow computed in float64 (the result is always float64).',
  impl: (a, ov) => {
    if (ov === 0) return powTensorTensor(toDouble(a.self), toDouble(a.exponent));
    if (ov === 1) return powScalarTensor(F(scalarValue(a.self)), toDouble(a.exponent));
    return powTensorScalar(toDouble(a.self), F(scalarValue(a.exponent)));
  },
  samples: [
    { args: [{ t: [2, 3], grad: true }, 2] },
    { args: [{ t: [3], dtype: 'int64', domain: 'positive' }, { t: [3], grad: true }] },
    { args: [2, { t: [4], dtype: 'float64', grad: true }] },
  ],
};

const floatPowerInplace: OpDef = {
  name: 'float_power_', variants: ['method'],
  sig: ['float_power_(Tensor self, Tensor exponent)', 'float_power_(Tensor self, Scalar exponent)'],
  doc: 'In-place float_power: self must already be float64.',
  impl: (a, ov) => {
    const self: Tensor = a.self;
    if (self.dtype !== dtypes.float64) {
      throw runtimeError(`the base given to float_power_ has dtype ${shortName(self.dtype)} but the operation's result requires dtype Double`);
    }
    return ov === 0 ? call('pow_', self, toDouble(a.exponent)) : call('pow_', self, F(scalarValue(a.exponent)));
  },
};

const powInplace: OpDef = {
  ...powInplace0,
  samples: [
    { args: [{ t: [2, 3], grad: true }, 3], method: true },
    { args: [{ t: [3], dtype: 'float64', grad: true, domain: 'positive' }, { t: [3], dtype: 'float64', grad: true }], method: true },
    { args: [{ t: [3], dtype: 'int64' }, { f: 0.5 }], method: true },
  ],
};

export default defineOps([
  powDef, powInplace, floatPowerDef, floatPowerInplace,
]);
