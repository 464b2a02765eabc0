// Shapes, strides and dims: pure functions (PyTorch's ExpandUtils / WrapDimUtils / infer_size).
import { TorchError, check } from './errors';

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= Math.max(shape[i], 1);
  }
  return st;
}

/** c10's is_contiguous: sizes of 1 ignore their stride; empty tensors are contiguous. */
export function isContiguous(shape: Shape, strides: Shape): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 0) return true;
    if (shape[i] !== 1) {
      if (strides[i] !== expected) return false;
      expected *= shape[i];
    }
  }
  return true;
}

/** maybe_wrap_dim with PyTorch's IndexError text. */
export function wrapDim(dim: number, ndim: number, wrapScalar = true): number {
  let n = ndim;
  if (n <= 0) {
    if (!wrapScalar) throw new TorchError('IndexError', `dimension specified as ${dim} but tensor has no dimensions`);
    n = 1;
  }
  const min = -n, max = n - 1;
  if (dim < min || dim > max) {
    throw new TorchError('IndexError', `Dimension out of range (expected to be in range of [${min}, ${max}], but got ${dim})`);
  }
  return dim < 0 ? dim + n : dim;
}

/** infer_size: broadcast two shapes, PyTorch's error text. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    const off = n - 1 - i;
    const da = a.length - 1 - off, db = b.length - 1 - off;
    const sa = da >= 0 ? a[da] : 1;
    const sb = db >= 0 ? b[db] : 1;
    check(sa === sb || sa === 1 || sb === 1,
      () => `The size of tensor a (${sa}) must match the size of tensor b (${sb}) at non-singleton dimension ${i}`);
    out[i] = sa === 1 ? sb : sa;
  }
  return out;
}

export function broadcastAll(shapes: Shape[]): number[] {
  let out: number[] = [];
  for (const s of shapes) out = broadcastShapes(out, s);
  return out;
}

/** Strides that view a tensor of (shape, strides) as `target` by broadcasting (stride 0 on new/expanded dims). */
export function broadcastStrides(shape: Shape, strides: Shape, target: Shape): number[] {
  const n = target.length;
  const out = new Array<number>(n).fill(0);
  const off = n - shape.length;
  for (let i = 0; i < shape.length; i++) out[i + off] = shape[i] === 1 && target[i + off] !== 1 ? 0 : strides[i];
  return out;
}

/** infer_size for view/reshape with a single -1. */
export function inferSize(shape: Shape, total: number): number[] {
  let inferIdx = -1;
  let prod = 1;
  const out = shape.slice();
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === -1) {
      check(inferIdx < 0, 'only one dimension can be inferred');
      inferIdx = i;
    } else {
      check(shape[i] >= 0, () => `invalid shape dimension ${shape[i]}`);
      prod *= shape[i];
    }
  }
  const bad = () => `shape '[${shape.join(', ')}]' is invalid for input of size ${total}`;
  if (inferIdx >= 0) {
    check(prod !== 0 && total % prod === 0, bad);
    out[inferIdx] = total / prod;
  } else {
    check(prod === total, bad);
  }
  return out;
}

/** at::detail::computeStride: strides for viewing (oldShape, oldStrides) as newShape without a copy, or null. */
export function computeViewStrides(oldShape: Shape, oldStrides: Shape, newShape: Shape): number[] | null {
  if (oldShape.length === 0) return newShape.map(() => 1);
  const n = numel(oldShape);
  if (n === 0) {
    if (oldShape.length === newShape.length && oldShape.every((s, i) => s === newShape[i])) return oldStrides.slice();
    return contiguousStrides(newShape);
  }
  const newStrides = new Array<number>(newShape.length).fill(0);
  let viewD = newShape.length - 1;
  let chunkBaseStride = oldStrides[oldStrides.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let tensorD = oldShape.length - 1; tensorD >= 0; tensorD--) {
    tensorNumel *= oldShape[tensorD];
    if (tensorD === 0 || (oldShape[tensorD - 1] !== 1 && oldStrides[tensorD - 1] !== tensorNumel * chunkBaseStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (tensorD > 0) {
        chunkBaseStride = oldStrides[tensorD - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

export function shapeEq(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** "[2, 3]" as PyTorch writes sizes in messages */
export const fmtShape = (s: Shape) => `[${s.join(', ')}]`;

/**
 * Merge dims that every operand walks contiguously (size-1 dims vanish): `strides[k]` are operand k's
 * strides over `shape`. The CPU kernels walk the result row by row, the GPU kernels index it.
 */
export function coalesce(shape: readonly number[], strides: number[][]): { shape: number[]; strides: number[][] } {
  const sh: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = sh.length - 1;
    if (last >= 0 && strides.every((s, k) => st[k][last] === s[d] * shape[d])) {
      sh[last] *= shape[d];
      for (let k = 0; k < strides.length; k++) st[k][last] = strides[k][d];
    } else {
      sh.push(shape[d]);
      for (let k = 0; k < strides.length; k++) st[k].push(strides[k][d]);
    }
  }
  return { shape: sh, strides: st };
}
