// PyTorch 1.13's CPU kernels for discrete distributions: random_ (unbounded and [from, to)), randint,
// randperm (native/TensorFactories.cpp randperm_cpu) and multinomial (native/Distributions.cpp,
// cpu/MultinomialKernel.cpp). Integer draws take 32 bits from random() unless the range needs random64().

import type { DTypeName, StorageArray } from '../dtype';
import { roundBF16, roundF16 } from '../dtype';
import { runtimeError } from '../errors';
import type { FloatDType, OutArray } from './common';
import { PT_NAME, castFloat, castTo, fr, isFloat, store } from './common';
import { exponential_ } from './continuous';
import type { Generator } from './generator';

// ---- integers -----------------------------------------------------------------------------------

const INT_MAX: Record<string, number> = { uint8: 255, int8: 127, int16: 32767, int32: 2147483647 };
const INT_MIN: Record<string, number> = { uint8: 0, int8: -128, int16: -32768, int32: -2147483648 };
const DIGITS: Record<FloatDType, number> = { float16: 11, bfloat16: 8, float32: 24, float64: 53 };

/** Tensor.random_() without bounds: [0, 2^mantissa] for floats, [0, max] for integers, {0, 1} for bool */
export function random_<T extends OutArray>(gen: Generator, out: T, dtype: DTypeName = 'int64'): T {
  const n = out.length;
  switch (dtype) {
    case 'bool': for (let i = 0; i < n; i++) out[i] = gen.random() & 1; break;
    case 'uint8': for (let i = 0; i < n; i++) out[i] = gen.random() % 256; break;
    case 'int8': for (let i = 0; i < n; i++) out[i] = gen.random() % 128; break;
    case 'int16': for (let i = 0; i < n; i++) out[i] = gen.random() % 32768; break;
    case 'int32': for (let i = 0; i < n; i++) out[i] = gen.random() % 2147483648; break;
    case 'float32': for (let i = 0; i < n; i++) out[i] = gen.random() % 16777217; break;
    case 'float16': for (let i = 0; i < n; i++) out[i] = gen.random() % 2049; break;
    case 'bfloat16': for (let i = 0; i < n; i++) out[i] = gen.random() % 257; break;
    case 'int64':
      for (let i = 0; i < n; i++) {
        const hi = gen.random() & 0x7fffffff, lo = gen.random();
        if (out instanceof BigInt64Array) out[i] = (BigInt(hi) << 32n) | BigInt(lo);
        else out[i] = hi * 4294967296 + lo;
      }
      break;
    case 'float64': {
      const m = (1n << 53n) + 1n;
      for (let i = 0; i < n; i++) out[i] = Number(gen.random64() % m);
      break;
    }
  }
  return out;
}

function toBig(v: number | bigint, name: string): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isInteger(v)) throw new TypeError(`random_(): argument '${name}' must be int`);
  return BigInt(v);
}

