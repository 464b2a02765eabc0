// Arithmetic binary ops: + - * / with broadcasting, type promotion and their gradients
// (formulas as in PyTorch's tools/autograd/derivatives.yaml so float results round the same way).
import { DType, dtypes, getDefaultDType } from '../../dtype';
import { runtimeError } from '../../errors';
import { record } from '../../autograd';
import { Scalar, scalarKind, scalarValue } from '../../scalar';
import { broadcastShapes } from '../../shape';
import { Tensor } from '../../tensor';
import { axpy32, fma32, fma64 } from '../../random/fma';
import { defineOps, OpDef } from '../spec';
import { inplaceVariant } from '../inplace';
import { call, callKw, resultTypeOf, sumToShape, toTensor, wrapScalar } from '../util';
import { checkSupport, gpuElementwise, mapBinary, recordNotImplemented, stepRound } from './elementwiseUtil';
import { ADD, DIV, MUL, SUB, newTensor, outputFor } from '../../backends/cpu/elementwise';
import { axpyF32 } from '../../backends/cpu/simd';
import { sleefKernels } from '../../backends/cpu/wasm/sleef';

/** Elementwise binary kernel with promotion: compute in the common dtype. */
export function binary(a: Tensor, b: Tensor, f: (x: number, y: number) => number, outDtype?: import('../../dtype').DType): Tensor {
  const common = resultTypeOf(a, b);
  return mapBinary(a, b, common, outDtype ?? common, f);
}

const scaled = (g: Tensor, alpha: Scalar | null) => (alpha === null || scalarValue(alpha) === 1 ? g : call('mul', g, alpha));

function add(self: Tensor, other: Tensor, alpha: Scalar, name: string, sign: 1 | -1): Tensor {
  const common = resultTypeOf(self, other);
  if (scalarKind(alpha) === 'float' && common.category !== 'float') {
    throw runtimeError(`For integral input tensors, argument alpha must not be a floating point number.`);
  }
  if (sign < 0) subCheck(self, other);
  // ufunc::add: self + alpha * other as one fused multiply-add, alpha in the compute precision
  const al = common.category === 'float' ? stepRound(common)(scalarValue(alpha) * sign) : scalarValue(alpha) * sign;
  const fma = common === dtypes.float64 ? fma64 : fma32;
  const out = gpuElementwise([self, other], common, common, al === 1 ? 'a + b' : al === -1 ? 'a - b' : 'fma(c, b, a)', al === 1 || al === -1 ? [] : [al])
    ?? axpyFast(self, other, common, al)
    ?? mapBinary(self, other, common, common, al === 1 ? ADD : al === -1 ? SUB
      : common.category === 'float' ? (x, y) => fma(al, y, x) : (x, y) => x + al * y);
  record(name, [self, other], out, ([g]) => [
    sumToShape(g!, self.shape),
    sumToShape(sign < 0 ? call('neg', scaled(g!, alpha)) : scaled(g!, alpha), other.shape),
  ]);
  return out;
}

/** self + al * other for same-shape contiguous float32 operands on the CPU (the optimizers' update): axpy32. */
function axpyFast(self: Tensor, other: Tensor, common: DType, al: number): Tensor | null {
  if (common !== dtypes.float32 || al === 1 || al === -1 || self.dtype !== common || other.dtype !== common) return null;
  if (!self.isContiguous || !other.isContiguous || self.device.type !== 'cpu' || other.device.type !== 'cpu') return null;
  if (self.ndim !== other.ndim || !self.shape.every((s, i) => s === other.shape[i])) return null;
  const out = outputFor(self.shape, common, false, self, other);
  const n = self.numel(), od = out.storage.data as Float32Array;
  // relaxed SIMD's fused madd where it is fused here (one instruction a vector), else the double-lane kernel
  const S = sleefKernels();
  if (!(S?.variant === 'relaxed' && S.axpy(al, other.storage.data, other.offset, self.storage.data, self.offset, od, 0, n, fma32))
    && !axpyF32(n, al, other.storage.data, other.offset, self.storage.data, self.offset, od, 0, fma32)) {
    axpy32(n, al, other.storage.data, other.offset, self.storage.data, self.offset, od, 0);
  }
  return out;
}

