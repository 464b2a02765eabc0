// Op table: Python indexing. `__getitem__` / `__setitem__` follow torch/csrc/autograd/python_variable_indexing.cpp
// and ATen/TensorIndexing.h step by step (fast paths for a lone int / slice / None / Ellipsis / bool,
// then applySlicing over the index tuple, then advanced indexing through `index` / `index_put_`; on the
// webgpu device those two run as engine/backends/webgpu/kernelsAdvIndex.ts's kernels).
//
// Index encoding (the Python shim converts Python index objects to exactly this): `indices` is a JS
// array with one item per element of the Python index tuple; a non-tuple index is a 1-item array.
// An item is one of
//   - a JS number (or bigint): a Python int            x[1]        -> [1]
//   - { slice: [start|null, stop|null, step|null] }     x[1::2]     -> [{ slice: [1, null, 2] }]
//   - null: None (new axis)                             x[:, None]  -> [{ slice: [null, null, null] }, null]
//   - { ellipsis: true }: Ellipsis                      x[..., 0]   -> [{ ellipsis: true }, 0]
//   - a boolean: True / False                           x[True]     -> [true]
//   - a Tensor (int64 / bool / uint8; 0-dim ints select) x[mask]    -> [mask]
//   - a JS array: a Python list (advanced index, may nest) x[[0, 2]] -> [[0, 2]]
// A lone list that holds a list, slice, Ellipsis, None or Tensor is treated as a tuple (NumPy's legacy
// rule): x[[[0, 1], [1, 2]]] == x[[0, 1], [1, 2]]. Non-integer numbers and PyFloat raise IndexError.
// `__setitem__` returns None (null); `value` is a Tensor or a Python scalar (cast to self's dtype).
import { castValue, dtypes } from '../../dtype';
import { checkInplace, record } from '../../autograd';
import { TorchError, runtimeError, typeError, valueError } from '../../errors';
import { PyFloat, isScalar, scalarValue } from '../../scalar';
import { shapeEq } from '../../shape';
import { Tensor } from '../../tensor';
import { broadcastOffsets, copyInto } from '../../backends/cpu/elementwise';
import { defineOps, OpDef } from '../spec';
import { commitInPlace, inplaceVariant, shortTypeName } from '../inplace';
import { pyTypeName } from '../schema';
import { warn } from '../../warnings';
import { call, callKw, castTensor, contiguous, newTensor, scalarTensor, sumToShape } from '../util';
import { IndexList, expandableTo, longTensor, planIndex } from './indexingUtil';
import { gpuIndexGather, gpuIndexPut } from '../../backends/webgpu/kernelsAdvIndex';
import { assertNoInternalOverlap, assertNoPartialOverlap, fmt, geomOf, viewOp } from './shapeUtil';

type Item = unknown;
const idxError = (msg: string) => new TorchError('IndexError', msg);
const isSliceItem = (x: Item): x is { slice: unknown[] } => typeof x === 'object' && x !== null && Array.isArray((x as { slice?: unknown }).slice);
const isEllipsis = (x: Item) => typeof x === 'object' && x !== null && (x as { ellipsis?: unknown }).ellipsis === true;
const isIntItem = (x: Item): x is number | bigint => (typeof x === 'number' && Number.isInteger(x)) || typeof x === 'bigint';

const MAX = Number.MAX_SAFE_INTEGER;
export const MASK_WARN = (op: string) => `${op} received a mask with dtype torch.uint8, this behavior is now deprecated,please use a mask with dtype torch.bool instead. (Triggered internally at  ./aten/src/ATen/native/`;

function sliceBound(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (v instanceof Tensor && v.numel() === 1 && v.dtype.category !== 'float') return v.scalarValue();
  throw typeError('slice indices must be integers or None or have an __index__ method');
}

/** Python's slice unpacking: [start, stop, step] with None filled in (step > 0 checked by applySlice). */
function unpackSlice(s: { slice: unknown[] }): [number, number, number] {
  const step = sliceBound(s.slice[2]) ?? 1;
  if (step === 0) throw valueError('slice step cannot be zero');
  const start = sliceBound(s.slice[0]) ?? (step < 0 ? MAX : 0);
  const stop = sliceBound(s.slice[1]) ?? (step < 0 ? -MAX : MAX);
  return [start, stop, step];
}

