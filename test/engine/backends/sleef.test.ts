// The WebAssembly SIMD float32 transcendental lanes (engine/backends/cpu/wasm/sleef.wat) give the
// same bits as their JavaScript reference models (engine/ops/table/nnMath.ts, themselves checked
// against PyTorch 1.13 by test/engine/transcendental.test.ts) on many float32 inputs: random bit
// patterns, every binade, specials (±0, ±inf, NaN, denormals) and each function's thresholds.
import { describe, expect, it } from 'vitest';
import { LANE, LaneName, sleefKernels } from '../../../engine/backends/cpu/wasm/sleef';
import { fma32 } from '../../../engine/random/fma';
import {
  addF, maxOp, reduceAll, sleefCosf, sleefExpf, sleefExpm1f, sleefLog10f, sleefLog1pf, sleefLog2f, sleefLogf,
  sleefSigmoidf, sleefSinf, sleefTanhf,
} from '../../../engine/ops/table/nnMath';

const REF: Record<LaneName, (x: number) => number> = {
  exp: sleefExpf, expm1: sleefExpm1f, log: sleefLogf, log1p: sleefLog1pf, tanh: sleefTanhf, sigmoid: sleefSigmoidf,
  log2: sleefLog2f, log10: sleefLog10f, sin: sleefSinf, cos: sleefCosf,
};

const fr = Math.fround;
const nextUp = (x: number) => { const f = new Float32Array([x]); const u = new Int32Array(f.buffer); u[0] += x >= 0 ? 1 : -1; return f[0]; };
const nextDown = (x: number) => { const f = new Float32Array([x]); const u = new Int32Array(f.buffer); u[0] += x > 0 ? -1 : 1; return f[0]; };

