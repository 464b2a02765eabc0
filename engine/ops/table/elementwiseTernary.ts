// Op table: three-operand elementwise ops: lerp, addcmul, addcdiv (with PyTorch's float32 step order).
import { DType, castValue, dtypes } from '../../dtype';
import { check, runtimeError } from '../../errors';
import { record } from '../../autograd';
import { PyFloat, Scalar, scalarValue } from '../../scalar';
import { Tensor } from '../../tensor';
import { defineOps, OpDef } from '../spec';
import { inplaceVariant } from '../inplace';
import { call, resultTypeOf, sumToShape, wrapScalar } from '../util';
import { fma32, fma64 } from '../../random/fma';
import { Round, checkSupport, gpuElementwise, mapTernary, stepRound } from './elementwiseUtil';

const F = (x: number) => new PyFloat(x);
const mul = (a: unknown, b: unknown) => call('mul', a, b);
const LEGACY_NAME: Record<string, string> = { float32: 'float', float64: 'double', float16: 'c10::Half', bfloat16: 'c10::BFloat16', int64: 'long int', int32: 'int', int16: 'short int', int8: 'signed char', uint8: 'unsigned char', bool: 'bool' };

/** Rounding of one step when the kernel's scalar_t arithmetic is done in `d` (half types round to themselves). */
const typeRound = (d: DType): Round => (d.name === 'float16' || d.name === 'bfloat16' ? (x) => castValue(d, x) : stepRound(d));

type Fma = (a: number, b: number, c: number) => number;
const fmaFor = (d: DType): Fma => (d.name === 'float64' ? fma64 : fma32);

/** PyTorch's lerp: self + w (end − self) for |w| < 0.5, else end − (end − self)(1 − w), each a fused multiply-add. */
function lerpValue(s: number, e: number, w: number, r: Round, fma: Fma): number {
  const d = r(e - s);
  return Math.abs(w) < 0.5 ? fma(w, d, s) : fma(-d, r(1 - w), e);
}

function lerp(self: Tensor, end: Tensor, weight: Tensor | Scalar): Tensor {
  check(end.dtype === self.dtype, () => `expected dtype ${LEGACY_NAME[self.dtype.name]} for \`end\` but got dtype ${LEGACY_NAME[end.dtype.name]}`);
  const wt = weight instanceof Tensor;
  if (wt) check((weight as Tensor).dtype === self.dtype, () => `expected dtype ${LEGACY_NAME[self.dtype.name]} for \`weight\` but got dtype ${LEGACY_NAME[(weight as Tensor).dtype.name]}`);
  const d = self.dtype;
  checkSupport(wt ? 'lerp_kernel_tensor' : 'lerp_kernel_scalar', d, { bool: false, int: false });
  const r = stepRound(d);
  const wTensor = wt ? (weight as Tensor) : wrapScalar(weight as Scalar);
  const wScalar = wt ? 0 : castValue(d, scalarValue(weight as Scalar));
  const fma = fmaFor(d);
  const out = mapTernary(self, end, wTensor, d, d, (s, e, w) => lerpValue(s, e, wt ? w : wScalar, r, fma));
  if (wt) {
    const w = weight as Tensor;
    record('LerpBackward1', [self, end, w], out, ([g]) => [
      self.requiresGrad ? sumToShape(mul(g!, call('rsub', w, 1)), self.shape) : null,
      end.requiresGrad ? sumToShape(mul(g!, w), end.shape) : null,
      w.requiresGrad ? sumToShape(mul(g!, call('sub', end, self)), w.shape) : null,
    ], (n) => { n.save(self); n.save(end); n.save(w); });
  } else {
    const wv = scalarValue(weight as Scalar);
    record('LerpBackward0', [self, end], out, ([g]) => [
      self.requiresGrad ? sumToShape(mul(g!, F(1 - wv)), self.shape) : null,
      end.requiresGrad ? sumToShape(mul(g!, weight), end.shape) : null,
    ]);
  }
  return out;
}

/** addcmul/addcdiv on the GPU when every operand is float32 (`value` is the uniform d). */
const gpuTernary = (xs: Tensor[], d: DType, expr: string, value: number) =>
  (d === dtypes.float32 && xs.every((t) => t.dtype === d) ? gpuElementwise(xs, d, d, expr, [value]) : null);