function applySelect(t: Tensor, dim: number, index: number, realDim: number): Tensor {
  if (index === 0 && dim === 0 && t.ndim === 0) {
    throw idxError('invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number');
  }
  const size = dim < t.ndim ? t.shape[dim] : 0;
  if (!(size >= -index && size > index)) throw idxError(`index ${index} is out of bounds for dimension ${realDim} with size ${size}`);
  return call('select', t, dim, index);
}

function applySlice(t: Tensor, dim: number, [start, stop, step]: [number, number, number], optimize: boolean): Tensor {
  if (step <= 0) throw valueError('step must be greater than zero');
  if (optimize && dim < t.ndim && start === 0 && stop === t.shape[dim] && step === 1) return t;
  if (t.ndim === 0) throw idxError('slice() cannot be applied to a 0-dim tensor.');
  return call('slice', t, dim, start, stop, step);
}

const boolIndex = (v: boolean) => (v ? longTensor([0]) : longTensor([]));

/** A Python list used as an index: a bool tensor if every leaf is a bool, else int64 (floats truncate). */
function sequenceToTensor(list: unknown[]): Tensor {
  const t = call('tensor', list);
  if (t.dtype === dtypes.bool || t.dtype === dtypes.uint8) return t;
  return t.dtype === dtypes.int64 ? t : castTensor(t, dtypes.int64);
}

function treatAsTuple(list: unknown[]): boolean {
  if (list.length >= 32) return false;
  return list.some((o) => o instanceof Tensor || Array.isArray(o) || isSliceItem(o) || isEllipsis(o) || o === null);
}

function toTuple(items: Item[]): Item[] {
  if (items.length === 1 && Array.isArray(items[0]) && treatAsTuple(items[0])) return items[0];
  return items;
}

function countSpecified(items: Item[]): number {
  let n = 0;
  for (const o of items) {
    if (o instanceof Tensor) n += o.dtype === dtypes.bool || o.dtype === dtypes.uint8 ? o.ndim : 1;
    else if (o !== null && !isEllipsis(o) && typeof o !== 'boolean') n++;
  }
  return n;
}

/** applySlicing: basic indexing applied as views; tensor indices collected per result dim. */
function applySlicing(self: Tensor, items: Item[]): { result: Tensor; indices: IndexList } {
  const specified = countSpecified(items);
  if (specified > self.ndim) throw idxError(`too many indices for tensor of dimension ${self.ndim}`);
  let result = self;
  let dim = 0;
  const indices: IndexList = [];
  const recordIndex = (t: Tensor) => {
    while (indices.length < dim) indices.push(null);
    indices[dim] = t;
    dim++;
  };
  items.forEach((obj, i) => {
    if (isIntItem(obj)) {
      result = applySelect(result, dim, Number(obj), i);
    } else if (isSliceItem(obj)) {
      result = applySlice(result, dim, unpackSlice(obj), true);
      dim++;
    } else if (isEllipsis(obj)) {
      dim += self.ndim - specified;
    } else if (obj === null) {
      result = call('unsqueeze', result, dim);
      dim++;
    } else if (typeof obj === 'boolean') {
      result = call('unsqueeze', result, dim);
      recordIndex(boolIndex(obj));
    } else if (obj instanceof Tensor) {
      const isBool = obj.dtype === dtypes.bool || obj.dtype === dtypes.uint8;
      if (obj.ndim === 0 && obj.dtype.category !== 'float') {
        if (!isBool) {
          result = applySelect(result, dim, obj.scalarValue(), i);
        } else {
          result = call('unsqueeze', result, dim);
          recordIndex(boolIndex(obj.scalarValue() !== 0));
        }
      } else {
        recordIndex(obj);
      }
    } else if (Array.isArray(obj)) {
      recordIndex(sequenceToTensor(obj));
    } else {
      const tn = obj instanceof PyFloat || typeof obj === 'number' ? 'float' : pyTypeName(obj);
      throw idxError(`only integers, slices (\`:\`), ellipsis (\`...\`), None and long or byte Variables are valid indices (got ${tn})`);
    }
  });
  return { result, indices };
}

const alias = (t: Tensor) => viewOp(t, geomOf(t), 'AliasBackward0', (g) => g);

