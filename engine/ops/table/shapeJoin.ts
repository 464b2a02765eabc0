// Op table: joining and splitting. cat/stack (+ hstack/vstack/dstack/column_stack) copy with type
// promotion; split/split_with_sizes/chunk/unbind return views sharing one multi-output backward node
// (SplitBackward0 / SplitWithSizesBackward0 / UnbindBackward0); tensor_split returns independent slices.
import { record } from '../../autograd';
import { TorchError, check } from '../../errors';
import { shapeEq, wrapDim } from '../../shape';
import { Tensor } from '../../tensor';
import { copyInto } from '../../backends/cpu/elementwise';
import { gpuCopyInto, gpuEmpty, gpuJoinable } from '../../backends/webgpu/kernelsIndex';
import { defineOps, SampleArg } from '../spec';
import { call, callKw, makeView, newTensor, resultTypeOf } from '../util';
import { slice } from './shape';
import { fmt, geomOf, selectGeom, sliceGeom } from './shapeUtil';

/** cat's legacy rule: 1-D empty tensors are ignored for shape checks (and contribute nothing). */
const skipped = (t: Tensor) => t.ndim === 1 && t.shape[0] === 0;

function cat(tensors: Tensor[], dim: number): Tensor {
  check(tensors.length > 0, 'torch.cat(): expected a non-empty list of Tensors');
  tensors.forEach((t, i) => check(t.ndim > 0, () => `zero-dimensional tensor (at position ${i}) cannot be concatenated`));
  const dtype = resultTypeOf(...tensors);
  const ref = tensors.find((t) => !skipped(t));
  if (!ref) {
    const out = newTensor([0], dtype);
    record('CatBackward0', tensors, out, () => tensors.map((t) => callKw('zeros', [[0]], { dtype: t.dtype })));
    return out;
  }
  const d = wrapDim(dim, ref.ndim);
  let total = 0;
  tensors.forEach((t, i) => {
    if (skipped(t)) return;
    check(t.ndim === ref.ndim, () => `Tensors must have same number of dimensions: got ${ref.ndim} and ${t.ndim}`);
    for (let k = 0; k < ref.ndim; k++) {
      if (k === d) continue;
      check(t.shape[k] === ref.shape[k], () => `Sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[k]} but got size ${t.shape[k]} for tensor number ${i} in the list.`);
    }
    total += t.shape[d];
  });
  const outShape = ref.shape.slice();
  outShape[d] = total;
  // on the GPU when every part is there: strided copies into one device buffer
  const onGpu = gpuJoinable(tensors.filter((t) => !skipped(t)), dtype);
  const out = onGpu ? gpuEmpty(outShape, dtype) : newTensor(outShape, dtype);
  const og = geomOf(out);
  let at = 0;
  for (const t of tensors) {
    if (skipped(t)) continue;
    const g = sliceGeom(og, d, at, at + t.shape[d], 1);
    const part = new Tensor(out.storage, g.shape, g.strides, g.offset, dtype);
    if (!(onGpu && gpuCopyInto(part, t))) copyInto(part, t);
    at += t.shape[d];
  }
  const sizes = tensors.map((t) => t.shape.slice());
  record('CatBackward0', tensors, out, ([g]) => {
    let acc = 0;
    return sizes.map((s, i) => {
      if (s.length === 1 && s[0] === 0) return callKw('zeros', [[0]], { dtype: g!.dtype });
      acc += s[d];
      return tensors[i].requiresGrad ? call('narrow', g!, d, acc - s[d], s[d]) : null;
    });
  });
  return out;
}

function stack(tensors: Tensor[], dim: number): Tensor {
  check(tensors.length > 0, 'stack expects a non-empty TensorList');
  const ref = tensors[0];
  tensors.forEach((t, i) => check(shapeEq(t.shape, ref.shape), () => `stack expects each tensor to be equal size, but got ${fmt(ref.shape)} at entry 0 and ${fmt(t.shape)} at entry ${i}`));
  const d = wrapDim(dim, ref.ndim + 1);
  const dtype = resultTypeOf(...tensors);
  const outShape = ref.shape.slice();
  outShape.splice(d, 0, tensors.length);
  const onGpu = gpuJoinable(tensors, dtype);
  const out = onGpu ? gpuEmpty(outShape, dtype) : newTensor(outShape, dtype);
  const og = geomOf(out);
  tensors.forEach((t, i) => {
    const g = selectGeom(og, d, i);
    const part = new Tensor(out.storage, g.shape, g.strides, g.offset, dtype);
    if (!(onGpu && gpuCopyInto(part, t))) copyInto(part, t);
  });
  record('StackBackward0', tensors, out, ([g]) => tensors.map((t, i) => (t.requiresGrad ? call('select', g!, d, i) : null)));
  return out;
}

