// Op table: mask and flat-index ops — masked_select / masked_scatter, take / put, take_along_dim,
// nonzero / argwhere (the single-argument torch.where(cond) is nonzero(cond, as_tuple=True)),
// searchsorted / bucketize. On the webgpu device these run there (engine/backends/webgpu/kernelsSelect.ts;
// masked_select and nonzero read their output size back).
import { castValue, dtypes } from '../../dtype';
import { record } from '../../autograd';
import { TorchError, check, notImplemented } from '../../errors';
import { Scalar } from '../../scalar';
import { broadcastShapes, shapeEq, wrapDim } from '../../shape';
import { Tensor } from '../../tensor';
import { broadcastOffsets } from '../../backends/cpu/elementwise';
import { defineOps, OpDef } from '../spec';
import { inplaceVariant, shortTypeName } from '../inplace';
import { call, callKw, contiguous, newTensor, sumToShape, wrapScalar } from '../util';
import { warn } from '../../warnings';
import { MASK_WARN } from './indexing';
import { nonzeroCoords } from './indexingUtil';
import { fmt } from './shapeUtil';
import { gpuMaskedScatter, gpuMaskedSelect, gpuNonzero, gpuPut, gpuSearchsorted, gpuTake } from '../../backends/webgpu/kernelsSelect';

const idxError = (msg: string) => new TorchError('IndexError', msg);
const isMask = (t: Tensor) => t.dtype === dtypes.bool || t.dtype === dtypes.uint8;

function maskedSelect(self: Tensor, mask: Tensor): Tensor {
  check(isMask(mask), 'masked_select: expected BoolTensor or ByteTensor for mask');
  if (mask.dtype === dtypes.uint8) warn('UserWarning', `${MASK_WARN('masked_select')}TensorAdvancedIndexing.cpp:1729.)`);
  const shape = broadcastShapes(mask.shape, self.shape);
  const out = gpuMaskedSelect(self, mask, shape) ?? maskedSelectValues(self, mask, shape);
  record('MaskedSelectBackward0', [self], out, ([g]) => {
    const zeros = callKw('zeros', [shape], { dtype: g!.dtype, device: g!.device });
    // on the GPU the count is known: out's size (no read)
    const scattered = gpuMaskedScatter(zeros, mask, g!, shape, out.numel())?.[0] ?? call('masked_scatter', zeros, mask, g!);
    return [sumToShape(scattered, self.shape)];
  });
  return out;
}

function maskedSelectValues(self: Tensor, mask: Tensor, shape: number[]): Tensor {
  const mo = broadcastOffsets(mask, shape), so = broadcastOffsets(self, shape);
  const md = mask.storage.data, sd = self.storage.data;
  const picked: number[] = [];
  for (let k = 0; k < mo.length; k++) if (md[mo[k]] !== 0) picked.push(sd[so[k]]);
  const out = newTensor([picked.length], self.dtype);
  out.storage.data.set(picked);
  return out;
}

function maskedScatter(self: Tensor, mask: Tensor, source: Tensor): Tensor {
  const shape = broadcastShapes(mask.shape, self.shape);
  check(self.dtype === source.dtype, () => `masked_scatter: expected self and source to have same dtypes but got${shortTypeName(self.dtype)} and ${shortTypeName(source.dtype)}`);
  if (mask.dtype === dtypes.uint8) warn('UserWarning', `${MASK_WARN('masked_scatter_')}TensorAdvancedIndexing.cpp:2153.)`);
  // ATen reads any mask's bytes as bools: integer masks must hold only 0/1; float masks are not reproduced here
  if (mask.dtype.category === 'float') throw notImplemented('masked_scatter with a floating-point mask is not supported');
  if (!isMask(mask)) check(mask.contiguousData().every((v) => v === 0 || v === 1), 'Mask tensor can take 0 and 1 values only');
  const gpu = isMask(mask) ? gpuMaskedScatter(self, mask, source, shape) : null;
  const out = gpu ? gpu[0] : maskedScatterValues(self, mask, source, shape);
  record('MaskedScatterBackward0', [self, source], out, ([g]) => {
    let gs: Tensor | null = null;
    if (source.requiresGrad) {
      // on the GPU the count is the forward's (no read)
      let sel = (gpu ? gpuMaskedSelect(g!, mask, shape, gpu[1]) : null) ?? call('masked_select', g!, mask);
      const diff = source.numel() - sel.numel();
      if (diff > 0) sel = call('cat', [sel, callKw('zeros', [[diff]], { dtype: g!.dtype, device: g!.device })], 0);
      gs = call('view', sel, source.shape);
    }
    return [self.requiresGrad ? sumToShape(call('masked_fill', g!, mask, 0), self.shape) : null, gs];
  });
  return out;
}

