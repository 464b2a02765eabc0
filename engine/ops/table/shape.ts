// Op table: view ops (results share input's storage; gradients map back through the inverse view).
// transpose/t/permute/.T/.mT/adjoint, squeeze/unsqueeze, flatten/unflatten, *_as, broadcast_to,
// broadcast_tensors, movedim, narrow/select/slice, as_strided, diagonal, unfold, and the internal
// *_backward ops whose own backward is the forward view again (for create_graph).
import { dtypes } from '../../dtype';
import { TorchError, check } from '../../errors';
import { broadcastAll, shapeEq, wrapDim } from '../../shape';
import { Tensor } from '../../tensor';
import { warnOnce } from '../../warnings';
import { defineOps, SampleArg } from '../spec';
import { call, callKw, newTensor } from '../util';
import {
  Geom, clampSlice, diagonalGeom, fmt, geomOf, selectGeom, sliceGeom, unfoldGeom,
  viewOp, zeroDimError,
} from './shapeUtil';

export function transpose(self: Tensor, d0: number, d1: number, name = 'TransposeBackward0'): Tensor {
  const nd = self.ndim;
  const a = wrapDim(d0, nd), b = wrapDim(d1, nd);
  const g = geomOf(self);
  if (nd > 0) {
    [g.shape[a], g.shape[b]] = [g.shape[b], g.shape[a]];
    [g.strides[a], g.strides[b]] = [g.strides[b], g.strides[a]];
  }
  return viewOp(self, g, name, (gr) => (name === 'TBackward0' ? call('t', gr) : call('transpose', gr, a, b)));
}

function permute(self: Tensor, dims: number[]): Tensor {
  const nd = self.ndim;
  check(dims.length === nd, () => `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${nd} is not equal to len(dims) = ${dims.length}`);
  const w = dims.map((d) => wrapDim(d, nd));
  check(new Set(w).size === w.length, 'permute(): duplicate dims are not allowed.');
  const g: Geom = { shape: w.map((d) => self.shape[d]), strides: w.map((d) => self.strides[d]), offset: self.offset };
  const inv = new Array<number>(nd);
  w.forEach((d, i) => { inv[d] = i; });
  return viewOp(self, g, 'PermuteBackward0', (gr) => call('permute', gr, inv));
}

function matrixCheck(self: Tensor, what: string): void {
  check(self.ndim >= 2, () => `tensor.${what} is only supported on matrices or batches of matrices. Got ${self.ndim}-D tensor.`);
}

/** unsqueeze grad back to `sizes` one size-1 dim at a time (PyTorch's unsqueeze_to). */
function unsqueezeTo(g: Tensor, sizes: readonly number[]): Tensor {
  let r = g;
  sizes.forEach((s, d) => { if (s === 1) r = call('unsqueeze', r, d); });
  return r;
}

function squeeze(self: Tensor, dim: number | null): Tensor {
  const g = geomOf(self);
  if (dim === null) {
    const keep = self.shape.map((s) => s !== 1);
    const out: Geom = { shape: g.shape.filter((_, i) => keep[i]), strides: g.strides.filter((_, i) => keep[i]), offset: g.offset };
    return viewOp(self, out, 'SqueezeBackward0', (gr) => unsqueezeTo(gr, self.shape));
  }
  const d = wrapDim(dim, self.ndim);
  const drop = self.ndim > 0 && self.shape[d] === 1;
  if (drop) { g.shape.splice(d, 1); g.strides.splice(d, 1); }
  return viewOp(self, g, 'SqueezeBackward1', (gr) => (drop ? call('unsqueeze', gr, d) : gr));
}

function unsqueeze(self: Tensor, dim: number): Tensor {
  const nd = self.ndim;
  const d = wrapDim(dim, nd + 1);
  const g = geomOf(self);
  const stride = d >= nd ? 1 : self.shape[d] * self.strides[d];
  g.shape.splice(d, 0, 1);
  g.strides.splice(d, 0, stride);
  return viewOp(self, g, 'UnsqueezeBackward0', (gr) => call('squeeze', gr, d));
}

