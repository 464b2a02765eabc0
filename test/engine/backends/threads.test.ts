// Large float32 ops split over the worker threads (engine/backends/cpu/threads.ts) give the one-thread
// result bit for bit: arithmetic (tensor ∘ tensor and with a value), relu / threshold_backward, the
// SLEEF map / axpy / softmax rows, and the cascade sum split in blocks of step³ rows. Each is compared
// with the same kernel on the calling thread alone (withOneThread) and with the JavaScript loops, on
// sizes around the thresholds and the cascade's block boundaries, unaligned offsets and in-place
// outputs; once with the caller and the workers sharing the chunks and once with every chunk left to
// the workers (so the workers' own instances, the SLEEF build included, are what is checked). A worker
// that is ready but never claims a chunk does not hang the caller, and small ops never start the pool.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { torch } from '../../../engine/index';
import { ARENA_MIN_ELEMS, allocF32, arenaOffset } from '../../../engine/backends/cpu/alloc';
import { activationF32, arithF32, ArithOp, cascadeColumns32 } from '../../../engine/backends/cpu/simd';
import { cascadeColumns, cascadePower } from '../../../engine/backends/cpu/reduce';
import {
  PARALLEL_MIN, restartPool, threadStats, waitForWorkers, withOneThread,
} from '../../../engine/backends/cpu/threads';
import { LaneName, mapSplitAt, sleefBuild, sleefKernels } from '../../../engine/backends/cpu/wasm/sleef';
import { fma32 } from '../../../engine/random/fma';
import { sleefExpf, sleefTanhf } from '../../../engine/ops/table/nnMath';

// room for the large cases in one synchronous test (dead blocks are freed between tests)
vi.hoisted(() => { process.env.GRADSCOPE_ARENA_MB ??= '1024'; });

const fr = Math.fround;
const K = sleefKernels();
const on = !!K?.inArena && process.env.GRADSCOPE_WASM !== '0';

/** Deterministic float32 values: mostly in [-scale, scale], with some specials. */
function vals(n: number, seed: number, scale = 1, specials = true): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  if (specials && n > 100) {
    const sp = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-40, 3.4e38, -3.4e38, 1.5];
    for (let k = 0; k < sp.length; k++) for (let i = 7 * k + 3; i < n; i += 4099 + k) out[i] = sp[k];
  }
  return out;
}
/** Arena blocks of the views arena() hands out (a view does not keep its block alive). */
let keep: Float32Array[] = [];
beforeEach(() => { keep = []; });
/** An arena array holding `data` after `pad` guard elements (and `pad` after it). */
function arena(data: Float32Array, pad = 0, guard = 0): Float32Array {
  const len = data.length + 2 * pad;
  const block = allocF32(Math.max(len, ARENA_MIN_ELEMS), false);
  keep.push(block);
  const a = block.subarray(0, len);
  expect(arenaOffset(a)).toBeGreaterThanOrEqual(0);
  a.fill(guard);
  a.set(data, pad);
  return a;
}
/** The first index where the float32 bits differ (NaN payloads included: the same kernel on another thread), or -1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  expect(b.length).toBe(n);
  const bits = (t: ArrayLike<number>) => {
    if (t instanceof Float32Array) return new Uint32Array(t.buffer, t.byteOffset, t.length);
    const f = new Float32Array(t.length);
    for (let i = 0; i < t.length; i++) f[i] = t[i];
    return new Uint32Array(f.buffer);
  };
  const u = bits(a), v = bits(b);
  for (let i = 0; i < n; i++) if (u[i] !== v[i]) return i;
  return -1;
}
const hex = (v: number) => (new Uint32Array(Float32Array.of(v).buffer)[0] >>> 0).toString(16);
/** Fails with the first difference of firstDiff (or firstDiffRef with `ref`). */
function same(got: ArrayLike<number>, want: ArrayLike<number>, what = '', ref = false): void {
  const i = ref ? firstDiffRef(got, want) : firstDiff(got, want);
  if (i >= 0) expect.fail(`${what}[${i}] of ${want.length}: got ${got[i]} (${hex(got[i])}), want ${want[i]} (${hex(want[i])})`);
}
/** The first index where the values differ (Object.is, any NaN equal to any NaN: against the JavaScript loops), or -1. */
function firstDiffRef(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(a[i] !== a[i] && b[i] !== b[i])) return i;
  return -1;
}
const jobs = (k: keyof ReturnType<typeof threadStats>) => threadStats()[k].jobs;

