// Advanced ("tensor") indexing plans shared by index / index_put (PyTorch's make_info + AdvancedIndex,
// aten/src/ATen/native/TensorAdvancedIndexing.cpp): type checks, bool masks expanded to nonzero
// coordinates, index broadcasting, the transpose-to-front rule for non-adjacent indexed dims, and
// the physical storage offset of every element of the indexing result (bounds checked lazily, in
// the order the CPU kernel meets them).
import { dtypes } from '../../dtype';
import { TorchError } from '../../errors';
import { Shape, broadcastAll } from '../../shape';
import { Tensor } from '../../tensor';
import { broadcastOffsets } from '../../backends/cpu/elementwise';
import { warn } from '../../warnings';
import { newTensor } from '../util';
import { fmt } from './shapeUtil';

export type IndexList = (Tensor | null)[];

const idxError = (msg: string) => new TorchError('IndexError', msg);

/** Coordinates of the nonzero elements of t, row-major: an array of ndim-long arrays. */
export function nonzeroCoords(t: Tensor): number[][] {
  const vals = t.contiguousData();
  const nd = t.ndim;
  const out: number[][] = [];
  const idx = new Array<number>(nd).fill(0);
  for (let k = 0; k < vals.length; k++) {
    if (vals[k] !== 0) out.push(idx.slice());
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      if (idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** A contiguous int64 tensor from numbers. */
export function longTensor(values: ArrayLike<number>, shape: Shape = [values.length]): Tensor {
  const t = newTensor(shape, dtypes.int64);
  const d = t.storage.data;
  for (let i = 0; i < values.length; i++) d[i] = values[i];
  return t;
}

const isMaskType = (t: Tensor) => t.dtype.name === 'bool' || t.dtype.name === 'uint8';

/** checkIndexTensorTypes + expandTensors: every index becomes an int64 tensor (or null). */
export function expandIndices(self: Tensor, indices: IndexList, warnUint8 = true): IndexList {
  for (const t of indices) {
    if (t && t.dtype.name !== 'int64' && !isMaskType(t)) throw idxError('tensors used as indices must be long, byte or bool tensors');
  }
  const out: IndexList = [];
  for (const t of indices) {
    if (!t) { out.push(null); continue; }
    if (!isMaskType(t)) { out.push(t); continue; }
    if (t.dtype.name === 'uint8' && warnUint8) {
      warn('UserWarning', 'indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead. (Triggered internally at  ./aten/src/ATen/native/IndexingUtils.h:27.)');
    }
    for (let j = 0; j < t.ndim; j++) {
      const src = out.length + j;
      if (src >= self.ndim || t.shape[j] !== self.shape[src]) {
        throw idxError(`The shape of the mask ${fmt(t.shape)} at index ${j} does not match the shape of the indexed tensor ${fmt(self.shape)} at index ${src}`);
      }
    }
    const coords = nonzeroCoords(t);
    for (let j = 0; j < t.ndim; j++) out.push(longTensor(coords.map((c) => c[j])));
  }
  return out;
}

export interface IndexPlan {
  /** shape of the indexing result */
  shape: number[];
  /** physical storage offsets (into self.storage) of every result element in row-major order */
  offsets(): Float64Array;
  /** the result as [pre dims, broadcast index dims, post dims]: what the webgpu index kernels take */
  parts: IndexParts;
}

/**
 * Element (p, i, q) of the result (p over preShape, i over bshape, q over postShape, row-major) is at
 * storage offset base + Σ p·preStrides + mid[i] + Σ q·postStrides.
 */
export interface IndexParts {
  base: number;
  preShape: number[]; preStrides: number[];
  bshape: number[];
  postShape: number[]; postStrides: number[];
  /** the int64 index tensors (each broadcast to bshape) with the size and stride of the dim each indexes */
  indexed: { t: Tensor; size: number; stride: number }[];
  /** the offset of each broadcast index position (negative indices wrapped; PyTorch's IndexError, in order, when out of range) */
  mid(): Float64Array;
}

/** Plan x[indices] for x = self (PyTorch's index semantics). Throws PyTorch's errors. */
export function planIndex(self: Tensor, indices: IndexList, warnUint8 = true): IndexPlan {
  if (indices.length > self.ndim) throw idxError(`too many indices for tensor of dimension ${self.ndim} (got ${indices.length})`);
  const idx = expandIndices(self, indices, warnUint8);
  if (idx.length > self.ndim) throw idxError(`too many indices for tensor of dimension ${self.ndim} (got ${idx.length})`);
  const defined = idx.filter((t): t is Tensor => t !== null);
  let bshape: number[];
  try {
    bshape = broadcastAll(defined.map((t) => t.shape));
  } catch {
    throw idxError(`shape mismatch: indexing tensors could not be broadcast together with shapes ${defined.map((t) => fmt(t.shape)).join(', ')}`);
  }
  while (idx.length < self.ndim) idx.push(null);
  // dims order: unchanged when the indexed dims are adjacent, else indexed dims first
  const pos = idx.map((t, i) => (t ? i : -1)).filter((i) => i >= 0);
  const adjacent = pos.length === 0 || pos[pos.length - 1] - pos[0] + 1 === pos.length;
  const order = adjacent ? [...idx.keys()] : [...pos, ...idx.keys()].filter((d, k, arr) => arr.indexOf(d) === k);
  const sizes = order.map((d) => self.shape[d]), strides = order.map((d) => self.strides[d]);
  const ordIdx = order.map((d) => idx[d]);
  const before = ordIdx.findIndex((t) => t !== null);
  const nIdx = defined.length;
  const b = before < 0 ? 0 : before;
  const indexedSizes = sizes.slice(b, b + nIdx), indexedStrides = strides.slice(b, b + nIdx);
  if (indexedSizes.includes(0) && !bshape.includes(0)) throw idxError('index is out of bounds for dimension with size 0');
  const preShape = sizes.slice(0, b), postShape = sizes.slice(b + nIdx);
  const shape = [...preShape, ...bshape, ...postShape];
  const indexed = ordIdx.slice(b, b + nIdx).map((t, j) => ({ t: t!, size: indexedSizes[j], stride: indexedStrides[j] }));
  const mid = () => {
    const nb = bshape.reduce((x, y) => x * y, 1);
    const vals = indexed.map(({ t }) => {
      const offs = broadcastOffsets(t, bshape);
      const d = t.storage.data;
      return (i: number) => d[offs[i]];
    });
    const m = new Float64Array(nb);
    for (let i = 0; i < nb; i++) {
      let off = 0;
      for (let j = 0; j < nIdx; j++) {
        let v = vals[j](i);
        const size = indexedSizes[j];
        if (v < -size || v >= size) throw idxError(`index ${v} is out of bounds for dimension ${j} with size ${size}`);
        if (v < 0) v += size;
        off += v * indexedStrides[j];
      }
      m[i] = off;
    }
    return m;
  };
  const parts: IndexParts = {
    base: self.offset, preShape, preStrides: strides.slice(0, b), bshape, postShape, postStrides: strides.slice(b + nIdx), indexed, mid,
  };
  const offsets = () => {
    const virt = (s: number[], st: number[]) => new Tensor(self.storage, s, st, 0, self.dtype).offsets();
    const pre = virt(preShape, parts.preStrides), post = virt(postShape, parts.postStrides);
    const nb = bshape.reduce((x, y) => x * y, 1);
    const total = pre.length * nb * post.length;
    const m = total > 0 ? mid() : new Float64Array(nb);
    const out = new Float64Array(total);
    let k = 0;
    for (let p = 0; p < pre.length; p++) {
      for (let i = 0; i < nb; i++) {
        const base = self.offset + pre[p] + m[i];
        for (let q = 0; q < post.length; q++) out[k++] = base + post[q];
      }
    }
    return out;
  };
  return { shape, offsets, parts };
}

/** NumPy's is_expandable_to: can `from` broadcast to exactly `to`? */
export function expandableTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  for (let i = 1; i <= from.length; i++) {
    const f = from[from.length - i], t = to[to.length - i];
    if (f !== t && f !== 1) return false;
  }
  return true;
}
