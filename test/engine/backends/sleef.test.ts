// The WebAssembly SIMD float32 transcendental lanes (engine/backends/cpu/wasm/sleef.wat) give the
// same bits as their JavaScript reference models (engine/ops/table/nnMath.ts, themselves checked
// against PyTorch 1.13 by test/engine/transcendental.test.ts) on many float32 inputs: random bit
// patterns, every binade, specials (±0, ±inf, NaNs, denormals) and each function's thresholds. Both
// builds run: 'exact' (fmas emulated on double lanes) and 'relaxed' (f32x4.relaxed_madd, where this
// runtime fuses it: x64 with FMA3 here), on plain arrays (staged) and on arena data (in place).
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import {
  FMA_PROBE, LANE, LaneName, SleefKernels, SleefVariant, probeFused, sleefBuild, sleefKernels, sleefStatus,
} from '../../../engine/backends/cpu/wasm/sleef';
import { allocF32, arenaOffset } from '../../../engine/backends/cpu/alloc';
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
const bitsOf = (x: number) => { const f = new Float32Array([x]); return new Uint32Array(f.buffer)[0]; };
const ofBits = (b: number) => new Float32Array(new Uint32Array([b >>> 0]).buffer)[0];
const nextUp = (x: number) => { const f = new Float32Array([x]); const u = new Int32Array(f.buffer); u[0] += x >= 0 ? 1 : -1; return f[0]; };
const nextDown = (x: number) => { const f = new Float32Array([x]); const u = new Int32Array(f.buffer); u[0] += x > 0 ? -1 : 1; return f[0]; };

/** x ± k ulp for k < 4 */
const around = (x: number) => { const out = [fr(x)]; let u = fr(x), d = fr(x); for (let k = 0; k < 3; k++) { u = nextUp(u); d = nextDown(d); out.push(u, d); } return out; };

/** the functions' thresholds and other edges (each taken ± 3 ulp, and negated) */
const EDGES = [
  1, 2, 0.5, 1e-45, 1.1754942e-38, 1.17549435e-38, 3.4028235e38, -104, 100, 88.72283172607421875, 88.7228, 88.3762626647949,
  -87.33654, -103.972084, -103.27893, -16.635532333438687426013570, 8.664339742, 9.010913, 1e38, 0.99999994, 125, 124.99999,
  Math.PI, Math.PI / 2, Math.PI / 4, 0.6931472, 1.3862944, 87.3, 103.9, 2 ** -126, 2 ** -127, 2 ** -149, 2 ** 64, 2 ** -64,
  0.75, 1 / 0.75, 1.5, 0.1, 1e-8, 5e-8, 6e-8, 1e-4, 4e-3, 0.33, 1.4, 50.5, 64, 101.0,
];