const T = PARALLEL_MIN;
const arithSizes = [T.arith - 1, T.arith, T.arith + 1, T.arith + 3, T.arith + 17, 1000003];
/** Sizes around a lane's threshold (a multiple of 4: whole vectors split, the last n % 4 on the caller). */
const mapSizes = (at: number) => [at - 1, at, at + 1, at + 2, at + 3, at + 4, at + 5, 100003];
const axpySizes = [T.axpy - 1, T.axpy, T.axpy + 1, T.axpy + 6, 300001];

/** JavaScript reference of op (sa / sb: 1 tensor, 0 the value at index 0). */
function refArith(op: ArithOp, a: ArrayLike<number>, ia: number, sa: number, b: ArrayLike<number>, ib: number, sb: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const x = a[ia + j * sa], y = b[ib + j * sb];
    out[j] = op === 0 ? x + y : op === 1 ? x - y : op === 2 ? x * y : x / y;
  }
  return out;
}

function checkKernels(mode: string): void {
  it(`${mode}: add/sub/mul/div, tensor ∘ tensor and with a value, at offsets, around the threshold`, () => {
    for (const n of arithSizes) {
      const big = n >= T.arith;
      const a = arena(vals(n + 3, n), 0), b = arena(vals(n + 5, n + 1, 3), 0);
      for (const op of [0, 1, 2, 3] as ArithOp[]) {
        for (const [ia, ib] of [[0, 0], [3, 5]]) {
          const before = jobs('arith');
          const got = allocF32(n, false);
          expect(arithF32(op, got, 0, a, ia, 1, b, ib, 1, n)).toBe(true);
          expect(jobs('arith') - before).toBe(big ? 1 : 0);
          const one = allocF32(n, false);
          withOneThread(() => arithF32(op, one, 0, a, ia, 1, b, ib, 1, n));
          same(got, one);
          same(got, refArith(op, a, ia, 1, b, ib, 1, n), undefined, true);
        }
        // one operand a float32 value, on either side
        const s = Float32Array.of(fr(0.7));
        for (const [sa, sb] of [[1, 0], [0, 1]]) {
          const before = jobs('arith');
          const got = allocF32(n, false);
          const [A, B] = sa ? [a, s] : [s, b];
          expect(arithF32(op, got, 0, A, sa ? 3 : 0, sa, B, sb ? 5 : 0, sb, n)).toBe(true);
          expect(jobs('arith') - before).toBe(big ? 1 : 0);
          same(got, refArith(op, A, sa ? 3 : 0, sa, B, sb ? 5 : 0, sb, n), undefined, true);
        }
      }
    }
  });

  it(`${mode}: in-place arithmetic (the output is an operand) and torch.add / add_`, () => {
    const n = T.arith + 9;
    for (const op of [0, 1, 2, 3] as ArithOp[]) {
      const x = vals(n, 5), y = vals(n, 6, 2);
      const a = arena(x), b = arena(y);
      const want = refArith(op, x, 0, 1, y, 0, 1, n);
      expect(arithF32(op, a, 0, a, 0, 1, b, 0, 1, n)).toBe(true); // o = a
      same(a, want, undefined, true);
      const a2 = arena(x), b2 = arena(y);
      expect(arithF32(op, b2, 0, a2, 0, 1, b2, 0, 1, n)).toBe(true); // o = b
      same(b2, want, undefined, true);
      const a3 = arena(x);
      expect(arithF32(op, a3, 0, a3, 0, 1, Float32Array.of(2.5), 0, 0, n)).toBe(true);
      same(a3, refArith(op, x, 0, 1, [2.5], 0, 0, n), undefined, true);
    }
    const x = torch.rand(1 << 20), y = torch.rand(1 << 20);
    const want = refArith(0, x.storage.data, 0, 1, y.storage.data, 0, 1, 1 << 20);
    same(torch.add(x, y).storage.data, want, undefined, true);
    x.add_(y);
    same(x.storage.data, want, undefined, true);
  });

  it(`${mode}: relu and threshold_backward around the threshold`, () => {
    for (const n of arithSizes) {
      const x = arena(vals(n + 2, 2 * n)), g = arena(vals(n + 1, 3 * n));
      const before = jobs('act');
      const got = allocF32(n, false);
      expect(activationF32('relu', got, 0, x, 2, n)).toBe(true);
      const one = allocF32(n, false);
      withOneThread(() => activationF32('relu', one, 0, x, 2, n));
      same(got, one);
      const want = new Float32Array(n);
      for (let i = 0; i < n; i++) want[i] = x[2 + i] < 0 ? 0 : x[2 + i];
      same(got, want, 'relu', true);
      for (const th of [0, 0.5]) {
        expect(activationF32('threshold', got, 0, g, 1, n, x, 2, th)).toBe(true);
        for (let i = 0; i < n; i++) want[i] = x[2 + i] <= th ? 0 : g[1 + i];
        same(got, want, 'threshold', true);
      }
      expect(jobs('act') - before).toBe(n >= T.act ? 3 : 0);
      // in place: relu_ on its own storage
      const y = arena(vals(n, 4 * n));
      for (let i = 0; i < n; i++) want[i] = y[i] < 0 ? 0 : y[i];
      expect(activationF32('relu', y, 0, y, 0, n)).toBe(true);
      same(y, want, 'relu_', true);
    }
  });

  it.skipIf(!on)(`${mode}: SLEEF map (exp, log, tanh, sigmoid, sin, …) around the threshold, in place and at offsets`, () => {
    const lanes: LaneName[] = ['exp', 'expm1', 'log', 'log1p', 'tanh', 'sigmoid', 'log2', 'log10', 'sin', 'cos'];
    for (const lane of lanes) for (const n of mapSizes(mapSplitAt(lane, K!.variant))) {
      const x = vals(n, 7 * n, 30);
      const src = arena(x, 8, 5);
      {
        const before = jobs('map');
        const dst = arena(new Float32Array(n), 8, -7);
        K!.map(lane, src, 8, dst, 8, n);
        expect(jobs('map') - before).toBe((n & ~3) >= mapSplitAt(lane, K!.variant) ? 1 : 0);
        for (const i of [0, 7, n + 8, n + 9, n + 10, n + 11, n + 15]) expect(dst[i]).toBe(-7); // guards untouched
        const one = arena(new Float32Array(n), 8, -7);
        withOneThread(() => K!.map(lane, src, 8, one, 8, n));
        same(dst, one);
        // in place
        const io = arena(x, 8, -7);
        K!.map(lane, io, 8, io, 8, n);
        same(io.subarray(8, 8 + n), one.subarray(8, 8 + n));
      }
      // and the JavaScript models
      if (lane !== 'exp' || (n !== mapSplitAt(lane, K!.variant) + 1 && n !== 100003)) continue;
      const e = arena(new Float32Array(n), 8), t = arena(new Float32Array(n), 8);
      K!.map('exp', src, 8, e, 8, n);
      K!.map('tanh', src, 8, t, 8, n);
      const we = new Float32Array(n), wt = new Float32Array(n);
      for (let i = 0; i < n; i++) { we[i] = sleefExpf(x[i]); wt[i] = sleefTanhf(x[i]); }
      same(e.subarray(8, 8 + n), we, 'exp', true);
      same(t.subarray(8, 8 + n), wt, 'tanh', true);
    }
  });

  it.skipIf(!on)(`${mode}: SLEEF axpy = fmaf(al, y, x) around the threshold, in place`, () => {
    for (const n of axpySizes) {
      const y = vals(n, 11 * n, 4), x = vals(n, 13 * n, 4);
      for (let i = 5; i < n; i += 1001) { y[i] = 2 ** -23; x[i] = 1; } // double sums on float32 midpoints
      const ya = arena(y), xa = arena(x);
      for (const al of [0.5, -0.01].map(fr)) {
        const before = jobs('saxpy');
        const dst = allocF32(n, false);
        expect(K!.axpy(al, ya, 0, xa, 0, dst, 0, n, fma32)).toBe(true);
        expect(jobs('saxpy') - before).toBe((n & ~3) >= T.axpy ? 1 : 0);
        for (let i = 0; i < n; i++) if (!Object.is(dst[i], fma32(al, y[i], x[i])) && !(dst[i] !== dst[i])) expect.fail(`axpy[${i}]`);
        const one = allocF32(n, false);
        withOneThread(() => K!.axpy(al, ya, 0, xa, 0, one, 0, n, fma32));
        same(dst, one);
        const io = arena(x); // self.add_(other, alpha): dst is x
        expect(K!.axpy(al, ya, 0, io, 0, io, 0, n, fma32)).toBe(true);
        same(io, one);
      }
    }
  });

  it.skipIf(!on)(`${mode}: softmax / log_softmax rows (each row on one thread; chunk ends joined by the caller)`, () => {
    const shapes: [number, number][] = [[8192, 8], [8, 8192], [9, 8195], [100, 1000], [663, 99], [4096, 16], [63, 1057],
      [8191, 9], [7, 16384], [T.softmax / 16 - 1, 16], [T.softmax / 16, 16], [257, 257], [1024, 1024], [300, 100]];
    for (const [rows, n] of shapes) {
      const x = vals(rows * n, rows * 31 + n, 20);
      for (const log of [false, true]) {
        const src = arena(x, 16, 3);
        const before = jobs('softmax');
        const dst = arena(new Float32Array(rows * n), 16, -3);
        K!.softmaxRows(src, 16, dst, 16, rows, n, log);
        const split = jobs('softmax') - before;
        expect(split).toBe(rows * n >= T.softmax && rows >= 8 ? 1 : 0);
        const one = arena(new Float32Array(rows * n), 16, -3);
        withOneThread(() => K!.softmaxRows(src, 16, one, 16, rows, n, log));
        const d = firstDiff(dst, one);
        if (d >= 0) expect.fail(`[${rows}, ${n}] log=${log}: row ${Math.floor((d - 16) / n)} [${(d - 16) % n}] = ${dst[d]}, want ${one[d]}`);
      }
    }
    // through torch (the benchmark's shape)
    const t = torch.rand(512, 1024);
    const want = withOneThread(() => torch.softmax(t, 1)).storage.data;
    same(torch.softmax(t, 1).storage.data, want);
    same(torch.log_softmax(t, 1).storage.data, withOneThread(() => torch.log_softmax(t, 1)).storage.data);
  });

  it(`${mode}: the cascade sum split in blocks of step³ rows, on sizes straddling block boundaries`, () => {
    // lp = 4 (step 16, blocks of 4096 rows) up to 2^19 rows, lp = 5 (blocks of 32768 rows) past it
    const B = 4096;
    expect(32 * 8 * B).toBe(T.cascade);
    const rowsList = [8 * B - 1, 8 * B, 8 * B + 1, 8 * B + 15, 8 * B + 16, 8 * B + 17, 9 * B + B - 1, 11 * B + 256, 37 * B + 4000, 1 << 19,
      // and (the threshold lowered) two or three blocks, with and without a tail
      -(2 * B - 1), -(2 * B), -(2 * B + 1), -(2 * B + 17), -(3 * B + B - 1)];
    for (const r of rowsList) {
      const rows = Math.abs(r);
      const min = T.cascade;
      if (r < 0) (T as { cascade: number }).cascade = 32 * B;
      try {
      // values of very different magnitudes, so any other addition order gives other bits
      const x = vals(32 * rows + 7, rows, 1, false);
      for (let i = 0; i < x.length; i += 3) x[i] *= 2 ** ((i * 7919) % 40 - 20);
      const d = arena(x);
      const lp = cascadePower(rows);
      const before = jobs('cascade');
      const got = cascadeColumns32(d, 7, rows, lp)!;
      expect(jobs('cascade') - before).toBe(32 * rows >= T.cascade && rows > 4096 ? 1 : 0);
      const one = withOneThread(() => cascadeColumns32(d, 7, rows, lp))!;
      same(got, one, `${rows} rows`);
      same(got, cascadeColumns(d, 7, 32, rows, true), `${rows} rows`, true);
      // a row stride of 40 (the contiguous outer reductions)
      if (rows <= 11 * B + 256) {
        const y = arena(vals(40 * rows + 5, rows + 1, 1, false));
        const g2 = cascadeColumns32(y, 5, rows, lp, 40)!;
        const o2 = withOneThread(() => cascadeColumns32(y, 5, rows, lp, 40))!;
        same(g2, o2, `${rows} rows of stride 40`);
      }
      } finally {
        (T as { cascade: number }).cascade = min;
      }
    }
  });

  it(`${mode}: a cascade with lp = 5 (rows past 2^19), and sums with NaN, infinities and -0`, () => {
    const rows = (1 << 19) + 32768 + 17;
    const x = vals(32 * rows, 99, 1, false);
    for (let i = 0; i < x.length; i += 5) x[i] *= 2 ** ((i * 131) % 30 - 15);
    const d = arena(x);
    const lp = cascadePower(rows);
    expect(lp).toBe(5);
    const got = cascadeColumns32(d, 0, rows, lp)!;
    same(got, withOneThread(() => cascadeColumns32(d, 0, rows, lp))!);
    same(got, cascadeColumns(d, 0, 32, rows, true), undefined, true);
    // specials, and columns of -0 only
    const rows2 = 9 * 4096 + 100;
    const z = vals(32 * rows2, 5, 1, true);
    for (let i = 0; i < z.length; i += 32) z[i] = -0;
    const dz = arena(z);
    const before = jobs('cascade');
    const gz = cascadeColumns32(dz, 0, rows2, cascadePower(rows2))!;
    expect(jobs('cascade') - before).toBe(1);
    expect(Array.from(gz).some((v) => v !== v)).toBe(true);
    same(gz, withOneThread(() => cascadeColumns32(dz, 0, rows2, cascadePower(rows2)))!);
    same(gz, cascadeColumns(dz, 0, 32, rows2, true), undefined, true);
    // and torch.sum / sum along a dim
    const t = torch.randn(1 << 22);
    same(torch.sum(t).storage.data, withOneThread(() => torch.sum(t)).storage.data);
    const m = torch.randn(20000, 64);
    same(torch.sum(m, 0).storage.data, withOneThread(() => torch.sum(m, 0)).storage.data);
  });

  it(`${mode}: a matmul`, () => {
    const a = torch.randn(320, 100), b = torch.randn(100, 160);
    same(torch.mm(a, b).storage.data, withOneThread(() => torch.mm(a, b)).storage.data);
  });
}

