// Float32 arithmetic the nn kernels need to round like PyTorch 1.13's AVX2 CPU build:
//  - sleefExpf: Sleef_expf8_u10 (Vectorized<float>::exp), one lane at a time. With AVX2 + FMA every
//    multiply-add of its polynomial is fused. Checked against torch.exp on 20 000 float32 inputs.
//  - sleefTanhf / sleefLogf / sleefLog2f / sleefLog10f / sleefLog1pf / sleefExpm1f / sleefSinf /
//    sleefCosf: the other Sleef_*f8_u10 functions PyTorch's Vectorized<float> calls (double-float
//    arithmetic of SLEEF's df.h, FMA flavour). Each matched real torch on 10 000+ float32 inputs.
//  - vecErf: Vectorized<float>::erf (Abramowitz–Stegun 7.1.26 with fmadd and Sleef exp).
//  - reduceAll: vec::reduce_all's order (8 lanes, a partial tail merged into the first lanes, then a
//    128/64/32-bit shuffle tree), and the sequential lane fold it uses below 8 elements.
//  - vecCount: cpu_kernel_vec runs contiguous loops in blocks of 16 (two AVX2 vectors) and the rest
//    with the scalar lambda, which calls libm (correctly rounded here as fround of the double result).
import { fma32 } from '../../random/fma';
import { libmErff } from './elementwiseMath';

const fr = Math.fround;
const R_LN2F = fr(1.442695040888963407359924681001892137426645954152985934135449406931);
const L2UF = fr(0.693145751953125);
const L2LF = fr(1.428606765330187045e-06);
const E0 = fr(0.000198527617612853646278381);
const E1 = fr(0.00139304355252534151077271);
const E2 = fr(0.00833336077630519866943359);
const E3 = fr(0.0416664853692054748535156);
const E4 = fr(0.166666671633720397949219);