/** float32 inputs: specials, edges ± 3 ulp, every binade, denormals, NaN bit patterns, then random bits and a dense range */
function inputs(count: number, seed: number): Float32Array {
  const xs: number[] = [0, -0, Infinity, -Infinity, NaN, -1, -2, -0.5];
  for (const t of EDGES) xs.push(...around(t), ...around(-t));
  for (let e = -149; e <= 127; e++) for (const m of [1, 1.25, 1.5, 1.999]) { xs.push(m * 2 ** e, -m * 2 ** e); }
  // NaNs: quiet and signalling, both signs, other payloads
  for (const b of [0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fbfffff, 0x7fffffff, 0xffffffff, 0x7fc12345]) xs.push(ofBits(b));
  let s = seed >>> 0;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
  // denormals, small and large
  for (let k = 0; k < 400; k++) xs.push(ofBits((rnd() & 0x807fffff) >>> 0));
  while (xs.length < count / 2) xs.push(ofBits(rnd()));
  // dense in the interesting range [-110, 110]
  while (xs.length < count) xs.push((rnd() / 2 ** 32 - 0.5) * 220 * (rnd() % 7 === 0 ? rnd() / 2 ** 32 : 1));
  return new Float32Array(xs);
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
/** whether the caller (vecUnaryKernel) computes this lane in JavaScript rather than in the kernel */
const skipped = (name: LaneName, x: number) => (name === 'sin' || name === 'cos') && !(Math.abs(x) < 125);

const VARIANTS: SleefVariant[] = ['exact', 'relaxed'];
/** whether this machine's CPU has FMA3 (V8 then fuses relaxed_madd): Linux x64 only, else unknown */
const cpuHasFma = (() => {
  try { return process.arch === 'x64' ? /\bfma\b/.test(readFileSync('/proc/cpuinfo', 'utf8')) : null; } catch { return null; }
})();

describe('which build runs', () => {
  it('both load here; the relaxed one wherever the CPU fuses (x64 with FMA3), and it is the one in use', () => {
    expect(sleefBuild('exact')).not.toBeNull();
    if (cpuHasFma) expect(sleefBuild('relaxed')).not.toBeNull();
    const st = sleefStatus();
    if (process.env.GRADSCOPE_WASM === '0') { expect(sleefKernels()).toBeNull(); return; }
    expect(st.inArena).toBe(true); // on the storage arena's memory
    if (process.env.GRADSCOPE_RELAXED === '0') expect(st.variant).toBe('exact');
    else expect(st.variant).toBe(sleefBuild('relaxed') ? 'relaxed' : 'exact');
    expect(st.relaxed).toEqual(sleefBuild('relaxed') ? 'fused' : expect.stringMatching(/unfused|unsupported/));
    expect(sleefKernels()?.variant).toBe(st.variant);
  });

  it('the probe lanes tell fused from unfused and double-rounded madds', () => {
    const [a, b, c] = [0, 1, 2].map((j) => new Float32Array(FMA_PROBE.map((p) => p[j])));
    for (let i = 0; i < FMA_PROBE.length; i++) {
      for (const v of FMA_PROBE[i]) expect(fr(v)).toBe(v);
      expect(fma32(a[i], b[i], c[i])).toBe(FMA_PROBE[i][3]);
    }
    const fake = (f: (x: number, y: number, z: number) => number): Pick<SleefKernels, 'fma'> =>
      ({ fma: (x, y, z) => x.map((_, i) => f(x[i], y[i], z[i])) });
    expect(probeFused(fake(fma32))).toBe(true);
    expect(probeFused(fake((x, y, z) => fr(fr(x * y) + z)))).toBe(false); // unfused
    expect(probeFused(fake((x, y, z) => fr(x * y + z)))).toBe(false); // the sum rounded to double first
    // every lane matters: each one alone catches at least one of the two
    for (let i = 0; i < FMA_PROBE.length; i++) {
      expect(fr(fr(a[i] * b[i]) + c[i]) !== FMA_PROBE[i][3] || fr(a[i] * b[i] + c[i]) !== FMA_PROBE[i][3]).toBe(true);
    }
  });

  it('GRADSCOPE_RELAXED=0 forces the exact build', async () => {
    if (process.env.GRADSCOPE_WASM === '0') return;
    const old = process.env.GRADSCOPE_RELAXED;
    process.env.GRADSCOPE_RELAXED = '0';
    vi.resetModules();
    try {
      const m = await import('../../../engine/backends/cpu/wasm/sleef');
      expect(m.sleefKernels()?.variant).toBe('exact');
      expect(m.sleefStatus()).toMatchObject({ variant: 'exact', relaxed: 'untried' });
    } finally {
      if (old === undefined) delete process.env.GRADSCOPE_RELAXED; else process.env.GRADSCOPE_RELAXED = old;
    }
  });
});

const xs = inputs(60000, 12345);
/** the reference values, once for both builds */
const want = new Map<LaneName, Float32Array>();
const wanted = (name: LaneName) => {
  let w = want.get(name);
  if (!w) { w = new Float32Array(xs.length); for (let i = 0; i < xs.length; i++) w[i] = skipped(name, xs[i]) ? NaN : fr(REF[name](xs[i])); want.set(name, w); }
  return w;
};

function checkLanes(name: LaneName, got: ArrayLike<number>, gotOff: number, from: number, to: number): string[] {
  const bad: string[] = [];
  const w = wanted(name);
  for (let i = from; i < to; i++) {
    if (skipped(name, xs[i])) continue;
    if (!same(got[gotOff + i - from], w[i]) && bad.length < 10) bad.push(`${name}(${xs[i]} = 0x${bitsOf(xs[i]).toString(16)}) = ${got[gotOff + i - from]}, want ${w[i]}`);
  }
  return bad;
}

for (const variant of VARIANTS) {
  const K = sleefBuild(variant);
  describe.skipIf(!K)(`${variant} build: the lanes match the JavaScript models bit for bit`, () => {
    for (const name of Object.keys(LANE) as LaneName[]) {
      it(`${name} (plain arrays, staged)`, () => {
        const out = new Float32Array(xs.length + 3);
        // an odd offset and length exercise the chunking and partial vectors
        K!.map(name, xs, 1, out, 3, xs.length - 1);
        expect(checkLanes(name, out, 3, 1, xs.length)).toEqual([]);
      });
      it.skipIf(!K?.inArena)(`${name} (arena data, in place and mixed)`, () => {
        const n = xs.length - 5;
        // arena arrays with guard elements on both sides: the kernels must not touch them
        const src = allocF32(n + 16), dst = allocF32(n + 16);
        expect(arenaOffset(src)).toBeGreaterThanOrEqual(0);
        src.fill(7); dst.fill(-7); src.set(xs.subarray(5), 8);
        K!.map(name, src, 8, dst, 8, n);
        expect(checkLanes(name, dst, 8, 5, xs.length)).toEqual([]);
        for (const i of [0, 1, 2, 3, 4, 5, 6, 7, n + 8, n + 9, n + 10, n + 11, n + 15]) expect(dst[i]).toBe(-7);
        // src in the arena, dst a plain array; and the other way round
        const plain = new Float32Array(n);
        K!.map(name, src, 8, plain, 0, n);
        expect(checkLanes(name, plain, 0, 5, xs.length)).toEqual([]);
        dst.fill(-7);
        K!.map(name, xs, 5, dst, 8, n);
        expect(checkLanes(name, dst, 8, 5, xs.length)).toEqual([]);
        expect([dst[7], dst[n + 8], dst[n + 9], dst[n + 10]]).toEqual([-7, -7, -7, -7]);
        // short lengths (every tail) in place
        for (let m = 1; m <= 9; m++) {
          dst.fill(-7);
          K!.map(name, src, 8, dst, 8, m);
          expect(checkLanes(name, dst, 8, 5, 5 + m)).toEqual([]);
          expect([dst[7], dst[8 + m], dst[9 + m], dst[10 + m]]).toEqual([-7, -7, -7, -7]);
        }
      });
    }
  });
}

describe('the builds agree with each other on every float32 near exp’s subnormal results and overflow', () => {
  it('exp, expm1, sigmoid, tanh over [-104, -87] and [88, 89.5] in steps of a few ulp', () => {
    const E = sleefBuild('exact')!, R = sleefBuild('relaxed');
    if (!R) return;
    const v: number[] = [];
    for (let b = bitsOf(-87); b <= bitsOf(-104); b += 37) v.push(ofBits(b));
    for (let b = bitsOf(88); b <= bitsOf(89.5); b += 11) v.push(ofBits(b));
    const x = new Float32Array(v);
    for (const name of ['exp', 'expm1', 'sigmoid', 'tanh'] as LaneName[]) {
      const a = new Float32Array(x.length), b = new Float32Array(x.length);
      E.map(name, x, 0, a, 0, x.length);
      R.map(name, x, 0, b, 0, x.length);
      let diff = 0;
      for (let i = 0; i < x.length; i++) if (!same(a[i], b[i])) diff++;
      expect(diff).toBe(0);
      if (name === 'exp') for (let i = 0; i < x.length; i += 97) expect(same(a[i], fr(sleefExpf(x[i])))).toBe(true);
    }
  });
});

/** PyTorch's last-dim (log_)softmax rows as nnSoftmax.ts models them */
function softmaxModel(src: Float32Array, rows: number, n: number, log: boolean): Float32Array {
  const out = new Float32Array(rows * n);
  for (let o = 0; o < rows; o++) {
    const base = o * n;
    const max = reduceAll(src, base, n, maxOp);
    const e = Array.from({ length: n }, (_, i) => sleefExpf(fr(src[base + i] - max)));
    const sum = reduceAll(e, 0, n, addF);
    const ls = fr(Math.log(sum)), rec = fr(1 / sum);
    for (let i = 0; i < n; i++) out[base + i] = log ? fr(fr(src[base + i] - max) - ls) : fr(e[i] * rec);
  }
  return out;
}

function rowsOf(rows: number, n: number, seed: number): Float32Array {
  const src = new Float32Array(rows * n);
  let s = seed;
  for (let i = 0; i < src.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; src[i] = (s / 2 ** 32 - 0.5) * 30; }
  if (n > 2) { src[1] = -Infinity; src[n + 2] = NaN; }
  if (n > 5 && rows > 3) { src[3 * n + 4] = Infinity; src[2 * n] = 1e-40; src[2 * n + 1] = -0; src[2 * n + 3] = 200; }
  return src;
}

const firstDiff = (got: Float32Array, want: Float32Array, n: number) => {
  for (let i = 0; i < want.length; i++) if (!same(got[i], want[i])) return `row ${Math.floor(i / n)} [${i % n}] = ${got[i]}, want ${want[i]}`;
  return null;
};

/** softmaxRows on plain arrays equals the JavaScript model; returns the model's values. */
function plainRowsMatch(K: SleefKernels, src: Float32Array, rows: number, n: number, log: boolean): Float32Array {
  const want = softmaxModel(src, rows, n, log);
  const got = new Float32Array(src.length);
  K.softmaxRows(src, 0, got, 0, rows, n, log);
  expect(firstDiff(got, want, n)).toBeNull();
  return want;
}

for (const variant of VARIANTS) {
  const K = sleefBuild(variant);
  describe.skipIf(!K)(`${variant} build: softmax rows match the JavaScript model`, () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 15, 16, 17, 20, 31, 100, 1000, 5000]) {
      it(`rows of ${n}: plain arrays, and arena data in place`, () => {
        const rows = n < 100 ? 5 : 3;
        const src = rowsOf(rows, n, n);
        for (const log of [false, true]) {
          const want = plainRowsMatch(K!, src, rows, n, log);
          if (!K!.inArena) continue;
          // in the arena, with guards: at least ARENA_MIN_ELEMS elements so allocF32 takes them from there
          const size = Math.max(src.length + 32, 1 << 14);
          const as = allocF32(size), ad = allocF32(size);
          expect(arenaOffset(as)).toBeGreaterThanOrEqual(0);
          as.fill(3); ad.fill(-3); as.set(src, 16);
          K!.softmaxRows(as, 16, ad, 16, rows, n, log);
          expect(firstDiff(ad.subarray(16, 16 + src.length), want, n)).toBeNull();
          for (const i of [0, 15, 16 + src.length, 17 + src.length, 18 + src.length, 31 + src.length]) expect(ad[i]).toBe(-3);
        }
      });
    }
    it('rows whose max is a tie of +0 and -0, or that hold NaN in the whole groups of 8 or the tail (the max fast path and its fallback)', () => {
      for (const n of [8, 16, 37, 64, 1024]) {
        const rows = 6, src = new Float32Array(rows * n).fill(-Infinity);
        for (let i = 0; i < n; i++) src[i] = i % 3 === 0 ? 0 : i % 3 === 1 ? -0 : -5; // row 0: ±0 ties, last one -0 or +0
        for (let i = 0; i < n; i++) src[n + i] = i % 2 ? -0 : 0;
        src[n + n - 1] = 0;
        for (let i = 0; i < n; i++) src[2 * n + i] = (i % 7) - 3;
        src[2 * n + 3] = NaN; // NaN in the first vectors
        for (let i = 0; i < n; i++) src[3 * n + i] = (i % 5) - 2;
        src[3 * n + (n & ~7) - 1] = NaN; // in the last whole group
        for (let i = 0; i < n; i++) src[4 * n + i] = (i % 4) - 1;
        if (n % 8) src[4 * n + n - 1] = NaN; // in the tail only
        for (let i = 0; i < n; i++) src[5 * n + i] = -(i % 9);
        for (const log of [false, true]) plainRowsMatch(K!, src, rows, n, log);
        // the max itself (a ±0 tie or a NaN changes no output above but log_softmax's NaN payload)
        if (!K!.inArena) continue;
        const as = allocF32(Math.max(src.length + 32, 1 << 14)), ad = allocF32(Math.max(src.length + 32, 1 << 14));
        as.set(src);
        for (let r = 0; r < rows; r++) {
          K!.exports.softmax_row(arenaOffset(as) + 4 * r * n, arenaOffset(ad), n, 1);
          const m = K!.exports.row_max.value as number, w = reduceAll(src, r * n, n, maxOp);
          expect(Object.is(m, w) || (Number.isNaN(m) && Number.isNaN(w))).toBe(true);
        }
      }
    });
    it.skipIf(!K?.inArena)('many rows of 1024 in the arena (the benchmark shape), and the same from plain arrays', () => {
      const rows = 64, n = 1024;
      const src = rowsOf(rows, n, 7);
      const want = softmaxModel(src, rows, n, false);
      const as = allocF32(src.length), ad = allocF32(src.length);
      as.set(src);
      K!.softmaxRows(as, 0, ad, 0, rows, n, false);
      expect(firstDiff(ad, want, n)).toBeNull();
      const got = new Float32Array(src.length);
      K!.softmaxRows(src, 0, got, 0, rows, n, false);
      expect(firstDiff(got, want, n)).toBeNull();
    });
  });
}

