// Core tensor ops the engine itself leans on: clone/detach/contiguous/to, view/reshape, neg (sum lives in reduce.ts).
import { DType, DTypeName, dtypeOf, dtypes } from '../../dtype';
import { check, runtimeError } from '../../errors';
import { forgetView, record } from '../../autograd';
import { computeViewStrides, inferSize, numel, wrapDim } from '../../shape';
import { Device, Tensor, deviceContext } from '../../tensor';
import { unaryMap } from '../../backends/cpu/elementwise';
import { gpuElementwise } from './elementwiseUtil';
import { defineOps, Variant } from '../spec';
import { Bound } from '../schema';
import { call, callKw, castTensor, contiguous, makeView, newTensor } from '../util';
import { deviceOf } from '../registry';

function toDtype(self: Tensor, dtype: DType, copy: boolean): Tensor {
  if (dtype === self.dtype && !copy) return self;
  const out = castTensor(self, dtype);
  if (dtype.category === 'float') {
    record('ToCopyBackward0', [self], out, ([g]) => [call('to', g!, self.dtype)]);
  }
  return out;
}

/** A copy on another device (and dtype); its gradient goes back to self's device and dtype. */
function toDevice(self: Tensor, dev: Device, dtype: DType, copy: boolean): Tensor {
  if (dev.type === self.device.type) return toDtype(self, dtype, copy);
  const ctx = deviceContext, prev = ctx.current;
  ctx.current = dev;
  let out: Tensor;
  try {
    out = castTensor(self, dtype);
  } finally {
    ctx.current = prev;
  }
  if (dtype.category === 'float') {
    record('ToCopyBackward0', [self], out, ([g]) => [callKw('to', [g!], { device: self.device, dtype: self.dtype })]);
  }
  return out;
}

function view(self: Tensor, size: number[]): Tensor {
  const shape = inferSize(size, self.numel());
  const strides = computeViewStrides(self.shape, self.strides, shape);
  check(strides !== null, 'view size is not compatible with input tensor\'s size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.');
  const out = makeView(self, shape, strides!, self.offset);
  record('ViewBackward0', [self], out, ([g]) => [call('reshape', g!, self.shape)]);
  return out;
}

function reshape(self: Tensor, size: number[]): Tensor {
  const shape = inferSize(size, self.numel());
  const strides = computeViewStrides(self.shape, self.strides, shape);
  if (strides !== null) {
    // PyTorch 1.13: _reshape_alias
    const out = makeView(self, shape, strides, self.offset);
    record('ReshapeAliasBackward0', [self], out, ([g]) => [call('reshape', g!, self.shape)]);
    return out;
  }
  // _unsafe_view(self.clone(contiguous)): CloneBackward0 then UnsafeViewBackward0
  const c = call('clone', self);
  const out = new Tensor(c.storage, shape, computeViewStrides(c.shape, c.strides, shape)!, 0, self.dtype);
  record('UnsafeViewBackward0', [c], out, ([g]) => [call('reshape', g!, c.shape)]);
  return out;
}


/** .float() / .double() / .long() ...: `to(dtype)` under PyTorch's method names (ToCopyBackward0 when it converts). */
const CONVERSIONS: [string, DTypeName][] = [
  ['float', 'float32'], ['double', 'float64'], ['half', 'float16'], ['bfloat16', 'bfloat16'], ['long', 'int64'],
  ['int', 'int32'], ['short', 'int16'], ['char', 'int8'], ['byte', 'uint8'], ['bool', 'bool'],
];
const conversionOps = CONVERSIONS.map(([name, dt]) => ({
  name, variants: ['method'] as Variant[],
  sig: `${name}(Tensor self, *, MemoryFormat? memory_format=None)`,
  doc: `self.to(torch.${dt}): input itself when it already is ${dt}, else a converted copy.`,
  impl: (a: Bound) => toDtype(a.self, dtypes[dt], false),
  samples: [{ args: [{ t: [2, 3], dtype: 'float64' as DTypeName, grad: dt.startsWith('float') || dt === 'bfloat16' }], method: true }, { args: [{ t: [4], dtype: 'int64' as DTypeName }], method: true }],
}));

