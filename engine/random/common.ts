// Shared pieces of the samplers: output buffers, dtype casts as PyTorch's static_cast does them, and the
// rendering of numbers in PyTorch's error messages.
//
// Buffers follow the engine's storage: float16/bfloat16 values sit rounded in a Float32Array, int64 in a
// Float64Array (or exactly in a BigInt64Array when one is passed), bool as 0/1 in a Uint8Array.

import type { DTypeName, StorageArray } from '../dtype';
import { roundBF16, roundF16 } from '../dtype';
import { runtimeError } from '../errors';

export type OutArray = StorageArray | BigInt64Array;
export type FloatDType = 'float16' | 'bfloat16' | 'float32' | 'float64';

export const fr = Math.fround;

export function isFloat(dtype: DTypeName): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** static_cast<scalar_t>(double) for a floating dtype (Half and BFloat16 convert through float) */
export function castFloat(dtype: FloatDType, v: number): number {
  switch (dtype) {
    case 'float32': return fr(v);
    case 'float16': return roundF16(fr(v));
    case 'bfloat16': return roundBF16(v);
    default: return v;
  }
}

/** static_cast<scalar_t>(double) for any dtype; integer targets truncate (values here are in range) */
export function castTo(dtype: DTypeName, v: number): number {
  switch (dtype) {
    case 'bool': return v !== 0 ? 1 : 0;
    case 'uint8': return Math.trunc(v) & 255;
    case 'int8': return (Math.trunc(v) << 24) >> 24;
    case 'int16': return (Math.trunc(v) << 16) >> 16;
    case 'int32': return Math.trunc(v) | 0;
    case 'int64': return Math.trunc(v);
    default: return castFloat(dtype, v);
  }
}

export function store(out: OutArray, i: number, v: number): void {
  if (out instanceof BigInt64Array) out[i] = BigInt(v);
  else out[i] = v;
}

export function checkFloat(dtype: DTypeName, what: string): asserts dtype is FloatDType {
  if (!isFloat(dtype)) throw runtimeError(`"${what}" not implemented for '${PT_NAME[dtype]}'`);
}

export const PT_NAME: Record<DTypeName, string> = {
  bool: 'Bool', uint8: 'Byte', int8: 'Char', int16: 'Short', int32: 'Int', int64: 'Long',
  float16: 'Half', bfloat16: 'BFloat16', float32: 'Float', float64: 'Double',
};

/** a C++ stream's rendering of a double in the messages above (%g-like, 6 significant digits) */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -5 || exp >= 6) {
    const [m, e] = v.toExponential(5).split('e');
    const mm = m.replace(/\.?0+$/, '');
    const en = Number(e);
    return `${mm}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  return String(Number(v.toPrecision(6)));
}
