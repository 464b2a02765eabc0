// Op table: selection and filling: where (condition, x, y with Scalar overloads), masked_fill,
// fill/fill_, zero_, copy_. (The one-argument torch.where(condition) is nonzero's and is not here.)
import { DType, castValue, dtypes } from '../../dtype';
import { check, runtimeError } from '../../errors';
import { record } from '../../autograd';
import { Scalar, scalarValue } from '../../scalar';
import { broadcastShapes } from '../../shape';
import { Tensor } from '../../tensor';
import { warnOnce } from '../../warnings';
import { copyInto } from '../../backends/cpu/elementwise';
import { arenaFill } from '../../backends/cpu/alloc';
import { gpuMap, isWordType, onGpu, wgslType } from '../../backends/webgpu/kernels';
import { gpuFull, gpuWhere } from '../../backends/webgpu/kernelsCopy';
import { defineOps, OpDef } from '../spec';
import { checkInplaceLeaf, commitInPlace, inplaceVariant, shortTypeName } from '../inplace';
import { call, callKw, fullTensor, newTensor, resultTypeOf, sumToShape, toTensor } from '../util';
import { checkedScalar, mapBinary, mapTernary, mapUnary } from './elementwiseUtil';

const zero0 = (g: Tensor) => callKw('zeros', [[]], { dtype: g.dtype });

/** A where operand for the GPU: a 0-dim value at hand (wrapped Python number, CPU scalar) becomes a uniform. */
const gpuArg = (t: Tensor, d: DType): Tensor | number =>
  (t.ndim === 0 && (t.wrappedNumber || t.device.type === 'cpu') ? castValue(d, t.scalarValue()) : t);

/** A tensor like `self` filled with `v`, made on the GPU (no upload) when self lives there. */
const filledLike = (self: Tensor, v: number): Tensor => (onGpu(self) ? gpuFull(self.shape, v, self.dtype) : null) ?? fullTensor(self.shape, v, self.dtype);

function whereImpl(cond: Tensor, x: Tensor | Scalar, y: Tensor | Scalar): Tensor {
  if (cond.dtype === dtypes.uint8) {
    warnOnce('UserWarning', 'where received a uint8 condition tensor. This behavior is deprecated and will be removed in a future version of PyTorch. Use a boolean condition instead.');
  } else {
    check(cond.dtype === dtypes.bool, () => `where expected condition to be a boolean tensor, but got a tensor with dtype ${shortTypeName(cond.dtype)}`);
  }
  const d = resultTypeOf(x, y);
  const a = toTensor(x), b = toTensor(y);
  // on the GPU for float32/int32 operands there, with a bool mask there (a comparison's, or uploaded from the host) or a 0-dim CPU one
  const out = gpuWhere(cond, gpuArg(a, d), gpuArg(b, d), broadcastShapes(cond.shape, broadcastShapes(a.shape, b.shape)), d)
    ?? mapTernary(cond, a, b, d, d, (c, u, v) => (c ? u : v));
  const self = x instanceof Tensor ? x : null, other = y instanceof Tensor ? y : null;
  record('WhereBackward0', [self, other], out, ([g]) => [
    self && self.requiresGrad ? sumToShape(call('where', cond, g!, zero0(g!)), self.shape) : null,
    other && other.requiresGrad ? sumToShape(call('where', cond, zero0(g!), g!), other.shape) : null,
  ], (n) => n.save(cond));
  return out;
}

const whereDef: OpDef = {
  name: 'where',
  sig: [
    'where(Tensor condition, Tensor self, Tensor other)', 'where(Tensor condition, Scalar self, Tensor other)',
    'where(Tensor condition, Tensor self, Scalar other)', 'where(Tensor condition, Scalar self, Scalar other)',
    'where(Tensor condition)',
  ],
  doc: 'Elementwise choice: input where condition is True, else other (broadcasting, type promotion). With only condition: nonzero(condition, as_tuple=True).',
  impl: (a, ov) => (ov === 4 ? callKw('nonzero', [a.condition], { as_tuple: true }) : whereImpl(a.condition, a.self, a.other)),
  samples: [
    { args: [{ t: [2, 3], dtype: 'bool' }, { t: [2, 3], grad: true }, { t: [3], grad: true }] },
    { args: [{ t: [4], dtype: 'bool' }, { t: [4], dtype: 'int64' }, { f: 2.5 }] },
    { args: [{ t: [2, 1], dtype: 'bool' }, 1, { t: [3], dtype: 'float64', grad: true }] },
  ],
};

const lowByte = new Uint8Array(8);
const f32v = new Float32Array(lowByte.buffer, 0, 1), f64v = new Float64Array(lowByte.buffer);

