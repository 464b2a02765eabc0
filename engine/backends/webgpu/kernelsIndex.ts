// Index kernels of the webgpu device: gather / index_select / embedding (one thread per output element),
// scatter / scatter_add / scatter(reduce=...) (one thread per line of the index along dim, walking it in
// order, so a repeated target gets the CPU's last write or its sum in the CPU's order), index_add and
// embedding_dense_backward (one thread per output element summing its sources in index order, from a
// host-built list of the sources of each target row: deterministic, no float atomics, the CPU's order of
// additions), and cat/stack (strided copies into one output: gpuCopyInto).
//
// Index tensors: int64 has no WGSL type, so an index is checked on the host (its values are there: int64
// tensors made on the host stay in host memory, storage.ts) and uploaded as contiguous i32 (a write, no
// read back). An int64 index made by a GPU kernel (argmax/max(dim) indices) is used as it is on the device
// when its known bound fits the indexed size. An int32 index whose only current copy is on the GPU is read
// back once for the bounds check. A value out of range makes these functions return null: the op then runs
// on the CPU and raises PyTorch's error there. null too when a kernel does not apply (a dtype WGSL lacks,
// 0-dim tensors, more than MAX_DIMS dims); the op then runs on the CPU over the host copies.
import { DType, dtypes } from '../../dtype';
import { contiguousStrides, numel } from '../../shape';
import { Tensor, webgpu } from '../../tensor';
import { Binding, FLAT_MAIN, MAX_DIMS, bindings, flatKernel, gpuOut, isWordType, onGpu, storageType, wgslType } from './common';
import { gpuContiguous, gpuMap } from './kernels';
import { gpuCopyInto } from './kernelsCopy';
import { stateOf } from './storage';
const isIndexType = (t: Tensor) => t.dtype === dtypes.int64 || t.dtype === dtypes.int32;

interface GpuIndex {
  /** contiguous int32 on the GPU, offset 0, in the index's logical order */
  t: Tensor;
  /** the (wrapped) values when they were on the host */
  host: Int32Array | null;
}

/**
 * `index`'s values as a contiguous int32 tensor on the GPU, each in [0, size) (negative values first
 * wrapped by size when `wrap`), or null when one is out of range. `needHost`: the values are wanted on the
 * host too (an int64 index known only on the device is then read back).
 */
export function gpuIndex(index: Tensor, size: number, wrap: boolean, needHost = false): GpuIndex | null {
  if (!isIndexType(index) || size >= 2 ** 31) return null;
  if (index.device.type === 'webgpu' && !needHost) {
    const st = stateOf(index.storage);
    if (st.resident && !st.hostValid && index.dtype === dtypes.int64 && st.bound >= 0 && st.bound <= size) {
      // a kernel's indices (i32 words on the device, known to lie in [0, bound))
      const alias = new Tensor(index.storage, index.shape, index.strides, index.offset, dtypes.int32);
      const t = alias.isContiguous && alias.offset === 0 ? alias : gpuMap([alias], alias.shape, dtypes.int32, dtypes.int32, 'a');
      return t && { t, host: null };
    }
  }
  const vals = index.contiguousData();
  const arr = new Int32Array(vals.length);
  for (let i = 0; i < vals.length; i++) {
    let v = vals[i];
    if (wrap && v < 0) v += size;
    if (!(v >= 0 && v < size)) return null;
    arr[i] = v;
  }
  return { t: Tensor.fromArray(arr, index.shape, dtypes.int32, webgpu), host: arr };
}

/** The WGSL element type of a tensor the index kernels move (f32, i32, or u32 words for bool/uint8). */
const moveType = (t: Tensor) => (onGpu(t) ? storageType(t.dtype) : null);

// ---- gather / index_select / embedding -------------------------------------------------------------

/**
 * out[c] = self[c with coordinate `dim` replaced by I[Σ c_e · ist_e]] over `outShape` (self's dims), the
 * index contiguous int32 on the GPU. gather: ist = the index's contiguous strides; index_select: 1 along dim.
 */