/** float32 inputs: specials, thresholds ± 1 ulp, every binade, then random bit patterns */
function inputs(count: number, seed: number): Float32Array {
  const xs: number[] = [0, -0, Infinity, -Infinity, NaN, 1, -1, 2, -2, 0.5, -0.5, 1e-45, -1e-45, 1.1754942e-38, 1.17549435e-38,
    3.4028235e38, -3.4028235e38, -104, 100, 88.72283172607421875, -16.635532333438687426013570, 8.664339742, 1e38, -0.99999994,
    125, -125, 124.99999, Math.PI, -Math.PI, Math.PI / 2, 0.6931472, -0.6931472, 87.3, -87.3, 103.9, -103.9];
  for (const t of xs.slice(5)) { xs.push(nextUp(fr(t)), nextDown(fr(t))); }
  for (let e = -149; e <= 127; e++) for (const m of [1, 1.25, 1.5, 1.999]) { xs.push(m * 2 ** e, -m * 2 ** e); }
  let s = seed >>> 0;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
  const bits = new Uint32Array(1), f = new Float32Array(bits.buffer);
  while (xs.length < count / 2) { bits[0] = rnd(); xs.push(f[0]); }
  // dense in the interesting range [-110, 110]
  while (xs.length < count) xs.push((rnd() / 2 ** 32 - 0.5) * 220 * (rnd() % 7 === 0 ? rnd() / 2 ** 32 : 1));
  return new Float32Array(xs);
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe('wasm SLEEF lanes match the JavaScript models bit for bit', () => {
  const K = sleefKernels();
  it('loads here', () => { expect(K).not.toBeNull(); });
  const xs = inputs(60000, 12345);
  for (const name of Object.keys(LANE) as LaneName[]) {
    it(name, () => {
      const out = new Float32Array(xs.length + 3);
      // an odd offset and length exercise the chunking and partial vectors
      K!.map(name, xs, 1, out, 3, xs.length - 1);
      const bad: string[] = [];
      let checked = 0;
      for (let i = 1; i < xs.length; i++) {
        const x = xs[i];
        if ((name === 'sin' || name === 'cos') && !(Math.abs(x) < 125)) continue; // libm there, done by the caller
        checked++;
        const want = fr(REF[name](x)), got = out[i + 2];
        if (!same(got, want) && bad.length < 10) bad.push(`${name}(${x}) = ${got}, want ${want}`);
      }
      expect(checked).toBeGreaterThan(40000);
      expect(bad).toEqual([]);
    });
  }
});

describe('wasm softmax rows match the JavaScript model', () => {
  const K = sleefKernels();
  for (const n of [1, 3, 7, 8, 9, 15, 16, 17, 31, 100, 1000, 5000]) {
    it(`rows of ${n}`, () => {
      const rows = 3;
      const src = new Float32Array(rows * n);
      let s = n;
      for (let i = 0; i < src.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; src[i] = (s / 2 ** 32 - 0.5) * 30; }
      if (n > 2) { src[1] = -Infinity; src[n + 2] = NaN; }
      for (const log of [false, true]) {
        const got = new Float32Array(src.length);
        K!.softmaxRows(src, 0, got, 0, rows, n, log);
        for (let o = 0; o < rows; o++) {
          const base = o * n;
          const max = reduceAll(src, base, n, maxOp);
          const e = Array.from({ length: n }, (_, i) => sleefExpf(fr(src[base + i] - max)));
          const sum = reduceAll(e, 0, n, addF);
          const ls = fr(Math.log(sum)), rec = fr(1 / sum);
          for (let i = 0; i < n; i++) {
            const want = log ? fr(fr(src[base + i] - max) - ls) : fr(e[i] * rec);
            if (!same(got[base + i], want)) expect(`${log ? 'log_' : ''}softmax row ${o} [${i}] = ${got[base + i]}`).toBe(`${want}`);
          }
        }
      }
    });
  }
});

describe('the kernels’ fma is the correctly rounded fmaf', () => {
  it('on products that put a double sum exactly on a float32 midpoint (double rounding traps), and at random', () => {
    const K = sleefKernels()!;
    const a: number[] = [], b: number[] = [], c: number[] = [];
    // A·B = 3·2^45 ± t with A, B in [2^23, 2^24): (A/2^23)(B/2^23) = 1.5 ± t·2^-46, so with p scaled to
    // c's ulp the exact sum c + 1.5 ulp ± tail is a float32 midpoint plus a tail a double cannot hold
    const P = 3 * 2 ** 45;
    for (let A = 2 ** 23 + 1; a.length < 1200 && A < 1.5 * 2 ** 23; A++) {
      const r = P % A; // exact in doubles
      for (const [sgn, t] of [[1, (A - r) % A], [-1, r]]) {
        const B = (P + sgn * t) / A;
        if (t === 0 || t >= 2 ** 15 || B < 2 ** 23 || B >= 2 ** 24) continue;
        const cv = fr((1 + (A % 1000) / 1024) * 2 ** ((A % 60) - 30)) * (A % 3 === 0 ? -1 : 1);
        const ulp = 2 ** (Math.floor(Math.log2(Math.abs(cv))) - 23);
        a.push(fr(A / 2 ** 23 * ulp * Math.sign(cv))); b.push(fr(B / 2 ** 23)); c.push(cv);
      }
    }
    expect(a.length).toBeGreaterThan(500);
    let s = 99;
    const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
    const bits = new Uint32Array(1), f = new Float32Array(bits.buffer);
    const any = () => { bits[0] = rnd(); return f[0]; };
    while (a.length < 2000) { a.push(any()); b.push(any()); c.push(any()); }
    const A32 = new Float32Array(a), B32 = new Float32Array(b), C32 = new Float32Array(c);
    const got = K.fma(A32, B32, C32);
    let traps = 0;
    for (let i = 0; i < A32.length; i++) {
      const want = fma32(A32[i], B32[i], C32[i]);
      if (fr(A32[i] * B32[i] + C32[i]) !== want) traps++;
      if (!same(got[i], want)) expect(`fma(${A32[i]}, ${B32[i]}, ${C32[i]}) = ${got[i]}`).toBe(`${want}`);
    }
    // the constructed cases do defeat plain double rounding, so this checks the fallback
    expect(traps).toBeGreaterThan(300);
  });
});