function flatten(self: Tensor, start: number, end: number): Tensor {
  if (self.ndim === 0) return call('reshape', self, [1]);
  const s = wrapDim(start, self.ndim), e = wrapDim(end, self.ndim);
  check(s <= e, 'flatten() has invalid args: start_dim cannot come after end_dim');
  if (s === e) return self;
  let prod = 1;
  for (let i = s; i <= e; i++) prod *= self.shape[i];
  return call('reshape', self, [...self.shape.slice(0, s), prod, ...self.shape.slice(e + 1)]);
}

function unflatten(self: Tensor, dim: number, sizes: number[]): Tensor {
  const d = wrapDim(dim, self.ndim);
  check(sizes.length > 0, 'unflatten: sizes must be non-empty');
  const n = self.shape[d];
  let known = 1, infer = -1;
  for (let i = 0; i < sizes.length; i++) {
    if (sizes[i] === -1) { check(infer < 0, 'only one dimension can be inferred'); infer = i; } else known *= sizes[i];
  }
  const ok = infer >= 0 ? known !== 0 && n % known === 0 : known === n;
  check(ok, () => `unflatten: Provided sizes ${fmt(sizes)} don't multiply up to the size of dim ${dim} (${n}) in the input tensor`);
  const inferred = sizes.slice();
  if (infer >= 0) inferred[infer] = n / known;
  return call('view', self, [...self.shape.slice(0, d), ...inferred, ...self.shape.slice(d + 1)]);
}

function movedim(self: Tensor, src: number[], dst: number[]): Tensor {
  check(src.length === dst.length, () => `movedim: Invalid source or destination dims: source (${fmt(src)} dims) should contain the same number of dims as destination (${fmt(dst)} dims)`);
  const nd = self.ndim;
  const ns = src.map((d) => wrapDim(d, nd)), ndst = dst.map((d) => wrapDim(d, nd));
  check(new Set(ns).size === ns.length, () => `movedim: repeated dim in \`source\` (${fmt(src)})`);
  check(new Set(ndst).size === ndst.length, () => `movedim: repeated dim in \`destination\` (${fmt(dst)})`);
  if (nd === 0) return viewOp(self, geomOf(self), 'AliasBackward0', (g) => g);
  const order = new Array<number>(nd).fill(-1);
  const srcLeft = new Array<boolean>(nd).fill(true);
  ns.forEach((s, i) => { order[ndst[i]] = s; srcLeft[s] = false; });
  const rest = [...Array(nd).keys()].filter((d) => srcLeft[d]);
  let k = 0;
  for (let i = 0; i < nd; i++) if (order[i] === -1) order[i] = rest[k++];
  return call('permute', self, order);
}

function select(self: Tensor, dim: number, index: number): Tensor {
  if (self.ndim === 0) throw zeroDimError('select');
  const d = wrapDim(dim, self.ndim);
  const size = self.shape[d];
  if (index < -size || index >= size) {
    throw new TorchError('IndexError', `select(): index ${index} out of range for tensor of size ${fmt(self.shape)} at dimension ${d}`);
  }
  const idx = index < 0 ? index + size : index;
  return viewOp(self, selectGeom(geomOf(self), d, idx), 'SelectBackward0', (g) => call('select_backward', g, self.shape, d, idx));
}

export function slice(self: Tensor, dim: number, start: number | null, end: number | null, step: number): Tensor {
  if (self.ndim === 0) throw new TorchError('IndexError', 'slice() cannot be applied to a 0-dim tensor.');
  check(step > 0, 'slice step must be positive');
  const d = wrapDim(dim, self.ndim);
  const [s, e] = clampSlice(self.shape[d], start, end);
  return viewOp(self, sliceGeom(geomOf(self), d, s, e, step), 'SliceBackward0', (g) => call('slice_backward', g, self.shape, d, s, e, step));
}