function pick(self: Tensor, dim: number, idx: Tensor, outShape: number[], ist: number[]): Tensor | null {
  const t = moveType(self);
  if (!t || outShape.length > MAX_DIMS || outShape.length !== self.ndim) return null;
  const res = gpuOut(outShape, self.dtype);
  flatKernel(`index:pick:${t}`, () => pickCode(t), [self, idx], [res], res.numel(), [outShape.length, dim, self.offset], 32, (p) => {
    outShape.forEach((s, d) => { p.u[8 + d] = s; p.u[16 + d] = self.strides[d]; p.u[24 + d] = ist[d]; });
  });
  return res;
}

function pickCode(t: string): string {
  return `${bindings([['X', t], ['I', 'i32'], ['Y', t, true]], `n: u32, w: u32, nd: u32, dim: u32, off: u32, pad0: u32, pad1: u32, pad2: u32,
  shape: array<vec4<u32>, 2>, sst: array<vec4<u32>, 2>, ist: array<vec4<u32>, 2>`)}
${FLAT_MAIN}
  var rem = i;
  var off = p.off;
  var ip = 0u;
  for (var d = i32(p.nd) - 1; d >= 0; d--) {
    let s = p.shape[d / 4][d % 4];
    let c = rem % s;
    rem = rem / s;
    ip += c * p.ist[d / 4][d % 4];
    if (u32(d) != p.dim) { off += c * p.sst[d / 4][d % 4]; }
  }
  off += u32(I[ip]) * p.sst[p.dim / 4][p.dim % 4];
  Y[i] = X[off];
}`;
}

/** gather(self, dim, index) (checks done by the caller), or null. */
export function gpuGather(self: Tensor, dim: number, index: Tensor): Tensor | null {
  if (!moveType(self) || self.ndim === 0 || index.ndim !== self.ndim) return null;
  const idx = gpuIndex(index, self.shape[dim], false);
  return idx && pick(self, dim, idx.t, index.shape.slice(), contiguousStrides(index.shape));
}

/** index_select(self, dim, index) for a 1-D (or 0-dim) index (checks done by the caller), or null. */
export function gpuIndexSelect(self: Tensor, dim: number, index: Tensor): Tensor | null {
  if (!moveType(self) || self.ndim === 0) return null;
  const idx = gpuIndex(index, self.shape[dim], false);
  if (!idx) return null;
  const outShape = self.shape.slice();
  outShape[dim] = index.numel();
  return pick(self, dim, idx.t, outShape, outShape.map((_, d) => (d === dim ? 1 : 0)));
}

/** embedding(weight, indices): the rows of 2-D `weight` picked by `indices` (negative ones wrapped), shaped [...indices.shape, dim], or null. */
export function gpuEmbedding(weight: Tensor, indices: Tensor): Tensor | null {
  if (!moveType(weight) || weight.ndim !== 2) return null;
  const [rows, cols] = weight.shape;
  const idx = gpuIndex(indices, rows, true);
  if (!idx) return null;
  const n = indices.numel();
  const flat = pick(weight, 0, idx.t, [n, cols], [1, 0]);
  if (!flat) return null;
  const shape = [...indices.shape, cols];
  return new Tensor(flat.storage, shape, contiguousStrides(shape), 0, weight.dtype);
}

// ---- scatter ---------------------------------------------------------------------------------------

export type ScatterMode = 'set' | 'add' | 'multiply';

/**
 * A copy of `self` with `src` (or `value`) written at `index` along `dim` (`mode`: set, add or multiply).
 * One thread per line of the index along dim, in order. Checks done by the caller. null when it does not apply.
 */
export function gpuScatter(self: Tensor, dim: number, index: Tensor, src: Tensor | null, value: number, mode: ScatterMode): Tensor | null {
  const t = moveType(self);
  if (!t || (t === 'u32' && mode !== 'set') || self.ndim === 0 || index.ndim !== self.ndim || self.ndim > MAX_DIMS) return null;
  if (src && (!onGpu(src) || src.dtype !== self.dtype || src.ndim !== self.ndim)) return null;
  if (!src && t === 'u32') return null;
  const idx = gpuIndex(index, self.shape[dim], false);
  if (!idx) return null;
  const out = gpuMap([self], self.shape, self.dtype, self.dtype, 'a');
  if (!out) return null;
  const ishape = index.shape;
  const lines = ishape[dim] === 0 ? 0 : numel(ishape) / ishape[dim];
  if (lines === 0) return out;
  const ost = contiguousStrides(self.shape), ist = contiguousStrides(ishape);
  const key = `index:scatter:${t}:${mode}:${src ? 'src' : 'value'}`;
  flatKernel(key, () => scatterCode(t, mode, src !== null), src ? [idx.t, src] : [idx.t], [out], lines, [ishape.length, dim, src ? src.offset : 0, ishape[dim]], 40, (p) => {
    if (t === 'f32') p.f[6] = value; else p.i[6] = value;
    ishape.forEach((s, d) => { p.u[8 + d] = s; p.u[16 + d] = ost[d]; p.u[24 + d] = ist[d]; p.u[32 + d] = src ? src.strides[d] : 0; });
  });
  return out;
}