function atleast(t: Tensor, n: 1 | 2 | 3): Tensor {
  if (t.ndim === 0) return call('reshape', t, new Array<number>(n).fill(1));
  if (n === 2 && t.ndim === 1) return call('unsqueeze', t, 0);
  if (n === 3 && t.ndim === 1) return call('unsqueeze', call('unsqueeze', t, 0), -1);
  if (n === 3 && t.ndim === 2) return call('unsqueeze', t, -1);
  return t;
}

function hstack(tensors: Tensor[], name = 'hstack'): Tensor {
  check(tensors.length > 0, () => `${name} expects a non-empty TensorList`);
  const rep = tensors.map((t) => atleast(t, 1));
  return cat(rep, rep[0].ndim === 1 ? 0 : 1);
}

/** Views of `self` along dim d with the given lengths, all outputs of one backward node. */
function splitViews(self: Tensor, d: number, lengths: number[], name: string): Tensor[] {
  const g0 = geomOf(self);
  let at = 0;
  const outs = lengths.map((len) => {
    const g = sliceGeom(g0, d, at, at + len, 1);
    at += len;
    return makeView(self, g.shape, g.strides, g.offset);
  });
  const sizes = self.shape.slice();
  record(name, [self], outs, (grads) => {
    const parts = grads.map((g, i) => {
      if (g) return g;
      const s = sizes.slice();
      s[d] = lengths[i];
      return callKw('zeros', [s], { dtype: self.dtype });
    });
    return [call('cat', parts, d)];
  });
  return outs;
}

function split(self: Tensor, size: number, dim: number): Tensor[] {
  check(self.ndim > 0, 'split expects at least a 1-dimensional tensor');
  const d = wrapDim(dim, self.ndim);
  const n = self.shape[d];
  check(size >= 0, () => `split expects split_size be non-negative, but got split_size=${size}`);
  check(size !== 0 || n === 0, () => `split_size can only be 0 if dimension size is 0, but got dimension size of ${n}`);
  const num = size === 0 ? 1 : Math.max(Math.ceil(n / size), 1);
  const lengths = new Array<number>(num).fill(size);
  lengths[num - 1] = size - (size * num - n);
  return splitViews(self, d, lengths, 'SplitBackward0');
}

function splitWithSizes(self: Tensor, sizes: number[], dim: number): Tensor[] {
  check(self.ndim > 0, 'split expects at least a 1-dimensional tensor');
  const d = wrapDim(dim, self.ndim);
  const n = self.shape[d];
  check(sizes.every((s) => s >= 0), () => `split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=${fmt(sizes)}`);
  check(sizes.reduce((x, y) => x + y, 0) === n, () => `split_with_sizes expects split_sizes to sum exactly to ${n} (input tensor's size at dimension ${d}), but got split_sizes=${fmt(sizes)}`);
  return splitViews(self, d, sizes, 'SplitWithSizesBackward0');
}

function tensorSplit(self: Tensor, what: number | number[], dim: number): Tensor[] {
  check(self.ndim > 0, () => `tensor_split expected at least a 1-dimensional tensor, but got a tensor with ${self.ndim} dims`);
  const d = wrapDim(dim, self.ndim);
  const n = self.shape[d];
  const outs: Tensor[] = [];
  if (typeof what === 'number') {
    check(what > 0, () => `number of sections must be larger than 0, got ${what}`);
    const min = Math.floor(n / what), extra = n % what;
    let start = 0;
    for (let i = 0; i < what; i++) {
      const len = i < extra ? min + 1 : min;
      outs.push(slice(self, d, start, start + len, 1));
      start += len;
    }
    return outs;
  }
  let start = 0;
  for (const idx of what) { outs.push(slice(self, d, start, idx, 1)); start = idx; }
  outs.push(slice(self, d, start, n, 1));
  return outs;
}

function unbind(self: Tensor, dim: number): Tensor[] {
  if (self.ndim === 0) throw new TorchError('IndexError', 'Dimension specified as 0 but tensor has no dimensions');
  const d = wrapDim(dim, self.ndim);
  const g0 = geomOf(self);
  const outs = [...Array(self.shape[d]).keys()].map((i) => {
    const g = selectGeom(g0, d, i);
    return makeView(self, g.shape, g.strides, g.offset);
  });
  const partShape = self.shape.filter((_, i) => i !== d);
  record('UnbindBackward0', [self], outs, (grads) => [
    call('stack', grads.map((g) => g ?? callKw('zeros', [partShape], { dtype: self.dtype })), d),
  ]);
  return outs;
}