/** A non-bool mask is read as its first byte (uint8), like PyTorch's CPU kernel, and must be 0 or 1. */
function maskToBool(mask: Tensor): Tensor {
  if (mask.dtype === dtypes.bool) return mask;
  if (mask.dtype === dtypes.uint8) {
    warnOnce('UserWarning', 'masked_fill_ received a mask with dtype torch.uint8, this behavior is now deprecated,please use a mask with dtype torch.bool instead.');
  }
  const byte = (v: number): number => {
    if (mask.dtype.category === 'int') return Number.isSafeInteger(v) && Math.abs(v) < 2 ** 31 ? v & 255 : Number(BigInt.asUintN(8, BigInt(v)));
    if (mask.dtype === dtypes.float64) { f64v[0] = v; return lowByte[0]; }
    if (mask.dtype === dtypes.float32) { f32v[0] = v; return lowByte[0]; }
    return 0;
  };
  return mapUnary(mask, mask.dtype, dtypes.bool, (v) => {
    const b = byte(v);
    if (b > 1) throw runtimeError('Mask tensor can take 0 and 1 values only');
    return b;
  });
}

function maskedFill(self: Tensor, mask: Tensor, value: Tensor | Scalar): Tensor {
  let v: number;
  if (value instanceof Tensor) {
    check(value.ndim === 0, () => `masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s).`);
    v = value.scalarValue();
  } else {
    v = scalarValue(value);
  }
  const fill = self.dtype === dtypes.bool ? (v !== 0 ? 1 : 0) : checkedScalar(v, self.dtype);
  const m = maskToBool(mask);
  // on the GPU for a float32/int32 self and a bool mask there (the value is a uniform)
  const out = (onGpu(self) && onGpu(m) && wgslType(self.dtype) ? gpuMap([m, self, fill], broadcastShapes(self.shape, m.shape), self.dtype, self.dtype, 'select(b, c, a != 0)') : null)
    ?? mapBinary(self, m, self.dtype, self.dtype, (x, c) => (c ? fill : x));
  const vt = value instanceof Tensor ? value : null;
  record(vt ? 'MaskedFillBackward1' : 'MaskedFillBackward0', vt ? [self, vt] : [self], out, ([g]) => [
    self.requiresGrad ? sumToShape(call('masked_fill', g!, m, 0), self.shape) : null,
    vt && vt.requiresGrad ? call('sum', call('where', m, g!, 0)) : null,
  ], (n) => n.save(m));
  return out;
}

const maskedFillDef: OpDef = {
  name: 'masked_fill', sig: ['masked_fill(Tensor self, Tensor mask, Tensor value)', 'masked_fill(Tensor self, Tensor mask, Scalar value)'],
  doc: 'Copy of input with value written where mask is True (mask broadcasts).',
  impl: (a) => maskedFill(a.self, a.mask, a.value),
  samples: [
    { args: [{ t: [2, 3], grad: true }, { t: [3], dtype: 'bool' }, { f: -1.5 }] },
    { args: [{ t: [3], grad: true }, { t: [2, 3], dtype: 'bool' }, 2] },
    { args: [{ t: [4], dtype: 'float64', grad: true }, { t: [4], dtype: 'bool' }, { t: [], dtype: 'float64', grad: true }], method: true },
    { args: [{ t: [4], dtype: 'int64' }, { t: [4], dtype: 'bool' }, { f: 2.5 }] },
  ],
};

/** In-place write of `result` into self with autograd node `node` (fill_, zero_, copy_). */
function writeInPlace(self: Tensor, result: Tensor, node: string, inputs: (Tensor | null)[], grads: (g: Tensor) => (Tensor | null)[]): Tensor {
  checkInplaceLeaf(self);
  record(node, inputs, result, ([g]) => grads(g!));
  return commitInPlace(self, result);
}

function fillValue(self: Tensor, value: Tensor | Scalar): number {
  if (value instanceof Tensor) {
    check(value.ndim === 0, () => `fill_ only supports 0-dimension value tensor but got tensor with ${value.ndim} dimensions.`);
    return self.dtype === dtypes.bool ? (value.scalarValue() !== 0 ? 1 : 0) : checkedScalar(value.scalarValue(), self.dtype);
  }
  const v = scalarValue(value);
  return self.dtype === dtypes.bool ? (v !== 0 ? 1 : 0) : checkedScalar(v, self.dtype);
}

function filled(self: Tensor, value: Tensor | Scalar, nodes: [string, string]): Tensor {
  const out = filledLike(self, fillValue(self, value));
  const vt = value instanceof Tensor ? value : null;
  // fill_(Scalar) has one differentiable input, fill_(Tensor) two
  record(vt ? nodes[1] : nodes[0], vt ? [self, vt] : [self], out, ([g]) => [
    self.requiresGrad ? call('zeros_like', g!) : null,
    vt && vt.requiresGrad ? call('sum', g!) : null,
  ]);
  return out;
}

const fillSigs = (n: string) => [`${n}(Tensor self, Tensor value)`, `${n}(Tensor self, Scalar value)`];

