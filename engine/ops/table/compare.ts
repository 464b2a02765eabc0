// Op table: comparisons (eq/ne/lt/le/gt/ge and their aliases, Tensor or Scalar other, bool result),
// logical_and/or/xor/not, isclose/allclose/equal. Operands are compared in their promoted dtype, so a
// Python scalar is first cast to that dtype (uint8 < -1 compares with 255, like PyTorch). On the webgpu
// device comparisons and the logical ops run as WGSL elementwise kernels (bool results as u32 words).
import { DType, dtypes, getDefaultDType } from '../../dtype';
import { check } from '../../errors';
import { Tensor } from '../../tensor';
import { shapeEq } from '../../shape';
import { defineOps, OpDef, SampleCase } from '../spec';
import { inplaceVariant, shortTypeName } from '../inplace';
import { call, castTensor, resultTypeOf, toTensor } from '../util';
import { record } from '../../autograd';
import { cppDouble, gpuElementwise, mapBinary, mapUnary, stepRound } from './elementwiseUtil';

const CMP: [string, string[], string, (x: number, y: number) => boolean][] = [
  ['eq', [], 'input == other', (x, y) => x === y],
  ['ne', ['not_equal'], 'input != other', (x, y) => x !== y],
  ['lt', ['less'], 'input < other', (x, y) => x < y],
  ['le', ['less_equal'], 'input <= other', (x, y) => x <= y],
  ['gt', ['greater'], 'input > other', (x, y) => x > y],
  ['ge', ['greater_equal'], 'input >= other', (x, y) => x >= y],
];

/**
 * The WGSL form of each comparison (a bool). NaN compares unequal and unordered, as on the CPU: for
 * float32 it is tested by its bits (isnan), so no fast-math assumption on a GPU compiler changes that.
 */
const WGSL_CMP: Record<string, string> = { eq: 'a == b', ne: 'a != b', lt: 'a < b', le: 'a <= b', gt: 'a > b', ge: 'a >= b' };
const wgslCompare = (name: string, common: DType): string => {
  const e = WGSL_CMP[name];
  if (common !== dtypes.float32) return e;
  return name === 'ne' ? `isnan(a) || isnan(b) || ${e}` : `!isnan(a) && !isnan(b) && ${e}`;
};

const cmpSamples: SampleCase[] = [
  { args: [{ t: [2, 3] }, { t: [3] }] },
  { args: [{ t: [4], dtype: 'int64' }, { f: 2.5 }], method: true },
  { args: [{ t: [4], dtype: 'uint8' }, -1] },
  { args: [{ t: [3], dtype: 'int32' }, { t: [], dtype: 'float64', values: [1.5] }] },
];

/** Compared in the promoted dtype; on the GPU (a bool mask there) for float32/int32 operands on the device. */
function compare(self: Tensor, other: Tensor, f: (x: number, y: number) => boolean, name?: string): Tensor {
  const common = resultTypeOf(self, other);
  return (name ? gpuElementwise([self, other], common, dtypes.bool, wgslCompare(name, common)) : null)
    ?? mapBinary(self, other, common, dtypes.bool, (x, y) => (f(x, y) ? 1 : 0));
}

const cmpDefs: OpDef[] = CMP.map(([name, aliases, doc, f]) => ({
  name, aliases, sig: [`${name}(Tensor self, Tensor other)`, `${name}(Tensor self, Scalar other)`],
  doc: `Elementwise ${doc} (bool result, broadcasting, compared in the promoted dtype).`,
  impl: (a) => compare(a.self, toTensor(a.other), f, name),
  samples: cmpSamples,
}));

/**
 * In-place comparisons (x.eq_(y)): self receives 0/1 in its own dtype. The node (EqBackward0 for a
 * Scalar, EqBackward1 for a Tensor) passes zero gradients. Aliases get their own name_.
 */
function cmpInplaceDef(d: OpDef, f: (x: number, y: number) => boolean, cmp: string): OpDef {
  const node = d.name[0].toUpperCase() + d.name.slice(1);
  return inplaceVariant({
    ...d,
    impl: (a, ov) => {
      const self: Tensor = a.self, other = toTensor(a.other);
      const out = compare(self, other, f, cmp);
      if (!self.requiresGrad && !(other.requiresGrad && ov === 0)) return out;
      const res = castTensor(out, self.dtype);
      record(`${node}Backward${ov === 0 ? 1 : 0}`, ov === 0 ? [self, other] : [self], res, () => [call('zeros_like', self), ov === 0 ? call('zeros_like', other) : null]);
      return res;
    },
  });
}
const cmpInplace: OpDef[] = cmpDefs.flatMap((d, i) => [d.name, ...(d.aliases ?? [])].map((n) => ({ ...cmpInplaceDef(d, CMP[i][3], CMP[i][0]), name: `${n}_` })));

const truthy = (x: number) => x !== 0; // NaN is truthy

/**
 * A logical op on the GPU: each operand's truth (x != 0, NaN true) in WGSL, combined by `combine` (over
 * A, B); float32 operands compare as f32, int32 and bool/uint8 masks (u32 words) as i32. null when an
 * operand is not on the GPU or the promoted dtype has no WGSL type.
 */
function gpuLogical(xs: Tensor[], common: DType, combine: string): Tensor | null {
  const compute = common === dtypes.float32 ? dtypes.float32 : [dtypes.int32, dtypes.bool, dtypes.uint8].includes(common) ? dtypes.int32 : null;
  if (!compute) return null;
  const truth = (v: string) => (compute === dtypes.float32 ? `(isnan(${v}) || ${v} != 0.0)` : `(${v} != 0)`);
  return gpuElementwise(xs, compute, dtypes.bool, combine.replace('A', truth('a')).replace('B', truth('b')));
}

