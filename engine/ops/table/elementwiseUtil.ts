// Shared helpers of the elementwise op tables (unary.ts, arith.ts, compare.ts, elementwise*.ts):
// PyTorch's dtype rules for elementwise kernels, float32 step rounding, "not implemented for" errors,
// n-ary broadcasting kernels, and in-place wrappers with the checks PyTorch makes before computing.
import { DType, castValue, getDefaultDType } from '../../dtype';
import { TorchError, runtimeError } from '../../errors';
import { needsGrad, record } from '../../autograd';
import { broadcastAll, broadcastShapes } from '../../shape';
import { Tensor, cpu, deviceContext } from '../../tensor';
import { MapOperand, gpuMap } from '../../backends/webgpu/kernels';
import { binaryMap, broadcastOffsets, newTensor, unaryMap } from '../../backends/cpu/elementwise';
import { checkInplaceLeaf, commitInPlace, shadowOf, shortTypeName } from '../inplace';
import { Bound } from '../schema';
import { OpDef } from '../spec';

export type Round = (x: number) => number;
const ident: Round = (x) => x;
const isHalf = (d: DType) => d.name === 'float16' || d.name === 'bfloat16';

/**
 * The rounding of one arithmetic step in PyTorch's CPU kernel for `d`: float32 (and the float32
 * "opmath" of float16/bfloat16) rounds every step, float64 and integers do not.
 */
export const stepRound = (d: DType): Round => (d.category === 'float' && d.name !== 'float64' ? Math.fround : ident);

/** Unary float functions promote integral and bool inputs to the default float dtype. */
export const floatOf = (d: DType): DType => (d.category === 'float' ? d : getDefaultDType());

/** PyTorch's AT_DISPATCH error: "exp_vml_cpu" not implemented for 'Half' */
export const notImplemented = (kernel: string, d: DType) => runtimeError(`"${kernel}" not implemented for '${shortTypeName(d)}'`);

/** The dtype families a CPU kernel dispatches: every family is supported unless set to false. */
export interface Support { bool?: boolean; int?: boolean; half?: boolean; bfloat16?: boolean; float?: boolean }
export function checkSupport(kernel: string, d: DType, s: Support): void {
  const ok = d.category === 'bool' ? s.bool !== false
    : d.category === 'int' ? s.int !== false
      : d.name === 'float16' ? s.half !== false
        : d.name === 'bfloat16' ? s.bfloat16 !== false : s.float !== false;
  if (!ok) throw notImplemented(kernel, d);
}

/** out[i] = f(x[i]): x read as `compute` (cast like TensorIterator does), result stored as `out`. */
export function mapUnary(x: Tensor, compute: DType, out: DType, f: (v: number) => number): Tensor {
  const conv = compute !== x.dtype;
  const half = isHalf(compute);
  const g = half
    ? (v: number) => Math.fround(f(conv ? castValue(compute, v) : v))
    : conv ? (v: number) => f(castValue(compute, v)) : f;
  return unaryMap(x, x.dtype, out, g);
}

/** out = f(a, b) broadcast; both operands are cast to `compute` first (half types then run in float32). */
export function mapBinary(a: Tensor, b: Tensor, compute: DType, out: DType, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  if (isHalf(compute)) {
    const ca = a.dtype !== compute, cb = b.dtype !== compute;
    return binaryMap(a, b, shape, compute, out, (x, y) => Math.fround(f(ca ? castValue(compute, x) : x, cb ? castValue(compute, y) : y)));
  }
  return binaryMap(a, b, shape, compute, out, f);
}

/** An operand as the GPU kernels take it: a 0-dim CPU tensor (a scalar) becomes its value. */
const gpuOperand = (t: Tensor, compute: DType): MapOperand => (t.ndim === 0 && (t.device === cpu || t.wrappedNumber) ? castValue(compute, t.scalarValue()) : t);

/**
 * The webgpu kernel of an elementwise op (`expr` over a, b, c in WGSL; extra operands are uniforms),
 * or null when an operand is not on the GPU or its dtype has no WGSL type (then the op runs on the CPU).
 */
export function gpuElementwise(xs: Tensor[], compute: DType, out: DType, expr: string, extra: number[] = []): Tensor | null {
  // not only when the running op is placed on the device: backward closures run outside dispatch (on the
  // default device) and their GPU operands should still give GPU results
  if (!deviceContext.active) return null;
  const shape = xs.length === 1 ? xs[0].shape : xs.length === 2 ? broadcastShapes(xs[0].shape, xs[1].shape) : broadcastAll(xs.map((x) => x.shape));
  return gpuMap([...xs.map((x) => gpuOperand(x, compute)), ...extra], shape, compute, out, expr);
}

