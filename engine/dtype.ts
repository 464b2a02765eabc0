// dtypes, storage arrays, value conversion and PyTorch's type promotion rules (c10/core/ScalarType.h,
// aten/src/ATen/native/TypeProperties.cpp). Pure functions: no tensors here.

export type DTypeName =
  | 'bool' | 'uint8' | 'int8' | 'int16' | 'int32' | 'int64'
  | 'float16' | 'bfloat16' | 'float32' | 'float64';

export type Category = 'bool' | 'int' | 'float';

export type StorageArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export class DType {
  constructor(
    readonly name: DTypeName,
    readonly category: Category,
    /** bytes per element as PyTorch reports them (element_size()) */
    readonly itemsize: number,
    /** index in PyTorch's promotion lattice */
    readonly rank: number,
    readonly arrayCtor: { new (n: number | ArrayLike<number>): StorageArray },
    /** true when a plain typed-array store does not already give PyTorch's value */
    readonly needsConvert: boolean,
  ) {}
  get isFloatingPoint(): boolean { return this.category === 'float'; }
  get isSigned(): boolean { return this.name !== 'uint8' && this.name !== 'bool'; }
  /** torch.float32 etc. */
  toString(): string { return `torch.${this.name}`; }
  /** legacy type string used by error messages and x.type(): torch.FloatTensor */
  get legacyName(): string { return LEGACY[this.name]; }
}

const LEGACY: Record<DTypeName, string> = {
  bool: 'BoolTensor', uint8: 'ByteTensor', int8: 'CharTensor', int16: 'ShortTensor', int32: 'IntTensor',
  int64: 'LongTensor', float16: 'HalfTensor', bfloat16: 'BFloat16Tensor', float32: 'FloatTensor', float64: 'DoubleTensor',
};

export const dtypes = {
  bool: new DType('bool', 'bool', 1, 0, Uint8Array, true),
  uint8: new DType('uint8', 'int', 1, 1, Uint8Array, false),
  int8: new DType('int8', 'int', 1, 2, Int8Array, false),
  int16: new DType('int16', 'int', 2, 3, Int16Array, false),
  int32: new DType('int32', 'int', 4, 4, Int32Array, false),
  // int64 is held in a Float64Array: exact within ±2^53, fast arithmetic. Stores truncate toward zero.
  int64: new DType('int64', 'int', 8, 5, Float64Array, true),
  float16: new DType('float16', 'float', 2, 6, Float32Array, true),
  bfloat16: new DType('bfloat16', 'float', 2, 7, Float32Array, true),
  float32: new DType('float32', 'float', 4, 8, Float32Array, false),
  float64: new DType('float64', 'float', 8, 9, Float64Array, false),
} as const satisfies Record<DTypeName, DType>;

/** Python-facing aliases: torch.float, torch.long, torch.half, ... */
export const dtypeAliases: Record<string, DTypeName> = {
  float: 'float32', double: 'float64', half: 'float16', long: 'int64', int: 'int32', short: 'int16',
  bool: 'bool', uint8: 'uint8', int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64',
  float16: 'float16', bfloat16: 'bfloat16', float32: 'float32', float64: 'float64',
};

export function dtypeOf(x: DType | string): DType {
  if (x instanceof DType) return x;
  const key = x.startsWith('torch.') ? x.slice(6) : x;
  const name = dtypeAliases[key];
  if (!name) throw new TypeError(`unknown dtype ${x}`);
  return dtypes[name];
}

// ---- value conversion --------------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** round a number to the nearest bfloat16 (round half to even), returned as a JS number */
export function roundBF16(x: number): number {
  f32[0] = x;
  if (Number.isNaN(f32[0])) return NaN;
  const bits = u32[0];
  const lsb = (bits >>> 16) & 1;
  u32[0] = ((bits + 0x7fff + lsb) & 0xffff0000) >>> 0;
  return f32[0];
}

/** round a number to the nearest IEEE half (round half to even), returned as a JS number */
export function roundF16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return x > 0 ? Infinity : -Infinity;
  // exponent of the half-precision value; subnormals share the minimum exponent
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1; else if (2 ** (e + 1) <= a) e += 1;
  if (e < -14) e = -14;
  const ulp = 2 ** (e - 10);
  const q = a / ulp;
  let r = Math.round(q);
  if (r - q === 0.5 && r % 2 === 1) r -= 1; // Math.round rounds half up; make it half-even
  const y = r * ulp;
  return x < 0 ? -y : y;
}

