// Op table: gather / scatter / scatter_add and the index_* family (index_select, index_add,
// index_copy, index_fill), with PyTorch's shape/dtype checks, bound errors and derivatives.yaml grads.
import { castValue } from '../../dtype';
import { record } from '../../autograd';
import { TorchError, check, runtimeError } from '../../errors';
import { Scalar, scalarValue } from '../../scalar';
import { broadcastShapes, wrapDim } from '../../shape';
import { Tensor } from '../../tensor';
import { broadcastOffsets } from '../../backends/cpu/elementwise';
import { defineOps, OpDef } from '../spec';
import { inplaceVariant, shortTypeName } from '../inplace';
import { call, callKw, contiguous, newTensor } from '../util';
import { fmt } from './shapeUtil';
import { gpuGather, gpuIndexAdd, gpuIndexSelect, gpuScatter } from '../../backends/webgpu/kernelsIndex';

const idxError = (msg: string) => new TorchError('IndexError', msg);
const nonEmptyDim = (t: Tensor) => (t.ndim === 0 ? 1 : t.ndim);
const nonEmptySize = (t: Tensor, d: number) => (t.ndim === 0 ? 1 : t.shape[d]);
// on like's device (a backward's zeros go where its gradient is, as PyTorch's grad.options())
const zerosOf = (shape: readonly number[], like: Tensor) => callKw('zeros', [shape.slice()], { dtype: like.dtype, device: like.device });
const sizesOf = (t: Tensor) => (t.ndim === 0 ? [1] : t.shape);
const stridesOf = (t: Tensor) => (t.ndim === 0 ? [1] : t.strides);

/**
 * Visit every element of `index` (row-major): `fn(k, target)` where target is the physical offset in
 * `dst` of the element the index points at along dim (other coordinates taken from the index position).
 */
function forEachScatter(dst: Tensor, dim: number, index: Tensor, fn: (k: number, target: number) => void): void {
  const ishape = sizesOf(index), dstr = stridesOf(dst), dsize = sizesOf(dst)[dim];
  const iv = index.contiguousData();
  const nd = ishape.length;
  const pos = new Array<number>(nd).fill(0);
  let base = dst.offset;
  for (let k = 0; k < iv.length; k++) {
    const v = iv[k];
    if (v < 0 || v >= dsize) throw runtimeError(`index ${v} is out of bounds for dimension ${dim} with size ${dsize}`);
    fn(k, base + v * dstr[dim]);
    for (let d = nd - 1; d >= 0; d--) {
      pos[d]++;
      if (d !== dim) base += dstr[d];
      if (pos[d] < ishape[d]) break;
      if (d !== dim) base -= dstr[d] * ishape[d];
      pos[d] = 0;
    }
  }
}

function scatterShapeCheck(self: Tensor, dim: number, index: Tensor, src: Tensor | null): void {
  if (index.numel() === 0) return;
  check(nonEmptyDim(self) === nonEmptyDim(index), 'Index tensor must have the same number of dimensions as self tensor');
  if (src) check(nonEmptyDim(src) === nonEmptyDim(index), 'Index tensor must have the same number of dimensions as src tensor');
  let wrong = false;
  for (let d = 0; d < nonEmptyDim(self) && !wrong; d++) if (d !== dim && nonEmptySize(index, d) > nonEmptySize(self, d)) wrong = true;
  if (!wrong && src) for (let d = 0; d < nonEmptyDim(self) && !wrong; d++) if (nonEmptySize(index, d) > nonEmptySize(src, d)) wrong = true;
  check(!wrong, () => `Expected index ${fmt(index.shape)} to be smaller than self ${fmt(self.shape)} apart from dimension ${dim}${src ? ` and to be smaller size than src ${fmt(src.shape)}` : ''}`);
}