function scatterCode(t: string, mode: ScatterMode, src: boolean): string {
  const x = src ? 'S[sb + j * p.sst[p.dim / 4][p.dim % 4]]' : (t === 'f32' ? 'p.value' : 'bitcast<i32>(p.value)');
  const combine = mode === 'set' ? 'x' : mode === 'add' ? 'Y[at] + x' : 'Y[at] * x';
  const arrays: Binding[] = src ? [['I', 'i32'], ['S', t], ['Y', t, true]] : [['I', 'i32'], ['Y', t, true]];
  return `${bindings(arrays, `n: u32, w: u32, nd: u32, dim: u32, soff: u32, len: u32, value: f32, pad: u32,
  shape: array<vec4<u32>, 2>, ost: array<vec4<u32>, 2>, ist: array<vec4<u32>, 2>, sst: array<vec4<u32>, 2>`)}
${FLAT_MAIN}
  var rem = i;
  var ob = 0u;
  var ib = 0u;
  var sb = p.soff;
  for (var d = i32(p.nd) - 1; d >= 0; d--) {
    if (u32(d) == p.dim) { continue; }
    let s = p.shape[d / 4][d % 4];
    let c = rem % s;
    rem = rem / s;
    ob += c * p.ost[d / 4][d % 4];
    ib += c * p.ist[d / 4][d % 4];
    sb += c * p.sst[d / 4][d % 4];
  }
  for (var j = 0u; j < p.len; j++) {
    let at = ob + u32(I[ib + j * p.ist[p.dim / 4][p.dim % 4]]) * p.ost[p.dim / 4][p.dim % 4];
    let x = ${x};
    Y[at] = ${combine};
  }
}`;
}

// ---- index_add / embedding_dense_backward ---------------------------------------------------------

/**
 * out = self with, for each target row r along dim, the source slices i with index[i] == r added in
 * increasing i (alpha times; scaled by 1/count when `byFreq`). `rows`: the target of each source slice
 * (-1: skipped). One thread per output element. null when it does not apply.
 */
function addRows(self: Tensor, dim: number, rows: Int32Array, source: Tensor, alpha: number, byFreq: boolean): Tensor | null {
  const t = wgslType(self.dtype);
  if (!t || !onGpu(self) || !onGpu(source) || source.dtype !== self.dtype || self.ndim === 0 || self.ndim > MAX_DIMS) return null;
  if (source.ndim !== self.ndim || source.shape.some((s, d) => (d === dim ? s !== rows.length : s !== self.shape[d]))) return null;
  const size = self.shape[dim];
  // the sources of each row in order (a stable counting sort): starts[size + 1], then the list
  const list = new Int32Array(size + 1 + rows.length);
  for (const r of rows) if (r >= 0) list[r + 1]++;
  for (let r = 0; r < size; r++) list[r + 1] += list[r];
  const fill = list.slice(0, size);
  rows.forEach((r, i) => { if (r >= 0) list[size + 1 + fill[r]++] = i; });
  const lt = Tensor.fromArray(list, [list.length], dtypes.int32, webgpu);
  const res = gpuOut(self.shape, self.dtype);
  const mode = byFreq ? 'freq' : alpha === 1 ? 'plain' : 'alpha';
  flatKernel(`index:add:${t}:${mode}`, () => addRowsCode(t, mode), [self, source, lt], [res], res.numel(), [self.ndim, dim, self.offset, source.offset, size + 1], 32, (p) => {
    if (t === 'f32') p.f[7] = alpha; else p.i[7] = alpha;
    self.shape.forEach((s, d) => { p.u[8 + d] = s; p.u[16 + d] = self.strides[d]; p.u[24 + d] = source.strides[d]; });
  });
  return res;
}

