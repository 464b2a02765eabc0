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