function gather(self: Tensor, dim: number, index: Tensor): Tensor {
  const d = wrapDim(dim, self.ndim);
  let out: Tensor | null = null;
  if (index.numel() > 0) {
    check(index.dtype.name === 'int64', 'gather(): Expected dtype int64 for index');
    check(nonEmptyDim(self) === nonEmptyDim(index), 'Index tensor must have the same number of dimensions as input tensor');
    for (let k = 0; k < nonEmptyDim(self); k++) {
      if (k === d) continue;
      check(nonEmptySize(index, k) <= nonEmptySize(self, k), () => `Size does not match at dimension ${k} expected index ${fmt(index.shape)} to be smaller than self ${fmt(self.shape)} apart from dimension ${d}`);
    }
    out = gpuGather(self, d, index);
    if (!out) {
      out = newTensor(index.shape, self.dtype);
      const od = out.storage.data, sd = self.storage.data;
      forEachScatter(self, d, index, (k, t) => { od[k] = sd[t]; });
    }
  }
  out ??= newTensor(index.shape, self.dtype);
  record('GatherBackward0', [self], out, ([g]) => [call('scatter_add', zerosOf(self.shape, g!), d, index, g!)]);
  return out;
}

type Reduce = 'add' | 'multiply' | null;

function scatter(self: Tensor, dim: number, index: Tensor, src: Tensor | null, value: Scalar | null, reduce: Reduce | string, add = false): Tensor {
  const d = wrapDim(dim, self.ndim);
  const op = add ? 'scatter_add' : 'scatter';
  check(index.dtype.name === 'int64', () => `scatter(): Expected dtype int64 for index`);
  if (src) check(src.dtype === self.dtype, () => `scatter(): Expected self.dtype to be equal to src.dtype`);
  scatterShapeCheck(self, d, index, src);
  if (reduce !== null) check(reduce === 'add' || reduce === 'multiply', 'reduce argument must be either add or multiply.');
  const dt = self.dtype;
  const v = value === null ? 0 : castValue(dt, scalarValue(value));
  const mode = add || reduce === 'add' ? 'add' : reduce === 'multiply' ? 'multiply' : 'set';
  const gpu = index.numel() > 0 ? gpuScatter(self, d, index, src, v, mode) : null;
  const out = gpu ?? scatterCpu(self, d, index, src, v, mode);
  if (reduce !== null) {
    record('NotImplemented', [self, src], out, () => { throw runtimeError(`derivative for aten::${op} is not implemented`); });
  } else if (add) {
    record('ScatterAddBackward0', [self, src], out, ([g]) => [g!, src!.requiresGrad ? call('gather', g!, d, index) : null]);
  } else if (src) {
    record('ScatterBackward0', [self, src], out, ([g]) => [
      self.requiresGrad ? call('scatter', g!, d, index, 0) : null, src.requiresGrad ? call('gather', g!, d, index) : null,
    ]);
  } else {
    record('ScatterBackward1', [self], out, ([g]) => [call('scatter', g!, d, index, 0)]);
  }
  return out;
}

/** scatter on the host: a contiguous copy of self with src (or v) combined in at index, in index order. */
function scatterCpu(self: Tensor, d: number, index: Tensor, src: Tensor | null, v: number, mode: 'set' | 'add' | 'multiply'): Tensor {
  const out = contiguous(self, true);
  const od = out.storage.data;
  const dt = self.dtype;
  const sOffs = src ? new Tensor(src.storage, sizesOf(index), stridesOf(src).slice(0, sizesOf(index).length), src.offset, src.dtype).offsets() : null;
  const sd = src?.storage.data;
  const combine = mode === 'add' ? (a: number, b: number) => a + b : mode === 'multiply' ? (a: number, b: number) => a * b : (_a: number, b: number) => b;
  forEachScatter(out, d, index, (k, t) => {
    const x = sOffs ? sd![sOffs[k]] : v;
    const r = combine(od[t], x);
    od[t] = dt.needsConvert ? castValue(dt, r) : r;
  });
  return out;
}