function maskedScatterValues(self: Tensor, mask: Tensor, source: Tensor, shape: number[]): Tensor {
  const base = shapeEq(shape, self.shape) ? self : call('expand', self, shape);
  const out = contiguous(base, true);
  const mo = broadcastOffsets(mask, shape);
  const md = mask.storage.data, od = out.storage.data;
  const src = source.contiguousData();
  let j = 0;
  for (let k = 0; k < mo.length; k++) {
    if (md[mo[k]] === 0) continue;
    check(j < src.length, 'Number of elements of source < number of ones in mask');
    od[k] = src[j++];
  }
  return out;
}

function flatIndex(i: number, n: number): number {
  if (i < -n || i >= n) throw idxError(`out of range: tried to access index ${i} on a tensor of ${n} elements.`);
  return i < 0 ? i + n : i;
}

function take(self: Tensor, index: Tensor): Tensor {
  check(index.dtype === dtypes.int64, () => `take(): Expected a long tensor for index, but got ${shortTypeName(index.dtype)}`);
  const out = gpuTake(self, index) ?? takeValues(self, index);
  record('TakeBackward0', [self], out, ([g]) => [callKw('put', [callKw('zeros', [self.shape], { dtype: g!.dtype, device: g!.device }), index, g!], { accumulate: true })]);
  return out;
}

function takeValues(self: Tensor, index: Tensor): Tensor {
  const vals = self.contiguousData();
  const iv = index.contiguousData();
  const out = newTensor(index.shape, self.dtype);
  const od = out.storage.data;
  for (let k = 0; k < iv.length; k++) od[k] = vals[flatIndex(iv[k], vals.length)];
  return out;
}

function put(self: Tensor, index: Tensor, source: Tensor, accumulate: boolean): Tensor {
  check(index.dtype === dtypes.int64, () => `put_(): Expected a long tensor for index, but got ${shortTypeName(index.dtype)}`);
  check(self.dtype === source.dtype, () => `put_(): self and source expected to have the same dtype, but got self.dtype = ${shortTypeName(self.dtype)} and source.dtype = ${shortTypeName(source.dtype)}`);
  if (source.numel() !== index.numel()) throw idxError(`put_(): Expected source and index to have the same number of elements, but got source.numel() = ${source.numel()}, index.numel() = ${index.numel()}`);
  if (self.numel() === 0 && index.numel() !== 0) throw idxError('put_(): Tried to put elements into an empty tensor');
  const out = gpuPut(self, index, source, accumulate) ?? putValues(self, index, source, accumulate);
  record('PutBackward0', [self, source], out, ([g]) => [
    accumulate ? g! : call('put', g!, index, call('zeros_like', source), false),
    source.requiresGrad ? call('reshape', call('take', g!, index), source.shape) : null,
  ]);
  return out;
}

function putValues(self: Tensor, index: Tensor, source: Tensor, accumulate: boolean): Tensor {
  const out = contiguous(self, true);
  const od = out.storage.data;
  const iv = index.contiguousData(), sv = source.contiguousData();
  const conv = self.dtype.needsConvert;
  for (let k = 0; k < iv.length; k++) {
    const t = flatIndex(iv[k], od.length);
    const v = accumulate ? od[t] + sv[k] : sv[k];
    od[t] = conv ? castTo(self, v) : v;
  }
  return out;
}

const castTo = (t: Tensor, v: number) => castValue(t.dtype, v);

function takeAlongDim(self: Tensor, indices: Tensor, dim: number | null): Tensor {
  if (dim === null) return call('gather', call('view', self, [-1]), 0, call('view', indices, [-1]));
  check(self.ndim === indices.ndim, () => `torch.take_along_dim(): input and indices should have the same number of dimensions, but got ${self.ndim} dimensions for input, and ${indices.ndim} dimensions for indices`);
  check(indices.dtype === dtypes.int64, () => `torch.take_along_dim(): dtype of indices should be Long but got ${shortTypeName(indices.dtype)}`);
  const d = wrapDim(dim, self.ndim);
  const selfSizes = self.shape.slice();
  selfSizes[d] = indices.shape[d];
  const idxB = call('broadcast_to', indices, broadcastShapes(selfSizes, indices.shape));
  const idxSizes = indices.shape.slice();
  idxSizes[d] = self.shape[d];
  const selfB = call('broadcast_to', self, broadcastShapes(idxSizes, self.shape));
  return call('gather', selfB, d, idxB);
}

