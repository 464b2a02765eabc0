// PyTorch 1.13's CPU kernels for continuous distributions, filling a contiguous buffer in PyTorch's
// element order: uniform_, normal_ (randn), torch.normal with tensor arguments, exponential_, bernoulli_.
// Sources: aten/src/ATen/native/cpu/DistributionTemplates.h (kernels), core/DistributionsHelper.h and
// core/TransformationHelper.h (per-sample transforms), native/DistributionTemplates.h (argument checks).
// The reference build has no MKL, so bernoulli_(p) takes the portable kernel. PyTorch's kernels are
// built with -mfma, so `x * (to - from) + from` and `z * std + mean` are fused multiply-adds.

import type { DTypeName } from '../dtype';
import { roundBF16, roundF16 } from '../dtype';
import { runtimeError } from '../errors';
import { log256, sincos256, sincosCos, sincosSin } from './avxmath';
import type { FloatDType, OutArray } from './common';
import { castFloat, checkFloat, fmt, fr, store } from './common';
import { fma32, fma64 } from './fma';
import type { Generator } from './generator';
import { cos, cosf, log, logf, sin, sinf } from './libm';

const TWO_PI = 2 * Math.PI;
const TWO_PI_F = fr(2 * Math.PI);

// ---- uniform ------------------------------------------------------------------------------------

/** Tensor.uniform_(from, to): torch.rand, nn.init.uniform_/kaiming_uniform_/xavier_uniform_, Linear bias */
export function uniform_<T extends OutArray>(gen: Generator, out: T, from = 0, to = 1, dtype: DTypeName = 'float32'): T {
  checkFloat(dtype, 'check_uniform_bounds');
  if (!(from <= to)) throw runtimeError(`uniform_ expects to return a [from, to) range, but found from=${fmt(from)} > to=${fmt(to)}`);
  const n = out.length;
  if (dtype === 'float64') {
    const d = to - from;
    for (let i = 0; i < n; i++) out[i] = fma64(gen.randomDouble(), d, from);
  } else if (dtype === 'float32') {
    const f = fr(from), d = fr(fr(to) - f);
    for (let i = 0; i < n; i++) out[i] = fma32((gen.random() & 0xffffff) / 16777216, d, f);
  } else {
    // Half / BFloat16: from, to and to - from are rounded to the dtype, the sample is formed in float
    const bits = dtype === 'float16' ? 11 : 8;
    const round = dtype === 'float16' ? (v: number) => roundF16(fr(v)) : roundBF16;
    const f = round(from), d = round(round(to) - f);
    const mask = (1 << bits) - 1, scale = 1 / (1 << bits);
    for (let i = 0; i < n; i++) out[i] = round(fma32((gen.random() & mask) * scale, d, f));
  }
  return out;
}

// ---- normal -------------------------------------------------------------------------------------

/** one sample of at::normal_distribution<double>(mean, std), using and refilling the generator's cache */
export function normalSample(gen: Generator, mean = 0, std = 1): number {
  const cached = gen.nextDoubleNormalSample;
  if (cached !== null) {
    gen.nextDoubleNormalSample = null;
    return fma64(cached, std, mean);
  }
  const u1 = gen.randomDouble();
  const u2 = gen.randomDouble();
  const r = Math.sqrt(-2.0 * log(1.0 - u2));
  const theta = TWO_PI * u1;
  gen.nextDoubleNormalSample = r * sin(theta);
  return fma64(r * cos(theta), std, mean);
}

/** normal_fill_16_AVX2 on data[off .. off+16) */
function normalFill16Avx2(data: OutArray, off: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = fr(1 - (data[off + j] as number));
    const u2 = data[off + j + 8] as number;
    const radius = fr(Math.sqrt(fr(-2 * log256(u1))));
    sincos256(fr(TWO_PI_F * u2));
    data[off + j] = fma32(fr(radius * sincosCos), std, mean);
    data[off + j + 8] = fma32(fr(radius * sincosSin), std, mean);
  }
}