/** Iterate over the slices self.select(dim, i): calls fn(i, physical offsets of that slice) lazily. */
function sliceOffsets(t: Tensor, dim: number): (i: number) => Float64Array | Int32Array {
  const shape = t.ndim === 0 ? [] : t.shape.filter((_, k) => k !== dim);
  const strides = t.ndim === 0 ? [] : t.strides.filter((_, k) => k !== dim);
  const step = t.ndim === 0 ? 0 : t.strides[dim];
  const rel = new Tensor(t.storage, shape, strides, 0, t.dtype).offsets();
  return (i) => {
    const o = new Float64Array(rel.length);
    for (let k = 0; k < rel.length; k++) o[k] = rel[k] + t.offset + i * step;
    return o;
  };
}

const indexValues = (index: Tensor) => Array.from(index.contiguousData());

function indexSelect(self: Tensor, dim: number, index: Tensor): Tensor {
  const d = wrapDim(dim, self.ndim);
  const n = index.numel();
  if (index.ndim > 1) throw idxError('index_select(): Index is supposed to be a vector');
  check(!(self.ndim === 0 && n !== 1), () => `index_select(): Index to scalar can have only 1 value, got ${n} value(s)`);
  check(index.dtype.name === 'int64' || index.dtype.name === 'int32', 'index_select(): Expected dtype int32 or int64 for index');
  const outShape = self.shape.slice();
  if (self.ndim > 0) outShape[d] = n;
  const sizes = self.shape.slice();
  const gpu = gpuIndexSelect(self, d, index);
  if (gpu) {
    record('IndexSelectBackward0', [self], gpu, ([g]) => [call('index_add', zerosOf(sizes, g!), d, index, g!)]);
    return gpu;
  }
  const out = newTensor(outShape, self.dtype);
  const size = self.ndim === 0 ? 1 : self.shape[d];
  const dim1Path = self.ndim > 1 && d === 1 && self.isContiguous;
  const src = sliceOffsets(self, d), dst = sliceOffsets(out, d);
  const od = out.storage.data, sd = self.storage.data;
  indexValues(index).forEach((v, i) => {
    if (v < 0 || v >= size) {
      if (dim1Path) throw runtimeError(`INDICES element is out of DATA bounds, id=${v} axis_dim=${size}`);
      throw idxError('index out of range in self');
    }
    const so = src(v), oo = dst(i);
    for (let k = 0; k < so.length; k++) od[oo[k]] = sd[so[k]];
  });
  record('IndexSelectBackward0', [self], out, ([g]) => [call('index_add', zerosOf(sizes, g!), d, index, g!)]);
  return out;
}

function indexAdd(self: Tensor, dim: number, index: Tensor, source: Tensor, alpha: Scalar): Tensor {
  const d = wrapDim(dim, self.ndim);
  const n = index.numel();
  if (index.ndim > 1) throw idxError(`index_add_(): Index is supposed to be a vector, but got dim: ${index.ndim} with type: ${shortTypeName(index.dtype)} and size: ${fmt(index.shape)}`);
  check(index.dtype.name === 'int64' || index.dtype.name === 'int32', () => `index_add_(): Expected dtype int32/int64 for index but got: ${shortTypeName(index.dtype)}`);
  check(self.dtype === source.dtype, () => `index_add_(): self (${shortTypeName(self.dtype)}) and source (${shortTypeName(source.dtype)}) must have the same scalar type`);
  check(d === 0 || d < source.ndim, () => `index_add_(): Indexing dim ${d} is out of bounds of the source tensor with dim ${source.ndim}`);
  const srcLen = source.ndim === 0 ? 1 : source.shape[d];
  check(n === srcLen, () => `index_add_(): Number of indices (${n}) should be equal to source.size(dim): (${srcLen}), for dim: ${d}`);
  const selfSlice = self.shape.filter((_, k) => k !== d), srcSlice = source.shape.filter((_, k) => k !== d);
  broadcastShapes(selfSlice, srcSlice);
  const al = scalarValue(alpha);
  const out = gpuIndexAdd(self, d, index, source, al) ?? indexAddCpu(self, d, index, source, al, selfSlice);
  record('IndexAddBackward0', [self, source], out, ([g]) => {
    let gs = source.ndim > 0 ? call('expand', call('index_select', g!, d, index), source.shape) : call('index_select', g!, d, call('squeeze', index, 0));
    if (al !== 1) gs = call('mul', gs, alpha);
    return [g!, source.requiresGrad ? gs : null];
  });
  return out;
}