/** round half to even, like vrint (cvtps with the default rounding mode) */
function rintf(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Sleef_expf8_u10 for one float32 lane. */
export function sleefExpf(d0: number): number {
  const d = fr(d0);
  if (Number.isNaN(d)) return NaN;
  if (d < -104) return 0;
  if (d > 100) return Infinity;
  const q = rintf(fr(d * R_LN2F));
  let s = fma32(q, -L2UF, d);
  s = fma32(q, -L2LF, s);
  let u = E0;
  u = fma32(u, s, E1);
  u = fma32(u, s, E2);
  u = fma32(u, s, E3);
  u = fma32(u, s, E4);
  u = fma32(u, s, 0.5);
  u = fr(1 + fma32(fr(s * s), u, s));
  return fr(u * 2 ** q);
}

/** sigmoid's vectorised lambda: ((0 - x).exp() + 1).reciprocal() with Sleef exp. */
export function sleefSigmoidf(x: number): number {
  return fr(1 / fr(1 + sleefExpf(-x)));
}

const P = fr(0.3275911), P1 = fr(0.254829592), P2 = fr(-0.284496736), P3 = fr(1.421413741), P4 = fr(-1.453152027), P5 = fr(1.061405429);

/** Vectorized<float>::erf for one lane. */
export function vecErf(x: number): number {
  const a = Math.abs(x);
  const t = fr(1 / fma32(P, a, 1));
  let r = fma32(P5, t, P4);
  r = fma32(r, t, P3);
  r = fma32(r, t, P2);
  r = fma32(r, t, P1);
  const e = -sleefExpf(-fr(x * x));
  const y = fma32(fr(e * t), r, 1);
  return x < 0 || Object.is(x, -0) ? -y : y;
}

/** glibc erff (the scalar tail's std::erf) */
export const erff = libmErff;

/** how many leading elements of a contiguous n-element loop run vectorized (blocks of 16) */
export const vecCount = (n: number): number => n - (n % 16);

/**
 * vec::reduce_all over vals[start .. start+n) with the op `op` (already rounding to the dtype). float32
 * has 8 lanes and a shuffle tree at the end; float64 has 4 lanes folded in order.
 */
export function reduceAll(vals: ArrayLike<number>, start: number, n: number, op: (a: number, b: number) => number, f64 = false): number {
  const L = f64 ? 4 : 8;
  if (n < L) {
    let acc = vals[start];
    for (let i = 1; i < n; i++) acc = op(acc, vals[start + i]);
    return acc;
  }
  const acc = new Array<number>(L);
  for (let j = 0; j < L; j++) acc[j] = vals[start + j];
  let d = L;
  const full = n - (n % L);
  for (; d < full; d += L) for (let j = 0; j < L; j++) acc[j] = op(acc[j], vals[start + d + j]);
  for (let j = 0; d + j < n; j++) acc[j] = op(acc[j], vals[start + d + j]);
  if (f64) return op(op(op(acc[0], acc[1]), acc[2]), acc[3]);
  const v1 = [0, 1, 2, 3].map((i) => op(acc[i], acc[i + 4]));
  return op(op(v1[0], v1[2]), op(v1[1], v1[3]));
}

export const addF = (a: number, b: number): number => fr(a + b);
export const addD = (a: number, b: number): number => a + b;
export const maxOp = (a: number, b: number): number => (Number.isNaN(a) || a > b ? a : b);

// ---- SLEEF u10 float32 functions (Sleef_*f8_u10 with FMA), one lane at a time -----------------
// A double-float value is a pair (hi, lo) of float32s; the helpers below leave their result in
// DX/DY so the hot loops allocate nothing. Each mirrors one df.h operation (FMA flavour).
let DX = 0, DY = 0;
const F32B = new Float32Array(1);
const I32B = new Int32Array(F32B.buffer);
const FLT_MIN = 1.1754943508222875e-38;
const L2_HI = fr(0.69314718246459960938), L2_LO = fr(-1.904654323148236017e-09);
const R075 = fr(1 / 0.75);

/** ilogb2k: the unbiased exponent field of a positive normal float32 */
function ilogb2k(d: number): number { F32B[0] = d; return ((I32B[0] >> 23) & 0xff) - 0x7f; }
/** vldexp2: d * 2^(e>>1) * 2^(e - (e>>1)), each product rounded */
const ldexp2 = (d: number, e: number): number => fr(fr(d * 2 ** (e >> 1)) * 2 ** (e - (e >> 1)));

/** dfadd2_vf2_vf_vf / dfadd2_vf2_vf2_vf (with lo part yl of x) */
function add2(xh: number, xl: number, y: number): void {
  const s = fr(xh + y), v = fr(s - xh);
  DX = s; DY = fr(fr(fr(xh - fr(s - v)) + fr(y - v)) + xl);
}
/** dfadd2_vf2_vf2_vf2 */
function add2dd(xh: number, xl: number, yh: number, yl: number): void {
  const s = fr(xh + yh), v = fr(s - xh);
  const t = fr(fr(xh - fr(s - v)) + fr(yh - v));
  DX = s; DY = fr(t + fr(xl + yl));
}
/** dfadd_vf2_vf2_vf2 (|x| >= |y|) */
function addDD(xh: number, xl: number, yh: number, yl: number): void {
  const s = fr(xh + yh);
  DX = s; DY = fr(fr(fr(fr(xh - s) + yh) + xl) + yl);
}
/** dfmul_vf2_vf2_vf */
function mulDF(xh: number, xl: number, y: number): void {
  const s = fr(xh * y);
  DX = s; DY = fma32(xl, y, fma32(xh, y, -s));
}
/** dfmul_vf2_vf2_vf2 */
function mulDD(xh: number, xl: number, yh: number, yl: number): void {
  const s = fr(xh * yh);
  DX = s; DY = fma32(xh, yl, fma32(xl, yh, fma32(xh, yh, -s)));
}
/** dfdiv_vf2_vf2_vf2 */
function divDD(nh: number, nl: number, dh: number, dl: number): void {
  const t = fr(1 / dh);
  const s = fr(nh * t);
  const u = fma32(t, nh, -s);
  const v = fma32(-dl, t, fma32(-dh, t, 1));
  DX = s; DY = fma32(s, v, fma32(nl, t, u));
}

/** expk2f: e^(dh + dl) as a double-float */
function expk2f(dh: number, dl: number): void {
  const q = rintf(fr(fr(dh + dl) * R_LN2F));
  add2(dh, dl, fr(q * -L2UF));
  add2(DX, DY, fr(q * -L2LF));
  const sh = DX, sl = DY;
  let u = fr(0.1980960224e-3);
  u = fma32(u, sh, fr(0.1394256484e-2));
  u = fma32(u, sh, fr(0.8333456703e-2));
  u = fma32(u, sh, fr(0.4166637361e-1));
  mulDF(sh, sl, u);
  add2(DX, DY, fr(0.166666659414234244790680580464));
  mulDD(sh, sl, DX, DY);
  add2(DX, DY, 0.5);
  const th = DX, tl = DY;
  // dfsqu(s)
  const qh = fr(sh * sh);
  const ql = fma32(fr(sh + sh), sl, fma32(sh, sh, -qh));
  mulDD(qh, ql, th, tl);
  add2dd(sh, sl, DX, DY);
  // dfadd_vf2_vf_vf2(1, t)
  const yh = DX, yl = DY;
  const s1 = fr(1 + yh);
  const r0 = s1, r1 = fr(fr(fr(1 - s1) + yh) + yl);
  if (dh < -104) { DX = 0; DY = 0; return; }
  DX = ldexp2(r0, q); DY = ldexp2(r1, q);
}

/** Sleef_tanhf8_u10 (Vectorized<float>::tanh) for one lane. */
export function sleefTanhf(x0: number): number {
  const x = fr(x0);
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  expk2f(a, 0);
  const dh = DX, dl = DY;
  // dfrec_vf2_vf2(d)
  const s = fr(1 / dh);
  const eh = s, el = fr(s * fma32(-dl, s, fma32(-dh, s, 1)));
  addDD(dh, dl, -eh, -el);
  const nh = DX, nl = DY;
  addDD(dh, dl, eh, el);
  divDD(nh, nl, DX, DY);
  let y = fr(DX + DY);
  if (a > fr(8.664339742) || Number.isNaN(y)) y = 1;
  return x < 0 || Object.is(x, -0) ? -y : y;
}

/** Sleef logf/log2f/log10f u10 argument reduction: e, and x = (m−1)/(m+1) as a double-float in DX/DY */
function logReduce(d: number): number {
  const o = d < FLT_MIN;
  if (o) d = fr(d * 18446744073709551616);
  const e = ilogb2k(fr(d * R075));
  const m = fr(d * 2 ** -e);
  add2(-1, 0, m);
  const ah = DX, al = DY;
  add2(1, 0, m);
  divDD(ah, al, DX, DY);
  return o ? e - 64 : e;
}

const logSpecial = (d: number): number | null => (Number.isNaN(d) || d < 0 ? NaN : d === 0 ? -Infinity : d === Infinity ? Infinity : null);

/** dfadd_vf2_vf2_vf(x, y) rounded to float */
function addToFloat(xh: number, xl: number, y: number): number {
  const s = fr(xh + y);
  return fr(s + fr(fr(fr(xh - s) + y) + xl));
}

/** the shared tail of logf and log1pf: s + 2x + x³·poly(x²), with s = e·ln 2 and x as double-floats */
function logTail(sh: number, sl: number, xh: number, xl: number): number {
  const x2 = fr(xh * xh);
  let t = fr(0.3027294874);
  t = fma32(t, x2, fr(0.3996108174));
  t = fma32(t, x2, fr(0.6666694880));
  addDD(sh, sl, fr(xh * 2), fr(xl * 2));
  return addToFloat(DX, DY, fr(fr(x2 * xh) * t));
}

/** Sleef_logf8_u10 (Vectorized<float>::log) for one lane. */
export function sleefLogf(d0: number): number {
  const d = fr(d0);
  const sp = logSpecial(d);
  if (sp !== null) return sp;
  const e = logReduce(d);
  const xh = DX, xl = DY;
  mulDF(L2_HI, L2_LO, e);
  return logTail(DX, DY, xh, xl);
}

/** Sleef_log1pf8_u10 (Vectorized<float>::log1p) for one lane. */
export function sleefLog1pf(d0: number): number {
  const d = fr(d0);
  if (Number.isNaN(d) || d < -1) return NaN;
  if (d === -1) return -Infinity;
  if (d > 1e38) return Infinity;
  if (Object.is(d, -0)) return -0;
  let dp1 = fr(d + 1);
  const o = dp1 < FLT_MIN;
  if (o) dp1 = fr(dp1 * 18446744073709551616);
  let e = ilogb2k(fr(dp1 * R075));
  const t0 = 2 ** -e;
  const m = fma32(d, t0, fr(t0 - 1));
  if (o) e -= 64;
  mulDF(L2_HI, L2_LO, e);
  const sh = DX, sl = DY;
  // dfadd_vf2_vf_vf(2, m)
  const q = fr(2 + m);
  divDD(m, 0, q, fr(fr(2 - q) + m));
  return logTail(sh, sl, DX, DY);
}

/** Sleef_expm1f8_u10 (Vectorized<float>::expm1) for one lane. */
export function sleefExpm1f(a0: number): number {
  const a = fr(a0);
  if (Number.isNaN(a)) return NaN;
  if (a > fr(88.72283172607421875)) return Infinity;
  if (a < fr(-16.635532333438687426013570)) return -1;
  if (Object.is(a, -0)) return -0;
  expk2f(a, 0);
  add2(DX, DY, -1);
  return fr(DX + DY);
}

const M_1_PIF = fr(0.318309886183790671538);
const PI_A2 = fr(3.1414794921875), PI_B2 = fr(0.00011315941810607910156), PI_C2 = fr(1.9841872589410058936e-09);
const S0 = fr(2.6083159809786593541503e-06), S1 = fr(-0.0001981069071916863322258), S2 = fr(0.00833307858556509017944336), S3 = fr(-0.166666597127914428710938);

/** the shared tail of Sleef sinf/cosf u10: t·(1 + s·(S3 + u·s)) on the reduced argument (th, tl) */
function sinPoly(th: number, tl: number): number {
  const sh = fr(th * th);
  const sl = fma32(fr(th + th), tl, fma32(th, th, -sh));
  let u = S0;
  u = fma32(u, sh, S1);
  u = fma32(u, sh, S2);
  // dfadd_vf2_vf_vf(S3, u * s.x)
  const w = fr(u * sh);
  const ah = fr(S3 + w), al = fr(fr(S3 - ah) + w);
  mulDD(ah, al, sh, sl);
  // dfadd_vf2_vf_vf2(1, ·)
  const xh = fr(1 + DX), xl = fr(fr(fr(1 - xh) + DX) + DY);
  return fma32(th, xh, fma32(tl, xh, fr(th * xl)));
}

/** Sleef_sinf8_u10 (Vectorized<float>::sin) for one lane; |x| ≥ 125 falls back to libm (not modelled). */
export function sleefSinf(d0: number): number {
  const d = fr(d0);
  if (!(Math.abs(d) < 125)) return fr(Math.sin(d));
  if (Object.is(d, -0)) return -0;
  const u = rintf(fr(d * M_1_PIF));
  const v = fma32(u, -PI_A2, d);
  add2(v, 0, fr(u * -PI_B2));
  // dfadd_vf2_vf2_vf(s, u * -PI_C2)
  const y = fr(u * -PI_C2), th = fr(DX + y), tl = fr(fr(fr(DX - th) + y) + DY);
  const r = sinPoly(th, tl);
  return (u & 1) !== 0 ? -r : r;
}

/** Sleef_cosf8_u10 (Vectorized<float>::cos) for one lane; |x| ≥ 125 falls back to libm (not modelled). */
export function sleefCosf(d0: number): number {
  const d = fr(d0);
  if (!(Math.abs(d) < 125)) return fr(Math.cos(d));
  const dq = fma32(rintf(fma32(d, M_1_PIF, -0.5)), 2, 1);
  add2(d, 0, fr(dq * fr(-PI_A2 * 0.5)));
  add2(DX, DY, fr(dq * fr(-PI_B2 * 0.5)));
  add2(DX, DY, fr(dq * fr(-PI_C2 * 0.5)));
  const r = sinPoly(DX, DY);
  return (dq & 2) === 0 ? -r : r;
}

/** Sleef_log2f8_u10 (Vectorized<float>::log2) for one lane. */
export function sleefLog2f(d0: number): number {
  const d = fr(d0);
  const sp = logSpecial(d);
  if (sp !== null) return sp;
  const e = logReduce(d);
  const xh = DX, xl = DY;
  const x2 = fr(xh * xh);
  let t = fr(0.4374550283);
  t = fma32(t, x2, fr(0.5764790177));
  t = fma32(t, x2, fr(0.9618012905120));
  mulDD(xh, xl, fr(2.8853900432586669922), fr(3.2734474483568488616e-08));
  add2(e, DY, DX);
  add2(DX, DY, fr(fr(x2 * xh) * t));
  return fr(DX + DY);
}

/** Sleef_log10f8_u10 (Vectorized<float>::log10) for one lane. */
export function sleefLog10f(d0: number): number {
  const d = fr(d0);
  const sp = logSpecial(d);
  if (sp !== null) return sp;
  const e = logReduce(d);
  const xh = DX, xl = DY;
  const x2 = fr(xh * xh);
  let t = fr(0.1314289868);
  t = fma32(t, x2, fr(0.1735493541));
  t = fma32(t, x2, fr(0.2895309627));
  mulDF(fr(0.30103001), fr(-1.432098889e-08), e);
  const sh = DX, sl = DY;
  mulDD(xh, xl, fr(0.868588984), fr(-2.170757285e-08));
  addDD(sh, sl, DX, DY);
  return addToFloat(DX, DY, fr(fr(x2 * xh) * t));
}