function narrow(self: Tensor, dim: number, start: number, length: number): Tensor {
  check(self.ndim > 0, 'narrow() cannot be applied to a 0-dim tensor.');
  const d = wrapDim(dim, self.ndim);
  const cur = self.shape[d];
  const s = start !== cur ? wrapDim(start, cur) : start;
  check(length >= 0 && s <= cur - length, () => `start (${s}) + length (${length}) exceeds dimension size (${cur}).`);
  return slice(self, d, s, s + length, 1);
}

function asStrided(self: Tensor, size: number[], stride: number[], offset: number | null): Tensor {
  check(stride.every((s) => s >= 0), () => `as_strided: Negative strides are not supported at the moment, got strides: ${fmt(stride)}`);
  check(size.length === stride.length, () => `mismatch in length of strides and shape`);
  const off = offset ?? self.offset;
  let need = 0;
  if (!size.some((s) => s === 0)) {
    need = off + 1;
    size.forEach((s, i) => { need += (s - 1) * stride[i]; });
  }
  const item = self.dtype.itemsize;
  check(need <= self.storage.length, () => `setStorage: sizes ${fmt(size)}, strides ${fmt(stride)}, storage offset ${off}, and itemsize ${item} requiring a storage size of ${need * item} are out of bounds for storage of size ${self.storage.length * item}`);
  const inG = geomOf(self);
  return viewOp(self, { shape: size.slice(), strides: stride.slice(), offset: off }, 'AsStridedBackward0',
    (g) => asStridedBackward(g, inG, { shape: size, strides: stride, offset: off }));
}

/** as_strided's gradient: scatter-add into the storage region both geometries cover, read back with the input's geometry. */
function asStridedBackward(g: Tensor, inG: Geom, outG: Geom): Tensor {
  const tmp = (geom: Geom) => new Tensor(g.storage, geom.shape, geom.strides, geom.offset, g.dtype).offsets();
  const inOffs = tmp(inG), outOffs = tmp(outG);
  let lo = Infinity, hi = -Infinity;
  for (const o of [...inOffs, ...outOffs]) { lo = Math.min(lo, o); hi = Math.max(hi, o); }
  if (inOffs.length === 0) return callKw('zeros', [inG.shape], { dtype: g.dtype });
  if (outOffs.length === 0) { lo = Math.min(...inOffs); hi = Math.max(...inOffs); }
  const n = hi - lo + 1;
  const idx = newTensor([outOffs.length], dtypes.int64);
  outOffs.forEach((o, i) => { idx.storage.data[i] = o - lo; });
  const flat = callKw('index_put', [callKw('zeros', [[n]], { dtype: g.dtype }), [idx], call('reshape', g, [-1])], { accumulate: true });
  let res = call('as_strided', flat, inG.shape, inG.strides, inG.offset - lo);
  const counts = new Float64Array(n);
  for (const o of inOffs) counts[o - lo]++;
  if (counts.some((c) => c > 1)) {
    const c = newTensor([n], g.dtype);
    counts.forEach((v, i) => { c.storage.data[i] = v; });
    res = call('div', res, call('as_strided', c, inG.shape, inG.strides, inG.offset - lo));
  }
  return res;
}

function diagonal(self: Tensor, offset: number, dim1: number, dim2: number): Tensor {
  const nd = self.ndim;
  const d1 = wrapDim(dim1, nd), d2 = wrapDim(dim2, nd);
  check(d1 !== d2, () => `diagonal dimensions cannot be identical ${dim1}, ${dim2}`);
  return viewOp(self, diagonalGeom(geomOf(self), offset, d1, d2), 'DiagonalBackward0',
    (g) => call('diagonal_backward', g, self.shape, offset, d1, d2));
}