/** index_add on the host: a contiguous copy of self with alpha × source's slices added at index, in order. */
function indexAddCpu(self: Tensor, d: number, index: Tensor, source: Tensor, al: number, selfSlice: number[]): Tensor {
  const out = contiguous(self, true);
  const size = self.ndim === 0 ? 1 : self.shape[d];
  const dt = self.dtype;
  const dst = sliceOffsets(out, d), src = sliceOffsets(source, d);
  const od = out.storage.data, sd = source.storage.data;
  indexValues(index).forEach((v, i) => {
    if (v < 0 || v >= size) throw idxError('index out of range in self');
    const oo = dst(v), so0 = src(i);
    const so = so0.length === oo.length ? so0 : broadcastSlice(source, d, i, selfSlice);
    for (let k = 0; k < oo.length; k++) {
      const r = od[oo[k]] + (al === 1 ? sd[so[k]] : al * sd[so[k]]);
      od[oo[k]] = dt.needsConvert ? castValue(dt, r) : r;
    }
  });
  return out;
}

function broadcastSlice(source: Tensor, d: number, i: number, target: number[]): Float64Array | Int32Array {
  const sh = source.shape.filter((_, k) => k !== d), st = source.strides.filter((_, k) => k !== d);
  const view = new Tensor(source.storage, sh, st, source.offset + i * (source.ndim ? source.strides[d] : 0), source.dtype);
  return broadcastOffsets(view, target);
}

function indexCopy(self: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  const d = wrapDim(dim, self.ndim);
  if (index.ndim >= 2) throw idxError(`index_copy_(): Index should have dimension 1 or 0 (got ${index.ndim})`);
  const n = index.numel();
  if (source.ndim === 0 && n !== 1) throw idxError(`index_copy_(): When source is scalar, index should have one element (got ${n})`);
  if (source.ndim !== self.ndim && source.ndim !== 0 && self.ndim !== 0) {
    throw idxError(`index_copy_(): When source and destination are not scalars, their dimensionality must match. Source dimensionality (${source.ndim}), destination dimensionality (${self.ndim})`);
  }
  check(index.dtype.name === 'int64', () => `index_copy_(): Expected a long tensor for index, but got ${shortTypeName(index.dtype)}`);
  check(self.dtype === source.dtype, () => `index_copy_(): self and source expected to have the same dtype, but got (self) ${shortTypeName(self.dtype)} and (source) ${shortTypeName(source.dtype)}`);
  const selfSlice = self.shape.filter((_, k) => k !== d), srcSlice = source.shape.filter((_, k) => k !== d);
  check(selfSlice.length === srcSlice.length && selfSlice.every((s, k) => s === srcSlice[k]),
    () => `index_copy_(): Source/destination tensor must have same slice shapes. Destination slice shape: ${selfSlice.join(' ')} at dimension ${d} and source slice shape: ${srcSlice.join(' ')} at dimension 0.`);
  if (!(source.ndim === 0 || n === source.shape[d])) throw idxError(`index_copy_(): Number of indices (${n}) should be equal to source.size(dim) (${source.shape[d]})`);
  const out = contiguous(self, true);
  const size = self.ndim === 0 ? 1 : self.shape[d];
  const dst = sliceOffsets(out, d), src = sliceOffsets(source, d);
  const od = out.storage.data, sd = source.storage.data;
  indexValues(index).forEach((v, i) => {
    if (v < 0 || v >= size) throw idxError(`index_copy_(): index ${v} is out of bounds for dimension ${d} with size ${size}`);
    const oo = dst(v), so = src(i);
    for (let k = 0; k < oo.length; k++) od[oo[k]] = sd[so[k]];
  });
  record('IndexCopyBackward0', [self, source], out, ([g]) => [
    self.requiresGrad ? call('index_fill', g!, d, index, 0) : null,
    source.requiresGrad ? (source.ndim > 0 ? call('expand', call('index_select', g!, d, index), source.shape) : call('index_select', g!, d, call('squeeze', index, 0))) : null,
  ]);
  return out;
}

