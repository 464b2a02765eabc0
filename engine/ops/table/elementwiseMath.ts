// Scalar math the elementwise kernels need and JS's Math lacks: round-half-even, erf/erfc,
// lgamma, digamma/trigamma/polygamma (via the Hurwitz zeta function), erfinv. All in float64; the
// kernels round to float32 where PyTorch computes in float32.
import { fma32, fma64 } from '../../random/fma';

/** std::nearbyint: round half to even, keeping the sign of zero. */
export function rint(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (x < 0) return -rint(-x);
  if (x >= 4503599627370496) return x; // 2^52: already an integer
  const f = Math.floor(x);
  const d = x - f;
  const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r === 0 ? (Object.is(x, -0) ? -0 : 0) : r;
}

const SQRT_PI = 1.7724538509055160;
const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** exp(-x*x) without the rounding error of forming x*x (split x into high and low halves). */
function expNegSquare(x: number): number {
  const hi = Math.fround(x);
  const lo = x - hi;
  return Math.exp(-hi * hi) * Math.exp(-lo * (x + hi));
}

/** erf for |x| < 1.5: 2/√π e^{−x²} Σ 2ⁿ x^{2n+1} / (2n+1)!!, a series of positive terms. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x, sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * expNegSquare(x) * sum;
}

/** erfc for x ≥ 1.5 by its continued fraction, evaluated from the tail. */
function erfcFraction(x: number): number {
  if (x > 27.3) return 0;
  const n = Math.ceil(20 + 400 / (x * x));
  let t = 0;
  for (let k = n; k >= 1; k--) t = (k / 2) / (x + t);
  return expNegSquare(x) / (SQRT_PI * (x + t));
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x === 0) return x;
  const a = Math.abs(x);
  if (a < 1.5) return erfSeries(x);
  const r = 1 - erfcFraction(a);
  return x < 0 ? -r : r;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < 1.5) return 1 - erf(x);
  return erfcFraction(x);
}

/** Inverse error function: a rational first guess refined by Newton steps on erf. */
export function erfinv(y: number): number {
  if (Number.isNaN(y) || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (y === 0) return y;
  // Giles' single-precision approximation as the starting point
  const w = -Math.log((1 - y) * (1 + y));
  let x: number;
  if (w < 5) {
    const v = w - 2.5;
    let p = 2.81022636e-08;
    for (const c of [3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]) p = c + p * v;
    x = p * y;
  } else {
    const v = Math.sqrt(w) - 3;
    let p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]) p = c + p * v;
    x = p * y;
  }
  for (let i = 0; i < 3; i++) {
    const err = erf(x) - y;
    x -= err / (TWO_OVER_SQRT_PI * Math.exp(-x * x));
  }
  return x;
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const LOG_SQRT_2PI = 0.91893853320467274;

