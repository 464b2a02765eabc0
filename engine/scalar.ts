// Python scalars as the engine sees them. JS numbers cannot tell 2 from 2.0, so the Python shim boxes
// Python floats as PyFloat; a plain JS number is a float only when it is not an integer.
import { DType, dtypes, getDefaultDType } from './dtype';

export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number { return this.value; }
}

export type Scalar = number | boolean | bigint | PyFloat;
export type ScalarKind = 'bool' | 'int' | 'float';

export function isScalar(x: unknown): x is Scalar {
  return typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint' || x instanceof PyFloat;
}

export function scalarKind(s: Scalar): ScalarKind {
  if (typeof s === 'boolean') return 'bool';
  if (s instanceof PyFloat) return 'float';
  if (typeof s === 'bigint') return 'int';
  return Number.isInteger(s) ? 'int' : 'float';
}

export function scalarValue(s: Scalar): number {
  if (typeof s === 'boolean') return s ? 1 : 0;
  if (s instanceof PyFloat) return s.value;
  if (typeof s === 'bigint') return Number(s);
  return s;
}

/** The dtype PyTorch gives a wrapped Python scalar (before category combination). */
export function scalarDType(s: Scalar): DType {
  const k = scalarKind(s);
  return k === 'bool' ? dtypes.bool : k === 'int' ? dtypes.int64 : getDefaultDType();
}

/** The dtype of a wrapped scalar tensor: floats are double, like PyTorch's wrapped_scalar_tensor. */
export function wrappedScalarDType(s: Scalar): DType {
  const k = scalarKind(s);
  return k === 'bool' ? dtypes.bool : k === 'int' ? dtypes.int64 : dtypes.float64;
}

/** Python's repr of a scalar argument in messages: 2, 2.5, True */
export function scalarRepr(s: Scalar): string {
  if (typeof s === 'boolean') return s ? 'True' : 'False';
  const v = scalarValue(s);
  if (scalarKind(s) === 'float' && Number.isInteger(v)) return `${v}.0`;
  return String(v);
}