/** nonzero: an (n, ndim) int64 tensor laid out column-major like PyTorch's (strides (1, n)). */
function nonzero(self: Tensor): Tensor {
  const gpu = gpuNonzero(self);
  if (gpu) return gpu;
  const coords = nonzeroCoords(self);
  const n = coords.length, nd = self.ndim;
  const data = new Float64Array(n * nd);
  coords.forEach((c, i) => c.forEach((v, j) => { data[j * n + i] = v; }));
  const t = Tensor.fromArray(data, [nd * n], dtypes.int64);
  return new Tensor(t.storage, [n, nd], [1, n], 0, dtypes.int64);
}

function nonzeroTuple(self: Tensor): Tensor[] {
  const nz = nonzero(self.ndim === 0 ? call('unsqueeze', self, 0) : self);
  return call('unbind', nz, 1) as unknown as Tensor[];
}

type Side = 'left' | 'right';

/** PyTorch's cus_lower_bound / cus_upper_bound (NaN sorts last). */
function bound(seq: ArrayLike<number>, start: number, len: number, v: number, right: boolean, sorter: ArrayLike<number> | null): number {
  let lo = 0, hi = len;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    const m = seq[start + (sorter ? sorter[start + mid] : mid)];
    if (right ? !(m > v) : !(m >= v)) lo = mid + 1; else hi = mid;
  }
  return lo;
}

function searchsorted(seq: Tensor, values: Tensor, outInt32: boolean, right: boolean, side: string | null, sorter: Tensor | null, scalarInput: boolean): Tensor {
  if (side !== null) {
    check(side === 'left' || side === 'right', () => `torch.searchsorted(): side can only be 'left' or 'right' but got ${side}`);
    check(!(side === 'left' && right), `torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True`);
  }
  const useRight = right || side === 'right';
  const lead = seq.shape.slice(0, -1);
  check(seq.ndim === 1 || (values.ndim === seq.ndim && shapeEq(lead, values.shape.slice(0, -1))),
    () => `torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries tensor ${fmt(seq.shape)} and input value tensor ${fmt(scalarInput ? [] : values.shape)}`);
  if (sorter) {
    check(sorter.dtype === dtypes.int64, 'torch.searchsorted(): sorter must be a tensor of long dtype.');
    check(shapeEq(sorter.shape, seq.shape), () => `torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor ${fmt(seq.shape)}and got sorter tensor ${fmt(sorter.shape)}`);
  }
  const gpu = gpuSearchsorted(seq, values, useRight, sorter, outInt32);
  if (gpu) return gpu;
  const sd = seq.contiguousData(), vd = values.contiguousData();
  const srt = sorter ? sorter.contiguousData() : null;
  const len = seq.ndim === 0 ? 1 : seq.shape[seq.ndim - 1];
  const perRow = values.ndim === 0 ? 1 : values.shape[values.ndim - 1];
  const out = newTensor(values.shape, outInt32 ? dtypes.int32 : dtypes.int64);
  const od = out.storage.data;
  for (let k = 0; k < vd.length; k++) {
    const row = seq.ndim === 1 ? 0 : Math.floor(k / perRow);
    od[k] = bound(sd, row * len, len, vd[k], useRight, srt);
  }
  return out;
}

const maskedScatterDef: OpDef = {
  name: 'masked_scatter', sig: 'masked_scatter(Tensor self, Tensor mask, Tensor source)',
  doc: 'A copy of input with the positions where mask is True filled, in order, from source’s elements.',
  impl: (a) => maskedScatter(a.self, a.mask, a.source),
  samples: [{ args: [{ t: [2, 3], grad: true }, { t: [2, 3], dtype: 'bool', values: [1, 0, 1, 0, 0, 1] }, { t: [4], grad: true }] }],
};
const putDef: OpDef = {
  name: 'put', sig: 'put(Tensor self, Tensor index, Tensor source, bool accumulate=False)',
  doc: 'A copy of input (seen as 1-D) with source written (or added) at the flat positions index.',
  impl: (a) => put(a.self, a.index, a.source, a.accumulate),
  samples: [
    { args: [{ t: [2, 3], grad: true }, { t: [2], dtype: 'int64', values: [0, 5] }, { t: [2], grad: true }] },
    { args: [{ t: [4], dtype: 'float64', grad: true }, { t: [3], dtype: 'int64', values: [1, 1, -1] }, { t: [3], dtype: 'float64', grad: true }], kwargs: { accumulate: true } },
  ],
};