/** log|Γ(x)| */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x === 1 || x === 2) return 0;
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  if (x > 15) {
    // Stirling's series
    const z = 1 / (x * x);
    const s = (((((-691 / 360360) * z + 1 / 1188) * z - 1 / 1680) * z + 1 / 1260) * z - 1 / 360) * z + 1 / 12;
    return (x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI + s / x;
  }
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ψ(x), the digamma function (recurrence up to 10, then the asymptotic series), as PyTorch's calc_digamma. */
export function digamma(x: number): number {
  if (x === 0) return Object.is(x, -0) ? Infinity : -Infinity;
  if (Number.isNaN(x)) return x;
  if (x < 0) {
    if (x === Math.trunc(x)) return NaN;
    return digamma(1 - x) - Math.PI / Math.tan(Math.PI * x);
  }
  let result = 0;
  while (x < 10) { result -= 1 / x; x += 1; }
  if (x === 10) return result + 2.25175258906672110764;
  let y = 0;
  if (x < 1e17) {
    const z = 1 / (x * x);
    // Σ B_2k / (2k) z^k for k = 1..7
    y = z * (1 / 12 + z * (-1 / 120 + z * (1 / 252 + z * (-1 / 240 + z * (1 / 132 + z * (-691 / 32760 + z / 12))))));
  }
  return result + Math.log(x) - 0.5 / x - y;
}

/** ψ'(x), as PyTorch's calc_trigamma (reflection, six recurrence steps, asymptotic series). */
export function trigamma(x: number): number {
  let sign = 1, result = 0;
  if (x < 0.5) {
    sign = -1;
    const s = Math.sin(Math.PI * x);
    result -= (Math.PI * Math.PI) / (s * s);
    x = 1 - x;
  }
  for (let i = 0; i < 6; i++) { result += 1 / (x * x); x += 1; }
  const ixx = 1 / (x * x);
  result += (1 + 1 / (2 * x) + ixx * (1 / 6 - ixx * (1 / 30 - ixx * (1 / 42)))) / x;
  return sign * result;
}

// Bernoulli-number terms (2k)! / B_2k for the Euler–Maclaurin tail of the Hurwitz zeta function
const ZETA_B = [12, -720, 30240, -1209600, 47900160, -1.8924375803183791606e9, 7.47242496e10, -2.950130727918164224e12,
  1.1646782814350067249e14, -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18];

/** ζ(s, q) = Σ_{k≥0} (k + q)^{-s} for s > 1, by Euler–Maclaurin summation. */
export function zeta(s: number, q: number): number {
  if (s === 1) return Infinity;
  if (s < 1) return NaN;
  if (q <= 0) {
    if (q === Math.floor(q)) return Infinity;
    return NaN; // q < 0 with s not an integer is not defined here
  }
  let sum = Math.pow(q, -s);
  let a = q;
  let i = 0;
  let b = 0;
  while (i < 9 || a <= 9) {
    i++;
    a += 1;
    b = Math.pow(a, -s);
    sum += b;
    if (Math.abs(b / sum) < 1e-17) return sum;
  }
  const w = a;
  sum += (b * w) / (s - 1);
  sum -= 0.5 * b;
  let fac = 1;
  let k = 0;
  for (let j = 0; j < 12; j++) {
    fac *= s + k;
    b /= w;
    const t = (fac * b) / ZETA_B[j];
    sum += t;
    if (Math.abs(t / sum) < 1e-17) break;
    k += 1;
    fac *= s + k;
    b /= w;
    k += 1;
  }
  return sum;
}

/** ψ⁽ⁿ⁾(x) */
export function polygamma(n: number, x: number): number {
  if (n === 0) return digamma(x);
  if (n === 1) return trigamma(x);
  let fact = 1;
  for (let i = 2; i <= n; i++) fact *= i;
  return ((n + 1) % 2 === 0 ? 1 : -1) * fact * zeta(n + 1, x);
}

// ---- PyTorch's own digamma / trigamma (aten/src/ATen/native/Math.h), step by step in the kernel's
// precision: float32 rounds every operation and `a * b + c` is one FMA (the AVX2 build uses -mfma).

/** Rounding and fused multiply-add of a kernel's precision. */
export interface Prec { r: (x: number) => number; fma: (a: number, b: number, c: number) => number; f32: boolean }
export const PREC64: Prec = { r: (x) => x, fma: fma64, f32: false };
export const PREC32: Prec = { r: Math.fround, fma: fma32, f32: true };

const DIGAMMA_A = [1 / 12, -691 / 32760, 1 / 132, -1 / 240, 1 / 252, -1 / 120, 1 / 12];
const DIGAMMA_A32 = DIGAMMA_A.map(Math.fround);

/** calc_digamma in the given precision. */
export function digammaP(x: number, p: Prec): number {
  const { r } = p;
  if (x === 0) return Object.is(x, -0) ? Infinity : -Infinity;
  if (Number.isNaN(x)) return x;
  if (x < 0) {
    if (x === Math.trunc(x)) return NaN;
    const frac = x - Math.trunc(x);
    const piOverTan = r(Math.PI / Math.tan(Math.PI * frac));
    return r(digammaP(r(1 - x), p) - piOverTan);
  }
  let result = 0;
  while (x < 10) { result = r(result - r(1 / x)); x = r(x + 1); }
  if (x === 10) return r(result + r(2.25175258906672110764));
  let y = 0;
  if (x < 1e17) {
    const z = r(1 / r(x * x));
    const A = p.f32 ? DIGAMMA_A32 : DIGAMMA_A;
    let ans = A[0];
    for (let i = 1; i < A.length; i++) ans = p.fma(ans, z, A[i]);
    y = r(z * ans);
  }
  return r(r(r(result + r(Math.log(x))) - r(0.5 / x)) - y);
}

/** calc_trigamma in the given precision (its series constants are doubles, so that part runs in double). */
export function trigammaP(x: number, p: Prec): number {
  const { r } = p;
  let sign = 1, result = 0;
  if (x < 0.5) {
    sign = -1;
    const pi = r(Math.PI);
    const s = r(Math.sin(r(pi * x)));
    result = r(result - r(r(pi * pi) / r(s * s)));
    x = r(1 - x);
  }
  for (let i = 0; i < 6; i++) { result = r(result + r(1 / r(x * x))); x = r(x + 1); }
  const ixx = r(1 / r(x * x));
  const inner = fma64(-ixx, fma64(-ixx, 1 / 42, 1 / 30), 1 / 6);
  const head = r(1 + r(1 / r(2 * x)));
  const t = fma64(ixx, inner, head) / x;
  return r(sign * r(result + t));
}

// ---- glibc 2.36 float libm (the scalar lambdas of PyTorch's CPU kernels call these) -----------
// tanhf, expm1f and log1pf are glibc's fdlibm float ports (sysdeps/ieee754/flt-32), not correctly
// rounded: every float operation rounds to float32 (no FMA in these builds).
const f32 = Math.fround;
const FW = new Float32Array(1);
const IW = new Int32Array(FW.buffer);
const wordOf = (x: number): number => { FW[0] = x; return IW[0]; };
const fromWord = (i: number): number => { IW[0] = i; return FW[0]; };

const LN2_HI = f32(6.9313812256e-01), LN2_LO = f32(9.0580006145e-06), INVLN2 = f32(1.4426950216e+00);
const Q1 = f32(-3.3333335072e-02), Q2 = f32(1.5873016091e-03), Q3 = f32(-7.9365076090e-05), Q4 = f32(4.0082177293e-06), Q5 = f32(-2.0109921195e-07);

/** glibc expm1f */
export function libmExpm1f(x0: number): number {
  let x = f32(x0);
  const hx0 = wordOf(x);
  const neg = hx0 < 0;
  const hx = hx0 & 0x7fffffff;
  if (hx >= 0x4195b844) {
    if (hx >= 0x42b17218) {
      if (hx > 0x7f800000) return NaN;
      if (hx === 0x7f800000) return neg ? -1 : x;
      if (x > f32(8.8721679688e+01)) return Infinity;
    }
    if (neg) return -1;
  }
  let k = 0, c = 0;
  if (hx > 0x3eb17218) {
    let hi: number, lo: number;
    if (hx < 0x3f851592) {
      if (!neg) { hi = f32(x - LN2_HI); lo = LN2_LO; k = 1; } else { hi = f32(x + LN2_HI); lo = -LN2_LO; k = -1; }
    } else {
      k = Math.trunc(f32(f32(INVLN2 * x) + (neg ? -0.5 : 0.5)));
      const t = k;
      hi = f32(x - f32(t * LN2_HI));
      lo = f32(t * LN2_LO);
    }
    x = f32(hi - lo);
    c = f32(f32(hi - x) - lo);
  } else if (hx < 0x33000000) {
    return x;
  }
  const hfx = f32(0.5 * x);
  const hxs = f32(x * hfx);
  const r1 = f32(1 + f32(hxs * f32(Q1 + f32(hxs * f32(Q2 + f32(hxs * f32(Q3 + f32(hxs * f32(Q4 + f32(hxs * Q5))))))))));
  let t = f32(3 - f32(r1 * hfx));
  let e = f32(hxs * f32(f32(r1 - t) / f32(6 - f32(x * t))));
  if (k === 0) return f32(x - f32(f32(x * e) - hxs));
  e = f32(f32(x * f32(e - c)) - c);
  e = f32(e - hxs);
  if (k === -1) return f32(f32(0.5 * f32(x - e)) - 0.5);
  if (k === 1) return x < -0.25 ? f32(-2 * f32(e - f32(x + 0.5))) : f32(1 + f32(2 * f32(x - e)));
  let y: number;
  if (k <= -2 || k > 56) {
    y = f32(1 - f32(e - x));
    y = fromWord(wordOf(y) + (k << 23));
    return f32(y - 1);
  }
  if (k < 23) {
    t = fromWord(0x3f800000 - (0x1000000 >> k));
    y = f32(t - f32(e - x));
    y = fromWord(wordOf(y) + (k << 23));
  } else {
    t = fromWord((0x7f - k) << 23);
    y = f32(x - f32(e + t));
    y = f32(y + 1);
    y = fromWord(wordOf(y) + (k << 23));
  }
  return y;
}

/** glibc tanhf */
export function libmTanhf(x0: number): number {
  const x = f32(x0);
  const jx = wordOf(x), ix = jx & 0x7fffffff;
  if (ix >= 0x7f800000) return Number.isNaN(x) ? NaN : jx >= 0 ? 1 : -1;
  let z: number;
  if (ix < 0x41b00000) {
    if (ix === 0) return x;
    if (ix < 0x24000000) return f32(x * f32(1 + x));
    if (ix >= 0x3f800000) {
      const t = libmExpm1f(f32(2 * Math.abs(x)));
      z = f32(1 - f32(2 / f32(t + 2)));
    } else {
      const t = libmExpm1f(f32(-2 * Math.abs(x)));
      z = f32(-t / f32(t + 2));
    }
  } else {
    z = 1;
  }
  return jx >= 0 ? z : -z;
}

const LP = [6.6666668653e-01, 4.0000000596e-01, 2.8571429849e-01, 2.2222198546e-01, 1.8183572590e-01, 1.5313838422e-01, 1.4798198640e-01].map(f32);

/** glibc log1pf */
export function libmLog1pf(x0: number): number {
  const x = f32(x0);
  const hx = wordOf(x), ax = hx & 0x7fffffff;
  let k = 1, f = 0, c = 0, hu = 0;
  if (hx < 0x3ed413d7) {
    if (ax >= 0x3f800000) return x === -1 ? -Infinity : NaN;
    if (ax < 0x31000000) {
      if (ax < 0x24800000) return x;
      return f32(x - f32(f32(x * x) * 0.5));
    }
    if (hx > 0 || hx <= (0xbe95f61f | 0)) { k = 0; f = x; hu = 1; }
  }
  if (hx >= 0x7f800000) return Number.isNaN(x) ? NaN : Infinity;
  if (k !== 0) {
    let u: number;
    if (hx < 0x5a000000) {
      u = f32(1 + x);
      hu = wordOf(u);
      k = (hu >> 23) - 127;
      c = k > 0 ? f32(1 - f32(u - x)) : f32(x - f32(u - 1));
      c = f32(c / u);
    } else {
      u = x; hu = wordOf(u); k = (hu >> 23) - 127; c = 0;
    }
    hu &= 0x007fffff;
    if (hu < 0x3504f7) {
      u = fromWord(hu | 0x3f800000);
    } else {
      k += 1;
      u = fromWord(hu | 0x3f000000);
      hu = (0x00800000 - hu) >> 2;
    }
    f = f32(u - 1);
  }
  const hfsq = f32(f32(0.5 * f) * f);
  if (hu === 0) {
    if (f === 0) {
      if (k === 0) return 0;
      c = f32(c + f32(k * LN2_LO));
      return f32(f32(k * LN2_HI) + c);
    }
    const R = f32(hfsq * f32(1 - f32(f32(0.66666666666666666) * f)));
    if (k === 0) return f32(f - R);
    return f32(f32(k * LN2_HI) - f32(f32(R - f32(f32(k * LN2_LO) + c)) - f));
  }
  const s = f32(f / f32(2 + f));
  const z = f32(s * s);
  let R = LP[6];
  for (let i = 5; i >= 0; i--) R = f32(LP[i] + f32(z * R));
  R = f32(z * R);
  if (k === 0) return f32(f - f32(hfsq - f32(s * f32(hfsq + R))));
  return f32(f32(k * LN2_HI) - f32(f32(hfsq - f32(f32(s * f32(hfsq + R)) + f32(f32(k * LN2_LO) + c))) - f));
}

const polyF = (s: number, c: number[]): number => { let r = c[c.length - 1]; for (let i = c.length - 2; i >= 0; i--) r = f32(c[i] + f32(s * r)); return r; };
const C = (xs: number[]) => xs.map(f32);
const ERX = f32(8.4506291151e-01), EFX = f32(1.2837916613e-01);
const PP = C([1.2837916613e-01, -3.2504209876e-01, -2.8481749818e-02, -5.7702702470e-03, -2.3763017452e-05]);
const QQ = C([1, 3.9791721106e-01, 6.5022252500e-02, 5.0813062117e-03, 1.3249473704e-04, -3.9602282413e-06]);
const PA = C([-2.3621185683e-03, 4.1485610604e-01, -3.7220788002e-01, 3.1834661961e-01, -1.1089469492e-01, 3.5478305072e-02, -2.1663755178e-03]);
const QA = C([1, 1.0642088205e-01, 5.4039794207e-01, 7.1828655899e-02, 1.2617121637e-01, 1.3637083583e-02, 1.1984500103e-02]);
const RA = C([-9.8649440333e-03, -6.9385856390e-01, -1.0558626175e+01, -6.2375331879e+01, -1.6239666748e+02, -1.8460508728e+02, -8.1287437439e+01, -9.8143291473e+00]);
const SA = C([1, 1.9651271820e+01, 1.3765776062e+02, 4.3456588745e+02, 6.4538726807e+02, 4.2900814819e+02, 1.0863500214e+02, 6.5702495575e+00, -6.0424413532e-02]);
const RB = C([-9.8649431020e-03, -7.9928326607e-01, -1.7757955551e+01, -1.6063638306e+02, -6.3756646729e+02, -1.0250950928e+03, -4.8351919556e+02]);
const SB = C([1, 3.0338060379e+01, 3.2579251099e+02, 1.5367296143e+03, 3.1998581543e+03, 2.5530502930e+03, 4.7452853394e+02, -2.2440952301e+01]);
const expf = (x: number) => f32(Math.exp(x));

/** glibc erff (its expf taken as correctly rounded) */
export function libmErff(x0: number): number {
  let x = f32(x0);
  const hx = wordOf(x), ix = hx & 0x7fffffff;
  if (ix >= 0x7f800000) return Number.isNaN(x) ? NaN : hx >= 0 ? 1 : -1;
  if (ix < 0x3f580000) {
    if (ix < 0x31800000) {
      if (ix < 0x04000000) return f32(0.0625 * f32(f32(16 * x) + f32(f32(16 * EFX) * x)));
      return f32(x + f32(EFX * x));
    }
    const z = f32(x * x);
    const y = f32(polyF(z, PP) / polyF(z, QQ));
    return f32(x + f32(x * y));
  }
  if (ix < 0x3fa00000) {
    const s = f32(Math.abs(x) - 1);
    const pq = f32(polyF(s, PA) / polyF(s, QA));
    return hx >= 0 ? f32(ERX + pq) : f32(-ERX - pq);
  }
  if (ix >= 0x40c00000) return hx >= 0 ? 1 : -1;
  x = Math.abs(x);
  const s = f32(1 / f32(x * x));
  const [R, S] = ix < 0x4036db6e ? [polyF(s, RA), polyF(s, SA)] : [polyF(s, RB), polyF(s, SB)];
  const z = fromWord(wordOf(x) & 0xfffff000);
  const r = f32(expf(f32(f32(-z * z) - 0.5625)) * expf(f32(f32(f32(z - x) * f32(z + x)) + f32(R / S))));
  return hx >= 0 ? f32(1 - f32(r / x)) : f32(f32(r / x) - 1);
}