/** a, b, c where a·b + c puts a double sum exactly on a float32 midpoint (double rounding traps), then random ones */
function fmaCases(): [Float32Array, Float32Array, Float32Array] {
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
  let s = 99;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
  while (a.length < 4000) { a.push(ofBits(rnd())); b.push(ofBits(rnd())); c.push(ofBits(rnd())); }
  // subnormal products and sums, and specials
  const sp = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 1e-40, 3.4028235e38, 2 ** -70, 1];
  for (const x of sp) for (const y of sp) for (const z of [0, -0, 1e-45, -1, Infinity, 2 ** -140]) { a.push(x); b.push(y); c.push(z); }
  return [new Float32Array(a), new Float32Array(b), new Float32Array(c)];
}

for (const variant of VARIANTS) {
  const K = sleefBuild(variant);
  describe.skipIf(!K)(`${variant} build: the kernels’ fma is the correctly rounded fmaf`, () => {
    it('on products that put a double sum exactly on a float32 midpoint (double rounding traps), specials, and at random', () => {
      const [A, B, C] = fmaCases();
      let traps = 0;
      for (let i0 = 0; i0 < A.length; i0 += 4096) {
        const i1 = Math.min(A.length, i0 + 4096);
        const got = K!.fma(A.subarray(i0, i1), B.subarray(i0, i1), C.subarray(i0, i1));
        for (let i = i0; i < i1; i++) {
          const want = fma32(A[i], B[i], C[i]);
          if (fr(A[i] * B[i] + C[i]) !== want) traps++;
          if (!same(got[i - i0], want)) expect(`fma(${A[i]}, ${B[i]}, ${C[i]}) = ${got[i - i0]}`).toBe(`${want}`);
        }
      }
      // the constructed cases do defeat plain double rounding, so this checks the exact build's fallback
      expect(traps).toBeGreaterThan(300);
    });
  });
}