function indexFill(self: Tensor, dim: number, index: Tensor, value: Scalar | Tensor): Tensor {
  if (index.dtype.name !== 'int64') throw idxError('index_fill_(): Expected dtype int64 for index.');
  const valueT = value instanceof Tensor ? value : null;
  if (valueT) check(valueT.ndim === 0, () => `index_fill_ only supports a 0-dimensional value tensor, but got tensor with ${valueT.ndim} dimension(s).`);
  const nd = Math.max(self.ndim, 1);
  const d = wrapDim(dim, nd);
  check(index.ndim <= 1, 'Index has to be a vector/scalar');
  const out = contiguous(self, true);
  const size = self.ndim === 0 ? 1 : self.shape[d];
  const v = castValue(self.dtype, valueT ? valueT.scalarValue() : scalarValue(value as Scalar));
  const dst = sliceOffsets(out, d);
  const od = out.storage.data;
  for (let i of indexValues(index)) {
    if (i < -size || i >= size) throw idxError(`index ${i} is out of bounds for dimension ${d} with size ${size}`);
    if (i < 0) i += size;
    for (const o of dst(i)) od[o] = v;
  }
  if (valueT) {
    record('IndexFillBackward1', [self, valueT], out, ([g]) => [
      self.requiresGrad ? call('index_fill', g!, d, index, 0) : null,
      valueT.requiresGrad ? call('sum', call('index_select', g!, d, uniqueIndex(index))) : null,
    ]);
  } else {
    record('IndexFillBackward0', [self], out, ([g]) => [call('index_fill', g!, d, index, 0)]);
  }
  return out;
}

function uniqueIndex(index: Tensor): Tensor {
  const vals = [...new Set(indexValues(index))];
  const t = newTensor([vals.length], index.dtype);
  vals.forEach((v, i) => { t.storage.data[i] = v; });
  return t;
}

const IDX = (values: number[], shape = [values.length]) => ({ t: shape, dtype: 'int64' as const, values });

