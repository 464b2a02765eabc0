// Arithmetic binary ops: + - * / with broadcasting, type promotion and their gradients
// (formulas as in PyTorch's tools/autograd/derivatives.yaml so float results round the same way).
import { getDefaultDType } from '../../dtype';
import { runtimeError } from '../../errors';
import { record } from '../../autograd';
import { Scalar, scalarKind, scalarValue } from '../../scalar';
import { broadcastShapes } from '../../shape';
import { Tensor } from '../../tensor';
import { binaryMap } from '../../backends/cpu/elementwise';
import { defineOps, OpDef } from '../spec';
import { inplaceVariant } from '../inplace';
import { call, resultTypeOf, sumToShape, toTensor, wrapScalar } from '../util';

/** Elementwise binary kernel with promotion: compute in the common dtype. */
export function binary(a: Tensor, b: Tensor, f: (x: number, y: number) => number, outDtype?: import('../../dtype').DType): Tensor {
  const common = resultTypeOf(a, b);
  return binaryMap(a, b, broadcastShapes(a.shape, b.shape), common, outDtype ?? common, f);
}

const scaled = (g: Tensor, alpha: Scalar | null) => (alpha === null || scalarValue(alpha) === 1 ? g : call('mul', g, alpha));

function add(self: Tensor, other: Tensor, alpha: Scalar, name: string, sign: 1 | -1): Tensor {
  const common = resultTypeOf(self, other);
  if (scalarKind(alpha) === 'float' && common.category !== 'float') {
    throw runtimeError(`For integral input tensors, argument alpha must not be a floating point number.`);
  }
  if (common.category === 'bool' && sign < 0) {
    throw runtimeError('Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.');
  }
  const al = scalarValue(alpha) * sign;
  const out = binary(self, other, al === 1 ? (x, y) => x + y : al === -1 ? (x, y) => x - y : (x, y) => x + al * y);
  record(name, [self, other], out, ([g]) => [
    sumToShape(g!, self.shape),
    sumToShape(sign < 0 ? call('neg', scaled(g!, alpha)) : scaled(g!, alpha), other.shape),
  ]);
  return out;
}

function mul(self: Tensor, other: Tensor): Tensor {
  const out = binary(self, other, (x, y) => x * y);
  record('MulBackward0', [self, other], out, ([g]) => [
    self.requiresGrad ? sumToShape(call('mul', g!, other), self.shape) : null,
    other.requiresGrad ? sumToShape(call('mul', g!, self), other.shape) : null,
  ], (n) => { n.save(self); n.save(other); });
  return out;
}

function floorDiv(x: number, y: number, isInt: boolean): number {
  if (isInt) {
    if (y === 0) throw runtimeError('ZeroDivisionError');
    return Math.floor(x / y);
  }
  // Python-style floor division as ATen's div_floor_floating
  if (y === 0) return x / y;
  const mod = x % y;
  let div = (x - mod) / y;
  if (mod !== 0 && (y < 0) !== (mod < 0)) div -= 1;
  let floordiv;
  if (div !== 0) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else {
    floordiv = Math.sign(x / y) * 0;
  }
  return floordiv;
}

function div(self: Tensor, other: Tensor, mode: string | null): Tensor {
  const common = resultTypeOf(self, other);
  if (mode === null) {
    const outT = common.category === 'float' ? common : getDefaultDType();
    const out = binaryMap(self, other, broadcastShapes(self.shape, other.shape), outT, outT, (x, y) => x / y);
    record('DivBackward0', [self, other], out, ([g]) => [
      self.requiresGrad ? sumToShape(call('div', g!, other), self.shape) : null,
      other.requiresGrad ? sumToShape(call('mul', call('neg', g!), call('div', call('div', self, other), other)), other.shape) : null,
    ]);
    return out;
  }
  const isInt = common.category !== 'float';
  const f = mode === 'trunc'
    ? (x: number, y: number) => { if (isInt && y === 0) throw runtimeError('ZeroDivisionError'); return Math.trunc(x / y); }
    : mode === 'floor' ? (x: number, y: number) => floorDiv(x, y, isInt)
      : (() => { throw runtimeError(`div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${mode}'`); })();
  const out = binary(self, other, f);
  record('DivBackward1', [self, other], out, ([g]) => [call('zeros_like', g!), call('zeros_like', g!)]);
  return out;
}

const addDef: OpDef = {
  name: 'add',
  sig: ['add(Tensor self, Tensor other, *, Scalar alpha=1)', 'add(Tensor self, Scalar other, Scalar alpha=1)'],
  doc: 'Adds other, scaled by alpha, to input: out = input + alpha × other (broadcasting, type promotion).',
  impl: (a) => add(a.self, toTensor(a.other), a.alpha, 'AddBackward0', 1),
};
const subDef: OpDef = {
  name: 'sub', aliases: ['subtract'],
  sig: ['sub(Tensor self, Tensor other, *, Scalar alpha=1)', 'sub(Tensor self, Scalar other, Scalar alpha=1)'],
  doc: 'Subtracts other, scaled by alpha, from input: out = input − alpha × other.',
  impl: (a) => add(a.self, toTensor(a.other), a.alpha, 'SubBackward0', -1),
};
const mulDef: OpDef = {
  name: 'mul', aliases: ['multiply'],
  sig: ['mul(Tensor self, Tensor other)', 'mul(Tensor self, Scalar other)'],
  doc: 'Multiplies input by other elementwise (broadcasting, type promotion).',
  impl: (a) => mul(a.self, toTensor(a.other)),
};
const divDef: OpDef = {
  name: 'div', aliases: ['divide', 'true_divide'],
  sig: ['div(Tensor self, Tensor other, *, str? rounding_mode=None)', 'div(Tensor self, Scalar other, *, str? rounding_mode=None)'],
  doc: 'Divides input by other elementwise. Integer inputs give a float result unless rounding_mode is "trunc" or "floor".',
  impl: (a) => div(a.self, toTensor(a.other), a.rounding_mode),
};

export default defineOps([
  addDef, subDef, mulDef, divDef,
  inplaceVariant(addDef), inplaceVariant(subDef), inplaceVariant(mulDef), inplaceVariant(divDef),
  {
    name: 'rsub',
    sig: ['rsub(Tensor self, Tensor other, *, Scalar alpha=1)', 'rsub(Tensor self, Scalar other, Scalar alpha=1)'],
    doc: 'other − alpha × input (reversed subtraction).',
    impl: (a, ov) => {
      const self: Tensor = a.self;
      const other = ov === 0 ? (a.other as Tensor) : wrapScalar(a.other);
      const common = resultTypeOf(self, other);
      const al = scalarValue(a.alpha);
      const out = binary(self, other, (x, y) => y - al * x);
      void common;
      record(ov === 0 ? 'RsubBackward0' : 'RsubBackward1', [self, other], out, ([g]) => [
        sumToShape(call('neg', scaled(g!, a.alpha)), self.shape),
        sumToShape(g!, other.shape),
      ]);
      return out;
    },
  },
  {
    name: 'floor_divide',
    sig: ['floor_divide(Tensor self, Tensor other)', 'floor_divide(Tensor self, Scalar other)'],
    doc: 'Floor division (rounds toward −∞), like Python’s //.',
    impl: (a) => div(a.self, toTensor(a.other), 'floor'),
  },
]);
