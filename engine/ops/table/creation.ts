// Creation ops: torch.tensor / as_tensor (the data walk is creationData.ts), zeros/ones/full/empty
// and their *_like forms. Random and range creation live in their own tables.
import { DType, dtypes, getDefaultDType } from '../../dtype';
import { TorchError, check, runtimeError } from '../../errors';
import { scalarKind, scalarValue } from '../../scalar';
import { Tensor } from '../../tensor';
import { warn } from '../../warnings';
import { tensorFromNested } from './creationData';
import { gpuFull, onWebgpuNow } from '../../backends/webgpu/kernelsCopy';
import { defineOps } from '../spec';
import { call, castTensor, contiguous, fullTensor } from '../util';

function tensorFromData(data: unknown, dtype: DType | null, requiresGrad: boolean): Tensor {
  let t: Tensor;
  if (data instanceof Tensor) {
    warn('UserWarning', 'To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() or sourceTensor.clone().detach().requires_grad_(True), rather than torch.tensor(sourceTensor).');
    t = castTensor(data, dtype ?? data.dtype);
  } else {
    if (typeof data === 'string') throw new TorchError('TypeError', "new(): invalid data type 'str'");
    t = tensorFromNested(data, dtype);
  }
  if (requiresGrad) {
    check(t.dtype.category === 'float', 'Only Tensors of floating point and complex dtype can require gradients');
    t.requiresGrad = true;
  }
  return t;
}

function factory(shape: number[], value: number, dtype: DType | null, requiresGrad: boolean, kindDefault: DType = getDefaultDType()): Tensor {
  for (const s of shape) check(s >= 0, () => `Trying to create tensor with negative dimension ${s}: [${shape.join(', ')}]`);
  const dt = dtype ?? kindDefault;
  // on the webgpu device float32/int32 tensors are filled there (no upload)
  const t = (onWebgpuNow() ? gpuFull(shape, value, dt) : null) ?? fullTensor(shape, value, dt);
  if (requiresGrad) {
    check(t.dtype.category === 'float', 'Only Tensors of floating point and complex dtype can require gradients');
    t.requiresGrad = true;
  }
  return t;
}

const FACTORY_KW = '*, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None, bool requires_grad=False';
const LIKE_KW = '*, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None, bool requires_grad=False, MemoryFormat? memory_format=None';

