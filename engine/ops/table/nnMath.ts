// Float32 arithmetic the nn kernels need to round like PyTorch 1.13's AVX2 CPU build:
//  - sleefExpf: Sleef_expf8_u10 (Vectorized<float>::exp), one lane at a time. With AVX2 + FMA every
//    multiply-add of its polynomial is fused. Checked against torch.exp on 20 000 float32 inputs.
//  - vecErf: Vectorized<float>::erf (Abramowitz–Stegun 7.1.26 with fmadd and Sleef exp).
//  - reduceAll: vec::reduce_all's order (8 lanes, a partial tail merged into the first lanes, then a
//    128/64/32-bit shuffle tree), and the sequential lane fold it uses below 8 elements.
//  - vecCount: cpu_kernel_vec runs contiguous loops in blocks of 16 (two AVX2 vectors) and the rest
//    with the scalar lambda, which calls libm (correctly rounded here as fround of the double result).
import { fma32 } from '../../random/fma';
import { erf } from './elementwiseMath';

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

/** correctly rounded float32 erf (glibc erff for the scalar tail) */
export const erff = (x: number): number => fr(erf(x));

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