describe.skipIf(!on)('threaded kernels equal the one-thread result bit for bit', () => {
  describe('the caller and two workers share the chunks', () => {
    beforeAll(async () => {
      await restartPool({ workers: 2 });
      expect(await waitForWorkers(2)).toBe(true);
    }, 30_000);
    checkKernels('shared');
  });
  describe('the workers run every chunk (their own instances)', () => {
    beforeAll(async () => {
      await restartPool({ workers: 2, callerIdle: true });
      expect(await waitForWorkers(2)).toBe(true);
    }, 30_000);
    afterAll(() => restartPool(null), 30_000);
    checkKernels('workers only');
    it('the workers run the SLEEF build the caller uses; another build stays on one thread', () => {
      const other = sleefBuild(K!.variant === 'relaxed' ? 'exact' : 'relaxed');
      if (!other?.inArena) return;
      const n = 1 << 16, src = arena(vals(n, 3, 30)), dst = allocF32(n, false), one = allocF32(n, false);
      const before = threadStats().map;
      other.map('exp', src, 0, dst, 0, n);
      expect(threadStats().map.jobs).toBe(before.jobs);
      K!.map('exp', src, 0, one, 0, n);
      expect(threadStats().map.byWorkers).toBeGreaterThan(before.byWorkers);
      same(dst, one);
    });
  });
});