/** Convert a JS number to the value a tensor of `dtype` stores (PyTorch's static_cast semantics). */
export function castValue(dtype: DType, x: number): number {
  switch (dtype.name) {
    case 'bool': return x !== 0 ? 1 : 0;
    case 'int64': return Number.isFinite(x) ? Math.trunc(x) || 0 : (Number.isNaN(x) ? -9223372036854775808 : (x > 0 ? 9223372036854775807 : -9223372036854775808));
    case 'int32': return x | 0;
    case 'int16': return (x << 16) >> 16;
    case 'int8': return (x << 24) >> 24;
    case 'uint8': return x & 255;
    case 'float16': return roundF16(x);
    case 'bfloat16': return roundBF16(x);
    case 'float32': return Math.fround(x);
    default: return x;
  }
}

/**
 * A floating-point value converted to integer `dtype` as PyTorch's CPU kernels do (x86 cvtt): truncation,
 * out-of-range values and NaN give INT32_MIN (INT64_MIN for int64), and the narrow types keep the low bits
 * of that int32 (so 1e10 -> int8 is 0). castValue wraps instead, which is right for integer sources.
 */
export function castFloatToInt(dtype: DType, x: number): number {
  const t = Math.trunc(x);
  if (dtype.name === 'int64') return t >= -9223372036854775808 && t < 9223372036854775808 ? t || 0 : -9223372036854775808;
  const i32 = t >= -2147483648 && t <= 2147483647 ? t | 0 : -2147483648;
  return dtype.name === 'bool' ? (x !== 0 ? 1 : 0) : castValue(dtype, i32);
}

/** Store converter for a typed array of `dtype`: identity where the typed array already converts. */
export function storeConverter(dtype: DType): ((x: number) => number) | null {
  if (!dtype.needsConvert) return null;
  return (x: number) => castValue(dtype, x);
}

/** Apply `castValue` in place where the typed array itself does not already convert. */
export function fixupStore(dtype: DType, data: StorageArray, start = 0, end = data.length): void {
  if (!dtype.needsConvert) return;
  for (let i = start; i < end; i++) data[i] = castValue(dtype, data[i]);
}

// ---- type promotion ----------------------------------------------------------------------------

const ORDER: DTypeName[] = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'bfloat16', 'float32', 'float64'];

/** torch.promote_types */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a.category === 'bool') return b;
  if (b.category === 'bool') return a;
  if (a.category === 'float' || b.category === 'float') {
    if (a.category !== 'float') return b;
    if (b.category !== 'float') return a;
    // float16 + bfloat16 -> float32
    if ((a.name === 'float16' && b.name === 'bfloat16') || (a.name === 'bfloat16' && b.name === 'float16')) return dtypes.float32;
    return a.rank > b.rank ? a : b;
  }
  // both integral
  if (a.name === 'uint8' || b.name === 'uint8') {
    const other = a.name === 'uint8' ? b : a;
    return other.name === 'int8' ? dtypes.int16 : other;
  }
  return a.rank > b.rank ? a : b;
}

export function dtypeFromName(name: string): DType { return dtypes[name as DTypeName]; }
export const allDTypes: DType[] = ORDER.map((n) => dtypes[n]);

/** Operand description for result_type: dimensioned tensor, 0-dim tensor, or a Python scalar. */
export interface PromotionOperand { dtype: DType; kind: 'dim' | 'zero' | 'wrapped' }

let defaultFloat: DType = dtypes.float32;
export function getDefaultDType(): DType { return defaultFloat; }
export function setDefaultDType(d: DType): void {
  if (d.name !== 'float32' && d.name !== 'float64' && d.name !== 'float16' && d.name !== 'bfloat16') {
    throw new TypeError('only floating-point types are supported as the default type');
  }
  defaultFloat = d;
}

function combineCategories(higher: DType | null, lower: DType | null): DType | null {
  if (higher && higher.category === 'float') return higher;
  if (higher && lower && (higher.category === 'bool' || lower.category === 'float')) return promoteTypes(higher, lower);
  if (higher) return higher;
  return lower;
}

/** at::native::result_type over a list of operands (ResultTypeState). */
export function resultType(ops: PromotionOperand[]): DType {
  let dim: DType | null = null, zero: DType | null = null, wrapped: DType | null = null;
  for (const o of ops) {
    if (o.kind === 'dim') dim = dim ? promoteTypes(dim, o.dtype) : o.dtype;
    else if (o.kind === 'zero') zero = zero ? promoteTypes(zero, o.dtype) : o.dtype;
    else {
      const d = o.dtype.category === 'float' ? defaultFloat : o.dtype;
      wrapped = wrapped ? promoteTypes(wrapped, d) : d;
    }
  }
  return combineCategories(dim, combineCategories(zero, wrapped)) ?? defaultFloat;
}

/** torch.can_cast(from, to): casting is allowed unless it lowers the category. */
export function canCast(from: DType, to: DType): boolean {
  const order: Record<Category, number> = { bool: 0, int: 1, float: 2 };
  return order[from.category] <= order[to.category];
}