for (const variant of VARIANTS) {
  const K = sleefBuild(variant);
  describe.skipIf(!K?.inArena)(`${variant} build: axpy (the optimizers' add(x, y, alpha)) is fmaf(alpha, y, x)`, () => {
    it('in place on arena data, the tail by fma32, nothing past n touched, traps and specials included', () => {
      const [A, B, C] = fmaCases();
      const n = (1 << 14) + 1; // arena arrays (from 16K elements), a partial last vector
      const y = allocF32(n + 8), x = allocF32(n + 8), d = allocF32(n + 8);
      for (let i = 0; i < n; i += 4096) { y.set(B.subarray(0, Math.min(4096, n - i)), i); x.set(C.subarray(0, Math.min(4096, n - i)), i); }
      expect(arenaOffset(d)).toBeGreaterThanOrEqual(0);
      d.fill(-7);
      for (const al of [fr(-0.01), 0.5, fr(3.3e-5), fr(-7.5e7), ...A.subarray(0, 40).filter((v) => Number.isFinite(v))]) {
        expect(K!.axpy(al, y, 0, x, 0, d, 0, n, fma32)).toBe(true);
        for (let i = 0; i < n; i++) if (!same(d[i], fma32(al, y[i], x[i]))) expect(`fma(${al}, ${y[i]}, ${x[i]}) = ${d[i]}`).toBe(`${fma32(al, y[i], x[i])}`);
        expect(d[n]).toBe(-7);
      }
      // x itself as the destination (add_ in place)
      const want = Array.from(x.subarray(0, n), (v, i) => fma32(0.25, y[i], v));
      K!.axpy(0.25, y, 0, x, 0, x, 0, n, fma32);
      for (let i = 0; i < n; i++) expect(same(x[i], want[i])).toBe(true);
      // not every operand in the arena, or alpha not a float32: declined
      expect(K!.axpy(0.25, new Float32Array(n), 0, x, 0, d, 0, n, fma32)).toBe(false);
      expect(K!.axpy(0.1, y, 0, x, 0, d, 0, n, fma32)).toBe(false);
    });
  });
}