describe.skipIf(!on)('workers that never claim a chunk', () => {
  afterAll(() => restartPool(null), 30_000);
  for (const stall of [[0], [0, 1]]) {
    it(`do not hang the caller (stalled: ${stall.join(', ')} of 2)`, async () => {
      await restartPool({ workers: 2, stall });
      expect(await waitForWorkers(2)).toBe(true);
      const before = threadStats();
      const n = 1 << 20;
      const a = arena(vals(n, 1)), b = arena(vals(n, 2));
      const got = allocF32(n, false);
      expect(arithF32(0, got, 0, a, 0, 1, b, 0, 1, n)).toBe(true);
      same(got, refArith(0, a, 0, 1, b, 0, 1, n), undefined, true);
      expect(activationF32('relu', got, 0, a, 0, n)).toBe(true);
      K!.map('exp', a, 0, got, 0, n);
      same(got, withOneThread(() => { const o = allocF32(n, false); K!.map('exp', a, 0, o, 0, n); return o; }));
      const s = arena(vals(256 * 1024, 3, 10)), sd = allocF32(256 * 1024, false);
      K!.softmaxRows(s, 0, sd, 0, 256, 1024, false);
      const rows = 1 << 16, c = arena(vals(32 * rows, 4));
      same(cascadeColumns32(c, 0, rows, cascadePower(rows))!, cascadeColumns(c, 0, 32, rows, true), undefined, true);
      torch.mm(torch.randn(256, 128), torch.randn(128, 128));
      const after = threadStats();
      for (const k of ['arith', 'act', 'map', 'softmax', 'cascade', 'gemm'] as const) expect(after[k].jobs).toBeGreaterThan(before[k].jobs);
      if (stall.length === 2) for (const k of ['arith', 'act', 'map', 'softmax', 'cascade', 'gemm'] as const) expect(after[k].byWorkers).toBe(before[k].byWorkers);
    }, 30_000);
  }
});