const T2: SampleArg = { t: [2, 3], grad: true };

/** torch.meshgrid (TensorShape.cpp): input i viewed with -1 at dim i, expanded to all the sizes; 'xy' swaps the first two. */
function meshgrid(tensors: Tensor[], indexing: string): Tensor[] {
  check(tensors.length > 0, 'meshgrid expects a non-empty TensorList');
  for (let i = 0; i + 1 < tensors.length; i++) {
    check(tensors[i].dtype === tensors[i + 1].dtype, 'meshgrid expects all tensors to have the same dtype');
  }
  const refs = tensors.slice();
  const swap = indexing === 'xy' && refs.length >= 2;
  check(indexing === 'xy' || indexing === 'ij', () => `torch.meshgrid: indexing must be one of "xy" or "ij", but received: ${indexing}`);
  if (swap) [refs[0], refs[1]] = [refs[1], refs[0]];
  refs.forEach((t) => check(t.ndim <= 1, () => `torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: ${String(t)}`));
  const shape = refs.map((t) => t.numel());
  const grids = refs.map((t, i) => {
    const view = shape.map((_, k) => (k === i ? -1 : 1));
    return call('expand', call('view', t, view), shape);
  });
  if (swap) [grids[0], grids[1]] = [grids[1], grids[0]];
  return grids;
}