function getitem(self: Tensor, raw: Item[]): Tensor {
  if (raw.length === 1) {
    const it = raw[0];
    if (it === null) return call('unsqueeze', self, 0);
    if (isEllipsis(it)) return alias(self);
    if (isIntItem(it)) return applySelect(self, 0, Number(it), 0);
    if (isSliceItem(it)) return applySlice(self, 0, unpackSlice(it), false);
    if (typeof it === 'boolean') return call('index', call('unsqueeze', self, 0), [boolIndex(it)]);
  }
  const { result, indices } = applySlicing(self, toTuple(raw));
  if (indices.length === 0) return result === self ? alias(result) : result;
  return call('index', result, indices);
}

// ---- __setitem__ -------------------------------------------------------------------------------

function valueToTensor(self: Tensor, value: unknown): Tensor {
  if (value instanceof Tensor) return value;
  if (isScalar(value)) return scalarTensor(castValue(self.dtype, scalarValue(value)), self.dtype);
  throw typeError(`can't assign a ${pyTypeName(value)} to a torch.${self.dtype.legacyName}`);
}

/** dst.copy_(src) / dst.fill_(src) with autograd: CopyBackwards or FillBackward3, rebased onto dst's base for views. */
function inplaceCopy(dst: Tensor, src: Tensor, name: 'CopyBackwards' | 'FillBackward3'): void {
  checkInplace(dst, [src]);
  if (name === 'CopyBackwards') { // fill_ skips the overlap checks: it is idempotent
    assertNoInternalOverlap(dst);
    assertNoPartialOverlap(dst, src);
  }
  const res = newTensor(dst.shape, dst.dtype);
  copyInto(res, src);
  record(name, [dst, src], res, ([g]) => [call('zeros_like', g!), name === 'FillBackward3' ? call('sum', g!) : g!]);
  commitInPlace(dst, res);
}

/** Strip leading size-1 dims (NumPy's legacy setitem rule, slicePrefix1sSize). */
function stripPrefix1s(v: Tensor): Tensor {
  let k = 0;
  while (k < v.ndim && v.shape[k] === 1) k++;
  return k === 0 ? v : call('view', v, v.shape.slice(k));
}

/** at::indexing::copy_to */
function copyTo(dst: Tensor, src: Tensor): void {
  if (shapeEq(dst.shape, src.shape)) return inplaceCopy(dst, src, 'CopyBackwards');
  if (src.ndim === 0) return inplaceCopy(dst, src, 'FillBackward3');
  inplaceCopy(dst, call('expand', stripPrefix1s(src), dst.shape), 'CopyBackwards');
}

function setitem(self: Tensor, raw: Item[], value: unknown): null {
  const v = valueToTensor(self, value);
  if (raw.length === 1) {
    const it = raw[0];
    if (it === false) return null;
    if (isEllipsis(it)) { copyTo(self, v); return null; }
    if (it === null || it === true) { copyTo(call('unsqueeze', self, 0), v); return null; }
    if (isIntItem(it)) { copyTo(applySelect(self, 0, Number(it), 0), v); return null; }
    if (isSliceItem(it)) { copyTo(applySlice(self, 0, unpackSlice(it), false), v); return null; }
  }
  const { result, indices } = applySlicing(self, toTuple(raw));
  if (indices.length === 0) { copyTo(result, v); return null; }
  call('index_put_', result, indices, stripPrefix1s(v), false);
  return null;
}

// ---- index / index_put -------------------------------------------------------------------------

function index(self: Tensor, indices: IndexList): Tensor {
  const plan = planIndex(self, indices);
  let out = gpuIndexGather(self, plan.parts, plan.shape);
  if (!out) {
    const offs = plan.offsets();
    out = newTensor(plan.shape, self.dtype);
    const od = out.storage.data, sd = self.storage.data;
    for (let k = 0; k < offs.length; k++) od[k] = sd[offs[k]];
  }
  // derivatives.yaml index_backward: _index_put_impl_(zeros, indices, grad, accumulate=True, unsafe=True)
  record('IndexBackward0', [self], out, ([g]) => [call('_index_put_impl_', callKw('zeros', [self.shape], { dtype: g!.dtype, device: g!.device }), indices, g!, true, true)]);
  return out;
}