/** sub_check: bool operands cannot be subtracted (the Python scalar counts as a bool tensor too). */
function subCheck(self: Tensor, other: Tensor): void {
  const a = self.dtype === dtypes.bool, b = other.dtype === dtypes.bool;
  if (a && b) throw runtimeError('Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.');
  if (a || b) throw runtimeError('Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.');
}

function mul(self: Tensor, other: Tensor): Tensor {
  const common = resultTypeOf(self, other);
  const out = gpuElementwise([self, other], common, common, 'a * b') ?? mapBinary(self, other, common, common, MUL);
  record('MulBackward0', [self, other], out, ([g]) => [
    self.requiresGrad ? sumToShape(call('mul', g!, other), self.shape) : null,
    other.requiresGrad ? sumToShape(call('mul', g!, self), other.shape) : null,
    // like PyTorch's codegen: a tensor is saved only when a needed input's formula uses it
  ], (n) => { if (self.requiresGrad) n.save(other); if (other.requiresGrad) n.save(self); });
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

function div(self: Tensor, other: Tensor, mode: string | null, node = 'DivBackward2'): Tensor {
  const common = resultTypeOf(self, other);
  if (mode === null) {
    const outT = common.category === 'float' ? common : getDefaultDType();
    const out = (outT === common ? gpuElementwise([self, other], outT, outT, 'a / b') : null) ?? mapBinary(self, other, outT, outT, DIV);
    record('DivBackward0', [self, other], out, ([g]) => [
      self.requiresGrad ? sumToShape(call('div', g!, other), self.shape) : null,
      other.requiresGrad ? sumToShape(call('mul', call('neg', g!), call('div', call('div', self, other), other)), other.shape) : null,
    ], (n) => { n.save(other); if (other.requiresGrad) n.save(self); });
    return out;
  }
  if (mode !== 'trunc' && mode !== 'floor') {
    throw runtimeError(`div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${mode}'`);
  }
  broadcastShapes(self.shape, other.shape);
  checkSupport(mode === 'trunc' ? 'div_trunc_cpu' : 'div_floor_cpu', common, { bool: false });
  const isInt = common.category !== 'float';
  const f = mode === 'trunc'
    ? (x: number, y: number) => { if (isInt && y === 0) throw runtimeError('ZeroDivisionError'); return Math.trunc(x / y); }
    : (x: number, y: number) => floorDiv(x, y, isInt);
  const out = mapBinary(self, other, common, common, f);
  if (node === 'NotImplemented') recordNotImplemented('floor_divide', [self, other], out);
  // rounding_mode given: grad * 0
  else record(node, [self, other], out, () => [self.requiresGrad ? call('zeros_like', self) : null, other.requiresGrad ? call('zeros_like', other) : null]);
  return out;
}

/** Python's % (sign of the divisor), as ATen's remainder kernel. */
function remainderKernel(isInt: boolean): (x: number, y: number) => number {
  return (x, y) => {
    if (isInt && y === 0) throw runtimeError('ZeroDivisionError');
    const mod = x % y;
    return mod !== 0 && (y < 0) !== (mod < 0) ? mod + y : mod;
  };
}

/** C's fmod (sign of the dividend). */
function fmodKernel(isInt: boolean): (x: number, y: number) => number {
  return (x, y) => {
    if (isInt && y === 0) throw runtimeError('ZeroDivisionError');
    return x % y;
  };
}

/** remainder / fmod: Tensor-Scalar → <Name>Backward0 (grad), Tensor-Tensor → <Name>Backward1 (other: −grad·round(self/other)). */
function modOp(name: 'remainder' | 'fmod', self: Tensor, other: Tensor, scalarOther: boolean): Tensor {
  const common = resultTypeOf(self, other);
  broadcastShapes(self.shape, other.shape);
  checkSupport(`${name}_cpu`, common, { bool: false });
  const isInt = common.category !== 'float';
  const out = mapBinary(self, other, common, common, name === 'remainder' ? remainderKernel(isInt) : fmodKernel(isInt));
  const Node = name === 'remainder' ? 'Remainder' : 'Fmod';
  if (scalarOther) {
    record(`${Node}Backward0`, [self], out, ([g]) => [g]);
  } else {
    const rounding = name === 'remainder' ? 'floor' : 'trunc';
    record(`${Node}Backward1`, [self, other], out, ([g]) => [
      self.requiresGrad ? sumToShape(g!, self.shape) : null,
      other.requiresGrad ? sumToShape(call('mul', call('neg', g!), callKw('div', [self, other], { rounding_mode: rounding })), other.shape) : null,
    ], (n) => { n.save(self); n.save(other); });
  }
  return out;
}

const addDef: OpDef = {
  name: 'add',
  sig: ['add(Tensor self, Tensor other, *, Scalar alpha=1)', 'add(Tensor self, Scalar other, Scalar alpha=1)'],
  doc: 'Adds other, scaled by alpha, to input: out = input + alpha × other (broadcasting, type promotion).',
  impl: (a) => add(a.self, toTensor(a.other), a.alpha, 'AddBackward0', 1),
  samples: [
    { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true }] },
    { args: [{ t: [2, 3], grad: true }, { t: [2, 1], grad: true }], kwargs: { alpha: { f: 2.5 } }, method: true },
    { args: [{ t: [4], dtype: 'int64' }, { t: [4], dtype: 'int32' }], kwargs: { alpha: 2 } },
    { args: [{ t: [4], dtype: 'int64' }, { f: 0.5 }] },
    { args: [{ t: [3], dtype: 'bool' }, { t: [3], dtype: 'bool' }] },
    { args: [{ t: [3], dtype: 'int64' }, { t: [3], dtype: 'int64' }], kwargs: { alpha: { f: 0.5 } } },
    { args: [{ t: [2, 2], dtype: 'float64', grad: true }, { t: [], grad: true }] },
  ],
};
const subDef: OpDef = {
  name: 'sub', aliases: ['subtract'],
  sig: ['sub(Tensor self, Tensor other, *, Scalar alpha=1)', 'sub(Tensor self, Scalar other, Scalar alpha=1)'],
  doc: 'Subtracts other, scaled by alpha, from input: out = input − alpha × other.',
  impl: (a) => add(a.self, toTensor(a.other), a.alpha, 'SubBackward0', -1),
  samples: [
    { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true }], kwargs: { alpha: 2 } },
    { args: [{ t: [3], grad: true }, 1], method: true },
    { args: [{ t: [3], dtype: 'bool' }, { t: [3], dtype: 'bool' }] },
    { args: [{ t: [2, 3], dtype: 'int32' }, { t: [3], dtype: 'uint8' }] },
  ],
};
const mulDef: OpDef = {
  name: 'mul', aliases: ['multiply'],
  sig: ['mul(Tensor self, Tensor other)', 'mul(Tensor self, Scalar other)'],
  doc: 'Multiplies input by other elementwise (broadcasting, type promotion).',
  impl: (a) => mul(a.self, toTensor(a.other)),
  samples: [
    { args: [{ t: [2, 3], grad: true }, { t: [2, 1], grad: true }] },
    { args: [{ t: [3], grad: true }, { f: 2.5 }], method: true },
    { args: [{ t: [3], dtype: 'int64' }, { f: 1.5 }] },
    { args: [{ t: [2, 3], grad: true }, { t: [], dtype: 'float64', grad: true }] },
    { args: [{ t: [3], dtype: 'bool' }, { t: [3], dtype: 'int8' }] },
  ],
};
const divDef: OpDef = {
  name: 'div', aliases: ['divide', 'true_divide'],
  sig: ['div(Tensor self, Tensor other, *, str? rounding_mode=None)', 'div(Tensor self, Scalar other, *, str? rounding_mode=None)'],
  doc: 'Divides input by other elementwise. Integer inputs give a float result unless rounding_mode is "trunc" or "floor".',
  impl: (a) => div(a.self, toTensor(a.other), a.rounding_mode),
  samples: [
    { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true, domain: 'positive' }] },
    { args: [{ t: [4], dtype: 'int64' }, 2] },
    { args: [{ t: [4], dtype: 'float64', grad: true }, { f: 1.5 }], kwargs: { rounding_mode: 'floor' }, method: true, noGradcheck: true },
  ],
};

