// torch.tensor(data) / as_tensor(data) as PyTorch 1.13's internal_new_from_data builds them: the sizes
// from the chain of first elements (tensors are leaves there), then the dtype from every element
// (infer_scalar_type, combined with promoteTypes), then each leaf stored with store_scalar's checks
// (overflow for integer types, __index__ / __float__ on tensors). Each step raises PyTorch's error.
import { noGrad } from '../../autograd';
import { DType, castValue, dtypes, getDefaultDType, promoteTypes } from '../../dtype';
import { runtimeError, typeError, valueError } from '../../errors';
import { PyFloat } from '../../scalar';
import { Tensor } from '../../tensor';
import { pyTypeName } from '../schema';
import { newTensor } from '../util';

const MAX_DIMS = 128;

/** A Python float as it reaches the engine: a PyFloat (whole values) or a non-integer JS number. */
const isPyFloat = (x: unknown): x is PyFloat | number => x instanceof PyFloat || (typeof x === 'number' && !Number.isInteger(x));

/** compute_sizes: lengths along the first elements while they are sequences (a str is one, a tensor is not). */
function computeSizes(data: unknown): number[] {
  const sizes: number[] = [];
  let seq = data;
  while (Array.isArray(seq) || typeof seq === 'string') {
    if (sizes.length >= MAX_DIMS) throw valueError(`too many dimensions '${pyTypeName(seq)}'`);
    sizes.push(seq.length);
    if (seq.length === 0) break;
    seq = seq[0];
  }
  return sizes;
}

/** infer_scalar_type over everything in `x`. */
function inferDType(x: unknown): DType {
  if (isPyFloat(x)) return getDefaultDType();
  if (typeof x === 'boolean') return dtypes.bool;
  if (typeof x === 'number' || typeof x === 'bigint') return dtypes.int64;
  if (x instanceof Tensor) return x.dtype;
  if (typeof x === 'string') throw typeError("new(): invalid data type 'str'");
  if (Array.isArray(x)) {
    if (x.length === 0) return getDefaultDType();
    let d: DType | null = null;
    for (const e of x) {
      const t = inferDType(e);
      d = d ? promoteTypes(d, t) : t;
    }
    return d!;
  }
  throw runtimeError(`Could not infer dtype of ${pyTypeName(x)}`);
}

const INT_RANGE: Record<string, [number, number]> = {
  uint8: [0, 255], int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647],
  int64: [-9223372036854775808, 9223372036854775807],
};

/**
 * c10::checked_convert of a Python number into integer dtype `dt` (c10::overflows): a float must be finite
 * and within the type's range; an int too, except that an unsigned type also takes negatives down to -max
 * (they wrap, as two's complement).
 */
function checkedInt(dt: DType, v: number, fromFloat: boolean): number {
  const [lo, hi] = INT_RANGE[dt.name];
  const overflow = fromFloat ? !(v >= lo && v <= hi) : v > hi || (lo === 0 ? -v > hi : v < lo);
  if (overflow) throw runtimeError(`value cannot be converted to type ${dt.name} without overflow`);
  return castValue(dt, Math.trunc(v));
}

/** int(x) through __index__ (PyLong_AsLongLong): Python ints and bools, or a one-element integer tensor. */
function indexValue(x: unknown): number {
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (typeof x === 'number') return x;
  if (typeof x === 'bigint') return Number(x);
  if (x instanceof Tensor) {
    if (x.dtype.category === 'float' || x.numel() !== 1) throw typeError('only integer tensors of a single element can be converted to an index');
    return x.storage.data[x.offset];
  }
  throw typeError(`'${pyTypeName(x)}' object cannot be interpreted as an integer`);
}

/** store_scalar: one leaf value converted into `dt`. */
function storeValue(x: unknown, dt: DType): number {
  if (dt.category === 'float') {
    if (typeof x === 'boolean') return x ? 1 : 0;
    if (typeof x === 'number' || typeof x === 'bigint') return castValue(dt, Number(x));
    if (x instanceof PyFloat) return castValue(dt, x.value);
    if (x instanceof Tensor) {
      if (x.numel() !== 1) throw valueError('only one element tensors can be converted to Python scalars');
      return castValue(dt, x.storage.data[x.offsets()[0]]);
    }
    throw typeError(`must be real number, not ${pyTypeName(x)}`);
  }
  if (dt.category === 'bool') {
    if (isPyFloat(x)) return (x instanceof PyFloat ? x.value : x) !== 0 ? 1 : 0;
    return indexValue(x) !== 0 ? 1 : 0;
  }
  if (isPyFloat(x)) return checkedInt(dt, x instanceof PyFloat ? x.value : x, true);
  if (x instanceof Tensor && x.numel() === 1 && x.dtype.category !== 'float') return checkedInt(dt, x.storage.data[x.offsets()[0]], false);
  return checkedInt(dt, indexValue(x), false);
}

/** The elements of `x` along its first dim for recursive_store (a list, or a tensor iterated). */
function sequenceItems(x: unknown): unknown[] {
  if (Array.isArray(x)) return x;
  if (x instanceof Tensor) {
    if (x.ndim === 0) throw typeError('iteration over a 0-d tensor');
    return noGrad(() => x.unbind(0) as Tensor[]);
  }
  throw typeError('not a sequence');
}

/** torch.tensor(data, dtype=None) for data that is not itself a tensor. */
export function tensorFromNested(data: unknown, dtype: DType | null): Tensor {
  const sizes = computeSizes(data);
  const dt = dtype ?? inferDType(data);
  const out = newTensor(sizes, dt);
  const od = out.storage.data;
  if (od.length === 0) return out;
  let k = 0;
  const store = (x: unknown, dim: number): void => {
    if (dim === sizes.length) { od[k++] = storeValue(x, dt); return; }
    const items = sequenceItems(x);
    if (items.length !== sizes[dim]) {
      throw valueError(`expected sequence of length ${sizes[dim]} at dim ${dim} (got ${items.length})`);
    }
    for (const e of items) store(e, dim + 1);
  };
  store(data, 0);
  return out;
}