export default defineOps([
  {
    name: 'masked_select', sig: 'masked_select(Tensor self, Tensor mask)',
    doc: 'The elements of input where mask (broadcast) is True, as a 1-D tensor.',
    impl: (a) => maskedSelect(a.self, a.mask),
    samples: [
      { args: [{ t: [2, 3], grad: true }, { t: [3], dtype: 'bool', values: [1, 0, 1] }] },
      { args: [{ t: [3], dtype: 'float64', grad: true }, { t: [2, 3], dtype: 'bool' }] },
    ],
  },
  maskedScatterDef, inplaceVariant(maskedScatterDef),
  {
    name: 'take', sig: 'take(Tensor self, Tensor index)',
    doc: 'Elements of input seen as 1-D at the positions index (negative counts from the end); out has index’s shape.',
    impl: (a) => take(a.self, a.index),
    samples: [
      { args: [{ t: [3, 4], grad: true }, { t: [2, 2], dtype: 'int64', values: [0, 11, -1, 5] }] },
      { args: [{ t: [5], dtype: 'int32' }, { t: [3], dtype: 'int64', values: [4, 4, 0] }] },
    ],
  },
  putDef,
  inplaceVariant(putDef, 'In-place put: writes (or adds) source at the flat positions index of self.'),
  {
    name: 'take_along_dim', sig: 'take_along_dim(Tensor self, Tensor indices, int? dim=None)',
    doc: 'Values of input picked by indices along dim, broadcasting the other dims (flattened when dim is None).',
    impl: (a) => takeAlongDim(a.self, a.indices, a.dim),
    samples: [
      { args: [{ t: [3, 4], grad: true }, { t: [3, 1], dtype: 'int64', values: [0, 3, 1] }, 1] },
      { args: [{ t: [3, 4], grad: true }, { t: [2], dtype: 'int64', values: [11, 2] }] },
    ],
  },
  {
    name: 'nonzero', sig: 'nonzero(Tensor self, *, bool as_tuple=False)',
    doc: 'Indices of the nonzero elements: an (n, ndim) int64 tensor, or a tuple of ndim index tensors with as_tuple=True.',
    impl: (a) => (a.as_tuple ? nonzeroTuple(a.self) : nonzero(a.self)),
    samples: [{ args: [{ t: [2, 3], values: [0, 1, 0, 2, 0, 3] }] }, { args: [{ t: [3], dtype: 'bool', values: [1, 0, 1] }], kwargs: { as_tuple: true } }],
  },
  {
    name: 'argwhere', sig: 'argwhere(Tensor self)',
    doc: 'Indices of the nonzero elements as an (n, ndim) tensor (same as nonzero).',
    impl: (a) => nonzero(a.self),
    samples: [{ args: [{ t: [2, 2], dtype: 'int64', values: [0, 4, 5, 0] }] }, { args: [{ t: [3], dtype: 'bool', values: [0, 1, 1] }] }],
  },
  {
    name: 'searchsorted',
    sig: [
      'searchsorted(Tensor sorted_sequence, Tensor self, *, bool out_int32=False, bool right=False, str? side=None, Tensor? sorter=None)',
      'searchsorted(Tensor sorted_sequence, Scalar self, *, bool out_int32=False, bool right=False, str? side=None, Tensor? sorter=None)',
    ],
    variants: ['function'],
    doc: 'For each value, the index where it would be inserted into the sorted last dim of sorted_sequence (right=True: after equal values).',
    impl: (a, ov) => searchsorted(a.sorted_sequence, ov === 0 ? a.self : wrapScalar(a.self as Scalar), a.out_int32, a.right, a.side, a.sorter, ov === 1),
    samples: [
      { args: [{ t: [4], dtype: 'int64', values: [1, 3, 5, 7] }, { t: [3], dtype: 'int64', values: [3, 6, 9] }] },
      { args: [{ t: [4], dtype: 'int64', values: [1, 3, 5, 7] }, { t: [3], dtype: 'int64', values: [3, 6, 9] }], kwargs: { right: true } },
    ],
  },
  {
    name: 'bucketize',
    sig: ['bucketize(Tensor self, Tensor boundaries, *, bool out_int32=False, bool right=False)', 'bucketize(Scalar self, Tensor boundaries, *, bool out_int32=False, bool right=False)'],
    variants: ['function'],
    doc: 'For each element, the index of the bucket of the 1-D boundaries it falls in (right=True: boundaries[i-1] <= x < boundaries[i]).',
    impl: (a, ov) => {
      const b: Tensor = a.boundaries;
      check(b.ndim === 1, () => `boundaries tensor must be 1 dimension, but got dim(${b.ndim})`);
      return searchsorted(b, ov === 0 ? a.self : wrapScalar(a.self as Scalar), a.out_int32, a.right, null, null, ov === 1);
    },
    samples: [
      { args: [{ t: [3], dtype: 'int64', values: [3, 6, 9] }, { t: [4], dtype: 'int64', values: [1, 3, 5, 7] }] },
      { args: [{ t: [2, 2], values: [0.5, 3, 5, 8] }, { t: [3], values: [1, 3, 5] }], kwargs: { right: true } },
    ],
  },
]);