function logical(name: string, f: (x: boolean, y: boolean) => boolean, doc: string, wgsl: string): OpDef {
  return {
    name, sig: `${name}(Tensor self, Tensor other)`, doc,
    impl: (a) => {
      const self: Tensor = a.self, other: Tensor = a.other;
      const common = resultTypeOf(self, other);
      return gpuLogical([self, other], common, wgsl) ?? mapBinary(self, other, common, dtypes.bool, (x, y) => (f(truthy(x), truthy(y)) ? 1 : 0));
    },
    samples: [
      { args: [{ t: [2, 3], dtype: 'bool' }, { t: [3], dtype: 'bool' }] },
      { args: [{ t: [4], dtype: 'int64', domain: 'unit' }, { t: [4], values: [0, 1.5, NaN, 0] }], method: true },
    ],
  };
}

const logicalDefs: OpDef[] = [
  logical('logical_and', (x, y) => x && y, 'True where both inputs are nonzero.', 'A && B'),
  logical('logical_or', (x, y) => x || y, 'True where either input is nonzero.', 'A || B'),
  logical('logical_xor', (x, y) => x !== y, 'True where exactly one input is nonzero.', 'A != B'),
  {
    name: 'logical_not', sig: 'logical_not(Tensor self)', doc: 'True where input is zero.',
    impl: (a) => gpuLogical([a.self], a.self.dtype, '!A') ?? mapUnary(a.self, a.self.dtype, dtypes.bool, (x) => (x === 0 ? 1 : 0)),
    samples: [{ args: [{ t: [2, 3], dtype: 'bool' }] }, { args: [{ t: [4], values: [0, -0, NaN, 2] }], method: true }],
  },
];

function isclose(self: Tensor, other: Tensor, rtol: number, atol: number, equalNan: boolean): Tensor {
  check(self.dtype === other.dtype, () => `${shortTypeName(self.dtype)} did not match ${shortTypeName(other.dtype)}`);
  check(rtol >= 0, () => `rtol must be greater than or equal to zero, but got ${cppDouble(rtol)}`);
  check(atol >= 0, () => `atol must be greater than or equal to zero, but got ${cppDouble(atol)}`);
  const isFloat = self.dtype.category === 'float';
  const ft = isFloat ? self.dtype : getDefaultDType();
  const r = stepRound(ft);
  const rt = r(rtol), at = r(atol);
  const zeroTol = rtol === 0 && atol === 0;
  return mapBinary(self, other, self.dtype, dtypes.bool, (x, y) => {
    if (x === y) return 1;
    if (equalNan && isFloat && x !== x && y !== y) return 1;
    if (zeroTol) return 0;
    const allowed = r(at + Math.abs(r(rt * y)));
    const actual = isFloat ? Math.abs(r(x - y)) : r(Math.abs(x - y));
    return Number.isFinite(actual) && actual <= allowed ? 1 : 0;
  });
}

const iscloseDef: OpDef = {
  name: 'isclose', sig: 'isclose(Tensor self, Tensor other, float rtol=1e-05, float atol=1e-08, bool equal_nan=False)',
  doc: '|input − other| ≤ atol + rtol × |other|, elementwise (NaNs equal only with equal_nan).',
  impl: (a) => isclose(a.self, a.other, a.rtol, a.atol, a.equal_nan),
  samples: [
    { args: [{ t: [4], values: [1, NaN, Infinity, 1e-9] }, { t: [4], values: [1.000001, NaN, Infinity, 0] }] },
    { args: [{ t: [2], dtype: 'float64', values: [NaN, 1] }, { t: [2], dtype: 'float64', values: [NaN, 1.1] }], kwargs: { equal_nan: true, rtol: { f: 0.2 } }, method: true },
    { args: [{ t: [3], dtype: 'int64' }, { t: [3], dtype: 'int64' }] },
  ],
};

export default defineOps([
  ...cmpDefs, ...cmpInplace,
  ...logicalDefs, ...logicalDefs.map((d) => inplaceVariant(d)),
  iscloseDef,
  {
    name: 'allclose', sig: 'allclose(Tensor self, Tensor other, float rtol=1e-05, float atol=1e-08, bool equal_nan=False)',
    doc: 'True when isclose holds for every element (Python bool).',
    impl: (a) => {
      const c = isclose(a.self, a.other, a.rtol, a.atol, a.equal_nan);
      return c.toFlatArray().every((v) => v !== 0);
    },
    samples: [{ args: [{ t: [2, 2] }, { t: [2] }] }, { args: [{ t: [3], dtype: 'float64' }, { t: [3], dtype: 'float64' }], method: true }],
  },
  {
    name: 'equal', sig: 'equal(Tensor self, Tensor other)',
    doc: 'True when both tensors have the same shape and equal elements (Python bool).',
    impl: (a) => {
      const self: Tensor = a.self, other: Tensor = a.other;
      if (!shapeEq(self.shape, other.shape)) return false;
      return compare(self, other, (x, y) => x === y).toFlatArray().every((v) => v !== 0);
    },
    samples: [{ args: [{ t: [2, 2] }, { t: [2, 2] }] }, { args: [{ t: [3], dtype: 'int64' }, { t: [1, 3], dtype: 'int64' }], method: true }],
  },
]);