export default defineOps([
  {
    name: 'cat', aliases: ['concat', 'concatenate'], variants: ['function'], sig: 'cat(Tensor[] tensors, int dim=0)',
    doc: 'Concatenates tensors along dim (sizes must match elsewhere; dtypes promote; 1-D empty tensors are skipped).',
    impl: (a) => cat(a.tensors, a.dim),
    samples: [
      { args: [[T2, { t: [1, 3], grad: true }]] }, { args: [[T2, T2], 1] },
      { args: [[{ t: [2], dtype: 'int64' }, { t: [3], dtype: 'float64', grad: true }]] },
    ],
  },
  {
    name: 'stack', variants: ['function'], sig: 'stack(Tensor[] tensors, int dim=0)',
    doc: 'Joins equally shaped tensors along a new dim.',
    impl: (a) => stack(a.tensors, a.dim),
    samples: [{ args: [[T2, T2]] }, { args: [[T2, T2], -1] }, { args: [[{ t: [3], dtype: 'int64' }, { t: [3], dtype: 'int64' }], 1] }],
  },
  {
    name: 'hstack', variants: ['function'], sig: 'hstack(Tensor[] tensors)',
    doc: 'Stacks horizontally: cat along dim 1 (dim 0 for 1-D inputs).',
    impl: (a) => hstack(a.tensors),
    samples: [{ args: [[T2, T2]] }, { args: [[{ t: [3], grad: true }, { t: [2], grad: true }]] }],
  },
  {
    name: 'vstack', aliases: ['row_stack'], variants: ['function'], sig: 'vstack(Tensor[] tensors)',
    doc: 'Stacks vertically: 1-D inputs become rows, then cat along dim 0.',
    impl: (a) => {
      const ts: Tensor[] = a.tensors;
      check(ts.length > 0, 'vstack expects a non-empty TensorList');
      return cat(ts.map((t) => atleast(t, 2)), 0);
    },
    samples: [{ args: [[{ t: [3], grad: true }, T2]] }, { args: [[{ t: [2], dtype: 'int64' }, { t: [2], dtype: 'int64' }]] }],
  },
  {
    name: 'dstack', variants: ['function'], sig: 'dstack(Tensor[] tensors)',
    doc: 'Stacks depth-wise: inputs made at least 3-D, then cat along dim 2.',
    impl: (a) => {
      const ts: Tensor[] = a.tensors;
      check(ts.length > 0, 'dstack expects a non-empty TensorList');
      return cat(ts.map((t) => atleast(t, 3)), 2);
    },
    samples: [{ args: [[{ t: [3], grad: true }, { t: [3], grad: true }]] }, { args: [[T2, T2]] }],
  },
  {
    name: 'column_stack', variants: ['function'], sig: 'column_stack(Tensor[] tensors)',
    doc: 'Stacks 1-D inputs as columns (others as they are) along dim 1.',
    impl: (a) => {
      const ts: Tensor[] = a.tensors;
      check(ts.length > 0, 'column_stack expects a non-empty TensorList');
      return hstack(ts.map((t) => (t.ndim <= 1 ? call('reshape', t, [t.numel(), 1]) : t)));
    },
    samples: [{ args: [[{ t: [2], grad: true }, { t: [2, 2], grad: true }]] }, { args: [[{ t: [3], dtype: 'float64', grad: true }, { t: [3], dtype: 'float64' }]] }],
  },
  {
    name: 'split', sig: ['split(Tensor self, int split_size, int dim=0)', 'split(Tensor self, int[] split_size, int dim=0)'],
    doc: 'Views of input in chunks of split_size along dim (the last may be smaller), or of the given sizes.',
    impl: (a, ov) => (ov === 0 ? split(a.self, a.split_size, a.dim) : splitWithSizes(a.self, a.split_size, a.dim)),
    samples: [{ args: [{ t: [5, 2], grad: true }, 2] }, { args: [{ t: [5, 2], grad: true }, [1, 4]] }, { args: [{ t: [3, 4], grad: true }, 3, 1] }],
  },
  {
    name: 'split_with_sizes', sig: 'split_with_sizes(Tensor self, int[] split_sizes, int dim=0)',
    doc: 'Views of input with the given sizes along dim (they must sum to its size).',
    impl: (a) => splitWithSizes(a.self, a.split_sizes, a.dim),
    samples: [{ args: [{ t: [3, 4], grad: true }, [1, 3], 1] }, { args: [{ t: [5], dtype: 'int64' }, [2, 0, 3]] }],
  },
  {
    name: 'tensor_split',
    sig: [
      'tensor_split(Tensor self, int sections, int dim=0)', 'tensor_split(Tensor self, int[] indices, int dim=0)',
      'tensor_split(Tensor self, Tensor tensor_indices_or_sections, int dim=0)',
    ],
    doc: 'Splits into `sections` nearly equal views, or at the given indices along dim.',
    impl: (a, ov) => {
      if (ov === 0) return tensorSplit(a.self, a.sections, a.dim);
      if (ov === 1) return tensorSplit(a.self, a.indices, a.dim);
      const t: Tensor = a.tensor_indices_or_sections;
      check(t.dtype.name === 'int64', () => `tensor_split expected tensor_indices_or_sections to have dtype of long, but got ${t.dtype.legacyName.replace('Tensor', '')}`);
      check(t.ndim <= 1, () => `tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional tensor, but got a tensor with ${t.ndim} dims`);
      return tensorSplit(a.self, t.ndim === 0 ? t.scalarValue() : t.toFlatArray(), a.dim);
    },
    samples: [{ args: [{ t: [7], grad: true }, 3] }, { args: [{ t: [3, 5], grad: true }, [1, 4], 1] }],
  },
  {
    name: 'chunk', sig: 'chunk(Tensor self, int chunks, int dim=0)',
    doc: 'Splits into at most `chunks` views of ceil(size / chunks) along dim (possibly fewer chunks).',
    impl: (a) => {
      const self: Tensor = a.self;
      check(self.ndim > 0, 'chunk expects at least a 1-dimensional tensor');
      check(a.chunks > 0, () => `chunk expects \`chunks\` to be greater than 0, got: ${a.chunks}`);
      const d = wrapDim(a.dim, self.ndim);
      const n = self.shape[d];
      const size = Math.ceil(n / a.chunks);
      if (size === 0 && n === 0) return splitWithSizes(self, new Array<number>(a.chunks).fill(0), d);
      return split(self, size, d);
    },
    samples: [{ args: [{ t: [6, 2], grad: true }, 4] }, { args: [{ t: [2, 5], grad: true }, 2, 1] }],
  },
  {
    name: 'unbind', sig: 'unbind(Tensor self, int dim=0)',
    doc: 'All slices along dim as a tuple of views (dim removed).',
    impl: (a) => unbind(a.self, a.dim),
    samples: [{ args: [T2] }, { args: [T2, 1] }],
  },
  {
    name: 'meshgrid', variants: ['function'],
    sig: ['meshgrid(Tensor[] *tensors, *, str? indexing=None)', 'meshgrid(Tensor[] tensors, *, str? indexing=None)'],
    doc: "Coordinate grids (expanded views) from 0-D/1-D inputs; indexing 'ij' (the default) or 'xy'.",
    impl: (a) => meshgrid(a.tensors, a.indexing ?? 'ij'),
    samples: [
      { args: [{ t: [3], grad: true }, { t: [2], grad: true }], kwargs: { indexing: 'ij' } },
      { args: [{ t: [3], dtype: 'int64' }, { t: [2], dtype: 'int64' }], kwargs: { indexing: 'xy' } },
    ],
  },
]);