describe.skipIf(!on)('small ops never touch the workers', () => {
  it('below the thresholds the pool is not even started', async () => {
    vi.resetModules();
    const alloc = await import('../../../engine/backends/cpu/alloc');
    const simd = await import('../../../engine/backends/cpu/simd');
    const threads = await import('../../../engine/backends/cpu/threads');
    const sleef = await import('../../../engine/backends/cpu/wasm/sleef');
    const S = sleef.sleefKernels()!;
    const n = threads.PARALLEL_MIN.arith - 1;
    const a = alloc.allocF32(n), o = alloc.allocF32(n);
    simd.arithF32(0, o, 0, a, 0, 1, a, 0, 1, n);
    simd.arithF32(2, o, 0, a, 0, 1, Float32Array.of(2), 0, 0, n);
    simd.activationF32('relu', o, 0, a, 0, n);
    S.map('exp', a, 0, o, 0, threads.PARALLEL_MIN.map - 4);
    S.softmaxRows(a, 0, o, 0, 100, 100, false);
    simd.cascadeColumns32(a, 0, Math.floor(threads.PARALLEL_MIN.cascade / 32) - 1, 4);
    expect(threads.poolStarted()).toBe(false);
    simd.arithF32(0, o, 0, a, 0, 1, a, 0, 1, n - 1);
    const big = alloc.allocF32(threads.PARALLEL_MIN.arith);
    simd.arithF32(0, big, 0, big, 0, 1, big, 0, 1, big.length);
    expect(threads.poolStarted()).toBe(true);
  });
});
