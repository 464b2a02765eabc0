// Op table: bitwise ops on bool and integer tensors (and/or/xor/not/shifts, exact for int64 through
// BigInt beyond 32 bits) and the Python operator names the shim calls (__and__, __invert__, __lshift__, ...).
// int32 tensors and bool masks on the webgpu device run as WGSL elementwise kernels.
import { DType, castValue, dtypes } from '../../dtype';
import { TorchError } from '../../errors';
import { Scalar } from '../../scalar';
import { broadcastShapes } from '../../shape';
import { Tensor } from '../../tensor';
import { defineOps, OpDef, SampleCase } from '../spec';
import { inplaceVariant } from '../inplace';
import { resultTypeOf, toTensor, wrapScalar } from '../util';
import { checkSupport, gpuElementwise, mapBinary, mapUnary } from './elementwiseUtil';

type Op32 = (x: number, y: number) => number;
type OpBig = (x: bigint, y: bigint) => bigint;

const INT32_MIN = -2147483648, INT32_MAX = 2147483647;
const in32 = (x: number) => x >= INT32_MIN && x <= INT32_MAX;

/** An and/or/xor kernel for `d`: 32-bit JS ops, BigInt for int64 values outside 32 bits. */
function logicKernel(d: DType, op32: Op32, opBig: OpBig): (x: number, y: number) => number {
  if (d.name === 'int64') {
    return (x, y) => (in32(x) && in32(y) ? op32(x, y) : Number(BigInt.asIntN(64, opBig(BigInt(x), BigInt(y)))));
  }
  return (x, y) => castValue(d, op32(x, y));
}

/** Shifts as C++ on x86: the count is masked to the operand width (64 for int64, else 32 after promotion). */
function shiftKernel(d: DType, left: boolean): (x: number, y: number) => number {
  if (d.name === 'int64') {
    return left
      ? (x, y) => Number(BigInt.asIntN(64, BigInt(x) << BigInt(y & 63)))
      : (x, y) => Number(BigInt(x) >> BigInt(y & 63));
  }
  return left ? (x, y) => castValue(d, x << (y & 31)) : (x, y) => castValue(d, x >> (y & 31));
}

const BIN: [string, Op32, OpBig, string][] = [
  ['bitwise_and', (x, y) => x & y, (x, y) => x & y, 'Bitwise AND (logical AND for bool).'],
  ['bitwise_or', (x, y) => x | y, (x, y) => x | y, 'Bitwise OR (logical OR for bool).'],
  ['bitwise_xor', (x, y) => x ^ y, (x, y) => x ^ y, 'Bitwise XOR (logical XOR for bool).'],
];

/** The WGSL (over i32 a, b) of each op on the webgpu device, for int32 and bool (0/1 words) operands. */
const WGSL: Record<string, string> = {
  bitwise_and: 'a & b', bitwise_or: 'a | b', bitwise_xor: 'a ^ b',
  bitwise_left_shift: 'a << u32(b & 31)', bitwise_right_shift: 'a >> u32(b & 31)',
};

/** An op on the GPU: int32 in i32; bool masks (u32 words) read as i32 0/1, the result a mask again. */
function gpuBitwise(xs: Tensor[], d: DType, expr: string): Tensor | null {
  if (d === dtypes.int32) return gpuElementwise(xs, d, d, expr);
  return d === dtypes.bool ? gpuElementwise(xs, dtypes.int32, d, `(${expr}) != 0`) : null;
}

const binSamples: SampleCase[] = [
  { args: [{ t: [2, 3], dtype: 'int64' }, { t: [3], dtype: 'int64' }] },
  { args: [{ t: [4], dtype: 'bool' }, { t: [4], dtype: 'bool' }], method: true },
  { args: [{ t: [4], dtype: 'int32' }, 6] },
  { args: [{ t: [3], dtype: 'uint8' }, { t: [3], dtype: 'int64', values: [2 ** 40 + 3, -(2 ** 40) - 5, 7] }] },
];

function bitwise(self: Tensor | Scalar, other: Tensor | Scalar, kernel: (d: DType) => (x: number, y: number) => number, kname: string, noBool: boolean, wgsl: string): Tensor {
  const a = toTensor(self), b = toTensor(other);
  const common = resultTypeOf(self, other);
  broadcastShapes(a.shape, b.shape);
  checkSupport(kname, common, { half: false, bfloat16: false, float: false, bool: !noBool });
  return gpuBitwise([a, b], common, wgsl) ?? mapBinary(a, b, common, common, kernel(common));
}

const sigs = (n: string) => [`${n}(Tensor self, Tensor other)`, `${n}(Scalar self, Tensor other)`, `${n}(Tensor self, Scalar other)`];