const remainderDef: OpDef = {
  name: 'remainder',
  sig: ['remainder(Tensor self, Tensor other)', 'remainder(Scalar self, Tensor other)', 'remainder(Tensor self, Scalar other)'],
  doc: 'Python-style modulus: the result has the sign of the divisor. Integer % 0 raises.',
  impl: (a, ov) => {
    if (ov !== 1) return modOp('remainder', a.self, toTensor(a.other), ov === 2);
    const common = resultTypeOf(a.self, a.other);
    checkSupport('remainder_cpu', common, { bool: false });
    const out = mapBinary(wrapScalar(a.self), a.other, common, common, remainderKernel(common.category !== 'float'));
    recordNotImplemented('remainder', [a.other], out);
    return out;
  },
  samples: [
    { args: [{ t: [2, 3], grad: true }, { f: 0.75 }] },
    { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true, domain: 'positive' }], noGradcheck: true },
    { args: [{ t: [5], dtype: 'int64' }, -3], method: true },
    { args: [5, { t: [4], dtype: 'int32' }] },
  ],
};
const fmodDef: OpDef = {
  name: 'fmod',
  sig: ['fmod(Tensor self, Tensor other)', 'fmod(Tensor self, Scalar other)'],
  doc: 'C-style modulus: the result has the sign of the dividend. Integer fmod by 0 raises.',
  impl: (a, ov) => modOp('fmod', a.self, toTensor(a.other), ov === 1),
  samples: [
    { args: [{ t: [2, 3], grad: true }, { f: 0.75 }] },
    { args: [{ t: [2, 3], dtype: 'float64', grad: true }, { t: [3], dtype: 'float64', grad: true, domain: 'positive' }], noGradcheck: true },
    { args: [{ t: [5], dtype: 'int64' }, -3], method: true },
  ],
};
const floorDivide: OpDef = {
  name: 'floor_divide',
  sig: ['floor_divide(Tensor self, Tensor other)', 'floor_divide(Tensor self, Scalar other)'],
  doc: 'Floor division (rounds toward −∞), like Python’s //.',
  impl: (a) => div(a.self, toTensor(a.other), 'floor', 'NotImplemented'),
  samples: [{ args: [{ t: [2, 3] }, { t: [3], domain: 'positive' }] }, { args: [{ t: [4], dtype: 'int64' }, 3] }],
};

