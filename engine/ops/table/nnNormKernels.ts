// CPU kernels of layer_norm / batch_norm / group_norm, rounding like PyTorch 1.13's AVX2 build:
// rowwiseMoments is utils::RowwiseMoments (Welford over 8 float lanes in chunks of 16 vectors with a
// cascade of partial moments, a scalar Welford tail, then the lanes merged into the tail), every step
// rounded separately; fusedDot is vec::map2_reduce_all(x * y, +), whose multiply-add GCC fuses.
// (Both checked bit for bit against torch.native_layer_norm and its backward.)
import { fma32, fma64 } from '../../random/fma';
import { addD, addF, reduceAll } from './nnMath';

export interface Arith { r: (x: number) => number; fma: (a: number, b: number, c: number) => number; add: (a: number, b: number) => number; f64: boolean }
export const arithFor = (f64: boolean): Arith => (f64
  ? { r: (x) => x, fma: fma64, add: addD, f64 }
  : { r: Math.fround, fma: fma32, add: addF, f64 });

const CHUNK = 16;

/** mean and biased variance of x[start .. start+n) (utils::RowwiseMoments, ddof = 0). */
export function rowwiseMoments(x: ArrayLike<number>, start: number, n: number, A: Arith): [number, number] {
  const { r } = A;
  const fma = (x: number, y: number, z: number) => r(r(x * y) + z);
  const L = A.f64 ? 4 : 8;
  const nv = Math.floor(n / L);
  const m = Math.ceil(nv / CHUNK);
  const depth = m > 1 ? Math.ceil(Math.log2(m)) : 0;
  const m0s = new Array<number>(depth).fill(0);
  const m1s = Array.from({ length: depth }, () => new Array<number>(L).fill(0));
  const m2s = Array.from({ length: depth }, () => new Array<number>(L).fill(0));
  const addVec = (m0add: number, m1add: number[], m2add: number[], k: number) => {
    const tot = m0s[k] + m0add;
    const c = tot === 0 ? 0 : r(m0add / tot);
    for (let l = 0; l < L; l++) {
      const delta = r(m1add[l] - m1s[k][l]);
      m1s[k][l] = fma(delta, c, m1s[k][l]);
      m2s[k][l] = r(m2s[k][l] + fma(r(r(delta * delta) * c), m0s[k], m2add[l]));
    }
    m0s[k] = tot;
  };
  // a lone chunk (depth 0) accumulates straight into one stack slot
  const slots = Math.max(depth, 1);
  while (m0s.length < slots) { m0s.push(0); m1s.push(new Array<number>(L).fill(0)); m2s.push(new Array<number>(L).fill(0)); }
  for (let i = 0; i < m; i++) {
    const m0 = Math.min(CHUNK, nv - i * CHUNK);
    const m1v = new Array<number>(L).fill(0), m2v = new Array<number>(L).fill(0);
    for (let j = 0; j < m0; j++) {
      const cj = r(1 / (j + 1));
      for (let l = 0; l < L; l++) {
        const xv = x[start + (i * CHUNK + j) * L + l];
        const delta = r(xv - m1v[l]);
        m1v[l] = fma(delta, cj, m1v[l]);
        m2v[l] = fma(delta, r(xv - m1v[l]), m2v[l]);
      }
    }
    addVec(m0, m1v, m2v, 0);
    let mask = i + 1;
    for (let j = 1; j < depth && (mask & 1) === 0; j++) {
      addVec(m0s[j - 1], m1s[j - 1], m2s[j - 1], j);
      // move level j-1 into j: addVec merged (m0s[j-1], ...) into slot j
      m0s[j - 1] = 0; m1s[j - 1].fill(0); m2s[j - 1].fill(0);
      mask >>= 1;
    }
  }
  for (let i = 1; i < depth; i++) {
    // AddMomentsVec(stk[i] → stk[0])
    const tot = m0s[0] + m0s[i];
    const c = tot === 0 ? 0 : r(m0s[i] / tot);
    for (let l = 0; l < L; l++) {
      const delta = r(m1s[i][l] - m1s[0][l]);
      m1s[0][l] = fma(delta, c, m1s[0][l]);
      m2s[0][l] = r(m2s[0][l] + fma(r(r(delta * delta) * c), m0s[0], m2s[i][l]));
    }
    m0s[0] = tot;
  }
  let m0 = 0, m1 = 0, m2 = 0;
  for (let i = nv * L; i < n; i++) {
    const xv = x[start + i];
    const delta = r(xv - m1);
    m0++;
    m1 = r(m1 + r(delta / m0));
    m2 = fma(delta, r(xv - m1), m2);
  }
  if (nv > 0) {
    for (let l = 0; l < L; l++) {
      const tot = m0 + nv;
      const c = tot === 0 ? 0 : r(nv / tot);
      const delta = r(m1s[0][l] - m1);
      m1 = fma(c, delta, m1);
      m2 = r(m2 + fma(r(r(delta * delta) * c), m0, m2s[0][l]));
      m0 = tot;
    }
  }
  return [m1, r(m2 / n)];
}

/** Σ of f(i) for i in [0, n) with vec::map*_reduce_all's order (f already rounds). */
export function vecSum(n: number, f: (i: number) => number, A: Arith): number {
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = f(i);
  return reduceAll(vals, 0, n, A.add, A.f64);
}

/** Σ a(i)·b(i) as vec::map2_reduce_all: the first 8 products plain, then fused multiply-adds per lane */
export function fusedDot(n: number, a: (i: number) => number, b: (i: number) => number, A: Arith): number {
  const { r, fma } = A;
  const L = A.f64 ? 4 : 8;
  if (n < L) {
    let acc = r(a(0) * b(0));
    for (let i = 1; i < n; i++) acc = r(acc + r(a(i) * b(i)));
    return acc;
  }
  const acc = new Array<number>(L);
  for (let j = 0; j < L; j++) acc[j] = r(a(j) * b(j));
  let d = L;
  const full = n - (n % L);
  for (; d < full; d += L) for (let j = 0; j < L; j++) acc[j] = fma(a(d + j), b(d + j), acc[j]);
  for (let j = 0; d + j < n; j++) acc[j] = fma(a(d + j), b(d + j), acc[j]);
  if (A.f64) return r(r(r(acc[0] + acc[1]) + acc[2]) + acc[3]);
  const v = [0, 1, 2, 3].map((i) => r(acc[i] + acc[i + 4]));
  return r(r(v[0] + v[2]) + r(v[1] + v[3]));
}