export default defineOps([
  whereDef,
  // out of place, PyTorch broadcasts (mask, self) (expand_outplace): the size error names the mask as tensor a;
  // in place it is (self, mask)
  { ...maskedFillDef, impl: (a, ov) => { broadcastShapes((a.mask as Tensor).shape, (a.self as Tensor).shape); return maskedFillDef.impl(a, ov); } },
  { ...inplaceVariant(maskedFillDef), samples: [{ args: [{ t: [2, 3], grad: true }, { t: [3], dtype: 'bool' }, { f: -1.5 }], method: true }] },
  {
    name: 'fill', sig: fillSigs('fill'), variants: ['function'], doc: 'A tensor like input filled with value.',
    impl: (a) => filled(a.self, a.value, ['FillBackward0', 'FillBackward1']),
    samples: [{ args: [{ t: [2, 3], grad: true }, { f: 1.5 }] }, { args: [{ t: [3], dtype: 'int64' }, 7] }],
  },
  {
    name: 'fill_', sig: fillSigs('fill_'), doc: 'Fills input with value in place.',
    samples: [
      { args: [{ t: [2, 3], grad: true }, { f: 1.5 }], method: true },
      { args: [{ t: [3], dtype: 'float64', grad: true }, { t: [], dtype: 'float64', grad: true }], method: true },
      { args: [{ t: [3], dtype: 'int64' }, { f: 2.7 }] },
    ],
    impl: (a) => {
      const self: Tensor = a.self;
      checkInplaceLeaf(self);
      return commitInPlace(self, filled(self, a.value, ['FillBackward2', 'FillBackward3']));
    },
  },
  {
    name: 'fill_diagonal_', variants: ['method'], sig: 'fill_diagonal_(Tensor self, Scalar fill_value, bool wrap=False)',
    doc: 'Fills the main diagonal (all dims equal for >2-D; wrap continues it down a tall matrix) in place.',
    samples: [
      { args: [{ t: [3, 3] }, { f: 2.5 }], method: true },
      { args: [{ t: [5, 2], dtype: 'int64' }, 7, true], method: true },
      { args: [{ t: [2, 2, 2], dtype: 'float64' }, -1], method: true },
    ],
    impl: (a) => {
      // Fill.cpp: as_strided views of the diagonal(s), each fill_'ed
      const self: Tensor = a.self;
      const nd = self.ndim;
      check(nd >= 2, 'dimensions must larger than 1');
      const [height, width] = self.shape;
      if (nd > 2) check(self.shape.every((s) => s === height), 'all dimensions of input must be of equal length');
      const stride = self.strides.reduce((x, y) => x + y, 0);
      const size = Math.min(height, width);
      call('fill_', call('as_strided', self, [size], [stride], self.offset), a.fill_value);
      if (a.wrap && nd === 2 && height > width + 1) {
        const step = width + 1;
        const wrapSize = Math.floor((self.numel() + step - 1) / step) - size;
        call('fill_', call('as_strided', self, [wrapSize], [stride], self.offset + self.strides[0] * (width + 1)), a.fill_value);
      }
      return self;
    },
  },
  {
    name: 'zero_', sig: 'zero_(Tensor self)', doc: 'Fills input with zeros in place.',
    samples: [{ args: [{ t: [2, 3], grad: true }], method: true }, { args: [{ t: [3], dtype: 'int32' }] }],
    impl: (a) => {
      const self: Tensor = a.self;
      if (!self.requiresGrad && self.device.type === 'cpu' && self.isContiguous
        && arenaFill(self.storage.data, 0, self.offset, self.offset + self.numel())) {
        // a large float32 tensor outside autograd (optimizers' zero_grad): cleared where it is
        checkInplaceLeaf(self);
        self.bumpVersion();
        return self;
      }
      const out = filledLike(self, 0);
      return writeInPlace(self, out, 'ZeroBackward0', [self], (g) => [call('zeros_like', g)]);
    },
  },
  {
    name: 'copy_', variants: ['method'], sig: 'copy_(Tensor self, Tensor src, bool non_blocking=False)',
    doc: 'Copies src (broadcast, cast to input’s dtype) into input in place.',
    samples: [
      { args: [{ t: [2, 3], grad: true }, { t: [3], grad: true }], method: true },
      { args: [{ t: [3], dtype: 'float64', grad: true }, { t: [3], dtype: 'int64' }], method: true },
      { args: [{ t: [3], dtype: 'int64' }, { t: [1], dtype: 'float64' }], method: true },
    ],
    impl: (a) => {
      const self: Tensor = a.self, src: Tensor = a.src;
      broadcastShapes(self.shape, src.shape);
      const target = broadcastShapes(self.shape, src.shape);
      if (target.length !== self.shape.length || target.some((s, i) => s !== self.shape[i])) {
        throw runtimeError(`output with shape [${self.shape.join(', ')}] doesn't match the broadcast shape [${target.join(', ')}]`);
      }
      // between GPU storages: a cast copy there (then written into self like the CPU's)
      // (a bool/uint8 src is read as self's dtype: exact)
      const compute = isWordType(src.dtype) && wgslType(self.dtype) ? self.dtype : src.dtype;
      let out = onGpu(self) && onGpu(src) ? gpuMap([src], self.shape, compute, self.dtype, 'a') : null;
      if (!out) {
        out = newTensor(self.shape, self.dtype);
        copyInto(out, src);
      }
      return writeInPlace(self, out, 'CopyBackwards', [self, src], (g) => [
        self.requiresGrad ? call('zeros_like', g) : null,
        src.requiresGrad ? sumToShape(g, src.shape) : null,
      ]);
    },
  },
]);