export default defineOps([
  addDef, subDef, mulDef, divDef,
  {
    ...inplaceVariant(addDef),
    samples: [
      { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true }], kwargs: { alpha: 2 }, method: true },
      { args: [{ t: [3], dtype: 'int64' }, { f: 1.5 }], method: true },
      { args: [{ t: [3] }, { t: [2, 3] }], method: true },
    ],
  },
  { ...inplaceVariant(subDef), samples: [{ args: [{ t: [2, 3], grad: true }, { t: [2, 3] }], method: true }] },
  {
    ...inplaceVariant(mulDef),
    samples: [
      { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true }], method: true },
      { args: [{ t: [3], dtype: 'int32' }, 3], method: true },
    ],
  },
  {
    ...inplaceVariant(divDef),
    samples: [
      { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true, domain: 'positive' }], method: true },
      { args: [{ t: [3], dtype: 'int64' }, 2], method: true },
    ],
  },
  {
    name: 'rsub',
    sig: ['rsub(Tensor self, Tensor other, *, Scalar alpha=1)', 'rsub(Tensor self, Scalar other, Scalar alpha=1)'],
    doc: 'other − alpha × input (reversed subtraction).',
    impl: (a, ov) => {
      const self: Tensor = a.self;
      const other = ov === 0 ? (a.other as Tensor) : wrapScalar(a.other);
      const common = resultTypeOf(self, other);
      subCheck(other, self);
      const al = common.category === 'float' ? stepRound(common)(scalarValue(a.alpha)) : scalarValue(a.alpha);
      const fma = common === dtypes.float64 ? fma64 : fma32;
      const out = binary(self, other, al === 1 ? (x, y) => y - x : common.category === 'float' ? (x, y) => fma(-al, x, y) : (x, y) => y - al * x);
      record(ov === 0 ? 'RsubBackward0' : 'RsubBackward1', [self, other], out, ([g]) => [
        sumToShape(call('neg', scaled(g!, a.alpha)), self.shape),
        sumToShape(g!, other.shape),
      ]);
      return out;
    },
    samples: [
      { args: [{ t: [2, 3], grad: true }, 2] },
      { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true }], kwargs: { alpha: 2 } },
      { args: [{ t: [3], dtype: 'int64' }, { f: 1.5 }] },
    ],
  },
  floorDivide, inplaceVariant(floorDivide),
  remainderDef, inplaceVariant(remainderDef), fmodDef, inplaceVariant(fmodDef),
]);