function addcmul(self: Tensor, t1: Tensor, t2: Tensor, value: Scalar): Tensor {
  const d = resultTypeOf(self, t1, t2);
  checkSupport('addcmul_cpu_out', d, { half: false });
  const r = typeRound(d);
  const v = castValue(d, scalarValue(value));
  // self + value * t1 * t2: the last multiply-add is fused for floating types
  const fma = d.category === 'float' ? fmaFor(d) : (x: number, y: number, z: number) => x * y + z;
  const out = gpuTernary([self, t1, t2], d, 'fma(d * b, c, a)', v) ?? mapTernary(self, t1, t2, d, d, (s, a, b) => r(fma(r(v * a), b, s)));
  record('AddcmulBackward0', [self, t1, t2], out, ([g]) => [
    self.requiresGrad ? sumToShape(g!, self.shape) : null,
    t1.requiresGrad ? sumToShape(mul(g!, mul(t2, value)), t1.shape) : null,
    t2.requiresGrad ? sumToShape(mul(g!, mul(t1, value)), t2.shape) : null,
  ], (n) => { n.save(t1); n.save(t2); });
  return out;
}

function addcdiv(self: Tensor, t1: Tensor, t2: Tensor, value: Scalar): Tensor {
  if (t1.dtype.category !== 'float' && t2.dtype.category !== 'float') {
    throw runtimeError('Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all dtypes.');
  }
  const d = resultTypeOf(self, t1, t2);
  checkSupport('addcdiv_cpu_out', d, { half: false });
  const r = typeRound(d);
  const v = castValue(d, scalarValue(value));
  const out = gpuTernary([self, t1, t2], d, 'a + (d * b) / c', v) ?? mapTernary(self, t1, t2, d, d, (s, a, b) => r(s + r(r(v * a) / b)));
  record('AddcdivBackward0', [self, t1, t2], out, ([g]) => [
    self.requiresGrad ? sumToShape(g!, self.shape) : null,
    // grad * (value / tensor2)
    t1.requiresGrad ? sumToShape(mul(g!, call('div', call('full_like', t2, value), t2)), t1.shape) : null,
    // −grad * (value * tensor1 / (tensor2 * tensor2))
    t2.requiresGrad ? sumToShape(mul(call('neg', g!), call('div', mul(t1, value), mul(t2, t2))), t2.shape) : null,
  ], (n) => { n.save(t1); n.save(t2); });
  return out;
}

const lerpDef: OpDef = {
  name: 'lerp', sig: ['lerp(Tensor self, Tensor end, Tensor weight)', 'lerp(Tensor self, Tensor end, Scalar weight)'],
  doc: 'Linear interpolation input + weight × (end − input).',
  impl: (a) => lerp(a.self, a.end, a.weight),
  samples: [
    { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true }, { f: 0.3 }] },
    { args: [{ t: [2, 3], dtype: 'float64', grad: true }, { t: [2, 3], dtype: 'float64', grad: true }, { t: [2, 1], dtype: 'float64', grad: true, domain: 'unit' }], method: true },
    { args: [{ t: [4], grad: true }, { t: [4] }, { f: 0.75 }] },
  ],
};
const addcmulDef: OpDef = {
  name: 'addcmul', sig: 'addcmul(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1)',
  doc: 'input + value × tensor1 × tensor2.',
  impl: (a) => addcmul(a.self, a.tensor1, a.tensor2, a.value),
  samples: [
    { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true }, { t: [2, 1], grad: true }], kwargs: { value: { f: 0.5 } } },
    { args: [{ t: [4], dtype: 'float64', grad: true }, { t: [4], dtype: 'float64', grad: true }, { t: [4], dtype: 'float64', grad: true }], method: true },
    { args: [{ t: [3], dtype: 'int64' }, { t: [3], dtype: 'int64' }, { t: [3], dtype: 'int64' }], kwargs: { value: 2 } },
  ],
};
const addcdivDef: OpDef = {
  name: 'addcdiv', sig: 'addcdiv(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1)',
  doc: 'input + value × tensor1 / tensor2 (integer tensor1 and tensor2 are refused).',
  impl: (a) => addcdiv(a.self, a.tensor1, a.tensor2, a.value),
  samples: [
    { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true }, { t: [2, 1], grad: true, domain: 'positive' }], kwargs: { value: { f: 0.5 } } },
    { args: [{ t: [4], dtype: 'float64', grad: true }, { t: [4], dtype: 'float64', grad: true }, { t: [4], dtype: 'float64', grad: true, domain: 'positive' }], method: true },
    { args: [{ t: [3], dtype: 'int64' }, { t: [3], dtype: 'int64' }, { t: [3], dtype: 'int64' }] },
  ],
};

export default defineOps([
  lerpDef, inplaceVariant(lerpDef), addcmulDef, inplaceVariant(addcmulDef), addcdivDef, inplaceVariant(addcdivDef),
]);