export default defineOps([
  ...conversionOps,
  {
    name: 'clone', sig: 'clone(Tensor self, *, MemoryFormat? memory_format=None)',
    doc: 'A copy of input with its own storage; gradients flow back to input.',
    impl: (a) => {
      const self: Tensor = a.self;
      const out = contiguous(self, true);
      record('CloneBackward0', [self], out, ([g]) => [g]);
      return out;
    },
    samples: [
      { args: [{ t: [2, 3], grad: true }] },
      { args: [{ t: [3], dtype: 'int64' }], method: true },
      { args: [{ t: [], dtype: 'float64', grad: true }], method: true },
    ],
  },
  {
    name: 'detach', sig: 'detach(Tensor self)',
    doc: 'A view of input that is cut from the autograd graph (requires_grad=False).',
    impl: (a) => {
      const self: Tensor = a.self;
      const out = makeView(self, self.shape.slice(), self.strides.slice(), self.offset);
      forgetView(out); // shares storage and version counter, but is not a view for autograd (no _base)
      return out;
    },
    samples: [{ args: [{ t: [2, 3], grad: true }] }, { args: [{ t: [3], dtype: 'bool' }], method: true }],
  },
  {
    name: 'contiguous', sig: 'contiguous(Tensor self, *, MemoryFormat memory_format=contiguous_format)', variants: ['method'],
    doc: 'input itself if it is contiguous, else a contiguous copy.',
    impl: (a) => {
      const self: Tensor = a.self;
      if (self.isContiguous) return self;
      const out = contiguous(self, true);
      record('CloneBackward0', [self], out, ([g]) => [g]);
      return out;
    },
    samples: [{ args: [{ t: [2, 3], grad: true }], method: true }],
  },
  {
    name: 'to', variants: ['method'],
    sig: [
      'to(Tensor self, ScalarType dtype, bool non_blocking=False, bool copy=False, *, MemoryFormat? memory_format=None)',
      'to(Tensor self, Device? device=None, ScalarType? dtype=None, bool non_blocking=False, bool copy=False, *, MemoryFormat? memory_format=None)',
      'to(Tensor self, Tensor other, bool non_blocking=False, bool copy=False, *, MemoryFormat? memory_format=None)',
    ],
    doc: 'Converts dtype (and device): returns input itself when nothing changes.',
    impl: (a, ov) => {
      const self: Tensor = a.self;
      if (ov === 2) return toDevice(self, (a.other as Tensor).device, (a.other as Tensor).dtype, a.copy);
      if (ov === 1) {
        const dev = a.device;
        if (dev !== null && typeof dev === 'string' && /^(float|double|half|long|int|bool|torch\.)/.test(dev)) return toDtype(self, dtypeOf(dev), a.copy);
        return toDevice(self, dev === null ? self.device : deviceOf(dev), a.dtype ?? self.dtype, a.copy);
      }
      return toDtype(self, a.dtype, a.copy);
    },
    samples: [
      { args: [{ t: [2, 3], grad: true }, { dtype: 'float64' }], method: true },
      { args: [{ t: [2, 3], grad: true }, { dtype: 'float32' }], method: true },
      { args: [{ t: [3], grad: true }, { dtype: 'float32' }], kwargs: { copy: true }, method: true },
      { args: [{ t: [4], dtype: 'float64', grad: true }, { dtype: 'int32' }], method: true },
      { args: [{ t: [4], dtype: 'int64' }, { t: [2], dtype: 'float16' }], method: true },
      { args: [{ t: [4], grad: true }], kwargs: { dtype: { dtype: 'bfloat16' } }, method: true },
    ],
  },
  {
    name: 'view', variants: ['method'], sig: ['view(Tensor self, SymInt[] size)', 'view(Tensor self, ScalarType dtype)'],
    doc: 'A view with a new shape sharing input’s storage (one dim may be -1). Fails when the strides do not allow it.',
    impl: (a, ov) => {
      if (ov === 1) throw runtimeError('view(dtype) is not supported yet');
      return view(a.self, a.size);
    },
    samples: [
      { args: [{ t: [2, 3], grad: true }, 3, 2], method: true },
      { args: [{ t: [2, 3], grad: true }, [-1]], method: true },
      { args: [{ t: [2, 3, 4], dtype: 'int64' }, 4, -1, 2], method: true },
      { args: [{ t: [2, 3] }, 4, 2], method: true },
      { args: [{ t: [2, 3] }, -1, -1], method: true },
    ],
  },
  {
    name: 'reshape', sig: 'reshape(Tensor self, SymInt[] shape)',
    doc: 'input with a new shape: a view when the strides allow it, otherwise a copy.',
    impl: (a) => reshape(a.self, a.shape),
    samples: [
      { args: [{ t: [2, 3], grad: true }, [3, 2]] },
      { args: [{ t: [2, 3, 4], grad: true }, -1, 4], method: true },
      { args: [{ t: [2, 3], dtype: 'int32' }, [6]] },
      { args: [{ t: [2, 3] }, [4, 2]] },
    ],
  },
  {
    name: 'neg', aliases: ['negative'], sig: 'neg(Tensor self)',
    doc: 'Negation, −input.',
    impl: (a) => {
      const self: Tensor = a.self;
      check(self.dtype.category !== 'bool', 'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.');
      const out = gpuElementwise([self], self.dtype, self.dtype, '-a') ?? unaryMap(self, self.dtype, self.dtype, (x) => -x);
      record('NegBackward0', [self], out, ([g]) => [call('neg', g!)]);
      return out;
    },
    samples: [
      { args: [{ t: [2, 3], grad: true }] },
      { args: [{ t: [4], dtype: 'int64' }], method: true },
      { args: [{ t: [3], dtype: 'bool' }] },
      { args: [{ t: [3], dtype: 'float16', grad: true }], method: true },
    ],
  },
  {
    name: 'expand', variants: ['method'], sig: 'expand(Tensor self, SymInt[] size, *, bool implicit=False)',
    doc: 'A view broadcasting size-1 dims to a larger size (−1 keeps a dim) without copying.',
    impl: (a) => {
      const self: Tensor = a.self;
      const size: number[] = a.size;
      check(size.length >= self.ndim, () => `expand(torch.${self.dtype.legacyName.replace('Tensor', '')}Tensor{[${self.shape.join(', ')}]}, size=[${size.join(', ')}]): the number of sizes provided (${size.length}) must be greater or equal to the number of dimensions in the tensor (${self.ndim})`);
      const off = size.length - self.ndim;
      const shape: number[] = new Array(size.length), strides: number[] = new Array(size.length);
      // inferExpandGeometry's order: from the last dim, so the first mismatch reported is the innermost
      for (let i = size.length - 1; i >= 0; i--) {
        const j = i - off;
        if (j < 0) {
          check(size[i] >= 0, () => `The expanded size of the tensor (${size[i]}) isn't allowed in a leading, non-existing dimension ${i}`);
          shape[i] = size[i]; strides[i] = 0;
        } else {
          const s = self.shape[j];
          const want = size[i] === -1 ? s : size[i];
          check(s === want || s === 1, () => `The expanded size of the tensor (${want}) must match the existing size (${s}) at non-singleton dimension ${i}.  Target sizes: [${size.join(', ')}].  Tensor sizes: [${self.shape.join(', ')}]`);
          shape[i] = want; strides[i] = s === want ? self.strides[j] : 0;
        }
      }
      const out = makeView(self, shape, strides, self.offset);
      record('ExpandBackward0', [self], out, ([g]) => [sumToShapeLocal(g!, self.shape)]);
      return out;
    },
    samples: [
      { args: [{ t: [3, 1], grad: true }, 3, 4], method: true },
      { args: [{ t: [3], grad: true }, [2, -1]], method: true },
      { args: [{ t: [2, 1], dtype: 'int64' }, 2, 2, 3], method: true },
      { args: [{ t: [3] }, 2, 2], method: true },
      { args: [{ t: [2, 3] }, 3], method: true },
    ],
  },
]);

function sumToShapeLocal(g: Tensor, shape: number[]): Tensor {
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  let r = dims.length ? (call('sum', g, dims, true) as Tensor) : g;
  if (r.ndim !== shape.length) r = call('reshape', r, shape);
  return r;
}

export { numel };