function binDef(name: string, kname: string, kernel: (d: DType) => (x: number, y: number) => number, doc: string, noBool = false): OpDef {
  return {
    name, sig: sigs(name), doc,
    impl: (a, ov) => bitwise(ov === 1 ? wrapScalar(a.self) : a.self, a.other, kernel, kname, noBool, WGSL[name]),
    samples: binSamples,
  };
}

const logicDefs = BIN.map(([n, op32, opBig, doc]) => binDef(n, `${n}_cpu`, (d) => logicKernel(d, op32, opBig), doc));
const shiftDefs = [
  binDef('bitwise_left_shift', 'lshift_cpu', (d) => shiftKernel(d, true), 'Left shift of integers (the count is taken modulo the bit width, like C++ on x86).', true),
  binDef('bitwise_right_shift', 'rshift_cpu', (d) => shiftKernel(d, false), 'Arithmetic right shift of integers.', true),
];

function bitwiseNot(self: Tensor): Tensor {
  checkSupport('bitwise_not_cpu', self.dtype, { half: false, bfloat16: false, float: false });
  const d = self.dtype;
  const gpu = d === dtypes.bool ? gpuElementwise([self], dtypes.int32, d, 'a == 0') : d === dtypes.int32 ? gpuElementwise([self], d, d, '~a') : null;
  if (gpu) return gpu;
  if (d.category === 'bool') return mapUnary(self, d, d, (x) => (x ? 0 : 1));
  if (d.name === 'int64') return mapUnary(self, d, d, (x) => (in32(x) ? ~x : Number(BigInt.asIntN(64, ~BigInt(x)))));
  return mapUnary(self, d, d, (x) => castValue(d, ~x));
}

const notDef: OpDef = {
  name: 'bitwise_not', sig: 'bitwise_not(Tensor self)', doc: 'Bitwise NOT (logical NOT for bool).',
  impl: (a) => bitwiseNot(a.self),
  samples: [{ args: [{ t: [2, 3], dtype: 'int64' }] }, { args: [{ t: [4], dtype: 'bool' }], method: true }, { args: [{ t: [3], dtype: 'uint8' }] }],
};

/** A Python operator method (x & y → x.__and__(y)): method only, forwarding to `target`. */
function dunder(name: string, target: OpDef, reversed = false): OpDef {
  return {
    name, variants: ['method'], sig: [`${name}(Tensor self, Tensor other)`, `${name}(Tensor self, Scalar other)`],
    doc: `Python operator: ${target.name}(${reversed ? 'other, self' : 'self, other'}).`,
    impl: (a) => (reversed ? target.impl({ self: a.other, other: a.self }, a.other instanceof Tensor ? 0 : 1) : target.impl({ self: a.self, other: a.other }, a.other instanceof Tensor ? 0 : 2)),
  };
}

const [andDef, orDef, xorDef] = logicDefs;
const [lshiftDef, rshiftDef] = shiftDefs;
/** name_(Tensor self, Tensor | Scalar other): overload 1 here is the out-of-place op's overload 2 */
function inplace(d: OpDef): OpDef {
  const v = inplaceVariant(d);
  return { ...v, sig: [`${d.name}_(Tensor self, Tensor other)`, `${d.name}_(Tensor self, Scalar other)`], impl: (a, ov) => v.impl(a, ov === 1 ? 2 : ov) };
}
const dunderInplace = (name: string, target: OpDef) => ({ ...inplace(target), name });

export default defineOps([
  ...logicDefs, ...shiftDefs, notDef,
  ...[...logicDefs, ...shiftDefs].map(inplace), inplaceVariant(notDef),
  dunder('__and__', andDef), dunder('__or__', orDef), dunder('__xor__', xorDef),
  dunder('__rand__', andDef, true), dunder('__ror__', orDef, true), dunder('__rxor__', xorDef, true),
  dunder('__lshift__', lshiftDef), dunder('__rshift__', rshiftDef),
  dunder('__rlshift__', lshiftDef, true), dunder('__rrshift__', rshiftDef, true),
  dunderInplace('__iand__', andDef), dunderInplace('__ior__', orDef), dunderInplace('__ixor__', xorDef),
  dunderInplace('__ilshift__', lshiftDef), dunderInplace('__irshift__', rshiftDef),
  {
    name: '__invert__', variants: ['method'], sig: '__invert__(Tensor self)', doc: 'Python operator ~: bitwise_not for bool and integer tensors.',
    impl: (a) => {
      const self: Tensor = a.self;
      if (self.dtype.category === 'float') throw new TorchError('TypeError', '~ (operator.invert) is only implemented on integer and Boolean-type tensors');
      return bitwiseNot(self);
    },
  },
]);