const scatterDef: OpDef = {
  name: 'scatter',
  sig: [
    'scatter(Tensor self, int dim, Tensor index, Tensor src)', 'scatter(Tensor self, int dim, Tensor index, Scalar value)',
    'scatter(Tensor self, int dim, Tensor index, Tensor src, *, str reduce)', 'scatter(Tensor self, int dim, Tensor index, Scalar value, *, str reduce)',
  ],
  doc: 'A copy of input with src (or value) written at index along dim: out[i][index[i][j]] = src[i][j] for dim=1 (reduce="add"/"multiply" combines).',
  impl: (a, ov) => scatter(a.self, a.dim, a.index, ov % 2 === 0 ? a.src : null, ov % 2 === 1 ? a.value : null, ov >= 2 ? a.reduce : null),
  samples: [
    { args: [{ t: [3, 4], grad: true }, 1, IDX([1, 3, 0], [3, 1]), { t: [3, 1], grad: true }] },
    { args: [{ t: [3, 4], grad: true }, 0, IDX([2, 0, 1, 1], [1, 4]), { f: 1.5 }] },
    { args: [{ t: [2, 3], dtype: 'int64' }, 1, IDX([0, 2], [2, 1]), 7] },
  ],
};
const scatterAddDef: OpDef = {
  name: 'scatter_add', sig: 'scatter_add(Tensor self, int dim, Tensor index, Tensor src)',
  doc: 'A copy of input with src added at index along dim (repeated indices accumulate).',
  impl: (a) => scatter(a.self, a.dim, a.index, a.src, null, null, true),
  samples: [{ args: [{ t: [5], grad: true }, 0, IDX([0, 1, 1, 4]), { t: [4], grad: true }] }, { args: [{ t: [2, 3], grad: true }, 1, IDX([0, 0, 2, 1], [2, 2]), { t: [2, 2], grad: true }] }],
};
const indexAddDef: OpDef = {
  name: 'index_add', sig: 'index_add(Tensor self, int dim, Tensor index, Tensor source, *, Scalar alpha=1)',
  doc: 'A copy of input with alpha × source added to the slices index[i] along dim (repeats accumulate).',
  impl: (a) => indexAdd(a.self, a.dim, a.index, a.source, a.alpha),
  samples: [{ args: [{ t: [5], grad: true }, 0, IDX([0, 0, 3]), { t: [3], grad: true }] }, { args: [{ t: [3, 4], grad: true }, 1, IDX([3, 0]), { t: [3, 2], grad: true }], kwargs: { alpha: 2 } }],
};
const indexCopyDef: OpDef = {
  name: 'index_copy', sig: 'index_copy(Tensor self, int dim, Tensor index, Tensor source)',
  doc: 'A copy of input with the slices index[i] along dim replaced by source’s slices.',
  impl: (a) => indexCopy(a.self, a.dim, a.index, a.source),
  samples: [
    { args: [{ t: [3, 4], grad: true }, 0, IDX([2, 0]), { t: [2, 4], grad: true }] },
    { args: [{ t: [3, 4], dtype: 'float64', grad: true }, 1, IDX([3]), { t: [3, 1], dtype: 'float64', grad: true }] },
  ],
};
const indexFillDef: OpDef = {
  name: 'index_fill', sig: ['index_fill(Tensor self, int dim, Tensor index, Tensor value)', 'index_fill(Tensor self, int dim, Tensor index, Scalar value)'],
  doc: 'A copy of input with the slices index[i] along dim filled with value.',
  impl: (a) => indexFill(a.self, a.dim, a.index, a.value),
  samples: [{ args: [{ t: [3, 4], grad: true }, 1, IDX([0, 2]), { f: -1 }] }, { args: [{ t: [3, 4], grad: true }, 0, IDX([-1]), { t: [], grad: true }] }],
};

export default defineOps([
  {
    name: 'gather', sig: 'gather(Tensor self, int dim, Tensor index, *, bool sparse_grad=False)',
    doc: 'Values along dim picked by index: out[i][j] = input[i][index[i][j]] for dim=1 (out has index’s shape).',
    impl: (a) => gather(a.self, a.dim, a.index),
    samples: [{ args: [{ t: [3, 4], grad: true }, 1, IDX([0, 3, 1, 1, 2, 0], [3, 2])] }, { args: [{ t: [3, 4], grad: true }, 0, IDX([2, 0, 1, 2], [1, 4])] }],
  },
  scatterDef, inplaceVariant(scatterDef), scatterAddDef, inplaceVariant(scatterAddDef),
  {
    name: 'index_select', sig: 'index_select(Tensor self, int dim, Tensor index)',
    doc: 'The slices index[i] along dim, stacked in order (a copy).',
    impl: (a) => indexSelect(a.self, a.dim, a.index),
    samples: [{ args: [{ t: [3, 4], grad: true }, 1, IDX([0, 0, 3])] }, { args: [{ t: [3, 4], grad: true }, 0, IDX([2, 1])] }],
  },
  indexAddDef, inplaceVariant(indexAddDef), indexCopyDef, inplaceVariant(indexCopyDef), indexFillDef, inplaceVariant(indexFillDef),
]);