/** normal_fill_16<double> */
function normalFill16Double(data: OutArray, off: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = 1 - (data[off + j] as number);
    const u2 = data[off + j + 8] as number;
    const radius = Math.sqrt(-2 * log(u1));
    const theta = TWO_PI * u2;
    data[off + j] = fma64(radius * cos(theta), std, mean);
    data[off + j + 8] = fma64(radius * sin(theta), std, mean);
  }
}

/**
 * normal_fill_16<Half>: Half converts to float for std::log/sqrt/cos/sin (glibc logf, sqrtf, cosf, sinf)
 * and the final multiply-add is a fused float fma.
 */
function normalFill16Half(data: OutArray, off: number, mean: number, std: number): void {
  const h = (v: number) => roundF16(fr(v));
  for (let j = 0; j < 8; j++) {
    const u1 = h(1 - (data[off + j] as number));
    const u2 = data[off + j + 8] as number;
    const radius = h(Math.sqrt(fr(-2 * logf(u1))));
    const theta = h(TWO_PI * u2);
    data[off + j] = h(fma32(fr(radius * cosf(theta)), std, mean));
    data[off + j + 8] = h(fma32(fr(radius * sinf(theta)), std, mean));
  }
}

/**
 * normal_fill_16<BFloat16>: c10/util/BFloat16-math.h gives std::log/sqrt/cos/sin BFloat16 overloads and
 * BFloat16 arithmetic rounds after every operation, so each step is rounded to bfloat16.
 */
function normalFill16BF16(data: OutArray, off: number, mean: number, std: number): void {
  const b = roundBF16;
  for (let j = 0; j < 8; j++) {
    const u1 = b(1 - (data[off + j] as number));
    const u2 = data[off + j + 8] as number;
    const radius = b(Math.sqrt(b(-2 * b(logf(u1)))));
    const theta = b(TWO_PI * u2);
    data[off + j] = b(b(b(radius * b(cosf(theta))) * std) + mean);
    data[off + j + 8] = b(b(b(radius * b(sinf(theta))) * std) + mean);
  }
}

/**
 * Tensor.normal_(mean, std) / torch.randn on a contiguous tensor of out.length elements.
 * n >= 16: uniforms for all n first, Box-Muller over blocks of 16, and when n % 16 != 0 the last 16 are
 * redrawn and redone (float32 uses the AVX2 kernel). n < 16: scalar Box-Muller in double with the
 * cached second sample (which later scalar calls consume).
 */