/** out = f(x, y, z) over three broadcast operands, each cast to `compute`. */
export function mapTernary(a: Tensor, b: Tensor, c: Tensor, compute: DType, out: DType, f: (x: number, y: number, z: number) => number): Tensor {
  const shape = broadcastAll([a.shape, b.shape, c.shape]);
  const res = newTensor(shape, out);
  const od = res.storage.data;
  const oa = broadcastOffsets(a, shape), ob = broadcastOffsets(b, shape), oc = broadcastOffsets(c, shape);
  const ad = a.storage.data, bd = b.storage.data, cd = c.storage.data;
  const rd = (t: Tensor) => (t.dtype === compute ? ident : (v: number) => castValue(compute, v));
  const ra = rd(a), rb = rd(b), rc = rd(c);
  const fin = isHalf(compute) ? Math.fround : ident;
  for (let i = 0; i < od.length; i++) od[i] = fin(f(ra(ad[oa[i]]), rb(bd[ob[i]]), rc(cd[oc[i]])));
  if (out.needsConvert) for (let i = 0; i < od.length; i++) od[i] = castValue(out, od[i]);
  return res;
}

/** C++ type names that some checks print instead of PyTorch's short names (clamp_ with a Scalar bound). */
const CPP_NAMES: Record<string, string> = {
  bool: 'bool', uint8: 'unsigned char', int8: 'signed char', int16: 'short int', int32: 'int', int64: 'long int',
  float16: 'c10::Half', bfloat16: 'c10::BFloat16', float32: 'float', float64: 'double',
};
export const cppTypeName = (d: DType) => CPP_NAMES[d.name];

/** "result type Float can't be cast to the desired output type Long" (or with `name` for the output). */
export function castError(result: DType, outName: string): TorchError {
  return runtimeError(`result type ${shortTypeName(result)} can't be cast to the desired output type ${outName}`);
}

/**
 * The in-place variant of `def` (method only) where PyTorch checks something before computing
 * (`precheck` may throw); otherwise behaves like engine/ops/inplace.ts's inplaceVariant.
 */
export function inplaceWith(def: OpDef, precheck: (a: Bound, overload: number) => void, name = `${def.name}_`): OpDef {
  const sigs = (Array.isArray(def.sig) ? def.sig : [def.sig]).map((s) => s.replace(/^([\w]+)/, name));
  return {
    name,
    sig: sigs,
    variants: ['method'],
    doc: `In-place version of ${def.name}.`,
    impl: (a: Bound, ov: number) => {
      const self: Tensor = a.self;
      checkInplaceLeaf(self);
      precheck(a, ov);
      const others = Object.values(a).filter((v): v is Tensor => v instanceof Tensor && v !== self);
      const src = needsGrad([self, ...others]) ? shadowOf(self) : self;
      const r = def.impl({ ...a, self: src }, ov) as Tensor;
      return commitInPlace(self, r);
    },
  };
}

/** A grad_fn named NotImplemented, like PyTorch's for ops without a derivative formula. */
export function recordNotImplemented(op: string, inputs: Tensor[], out: Tensor): void {
  record('NotImplemented', inputs, out, () => { throw runtimeError(`derivative for aten::${op} is not implemented`); });
}

/** A double as C++'s `ostream << double` prints it (%g with 6 significant digits): 1e-05, -0.2, 100000, 1e+06. */
export function cppDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(6)))));
  if (exp < -4 || exp >= 6) {
    const [m, e] = x.toExponential(5).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const en = Number(e);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const s = x.toFixed(Math.max(0, 5 - exp));
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

const CHECKED_NAMES: Record<string, string> = {
  uint8: 'uint8_t', int8: 'int8_t', int16: 'int16_t', int32: 'int', int64: 'int64_t', float16: 'at::Half', bfloat16: 'at::BFloat16', float32: 'float',
};
const RANGE: Record<string, [number, number]> = {
  uint8: [-255, 255], int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647], int64: [-9223372036854775808, 9223372036854775807],
  float16: [-65504, 65504], bfloat16: [-3.3895313892515355e38, 3.3895313892515355e38], float32: [-3.4028234663852886e38, 3.4028234663852886e38],
};

/** Scalar::to<T>() (c10::checked_convert): the value in `d`, or PyTorch's overflow error. */
export function checkedScalar(v: number, d: DType): number {
  const range = RANGE[d.name];
  if (range) {
    const isInt = d.category === 'int';
    const bad = isInt ? !(v >= range[0] && v <= range[1]) : Number.isFinite(v) && (v < range[0] || v > range[1]);
    if (bad) throw runtimeError(`value cannot be converted to type ${CHECKED_NAMES[d.name]} without overflow`);
  }
  return castValue(d, v);
}