/** update_from / update_to: move a bound that the float dtype cannot hold to one it can */
function updateFrom(dtype: FloatDType, from: bigint): bigint {
  const fp1 = BigInt(castFloat(dtype, Number(from + 1n)));
  if (fp1 < from) {
    let f = from + 1n < 0n ? -(from + 1n) : from + 1n;
    let nb = 0n;
    while ((f >>= 1n) !== 0n) nb++;
    return fp1 + (1n << (nb - BigInt(DIGITS[dtype]) + 1n));
  }
  return from;
}
function updateTo(dtype: FloatDType, to: bigint): bigint {
  const tm1 = BigInt(castFloat(dtype, Number(to - 1n)));
  if (tm1 >= to) {
    let t = to - 1n < 0n ? -(to - 1n) : to - 1n;
    let nb = 0n;
    while ((t >>= 1n) !== 0n) nb++;
    return tm1 - (1n << (nb - BigInt(DIGITS[dtype]) + 1n));
  }
  return to;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function checkInRange(dtype: DTypeName, from: bigint, toInc: bigint): void {
  let lo: bigint, hi: bigint;
  if (dtype === 'bool') { lo = 0n; hi = 1n; } else if (dtype === 'int64') { lo = INT64_MIN; hi = INT64_MAX; } else if (isFloat(dtype)) {
    // PyTorch only warns for float bounds beyond 2^digits
    return;
  } else { lo = BigInt(INT_MIN[dtype]); hi = BigInt(INT_MAX[dtype]); }
  const name = TYPE_META[dtype];
  if (from < lo || from > hi) throw runtimeError(`from is out of bounds for ${name}`);
  if (toInc < lo || toInc > hi) throw runtimeError(`to - 1 is out of bounds for ${name}`);
}
const TYPE_META: Record<DTypeName, string> = {
  bool: 'bool', uint8: 'unsigned char', int8: 'signed char', int16: 'short int', int32: 'int', int64: 'long int',
  float16: 'c10::Half', bfloat16: 'c10::BFloat16', float32: 'float', float64: 'double',
};

/**
 * Tensor.random_(from, to) / torch.randint(low, high): uniform integers in [from, to), as
 * (random() % range) + from, or random64() when range >= 2^32 for int64/float64/float32/bfloat16.
 * to = null means up to the dtype's maximum; from = -2^63 with to = null is the full 64-bit range.
 */
export function randomFromTo_<T extends OutArray>(gen: Generator, out: T, from: number | bigint, to: number | bigint | null = null,
  dtype: DTypeName = 'int64'): T {
  let lo = toBig(from, 'from');
  const n = out.length;
  let range: bigint;
  if (to !== null) {
    let hi = toBig(to, 'to');
    if (!(lo < hi)) throw runtimeError(`random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`);
    if (isFloat(dtype)) {
      lo = updateFrom(dtype, lo);
      hi = updateTo(dtype, hi);
      if (!(lo < hi)) {
        throw runtimeError(`random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got from=${lo} >= to=${hi}`);
      }
    }
    checkInRange(dtype, lo, hi - 1n);
    range = hi - lo;
  } else if (lo !== INT64_MIN) {
    let toInc: bigint;
    if (isFloat(dtype)) {
      toInc = 1n << BigInt(DIGITS[dtype]);
      lo = updateFrom(dtype, lo);
      if (!(lo < toInc)) {
        throw runtimeError(`random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted to dtype, but got from=${lo} > to_inc=${toInc}`);
      }
    } else if (dtype === 'bool') {
      toInc = 1n;
    } else if (dtype === 'int64') {
      toInc = INT64_MAX;
    } else {
      toInc = BigInt(INT_MAX[dtype]);
    }
    checkInRange(dtype, lo, toInc);
    range = toInc - lo + 1n;
  } else {
    // [-2^63, 2^63): random64 reinterpreted as int64
    if (!(dtype === 'int64' || dtype === 'float64' || dtype === 'float32' || dtype === 'bfloat16')) {
      throw runtimeError('random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16');
    }
    for (let i = 0; i < n; i++) {
      const v = BigInt.asIntN(64, gen.random64());
      if (out instanceof BigInt64Array) out[i] = v;
      else out[i] = castFloat64Int(dtype, v);
    }
    return out;
  }
  const wide = range >= 1n << 32n && (dtype === 'int64' || dtype === 'float64' || dtype === 'float32' || dtype === 'bfloat16');
  if (!wide && range <= 0xffffffffn && lo >= -(2n ** 52n) && lo <= 2n ** 52n) {
    // fast path: everything fits a double exactly
    const r = Number(range), b = Number(lo);
    for (let i = 0; i < n; i++) store(out, i, castTo(dtype, gen.random() % r + b));
    return out;
  }
  for (let i = 0; i < n; i++) {
    const val = wide ? gen.random64() : BigInt(gen.random());
    const v = BigInt.asIntN(64, val % range + lo);
    if (out instanceof BigInt64Array) out[i] = v;
    else out[i] = castFloat64Int(dtype, v);
  }
  return out;
}

/** static_cast<T>(int64) for a value held as a bigint */
function castFloat64Int(dtype: DTypeName, v: bigint): number {
  if (dtype === 'float32') return int64ToFloat32(v);
  if (dtype === 'bfloat16') return roundBF16(int64ToFloat32(v));
  if (dtype === 'float16') return roundF16(int64ToFloat32(v));
  if (dtype === 'float64' || dtype === 'int64') return Number(v); // correctly rounded
  return castTo(dtype, Number(BigInt.asIntN(32, v)));
}

/** int64 -> float with a single rounding (Number(v) first could round twice) */
function int64ToFloat32(v: bigint): number {
  const a = v < 0n ? -v : v;
  if (a <= 1n << 53n) return fr(Number(v));
  // keep 25 significant bits plus a sticky bit, which a double holds exactly
  const bits = a.toString(2).length;
  const shift = BigInt(bits - 26);
  let m = a >> shift;
  if ((a & ((1n << shift) - 1n)) !== 0n) m |= 1n;
  const r = fr(Number(m) * 2 ** Number(shift));
  return v < 0n ? -r : r;
}

/** torch.randint(low, high, size) == empty(size, dtype).random_(low, high) */
export function randint<T extends OutArray>(gen: Generator, out: T, low: number | bigint, high: number | bigint, dtype: DTypeName = 'int64'): T {
  return randomFromTo_(gen, out, low, high, dtype);
}

// ---- randperm / multinomial ---------------------------------------------------------------------

/** torch.randperm(n): identity, then for i < n-1 swap r[i] with r[i + random() % (n - i)] */
export function randperm(gen: Generator, n: number, dtype: DTypeName = 'int64'): StorageArray {
  if (!(n >= 0)) throw runtimeError(`Trying to create tensor with negative dimension ${n}: [${n}]`);
  if (dtype === 'bool') throw runtimeError(`"randperm" not implemented for 'Bool'`);
  // check_supported_max_int_with_precision
  const intMax: Partial<Record<DTypeName, [number, string]>> = {
    uint8: [255, 'uint8_t'], int8: [127, 'int8_t'], int16: [32767, 'int16_t'], int32: [2147483647, 'int32_t'],
  };
  const im = intMax[dtype];
  if (im && n - 1 > im[0]) throw runtimeError(`value cannot be converted to type ${im[1]} without overflow`);
  if (dtype === 'float16' && n > 2049) throw runtimeError('n cannot be greater than 2049 for Half type.');
  if (dtype === 'float32' && n > 16777217) throw runtimeError('n cannot be greater than 2^24+1 for Float type.');
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const z = gen.random() % (n - i);
    const sav = r[i];
    r[i] = r[z + i];
    r[z + i] = sav;
  }
  switch (dtype) {
    case 'int64': case 'float64': return r;
    case 'float32': case 'float16': return new Float32Array(r);
    case 'bfloat16': return Float32Array.from(r, roundBF16); // the identity fill already rounds
    case 'int32': return new Int32Array(r);
    case 'int16': return new Int16Array(r);
    case 'int8': return new Int8Array(r);
    default: return new Uint8Array(r);
  }
}