export function normal_<T extends OutArray>(gen: Generator, out: T, mean = 0, std = 1, dtype: DTypeName = 'float32'): T {
  checkFloat(dtype, 'normal_kernel_cpu');
  if (!(std >= 0)) throw runtimeError(`normal expects std >= 0.0, but found std ${fmt(std)}`);
  const n = out.length;
  if (n >= 16) {
    let fillUniform: () => number;
    let fill16: (d: OutArray, off: number) => void;
    if (dtype === 'float32') {
      const m = fr(mean), s = fr(std);
      fillUniform = () => gen.randomFloat();
      fill16 = (d, off) => normalFill16Avx2(d, off, m, s);
    } else if (dtype === 'float64') {
      fillUniform = () => gen.randomDouble();
      fill16 = (d, off) => normalFill16Double(d, off, mean, std);
    } else {
      const half = dtype === 'float16';
      const mask = half ? 0x7ff : 0xff, scale = half ? 1 / 2048 : 1 / 256;
      const round = half ? (v: number) => roundF16(fr(v)) : roundBF16;
      const m = round(mean), s = round(std);
      fillUniform = () => (gen.random() & mask) * scale;
      fill16 = half ? (d, off) => normalFill16Half(d, off, m, s) : (d, off) => normalFill16BF16(d, off, m, s);
    }
    for (let i = 0; i < n; i++) out[i] = fillUniform();
    for (let i = 0; i + 16 <= n; i += 16) fill16(out, i);
    if (n % 16 !== 0) {
      for (let i = n - 16; i < n; i++) out[i] = fillUniform();
      fill16(out, n - 16);
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = castFloat(dtype, normalSample(gen, mean, std));
  }
  return out;
}

type Param = number | ArrayLike<number>;
const at = (p: Param, i: number) => (typeof p === 'number' ? p : p[i]);

/**
 * torch.normal(mean, std) with a tensor mean and/or std (already broadcast to out.length, or scalars):
 * normal_(0, std) then + mean when only mean is a tensor; otherwise normal_(0, 1), then * std, then + mean,
 * each step rounded to the dtype (separate elementwise kernels).
 */
export function normalTensor<T extends OutArray>(gen: Generator, out: T, mean: Param, std: Param, dtype: DTypeName = 'float32'): T {
  checkFloat(dtype, 'normal_kernel_cpu');
  const round = (v: number) => castFloat(dtype, v);
  if (typeof std === 'number') {
    if (!(std >= 0)) throw runtimeError(`normal expects std >= 0.0, but found std ${fmt(std)}`);
    normal_(gen, out, 0, std, dtype);
    for (let i = 0; i < out.length; i++) out[i] = round((out[i] as number) + round(at(mean, i)));
    return out;
  }
  for (let i = 0; i < std.length; i++) {
    if (!(std[i] >= 0)) throw runtimeError('normal expects all elements of std >= 0.0');
  }
  normal_(gen, out, 0, 1, dtype);
  for (let i = 0; i < out.length; i++) out[i] = round((out[i] as number) * std[i]);
  for (let i = 0; i < out.length; i++) out[i] = round((out[i] as number) + round(at(mean, i)));
  return out;
}

// ---- exponential / bernoulli --------------------------------------------------------------------

/** Tensor.exponential_(lambd): -1/lambd * log(1 - u) in double, u from random64 */
export function exponential_<T extends OutArray>(gen: Generator, out: T, lambd = 1, dtype: DTypeName = 'float32'): T {
  checkFloat(dtype, 'exponential_cpu');
  if (!(lambd >= 0)) throw runtimeError(`exponential_ expects lambda >= 0.0, but found lambda=${fmt(lambd)}`);
  const k = -1.0 / lambd;
  for (let i = 0; i < out.length; i++) out[i] = castFloat(dtype, k * log(1.0 - gen.randomDouble()));
  return out;
}

const BERNOULLI_P_CHECK = 'Expected p_in >= 0 && p_in <= 1 to be true, but got false.  '
  + '(Could this error message be improved?  If so, please report an enhancement request to PyTorch.)';

/**
 * Tensor.bernoulli_(p). A number p (also F.dropout's mask, bernoulli_(1 - p)): double uniforms from
 * random64, sample = u < p. A tensor p (torch.bernoulli(probs)), already broadcast to out.length:
 * float/half/bfloat16 probabilities compare a float uniform from random() (24 bits), float64 ones a
 * double uniform. pDtype defaults to float64 for a Float64Array and float32 otherwise.
 */
export function bernoulli_<T extends OutArray>(gen: Generator, out: T, p: Param, dtype: DTypeName = 'float32', pDtype?: FloatDType): T {
  const n = out.length;
  if (typeof p === 'number') {
    if (!(p >= 0 && p <= 1)) throw runtimeError(`bernoulli_ expects p to be in [0, 1], but got p=${fmt(p)}`);
    for (let i = 0; i < n; i++) store(out, i, gen.randomDouble() < p ? 1 : 0);
    return out;
  }
  const pd = pDtype ?? (p instanceof Float64Array ? 'float64' : 'float32');
  for (let i = 0; i < n; i++) {
    const pi = p[i];
    if (!(pi >= 0 && pi <= 1)) throw runtimeError(BERNOULLI_P_CHECK);
    const u = pd === 'float64' ? gen.randomDouble() : gen.randomFloat();
    store(out, i, u < pi ? 1 : 0);
  }
  return out;
}