function addRowsCode(t: string, mode: 'plain' | 'alpha' | 'freq'): string {
  const step = mode === 'plain' ? 'v = v + x;'
    : mode === 'freq' ? 'v = v + x * scale;'
      : t === 'f32' ? 'v = fma(p.alpha, x, v);' : 'v = v + bitcast<i32>(p.alpha) * x;';
  return `${bindings([['X', t], ['S', t], ['L', 'i32'], ['Y', t, true]], `n: u32, w: u32, nd: u32, dim: u32, off: u32, soff: u32, list: u32, alpha: f32,
  shape: array<vec4<u32>, 2>, xst: array<vec4<u32>, 2>, sst: array<vec4<u32>, 2>`)}
${FLAT_MAIN}
  var rem = i;
  var xo = p.off;
  var so = p.soff;
  var row = 0u;
  for (var d = i32(p.nd) - 1; d >= 0; d--) {
    let s = p.shape[d / 4][d % 4];
    let c = rem % s;
    rem = rem / s;
    xo += c * p.xst[d / 4][d % 4];
    if (u32(d) == p.dim) { row = c; } else { so += c * p.sst[d / 4][d % 4]; }
  }
  var v = X[xo];
  let a = u32(L[row]);
  let b = u32(L[row + 1u]);
  ${mode === 'freq' ? 'let scale = 1.0 / f32(b - a);' : ''}
  let sd = p.sst[p.dim / 4][p.dim % 4];
  for (var q = a; q < b; q++) {
    let x = S[so + u32(L[p.list + q]) * sd];
    ${step}
  }
  Y[i] = v;
}`;
}

/** index_add(self, dim, index, source, alpha) with source's slices shaped like self's (checks done by the caller), or null. */
export function gpuIndexAdd(self: Tensor, dim: number, index: Tensor, source: Tensor, alpha: number): Tensor | null {
  if (!wgslType(self.dtype) || !onGpu(self) || self.ndim === 0) return null;
  if (self.dtype === dtypes.int32 && !Number.isInteger(alpha)) return null;
  const idx = gpuIndex(index, self.shape[dim], false, true);
  return idx && addRows(self, dim, idx.host!, source, alpha, false);
}

/**
 * embedding_dense_backward: the rows of `grad` ([..., dim], float32 on the GPU) summed into [numWeights, dim]
 * at their indices in order, padding_idx skipped (scaled by 1 / count with scale_grad_by_freq), or null.
 */
export function gpuEmbeddingBackward(grad: Tensor, indices: Tensor, numWeights: number, paddingIdx: number, byFreq: boolean): Tensor | null {
  if (!onGpu(grad) || grad.dtype !== dtypes.float32 || grad.ndim === 0) return null;
  const dim = grad.shape[grad.ndim - 1];
  const n = indices.numel();
  if (grad.numel() !== n * dim) return null;
  const idx = gpuIndex(indices, numWeights, false, true);
  if (!idx) return null;
  const rows = idx.host!.map((k) => (k === paddingIdx ? -1 : k));
  const g = grad.isContiguous ? grad : gpuContiguous(grad);
  if (!g) return null;
  const g2 = new Tensor(g.storage, [n, dim], [dim, 1], g.offset, g.dtype);
  const zeros = gpuOut([numWeights, dim], dtypes.float32);
  return addRows(zeros, 0, rows, g2, 1, byFreq);
}

// ---- cat / stack ----------------------------------------------------------------------------------

/** Can `ts` be joined into a new `dtype` tensor on the GPU (gpuCopyInto each into a view of it)? */
export function gpuJoinable(ts: Tensor[], dtype: DType): boolean {
  const word = isWordType(dtype);
  if (!word && !wgslType(dtype)) return false;
  return ts.every((t) => onGpu(t) && t.ndim < MAX_DIMS && (word ? t.dtype === dtype : wgslType(t.dtype) !== null));
}

/** A new contiguous `dtype` tensor on the GPU for kernels to fill (zero-filled). */
export function gpuEmpty(shape: readonly number[], dtype: DType): Tensor {
  return gpuOut(shape, dtype);
}

export { gpuCopyInto };