/**
 * torch.multinomial(probs, numSamples, replacement) for probs of shape [nDist, nCategories] (row-major,
 * already in the probability dtype's values). Returns int64 indices, nDist * numSamples, row-major.
 * Without replacement PyTorch 1.13 draws q = exponential_(1) over probs' shape and takes argmax (one
 * sample) or topk of probs / q. With replacement (even for one sample) it bisects the normalised
 * cumulative sums for each uniform double. Ties among equal keys in the topk path are broken by index
 * here; PyTorch's order for them is unspecified.
 */
export function multinomial(gen: Generator, probs: ArrayLike<number>, nDist: number, nCategories: number,
  numSamples: number, replacement = false, dtype: FloatDType = 'float32'): Float64Array {
  if (!(numSamples > 0)) throw runtimeError('cannot sample n_sample <= 0 samples');
  if (!(replacement || numSamples <= nCategories)) {
    throw runtimeError('cannot sample n_sample > prob_dist.size(-1) samples without replacement');
  }
  if (nCategories > 16777216) throw runtimeError('number of categories cannot exceed 2^24');
  if (dtype === 'float16') throw runtimeError('multinomial is not implemented for half on CPU');
  const round = (v: number) => castFloat(dtype, v);
  const result = new Float64Array(nDist * numSamples);
  if (!replacement) {
    for (let i = 0; i < probs.length; i++) {
      if (!(probs[i] >= 0 && probs[i] < Infinity)) throw runtimeError('probability tensor contains either `inf`, `nan` or element < 0');
    }
    for (let d = 0; d < nDist; d++) {
      let s = 0;
      for (let j = 0; j < nCategories; j++) s += probs[d * nCategories + j];
      if (s === 0) throw runtimeError('invalid multinomial distribution (sum of probabilities <= 0)');
    }
    const q = exponential_(gen, new Float64Array(probs.length), 1, dtype) as Float64Array;
    for (let i = 0; i < q.length; i++) q[i] = round(probs[i] / q[i]);
    const idx = new Array<number>(nCategories);
    for (let d = 0; d < nDist; d++) {
      const base = d * nCategories;
      if (numSamples === 1) {
        let best = 0;
        for (let j = 1; j < nCategories; j++) if (q[base + j] > q[base + best]) best = j;
        result[d] = best;
        continue;
      }
      for (let j = 0; j < nCategories; j++) idx[j] = j;
      idx.sort((a, b) => (q[base + b] - q[base + a]) || (a - b));
      for (let j = 0; j < numSamples; j++) result[d * numSamples + j] = idx[j];
    }
    return result;
  }
  // sums and the normalised cumulative distribution are kept in float for bfloat16 (is_reduced_floating_point
  // version of the kernel), otherwise in the probabilities' dtype
  const acc = dtype === 'float64' ? (v: number) => v : fr;
  const cum = new Float64Array(nCategories);
  for (let d = 0; d < nDist; d++) {
    let sum = 0;
    for (let j = 0; j < nCategories; j++) {
      const v = probs[d * nCategories + j];
      if (!(v >= 0)) throw runtimeError('invalid multinomial distribution (encountering probability entry < 0)');
      if (!Number.isFinite(v)) throw runtimeError('invalid multinomial distribution (encountering probability entry = infinity or NaN)');
      sum = acc(sum + v);
      cum[j] = sum;
    }
    if (!(sum > 0)) throw runtimeError('invalid multinomial distribution (sum of probabilities <= 0)');
    for (let j = 0; j < nCategories; j++) cum[j] = acc(cum[j] / sum);
    cum[nCategories - 1] = 1;
    for (let s = 0; s < numSamples; s++) {
      const u = gen.randomDouble();
      let left = 0, right = nCategories;
      while (right - left > 0) {
        const mid = left + ((right - left) >> 1);
        if (cum[mid] < u) left = mid + 1; else right = mid;
      }
      result[d * numSamples + s] = left;
    }
  }
  return result;
}