export default defineOps([
  {
    name: 'tensor', variants: ['function'],
    sig: 'tensor(Any? data, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False, bool pin_memory=False)',
    doc: 'Constructs a tensor from data (nested lists or scalars). Ints give int64, any float gives the default float dtype, bools give bool.',
    impl: (a) => tensorFromData(a.data, a.dtype, a.requires_grad),
    samples: [
      { args: [[1, 2, 3]] },
      { args: [[[{ f: 1.5 }, 2], [3, -4]]] },
      { args: [[true, false, true]] },
      { args: [[1, 2]], kwargs: { dtype: { dtype: 'float64' }, requires_grad: true } },
      { args: [{ f: 2.5 }] },
      { args: [[[1, 2], [3]]] },
      { args: [[1, 2]], kwargs: { requires_grad: true } },
      { args: [[]] },
    ],
  },
  {
    name: 'as_tensor', variants: ['function'],
    sig: 'as_tensor(Any? data, *, ScalarType? dtype=None, Device? device=None)',
    doc: 'Converts data to a tensor, sharing it when it already is a tensor of that dtype (a tensor of another dtype is converted with to(), keeping its graph); lists and scalars as torch.tensor.',
    impl: (a) => {
      const data = a.data as unknown;
      if (data instanceof Tensor) return a.dtype === null || a.dtype === data.dtype ? data : call('to', data, a.dtype);
      return tensorFromData(data, a.dtype, false);
    },
    samples: [
      { args: [[1, 2, 3]] },
      { args: [[[{ f: 1.5 }, 2], [3, -4]]], kwargs: { dtype: { dtype: 'float64' } } },
      { args: [{ t: [2, 3], grad: true }], kwargs: { dtype: { dtype: 'float64' } } },
      { args: [{ t: [3], dtype: 'int64' }] },
    ],
  },
  {
    name: 'zeros', variants: ['function'], sig: `zeros(SymInt[] size, ${FACTORY_KW})`,
    doc: 'A tensor filled with 0 (default float dtype).',
    impl: (a) => factory(a.size, 0, a.dtype, a.requires_grad),
    samples: [{ args: [[2, 3]] }, { args: [2, 3], kwargs: { dtype: { dtype: 'int32' } } }, { args: [[0, 2]] }, { args: [[2, -1]] }],
  },
  {
    name: 'ones', variants: ['function'], sig: `ones(SymInt[] size, ${FACTORY_KW})`,
    doc: 'A tensor filled with 1 (default float dtype).',
    impl: (a) => factory(a.size, 1, a.dtype, a.requires_grad),
    samples: [{ args: [3] }, { args: [[2, 2]], kwargs: { dtype: { dtype: 'bool' } } }, { args: [[2]], kwargs: { requires_grad: true } }],
  },
  {
    name: 'empty', variants: ['function'], sig: `empty(SymInt[] size, ${FACTORY_KW}, MemoryFormat? memory_format=None)`,
    doc: 'An uninitialised tensor (here: zero-filled).',
    impl: (a) => factory(a.size, 0, a.dtype, a.requires_grad),
    samples: [{ args: [[0, 3]] }, { args: [0], kwargs: { dtype: { dtype: 'int64' } } }],
  },
  {
    name: 'full', variants: ['function'], sig: `full(SymInt[] size, Scalar fill_value, ${FACTORY_KW})`,
    doc: 'A tensor filled with fill_value; its dtype is inferred from fill_value (int64, bool or the default float).',
    impl: (a) => {
      const k = scalarKind(a.fill_value);
      const dflt = k === 'bool' ? dtypes.bool : k === 'int' ? dtypes.int64 : getDefaultDType();
      return factory(a.size, scalarValue(a.fill_value), a.dtype, a.requires_grad, dflt);
    },
    samples: [
      { args: [[2, 2], { f: 1.5 }] },
      { args: [[3], 7] },
      { args: [[2], true] },
      { args: [[2], 7], kwargs: { dtype: { dtype: 'float64' } } },
    ],
  },
  {
    name: 'zeros_like', variants: ['function'], sig: `zeros_like(Tensor self, ${LIKE_KW})`,
    doc: 'Zeros with the shape (and by default dtype) of input.',
    impl: (a) => factory(a.self.shape, 0, a.dtype ?? a.self.dtype, a.requires_grad),
    samples: [{ args: [{ t: [2, 3] }] }, { args: [{ t: [3], dtype: 'int64' }], kwargs: { dtype: { dtype: 'float32' } } }],
  },
  {
    name: 'ones_like', variants: ['function'], sig: `ones_like(Tensor self, ${LIKE_KW})`,
    doc: 'Ones with the shape (and by default dtype) of input.',
    impl: (a) => factory(a.self.shape, 1, a.dtype ?? a.self.dtype, a.requires_grad),
    samples: [{ args: [{ t: [2, 3], dtype: 'float64', grad: true }] }, { args: [{ t: [3] }], kwargs: { requires_grad: true } }],
  },
  {
    name: 'empty_like', variants: ['function'], sig: `empty_like(Tensor self, ${LIKE_KW})`,
    doc: 'An uninitialised tensor with the shape of input (here: zero-filled).',
    impl: (a) => factory(a.self.shape, 0, a.dtype ?? a.self.dtype, a.requires_grad),
    samples: [{ args: [{ t: [0, 2], dtype: 'int32' }] }],
  },
  {
    name: 'full_like', variants: ['function'], sig: `full_like(Tensor self, Scalar fill_value, ${LIKE_KW})`,
    doc: 'A tensor shaped like input filled with fill_value, in input’s dtype unless dtype is given.',
    impl: (a) => factory(a.self.shape, scalarValue(a.fill_value), a.dtype ?? a.self.dtype, a.requires_grad),
    samples: [{ args: [{ t: [3], dtype: 'int64' }, { f: 2.7 }] }, { args: [{ t: [2, 2] }, -1] }, { args: [{ t: [2] }, 5], kwargs: { dtype: { dtype: 'int32' } } }],
  },
  {
    name: 'scalar_tensor', variants: ['function'], sig: `scalar_tensor(Scalar s, ${FACTORY_KW})`,
    doc: 'A 0-dim tensor holding s (default float dtype).',
    impl: (a) => factory([], scalarValue(a.s), a.dtype, a.requires_grad),
    samples: [{ args: [{ f: 2.5 }] }, { args: [3] }, { args: [true], kwargs: { dtype: { dtype: 'bool' } } }],
  },
]);

export { tensorFromData, contiguous, runtimeError };
