// Helpers shared by the shape and indexing tables (no ops here): view geometry (select / slice /
// diagonal / unfold computed on any sizes+strides, so the same code serves the forward view and the
// backward "scatter into zeros"), dim-list normalisation, and a typed view-recording helper.
import { record } from '../../autograd';
import { TorchError, check } from '../../errors';
import { castValue } from '../../dtype';
import { contiguousStrides, wrapDim } from '../../shape';
import { Tensor } from '../../tensor';
import { fullTensor, makeView } from '../util';

export interface Geom { shape: number[]; strides: number[]; offset: number }

export const geomOf = (t: Tensor): Geom => ({ shape: t.shape.slice(), strides: t.strides.slice(), offset: t.offset });
export const contiguousGeom = (sizes: readonly number[]): Geom => ({ shape: sizes.slice(), strides: contiguousStrides(sizes), offset: 0 });

/** A view of `self` with geometry `g`, recording `name` whose backward maps the output grad to self's grad. */
export function viewOp(self: Tensor, g: Geom, name: string, backward: (grad: Tensor) => Tensor): Tensor {
  const out = makeView(self, g.shape, g.strides, g.offset);
  record(name, [self], out, ([grad]) => [backward(grad!)]);
  return out;
}

/** Wrap a list of dims, PyTorch's "dim X appears multiple times in the list of dims" check. */
export function wrapDims(dims: readonly number[], ndim: number): number[] {
  const out = dims.map((d) => wrapDim(d, ndim));
  const seen = new Set<number>();
  for (const d of out) {
    check(!seen.has(d), () => `dim ${d} appears multiple times in the list of dims`);
    seen.add(d);
  }
  return out;
}

// ---- geometry of the basic views ---------------------------------------------------------------

/** select(dim, index) with `index` already wrapped to [0, size). */
export function selectGeom(g: Geom, dim: number, index: number): Geom {
  const shape = g.shape.slice(), strides = g.strides.slice();
  const offset = g.offset + index * strides[dim];
  shape.splice(dim, 1);
  strides.splice(dim, 1);
  return { shape, strides, offset };
}

/** Clamp slice bounds like at::slice: negative bounds wrap once, then clamp to [0, size], end >= start. */
export function clampSlice(size: number, start: number | null, end: number | null): [number, number] {
  let s = start ?? 0, e = end ?? Number.MAX_SAFE_INTEGER;
  if (s < 0) s += size;
  if (e < 0) e += size;
  if (s < 0) s = 0; else if (s >= size) s = size;
  if (e < s) e = s; else if (e >= size) e = size;
  return [s, e];
}

/** slice(dim, start, end, step) with start/end already clamped. */
export function sliceGeom(g: Geom, dim: number, start: number, end: number, step: number): Geom {
  const shape = g.shape.slice(), strides = g.strides.slice();
  const offset = g.offset + start * strides[dim];
  shape[dim] = Math.floor((end - start + step - 1) / step);
  strides[dim] *= step;
  return { shape, strides, offset };
}

/** diagonal(offset, dim1, dim2) with dims wrapped and distinct: the diagonal becomes the last dim. */
export function diagonalGeom(g: Geom, off: number, d1: number, d2: number): Geom {
  let offset = g.offset;
  let len: number;
  if (off >= 0) {
    len = Math.max(Math.min(g.shape[d1], g.shape[d2] - off), 0);
    if (len > 0) offset += off * g.strides[d2];
  } else {
    len = Math.max(Math.min(g.shape[d1] + off, g.shape[d2]), 0);
    if (len > 0) offset -= off * g.strides[d1];
  }
  const shape: number[] = [], strides: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i === d1 || i === d2) continue;
    shape.push(g.shape[i]);
    strides.push(g.strides[i]);
  }
  shape.push(len);
  strides.push(g.strides[d1] + g.strides[d2]);
  return { shape, strides, offset };
}

/** unfold(dim, size, step): windows along dim, the window becomes a new last dim. */
export function unfoldGeom(g: Geom, dim: number, size: number, step: number): Geom {
  const shape = g.shape.slice(), strides = g.strides.slice();
  if (shape.length === 0) return { shape: [size], strides: [1], offset: g.offset };
  shape[dim] = Math.floor((g.shape[dim] - size) / step) + 1;
  strides[dim] = g.strides[dim] * step;
  shape.push(size);
  strides.push(g.strides[dim]);
  return { shape, strides, offset: g.offset };
}

/**
 * The gradient of a view: a zero tensor of `sizes` with `grad` added at the positions the view
 * geometry `g` (computed on the contiguous layout of `sizes`) selects. Overlapping views accumulate.
 */
export function scatterViewGrad(grad: Tensor, sizes: readonly number[], g: Geom): Tensor {
  const out = fullTensor(sizes, 0, grad.dtype);
  const od = out.storage.data;
  const target = new Tensor(out.storage, g.shape, g.strides, g.offset, grad.dtype).offsets();
  const src = grad.contiguousData();
  const dt = grad.dtype;
  if (dt.needsConvert) {
    for (let i = 0; i < target.length; i++) od[target[i]] = castValue(dt, od[target[i]] + src[i]);
  } else {
    for (let i = 0; i < target.length; i++) od[target[i]] += src[i];
  }
  return out;
}

/** IndexError with PyTorch's text for a 0-dim tensor in ops that need a dim. */
export const zeroDimError = (op: string) => new TorchError('IndexError', `${op}() cannot be applied to a 0-dim tensor.`);

/** "[2, 3]" */
export const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

// ---- memory overlap (ATen/MemoryOverlap.cpp), checked before writing into a tensor -------------

/** TensorImpl::compute_non_overlapping_and_dense: the elements tile a dense block in some dim order. */
export function nonOverlappingDense(t: Tensor): boolean {
  const n = t.ndim;
  if (n === 1) return t.shape[0] < 2 || t.strides[0] === 1;
  const perm = [...Array(n).keys()].sort((a, b) => {
    if (t.shape[a] < 2) return t.shape[b] < 2 ? 0 : 1;
    if (t.shape[b] < 2) return -1;
    return t.strides[a] - t.strides[b];
  });
  let require = 1;
  for (const d of perm) {
    if (t.shape[d] < 2) return true;
    if (t.strides[d] !== require) return false;
    require *= t.shape[d];
  }
  return true;
}

/** assert_no_internal_overlap for a tensor about to be written. */
export function assertNoInternalOverlap(t: Tensor): void {
  if (nonOverlappingDense(t)) return;
  check(!t.shape.some((s, d) => s > 1 && t.strides[d] === 0),
    'unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.');
}

/** assert_no_partial_overlap(out, input): same storage, overlapping but not identical memory. */
export function assertNoPartialOverlap(out: Tensor, input: Tensor): void {
  if (out === input || out.storage !== input.storage || out.numel() === 0 || input.numel() === 0) return;
  if (!nonOverlappingDense(out) || !nonOverlappingDense(input)) return; // TOO_HARD: not checked
  const a0 = out.offset, a1 = a0 + out.numel(), b0 = input.offset, b1 = b0 + input.numel();
  const full = a0 === b0 && a1 === b1 && out.strides.every((s, i) => s === input.strides[i]);
  check(full || !(a0 < b1 && b0 < a1),
    'unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.');
}