function indexPut(self: Tensor, indices: IndexList, values: Tensor, accumulate: boolean, name = 'IndexPutBackward0'): Tensor {
  const out = contiguous(self, true);
  // a lone uint8 mask with one value goes through masked_fill_ in ATen (only its warning differs)
  const defined = indices.filter((t): t is Tensor => t !== null);
  const viaMaskedFill = !accumulate && values.numel() === 1 && defined.length === 1 && defined[0].dtype === dtypes.uint8;
  if (viaMaskedFill) warn('UserWarning', `${MASK_WARN('masked_fill_')}TensorAdvancedIndexing.cpp:1646.)`);
  const plan = planIndex(out, indices, !viaMaskedFill);
  if (!expandableTo(values.shape, plan.shape)) {
    throw runtimeError(`shape mismatch: value tensor of shape ${fmt(values.shape)} cannot be broadcast to indexing result of shape ${fmt(plan.shape)}`);
  }
  if (values.dtype !== self.dtype) {
    throw runtimeError(`Index put requires the source and destination dtypes match, got ${shortTypeName(self.dtype)} for the destination and ${shortTypeName(values.dtype)} for the source.`);
  }
  if (!gpuIndexPut(out, plan.shape, plan.offsets, values, accumulate)) {
    const offs = plan.offsets();
    const vOffs = broadcastOffsets(values, plan.shape);
    const od = out.storage.data, vd = values.storage.data;
    const conv = self.dtype.needsConvert;
    for (let k = 0; k < offs.length; k++) {
      const o = offs[k];
      const v = accumulate ? od[o] + vd[vOffs[k]] : vd[vOffs[k]];
      od[o] = conv ? castValue(self.dtype, v) : v;
    }
  }
  record(name, [self, values], out, ([g]) => [
    accumulate ? g! : call('index_put', g!, indices, call('zeros_like', values), false),
    values.requiresGrad ? sumToShape(call('index', g!, indices), values.shape) : null,
  ]);
  return out;
}

const indexPutDef: OpDef = {
  name: 'index_put', sig: 'index_put(Tensor self, Tensor?[] indices, Tensor values, bool accumulate=False)',
  doc: 'A copy of input with values written at input[indices] (added there when accumulate=True, so repeated indices sum).',
  impl: (a) => indexPut(a.self, a.indices, a.values, a.accumulate),
  samples: [
    { args: [{ t: [3, 4], grad: true }, [{ t: [2], dtype: 'int64', values: [0, 2] }], { t: [4], grad: true }] },
    { args: [{ t: [5], grad: true }, [{ t: [3], dtype: 'int64', values: [1, 1, 4] }], { t: [3], grad: true }, true] },
  ],
};

/** The ATen op under index_put_ (its node is IndexPutImplBackward0); only its in-place form is registered. */
const indexPutImplDef: OpDef = {
  name: '_index_put_impl', ns: 'internal', variants: ['function'],
  sig: '_index_put_impl(Tensor self, Tensor?[] indices, Tensor values, bool accumulate=False, bool unsafe=False)',
  doc: 'index_put without the Python-facing checks (used by index’s backward).',
  impl: (a) => indexPut(a.self, a.indices, a.values, a.accumulate, 'IndexPutImplBackward0'),
};

export default defineOps([
  {
    name: '__getitem__', variants: ['method'], sig: '__getitem__(Tensor self, Any indices)',
    doc: 'x[indices]: ints select, slices and None/Ellipsis give views, tensors and lists index (copies).',
    impl: (a) => getitem(a.self, Array.isArray(a.indices) ? a.indices : [a.indices]),
  },
  {
    name: '__setitem__', variants: ['method'], sig: '__setitem__(Tensor self, Any indices, Any? value)',
    doc: 'x[indices] = value: writes value (broadcast, cast to x’s dtype) into the indexed part of x.',
    impl: (a) => setitem(a.self, Array.isArray(a.indices) ? a.indices : [a.indices], a.value),
  },
  {
    name: 'index', ns: 'internal', variants: ['function'], sig: 'index(Tensor self, Tensor?[] indices)',
    doc: 'Advanced indexing with a list of index tensors (None for unindexed dims).',
    impl: (a) => index(a.self, a.indices),
  },
  indexPutDef,
  inplaceVariant(indexPutDef, 'In-place index_put: writes (or with accumulate=True adds) values at self[indices].'),
  { ...inplaceVariant(indexPutImplDef), ns: 'internal', variants: ['function'] },
]);

export { getitem, setitem };
