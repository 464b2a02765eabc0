// Helpers shared by op implementations: tensor creation, scalar wrapping, type promotion over
// operands, views, and reducing a broadcast gradient back to an input's shape.
import { DType, PromotionOperand, castFloatToInt, castValue, dtypes, resultType } from '../dtype';
import { check } from '../errors';
import { Scalar, isScalar, scalarValue, wrappedScalarDType } from '../scalar';
import { Shape, contiguousStrides, numel } from '../shape';
import { Storage, Tensor, cpu } from '../tensor';
import { newTensor } from '../backends/cpu/elementwise';
import { dispatch } from './registry';
import { gpuContiguous } from '../backends/webgpu/kernels';
import { gpuCast, onWebgpuNow } from '../backends/webgpu/kernelsCopy';
import { noteView } from '../autograd';
import { allocArray, arenaFill } from '../backends/cpu/alloc';

export { newTensor };

/** A contiguous tensor filled with `value`. */
export function fullTensor(shape: Shape, value: number, dtype: DType): Tensor {
  const t = newTensor(shape, dtype);
  const v = castValue(dtype, value);
  if ((v !== 0 || Object.is(v, -0)) && !arenaFill(t.storage.data, v)) t.storage.data.fill(v);
  return t;
}

/** A 0-dim tensor from a Python scalar, marked as a wrapped number (for type promotion). */
export function wrapScalar(s: Scalar): Tensor {
  const dt = wrappedScalarDType(s);
  // a wrapped number is a CPU scalar whatever the op's device (as in PyTorch)
  const data = new dt.arrayCtor(1);
  data[0] = castValue(dt, scalarValue(s));
  const t = new Tensor(new Storage(data, cpu), [], [], 0, dt);
  t.wrappedNumber = true;
  return t;
}

export function scalarTensor(value: number, dtype: DType): Tensor {
  return fullTensor([], value, dtype);
}

export type TensorOrScalar = Tensor | Scalar;

export function toTensor(x: TensorOrScalar): Tensor {
  return x instanceof Tensor ? x : wrapScalar(x);
}

export function promotionOperand(x: TensorOrScalar): PromotionOperand {
  if (isScalar(x)) return { dtype: wrappedScalarDType(x), kind: 'wrapped' };
  const t = x as Tensor;
  return { dtype: t.dtype, kind: t.wrappedNumber ? 'wrapped' : t.ndim === 0 ? 'zero' : 'dim' };
}

/** torch.result_type over tensors and scalars. */
export function resultTypeOf(...xs: TensorOrScalar[]): DType {
  // fast path: two tensors of one dtype, neither a wrapped number (every category rule gives that dtype)
  if (xs.length === 2) {
    const [a, b] = xs;
    if (a instanceof Tensor && b instanceof Tensor && a.dtype === b.dtype && !a.wrappedNumber && !b.wrappedNumber) return a.dtype;
  }
  return resultType(xs.map(promotionOperand));
}

/** A view of `base` sharing its storage (PyTorch's as_strided-style alias, with _base linkage). */
export function makeView(base: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  const v = new Tensor(base.storage, shape, strides, offset, base.dtype);
  v.base = base.base ?? base;
  noteView(v, base);
  return v;
}

/** A contiguous copy (or `t` itself when it is already contiguous and `force` is false). */
export function contiguous(t: Tensor, force = false): Tensor {
  if (!force && t.isContiguous && t.offset === 0 && t.storage.length === t.numel()) return t;
  // a GPU storage is copied on the GPU (when the op runs there)
  const g = onWebgpuNow() ? gpuContiguous(t) : null;
  if (g) return g;
  const out = new Tensor(new Storage(copyData(t)), t.shape.slice(), contiguousStrides(t.shape), 0, t.dtype);
  return out;
}

function copyData(t: Tensor) {
  const src = t.contiguousData();
  const out = allocArray(t.dtype.arrayCtor, src.length, false);
  out.set(src);
  return out;
}

/** Values of a tensor converted to `dtype` (a new contiguous tensor; no autograd). */
export function castTensor(t: Tensor, dtype: DType): Tensor {
  const g = gpuCast(t, dtype);
  if (g) return g;
  const src = t.contiguousData();
  const out = newTensor(t.shape, dtype);
  const od = out.storage.data;
  if (t.dtype.category === 'float' && dtype.category === 'int') {
    for (let i = 0; i < src.length; i++) od[i] = castFloatToInt(dtype, src[i]);
  } else if (dtype.needsConvert || (t.dtype.category === 'float' && dtype.category !== 'float')) {
    for (let i = 0; i < src.length; i++) od[i] = castValue(dtype, src[i]);
  } else {
    od.set(src);
  }
  return out;
}

/** Call another op through the registry (so its autograd node is recorded). */
export const call = (name: string, ...args: unknown[]): Tensor => dispatch(name, args, null) as Tensor;
export const callKw = (name: string, args: unknown[], kwargs: Record<string, unknown>): Tensor => dispatch(name, args, kwargs) as Tensor;

/** Sum a broadcast gradient back to `shape` (autograd's sum_to). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) dims.push(i);
  }
  let r = dims.length ? callKw('sum', [g, dims], { keepdim: true }) : g;
  if (lead > 0 || r.shape.length !== shape.length) r = call('reshape', r, [...shape]);
  return r;
}

export function assertSameNumel(shape: Shape, n: number): void {
  check(numel(shape) === n, `shape '[${shape.join(', ')}]' is invalid for input of size ${n}`);
}

export const isFloat = (t: Tensor) => t.dtype.category === 'float';
export const boolT = dtypes.bool;
