// The float32 log and sincos of aten/src/ATen/native/cpu/avx_mathfun.h (Cephes polynomials by
// J. Pommier / G. Garberoglio), one lane at a time. PyTorch's AVX2 kernel for randn/normal_ on float32
// tensors of 16 or more elements (normal_fill_16_AVX2) calls log256_ps and sincos256_ps. The AVX2
// kernels are built with -mfma and GCC contracts the intrinsic multiply-adds (GCC defines
// _mm256_mul_ps/_mm256_add_ps as plain vector arithmetic), so the polynomial steps are fmaf here.

import { fma32 } from './fma';

const fr = Math.fround;

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

const SQRTHF = fr(0.707106781186547524);
const LOG_P0 = fr(7.0376836292e-2);
const LOG_P1 = fr(-1.1514610310e-1);
const LOG_P2 = fr(1.1676998740e-1);
const LOG_P3 = fr(-1.2420140846e-1);
const LOG_P4 = fr(1.4249322787e-1);
const LOG_P5 = fr(-1.6668057665e-1);
const LOG_P6 = fr(2.0000714765e-1);
const LOG_P7 = fr(-2.4999993993e-1);
const LOG_P8 = fr(3.3333331174e-1);
const LOG_Q1 = fr(-2.12194440e-4);
const LOG_Q2 = fr(0.693359375);

/** log256_ps for one lane (x a float32 value) */
export function log256(x0: number): number {
  if (!(x0 > 0)) return NaN; // invalid_mask: x <= 0 (and NaN) give NaN
  F32[0] = x0 < 1.1754943508222875e-38 ? 1.1754943508222875e-38 : x0; // cut off denormals
  const bits = U32[0];
  let e = (bits >>> 23) - 0x7f;
  U32[0] = (bits & 0x807fffff) | 0x3f000000; // mantissa in [0.5, 1)
  let x = F32[0];
  e = e + 1;
  let tmp = 0;
  if (x < SQRTHF) { tmp = x; e -= 1; }
  x = fr(x - 1);
  x = fr(x + tmp);
  const z = fr(x * x);
  let y = fma32(LOG_P0, x, LOG_P1);
  y = fma32(y, x, LOG_P2);
  y = fma32(y, x, LOG_P3);
  y = fma32(y, x, LOG_P4);
  y = fma32(y, x, LOG_P5);
  y = fma32(y, x, LOG_P6);
  y = fma32(y, x, LOG_P7);
  y = fma32(y, x, LOG_P8);
  y = fr(y * x);
  y = fma32(y, z, fr(e * LOG_Q1)); // y*z + e*q1: the first product is the one fused
  y = fr(y - z * 0.5);
  x = fr(x + y);
  return fr(x + e * LOG_Q2); // e*q2 is exact
}

const FOPI = fr(1.27323954473516); // 4/pi
const MDP1 = fr(-0.78515625);
const MDP2 = fr(-2.4187564849853515625e-4);
const MDP3 = fr(-3.77489497744594108e-8);
const SINCOF_P0 = fr(-1.9515295891e-4);
const SINCOF_P1 = fr(8.3321608736e-3);
const SINCOF_P2 = fr(-1.6666654611e-1);
const COSCOF_P0 = fr(2.443315711809948e-5);
const COSCOF_P1 = fr(-1.388731625493765e-3);
const COSCOF_P2 = fr(4.166664568298827e-2);

/** results of sincos256 */
export let sincosSin = 0;
export let sincosCos = 0;

/** sincos256_ps for one lane (x a float32 value with |x| < 2^31 * pi / 4); sets sincosSin, sincosCos */
export function sincos256(x0: number): void {
  const negative = x0 < 0 || Object.is(x0, -0);
  let x = Math.abs(x0);
  const j = ((Math.trunc(fr(x * FOPI)) + 1) & ~1) | 0;
  const y = j; // exact in float32 for the supported range
  const swapSin = (j & 4) !== 0;
  const polyMask = (j & 2) === 0;
  x = fma32(y, MDP1, x);
  x = fma32(y, MDP2, x);
  x = fma32(y, MDP3, x);
  const signCos = (((j - 2) | 0) & 4) === 0;
  const signSin = negative !== swapSin;
  const z = fr(x * x);
  let c = fma32(COSCOF_P0, z, COSCOF_P1);
  c = fma32(c, z, COSCOF_P2);
  c = fr(c * z);
  c = fma32(c, z, -fr(z * 0.5)); // y*z - 0.5*z: the first product is the one fused
  c = fr(c + 1);
  let s = fma32(SINCOF_P0, z, SINCOF_P1);
  s = fma32(s, z, SINCOF_P2);
  s = fr(s * z);
  s = fma32(s, x, x);
  // polynomial selection: the sine comes from s when poly_mask is set, the cosine from the other one
  let sv = polyMask ? s : c;
  let cv = polyMask ? c : s;
  if (sv === 0) sv = 0; // the blend adds +0 to the selected value
  if (cv === 0) cv = 0;
  sincosSin = signSin ? -sv : sv;
  sincosCos = signCos ? -cv : cv;
}