function unfold(self: Tensor, dim: number, size: number, step: number): Tensor {
  const d = wrapDim(dim, self.ndim);
  const max = self.ndim === 0 ? 1 : self.shape[d];
  check(size <= max, () => `maximum size for tensor at dimension ${d} is ${max} but size is ${size}`);
  check(step > 0, () => `step is ${step} but must be > 0`);
  return viewOp(self, unfoldGeom(geomOf(self), d, size, step), 'UnfoldBackward0',
    (g) => call('unfold_backward', g, self.shape, d, size, step));
}

const sample2x3: SampleArg = { t: [2, 3], grad: true };
const sample234: SampleArg = { t: [2, 3, 4], grad: true };

export default defineOps([
  {
    name: 'transpose', aliases: ['swapdims'], sig: 'transpose(Tensor self, int dim0, int dim1)',
    doc: 'A view with dims dim0 and dim1 swapped.',
    impl: (a) => transpose(a.self, a.dim0, a.dim1),
    samples: [{ args: [sample234, 0, 2] }, { args: [sample2x3, -1, 0] }, { args: [{ t: [3, 2], dtype: 'int64' }, 0, 1] }],
  },
  {
    name: 'swapaxes', sig: 'swapaxes(Tensor self, int axis0, int axis1)',
    doc: 'Alias of transpose (NumPy naming): a view with axis0 and axis1 swapped.',
    impl: (a) => transpose(a.self, a.axis0, a.axis1),
    samples: [{ args: [sample234, 1, 2] }, { args: [{ t: [2, 3], dtype: 'int32' }, 0, 1] }],
  },
  {
    name: 't', sig: 't(Tensor self)',
    doc: 'Transpose of a matrix (≤ 2-D input; 0-D and 1-D are returned as views unchanged).',
    impl: (a) => {
      const self: Tensor = a.self;
      check(self.ndim <= 2, () => `t() expects a tensor with <= 2 dimensions, but self is ${self.ndim}D`);
      return self.ndim < 2 ? viewOp(self, geomOf(self), 'TBackward0', (g) => call('t', g)) : transpose(self, 0, 1, 'TBackward0');
    },
    samples: [{ args: [sample2x3] }, { args: [{ t: [4], grad: true }] }],
  },
  {
    name: 'permute', sig: 'permute(Tensor self, int[] dims)',
    doc: 'A view with the dims reordered: out.shape[i] = input.shape[dims[i]].',
    impl: (a) => permute(a.self, a.dims),
    samples: [{ args: [sample234, [2, 0, 1]] }, { args: [sample2x3, [-1, 0]] }],
  },
  {
    name: 'numpy_T', ns: 'internal', variants: ['function'], sig: 'numpy_T(Tensor self)',
    doc: 'x.T: all dims reversed (warns for ndim other than 0 and 2).',
    impl: (a) => {
      const self: Tensor = a.self;
      const n = self.ndim;
      if (n !== 2 && n !== 0) {
        warnOnce('UserWarning', 'The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor. (Triggered internally at  ./aten/src/ATen/native/TensorShape.cpp:3277.)');
      }
      return permute(self, [...Array(n).keys()].reverse());
    },
  },
  {
    name: 'mT', ns: 'internal', variants: ['function'], sig: 'mT(Tensor self)',
    doc: 'x.mT: the last two dims swapped (batches of matrices).',
    impl: (a) => { matrixCheck(a.self, 'mT'); return transpose(a.self, -2, -1); },
  },
  {
    name: 'mH', ns: 'internal', variants: ['function'], sig: 'mH(Tensor self)',
    doc: 'x.mH: conjugate transpose of the last two dims (a transpose for real tensors).',
    impl: (a) => { matrixCheck(a.self, 'mH'); return transpose(a.self, -2, -1); },
  },
  {
    name: 'H', ns: 'internal', variants: ['function'], sig: 'H(Tensor self)',
    doc: 'x.H: conjugate transpose of a matrix (2-D only; a transpose for real tensors).',
    impl: (a) => {
      const self: Tensor = a.self;
      check(self.ndim === 2 || self.ndim === 0, () => `tensor.H is only supported on matrices (2-D tensors). Got ${self.ndim}-D tensor.${self.ndim > 2 ? ' For batches of matrices, consider using tensor.mH' : ''}`);
      return self.ndim === 0 ? self : transpose(self, -2, -1);
    },
  },
  {
    name: 'adjoint', sig: 'adjoint(Tensor self)',
    doc: 'Conjugate transpose of the last two dims (a view; for real tensors the same as x.mT).',
    impl: (a) => { matrixCheck(a.self, 'adjoint()'); return transpose(a.self, -2, -1); },
    samples: [{ args: [sample234] }, { args: [{ t: [3, 2], dtype: 'float64', grad: true }] }],
  },
  {
    name: 'squeeze', sig: ['squeeze(Tensor self)', 'squeeze(Tensor self, int dim)'],
    doc: 'A view without size-1 dims (all of them, or only dim if it has size 1).',
    impl: (a, ov) => squeeze(a.self, ov === 0 ? null : a.dim),
    samples: [
      { args: [{ t: [1, 3, 1, 2], grad: true }] }, { args: [{ t: [1, 3, 1, 2], grad: true }, 2] },
      { args: [sample2x3, 0] },
    ],
  },
  {
    name: 'unsqueeze', sig: 'unsqueeze(Tensor self, int dim)',
    doc: 'A view with a size-1 dim inserted at dim (negative dims count from ndim + 1).',
    impl: (a) => unsqueeze(a.self, a.dim),
    samples: [{ args: [sample2x3, 1] }, { args: [sample2x3, -1] }, { args: [{ t: [3], dtype: 'bool' }, 0] }],
  },
  {
    name: 'flatten', sig: 'flatten(Tensor self, int start_dim=0, int end_dim=-1)',
    doc: 'input with dims start_dim..end_dim merged into one (a view when the strides allow it).',
    impl: (a) => flatten(a.self, a.start_dim, a.end_dim),
    samples: [{ args: [sample234] }, { args: [sample234, 1] }, { args: [sample234], kwargs: { start_dim: 0, end_dim: 1 } }],
  },
  {
    name: 'unflatten', sig: 'unflatten(Tensor self, int dim, int[] sizes)',
    doc: 'Splits dim into several dims of the given sizes (one may be -1).',
    impl: (a) => unflatten(a.self, a.dim, a.sizes),
    samples: [{ args: [{ t: [3, 4], grad: true }, 1, [2, 2]] }, { args: [{ t: [6], grad: true }, 0, [-1, 3]] }],
  },
  {
    name: 'view_as', variants: ['method'], sig: 'view_as(Tensor self, Tensor other)',
    doc: 'input.view(other.size()).',
    impl: (a) => call('view', a.self, (a.other as Tensor).shape),
    samples: [{ args: [sample2x3, { t: [3, 2] }], method: true }],
  },
  {
    name: 'reshape_as', variants: ['method'], sig: 'reshape_as(Tensor self, Tensor other)',
    doc: 'input.reshape(other.size()).',
    impl: (a) => call('reshape', a.self, (a.other as Tensor).shape),
    samples: [{ args: [sample2x3, { t: [6] }], method: true }],
  },
  {
    name: 'expand_as', variants: ['method'], sig: 'expand_as(Tensor self, Tensor other)',
    doc: 'input.expand(other.size()).',
    impl: (a) => call('expand', a.self, (a.other as Tensor).shape),
    samples: [{ args: [{ t: [3, 1], grad: true }, { t: [2, 3, 4] }], method: true }],
  },
  {
    name: 'broadcast_to', sig: 'broadcast_to(Tensor self, int[] size)',
    doc: 'A view of input broadcast to size (like expand).',
    impl: (a) => call('expand', a.self, a.size),
    samples: [{ args: [{ t: [3], grad: true }, [2, 3]] }, { args: [{ t: [2, 1], dtype: 'int64' }, [2, 4]] }],
  },
  {
    name: 'broadcast_tensors', variants: ['function'], sig: 'broadcast_tensors(Tensor[] *tensors)',
    doc: 'The inputs expanded to their common broadcast shape (views).',
    impl: (a) => {
      const ts: Tensor[] = a.tensors;
      const shape = broadcastAll(ts.map((t) => t.shape));
      return ts.map((t) => (shapeEq(t.shape, shape) ? t : call('expand', t, shape)));
    },
    samples: [{ args: [{ t: [3, 1], grad: true }, { t: [4], grad: true }] }],
  },
  {
    name: 'movedim', aliases: ['moveaxis'], sig: 'movedim(Tensor self, int[1] source, int[1] destination)',
    doc: 'A view with the dims in source moved to the positions in destination (others keep their order).',
    impl: (a) => movedim(a.self, a.source, a.destination),
    samples: [{ args: [sample234, 0, 2] }, { args: [sample234, [0, 1], [2, 0]] }],
  },
  {
    name: 'narrow', sig: ['narrow(Tensor self, int dim, int start, int length)', 'narrow(Tensor self, int dim, Tensor start, int length)'],
    doc: 'A view of length elements of dim starting at start.',
    impl: (a, ov) => narrow(a.self, a.dim, ov === 0 ? a.start : (a.start as Tensor).scalarValue(), a.length),
    samples: [{ args: [{ t: [3, 4], grad: true }, 1, 1, 2] }, { args: [{ t: [3, 4], grad: true }, 0, -2, 2] }],
  },
  {
    name: 'select', sig: 'select(Tensor self, int dim, int index)',
    doc: 'The slice at index along dim, with that dim removed (a view).',
    impl: (a) => select(a.self, a.dim, a.index),
    samples: [{ args: [sample234, 1, 2] }, { args: [sample2x3, 0, -1] }],
  },
  {
    name: 'slice', ns: 'internal', variants: ['function'], sig: 'slice(Tensor self, int dim=0, int? start=None, int? end=None, int step=1)',
    doc: 'x[start:end:step] along dim (a view; bounds clamp like Python slices).',
    impl: (a) => slice(a.self, a.dim, a.start, a.end, a.step),
  },
  {
    name: 'as_strided', sig: 'as_strided(Tensor self, SymInt[] size, SymInt[] stride, SymInt? storage_offset=None)',
    doc: 'A view of input’s storage with the given size, strides and storage offset.',
    impl: (a) => asStrided(a.self, a.size, a.stride, a.storage_offset),
    samples: [{ args: [{ t: [3, 3], grad: true }, [2, 2], [1, 2]] }, { args: [{ t: [9], grad: true }, [3, 3], [1, 1], 1], noGradcheck: true }],
  },
  {
    name: 'storage_offset', variants: ['method'], sig: 'storage_offset(Tensor self)',
    doc: 'Offset of the first element in the underlying storage (in elements).',
    impl: (a) => (a.self as Tensor).offset,
    samples: [{ args: [{ t: [3] }], method: true }],
  },
  {
    name: 'diagonal', sig: 'diagonal(Tensor self, int offset=0, int dim1=0, int dim2=1)',
    doc: 'A view of the diagonal (offset above/below) of the dim1 × dim2 matrices, as the last dim.',
    impl: (a) => diagonal(a.self, a.offset, a.dim1, a.dim2),
    samples: [{ args: [{ t: [3, 4], grad: true }] }, { args: [sample234, 1, 0, 2] }, { args: [{ t: [3, 4], grad: true }, -1] }],
  },
  {
    name: 'unfold', variants: ['method'], sig: 'unfold(Tensor self, int dimension, int size, int step)',
    doc: 'A view of all windows of size along dimension, step apart; the window is a new last dim.',
    impl: (a) => unfold(a.self, a.dimension, a.size, a.step),
    samples: [{ args: [{ t: [3, 5], grad: true }, 1, 2, 1], method: true }, { args: [{ t: [7], grad: true }, 0, 3, 2], method: true }],
  },
]);

