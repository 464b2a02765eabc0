// The arena's SIMD kernels (engine/backends/cpu/simd.ts, wasm/elementwise.wat): float32 sums and
// add/sub/mul/div match PyTorch 1.13 bit for bit on tensors large enough to use them
// (test/fixtures/backends_simd.json from gen_backends_simd.py), with operands inside the arena and on
// plain arrays; and the kernels give the same bits as the JavaScript loops they replace, special values
// included.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { dispatch } from '../../../engine/ops/registry';
import { Tensor } from '../../../engine/tensor';
import { dtypes } from '../../../engine/dtype';
import { ADD, DIV, MUL, SUB, binaryMap, newTensor } from '../../../engine/backends/cpu/elementwise';
import { ARENA_MIN_ELEMS, arenaKernels, arenaOffset, arenaStats } from '../../../engine/backends/cpu/alloc';
import { SIMD_MIN_LEN, SIMD_MIN_ROWS, activationF32, arithF32, axpyF32, cascadeColumns32 } from '../../../engine/backends/cpu/simd';
import { axpy32, fma32 } from '../../../engine/random/fma';
import { cascadeColumns, cascadePower } from '../../../engine/backends/cpu/reduce';

const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/backends_simd.json'), 'utf8'));
const f32 = dtypes.float32;

/** The fixture's inputs: u = (i * 2654435761 + seed) mod 2^32, x = u / 2^32 * 2 - 1 rounded to float32. */
function vals(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (((Math.imul(i, 2654435761 | 0) + seed) >>> 0) / 4294967296) * 2 - 1;
  return out;
}
/** A float32 tensor over `data`: in the arena (copied into a block) or on the plain array itself. */
function tensorOf(data: Float32Array, shape: number[], arena: boolean): Tensor {
  if (!arena) return Tensor.fromArray(data, shape, f32);
  const t = newTensor(shape, f32, false);
  (t.storage.data as Float32Array).set(data);
  expect(arenaOffset(t.storage.data)).toBeGreaterThanOrEqual(0);
  return t;
}
const hex = (t: Tensor) => Array.from(new Uint32Array(Float32Array.from(t.contiguousData()).buffer), (u) => u.toString(16).padStart(8, '0'));
const sha = (t: Tensor) => createHash('sha256').update(new Uint8Array(Float32Array.from(t.contiguousData()).buffer)).digest('hex');
const F = (name: string, ...args: unknown[]) => dispatch(name, args, null) as Tensor;

it('the arena and its kernels load here', () => {
  expect(arenaKernels()).not.toBeNull();
});

for (const arena of [true, false]) {
  const where = arena ? 'in the arena' : 'on plain arrays';
  describe(`float32 sums match PyTorch bit for bit, ${where}`, () => {
    const want = (name: string) => fixture.sums.find((c: { name: string }) => c.name === name).bits;
    it('sum 16M', () => expect(hex(F('sum', tensorOf(vals(1 << 24, 1), [1 << 24], arena)))).toEqual(want('sum 16M')));
    it('sum 1000003', () => expect(hex(F('sum', tensorOf(vals(1000003, 2), [1000003], arena)))).toEqual(want('sum 1000003')));
    it('sum of a view at offset 3', () => {
      const t = F('narrow', tensorOf(vals(300000, 3), [300000], arena), 0, 3, 299997);
      expect(t.offset).toBe(3);
      expect(hex(F('sum', t))).toEqual(want('sum 300000 [3:]'));
    });
    it('sum along the last dim of [33, 70001]', () => {
      expect(hex(F('sum', tensorOf(vals(33 * 70001, 4), [33, 70001], arena), 1))).toEqual(want('sum [33, 70001] dim 1'));
    });
    it('mean 1048581', () => expect(hex(F('mean', tensorOf(vals(1048581, 5), [1048581], arena)))).toEqual(want('mean 1048581')));
    it('nansum with NaNs', () => {
      const d = vals(200000, 6);
      for (let i = 0; i < d.length; i += 997) d[i] = NaN;
      expect(hex(F('nansum', tensorOf(d, [200000], arena)))).toEqual(want('nansum 200000 nan every 997'));
    });
  });

  describe(`float32 add/sub/mul/div match PyTorch bit for bit, ${where}`, () => {
    const n = 100003;
    const a = () => tensorOf(vals(n, 7), [n], arena), b = () => tensorOf(vals(n, 8), [n], arena);
    const scalar = (v: number) => torch.tensor(v);
    const cases: Record<string, () => Tensor> = {
      add: () => F('add', a(), b()),
      sub: () => F('sub', a(), b()),
      mul: () => F('mul', a(), b()),
      div: () => F('div', a(), b()),
      'add scalar': () => F('add', a(), 2.5),
      'sub scalar': () => F('sub', a(), 0.1),
      'rsub 0-dim tensor': () => F('sub', scalar(0.1), a()),
      'mul scalar': () => F('mul', a(), 3.3),
      'div scalar': () => F('div', a(), 0.7),
      'rdiv 0-dim tensor': () => F('div', scalar(0.7), a()),
      'add views [1:] [:-1]': () => F('add', F('narrow', a(), 0, 1, n - 1), F('narrow', b(), 0, 0, n - 1)),
      'add rows [64, 1000] + [1000]': () => F('add', tensorOf(vals(64000, 9), [64, 1000], arena), tensorOf(vals(1000, 10), [1000], false)),
      'mul rows [64, 1000] * [1000]': () => F('mul', tensorOf(vals(64000, 9), [64, 1000], arena), tensorOf(vals(1000, 10), [1000], false)),
    };
    for (const c of fixture.elementwise) {
      it(c.name, () => {
        const out = cases[c.name]();
        expect(out.numel()).toBe(c.n);
        expect(arenaOffset(out.storage.data)).toBeGreaterThanOrEqual(0); // the output is an arena block
        expect(sha(out)).toBe(c.sha256);
      });
    }
  });
}

// ---- kernels vs the JavaScript loops, special values included -------------------------------------------

/** float32 values with every kind of special: ±0, ±inf, NaN, subnormals, huge, tiny, ordinary. */
function specials(n: number, seed: number): Float32Array {
  const pool = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38, 1e-30, 1, -1, 0.1, 3];
  const out = vals(n, seed);
  for (let i = 0; i < n; i++) {
    const r = (Math.imul(i + seed, 0x85ebca6b) >>> 0) % 7;
    if (r === 0) out[i] = pool[(i * 31 + seed) % pool.length];
    else if (r === 1) out[i] *= 1e30;
    else if (r === 2) out[i] *= 1e-30;
  }
  return out;
}
const sameBits = (got: ArrayLike<number>, want: ArrayLike<number>) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      throw new Error(`element ${i}: got ${got[i]}, want ${want[i]}`);
    }
  }
};

describe('the elementwise kernels give the JavaScript loop\'s bits', () => {
  const fns = { add: ADD, sub: SUB, mul: MUL, div: DIV } as const;
  const n = ARENA_MIN_ELEMS + 13; // a vector tail after the 8-wide body
  for (const [name, f] of Object.entries(fns)) {
    it(`${name}: vector ∘ vector, vector ∘ value, value ∘ vector`, () => {
      const x = specials(n, 1), y = specials(n, 2);
      const tx = tensorOf(x, [n], true), ty = tensorOf(y, [n], true);
      sameBits(binaryMap(tx, ty, [n], f32, f32, f).storage.data, x.map((v, i) => f(v, y[i])));
      for (const s of [2.5, -0, NaN, Infinity, 1e-45, 3.4028235e38].map(Math.fround)) {
        const ts = Tensor.fromArray(Float32Array.of(s), [], f32);
        const right = binaryMap(tx, ts, [n], f32, f32, f), left = binaryMap(ts, tx, [n], f32, f32, f);
        expect(arenaOffset(right.storage.data)).toBeGreaterThanOrEqual(0);
        sameBits(right.storage.data, x.map((v) => f(v, s)));
        sameBits(left.storage.data, x.map((v) => f(s, v)));
      }
    });
  }
  it('declines (the loop runs) for a value that is not a float32, short rows and outputs outside the arena', () => {
    const x = tensorOf(vals(n, 3), [n], true), o = newTensor([n], f32);
    const xd = x.storage.data, od = o.storage.data;
    expect(arithF32(0, od, 0, xd, 0, 1, Float64Array.of(0.1), 0, 0, n)).toBe(false);
    expect(arithF32(0, od, 0, xd, 0, 1, Float64Array.of(0.5), 0, 0, n)).toBe(true);
    expect(arithF32(0, od, 0, xd, 0, 1, xd, 0, 1, SIMD_MIN_LEN - 1)).toBe(false);
    expect(arithF32(0, new Float32Array(n), 0, xd, 0, 1, xd, 0, 1, n)).toBe(false);
    expect(arithF32(0, od, 0, xd, 0, 2, xd, 0, 1, n)).toBe(false);
  });
});

describe('relu, threshold_backward and axpy kernels give the JavaScript loops\' bits', () => {
  const n = ARENA_MIN_ELEMS + 7; // a scalar tail after the 4-wide body
  const arenaOut = () => newTensor([n], f32, false).storage.data as Float32Array;
  for (const inArena of [true, false]) {
    const where = inArena ? 'operands in the arena' : 'operands on plain arrays';
    it(`relu (NaN and -0 pass through), ${where}`, () => {
      const x = specials(n, 11), od = arenaOut();
      const xd = tensorOf(x, [n], inArena).storage.data;
      expect(activationF32('relu', od, 0, xd, 0, n)).toBe(true);
      sameBits(od, x.map((v) => (v < 0 ? 0 : v)));
      expect(Object.is(od[x.findIndex((v) => Object.is(v, -0))], -0)).toBe(true);
    });
    it(`threshold_backward at 0 and 0.5, ${where}`, () => {
      const g = specials(n, 12), x = specials(n, 13);
      const gd = tensorOf(g, [n], inArena).storage.data, xd = tensorOf(x, [n], inArena).storage.data;
      for (const th of [0, 0.5]) {
        const od = arenaOut();
        expect(activationF32('threshold', od, 0, gd, 0, n, xd, 0, th)).toBe(true);
        sameBits(od, g.map((u, i) => (x[i] <= th ? 0 : u)));
      }
      expect(activationF32('threshold', arenaOut(), 0, gd, 0, n, xd, 0, 0.1)).toBe(false); // not a float32 threshold
    });
    it(`axpy = fmaf(al, y, x) as axpy32, midpoints and subnormal sums included, ${where}`, () => {
      const y = specials(n, 14), x = specials(n, 15);
      // exact float32 midpoints of the double sum (1 + 2^-24 = 0.5 * 2^-23 + 1) and subnormal sums
      for (let i = 5; i < n; i += 1001) { y[i] = 2 ** -23; x[i] = 1; }
      for (let i = 9; i < n; i += 1003) { y[i] = 3 * 2 ** -140; x[i] = 2 ** -140; }
      for (let i = 13; i < n; i += 997) { y[i] = -(2 ** -23); x[i] = -1; }
      for (const al of [0.5, -0.01, -1e-3, 3].map(Math.fround)) {
        const want = new Float32Array(n);
        axpy32(n, al, y, 0, x, 0, want, 0);
        const od = arenaOut();
        expect(axpyF32(n, al, tensorOf(y, [n], inArena).storage.data, 0, tensorOf(x, [n], inArena).storage.data, 0, od, 0, fma32)).toBe(true);
        sameBits(od, want);
      }
      // the flagged lanes really are the exact ones: fmaf, not the double sum rounded twice
      const od = arenaOut(), yy = new Float32Array(n).fill(2 ** -23), xx = new Float32Array(n).fill(1);
      axpyF32(n, 0.5, yy, 0, xx, 0, od, 0, fma32);
      expect(od[0]).toBe(fma32(0.5, 2 ** -23, 1));
    });
  }
  it('torch.relu / add(alpha) / the relu backward use them on large float32 tensors', () => {
    const x = tensorOf(specials(n, 16), [n], true);
    const r = F('relu', x);
    expect(arenaOffset(r.storage.data)).toBeGreaterThanOrEqual(0);
    sameBits(r.storage.data, Float32Array.from(x.storage.data as Float32Array, (v) => (v < 0 ? 0 : v)));
    const y = tensorOf(specials(n, 17), [n], true);
    const want = new Float32Array(n);
    axpy32(n, Math.fround(-0.01), y.storage.data, 0, x.storage.data, 0, want, 0);
    sameBits((dispatch('add', [x, y], { alpha: -0.01 }) as Tensor).storage.data, want);
  });
});

describe('in-place arithmetic outside autograd writes into self (no new block, no copy)', () => {
  const n = ARENA_MIN_ELEMS + 5;
  it('add_, mul_ with itself, sub_ and add_ with alpha give the out-of-place bits', () => {
    const x0 = specials(n, 21), y0 = specials(n, 22);
    const x = tensorOf(x0, [n], true), y = tensorOf(y0, [n], true);
    const data = x.storage.data;
    const cases: [string, () => unknown, (a: number, b: number) => number][] = [
      ['add_', () => x.add_(y), (a, b) => Math.fround(a + b)],
      ['mul_ self', () => dispatch('mul_', [x, x], null), (a) => Math.fround(a * a)],
      ['sub_', () => dispatch('sub_', [x, y], null), (a, b) => Math.fround(a - b)],
      ['add_ alpha', () => dispatch('add_', [x, y], { alpha: 0.25 }), (a, b) => fma32(0.25, b, a)],
    ];
    let want = Float32Array.from(x0);
    for (const [, run, f] of cases) {
      const before = arenaStats().allocs;
      run();
      expect(arenaStats().allocs).toBe(before);
      want = want.map((v, i) => f(v, y0[i]));
      expect(x.storage.data).toBe(data);
      sameBits(x.storage.data, want);
    }
  });
  it('an input overlapping self elsewhere is refused before anything is written (PyTorch\'s overlap check)', () => {
    const x = tensorOf(vals(n + 1, 23), [n + 1], true);
    const before = x.toFlatArray();
    expect(() => dispatch('add_', [F('narrow', x, 0, 0, n), F('narrow', x, 0, 1, n)], null)).toThrow(/refer to a single memory location/);
    expect(x.toFlatArray()).toEqual(before);
  });
});

describe('the cascade-sum kernel gives cascadeColumns\' bits', () => {
  const rows = [SIMD_MIN_ROWS, 100, 4096, 4097, 2 * 8192 + 5, 65536 + 3, 300001];
  for (const r of rows) {
    it(`${r} rows of 32, in the arena and streamed from a plain array`, () => {
      const d = specials(32 * r + 7, r).map((v) => (Number.isFinite(v) ? v : 1));
      const want = cascadeColumns(d, 7, 32, r, true);
      sameBits(cascadeColumns32(d, 7, r, cascadePower(r))!, want);
      const t = newTensor([Math.max(d.length, ARENA_MIN_ELEMS)], f32);
      (t.storage.data as Float32Array).set(d);
      expect(arenaOffset(t.storage.data)).toBeGreaterThanOrEqual(0);
      sameBits(cascadeColumns32(t.storage.data, 7, r, cascadePower(r))!, want);
    });
  }
  it('strided rows (the column sums of a wide matrix: sum over dim 0), in the arena and on a plain array', () => {
    for (const [rows, stride] of [[64, 256], [1000, 96], [700, 33]]) {
      const d = specials(rows * stride + 5, rows).map((v) => (Number.isFinite(v) ? v : 2));
      const gathered = new Float32Array(rows * 32);
      for (let i = 0; i < rows; i++) for (let c = 0; c < 32; c++) gathered[i * 32 + c] = d[5 + i * stride + c];
      const want = cascadeColumns(gathered, 0, 32, rows, true);
      sameBits(cascadeColumns32(d, 5, rows, cascadePower(rows), stride)!, want);
      const t = tensorOf(d, [d.length], true);
      sameBits(cascadeColumns32(t.storage.data, 5, rows, cascadePower(rows), stride)!, want);
      // and torch.sum over dim 0 takes it: the same bits as the per-column JavaScript cascade
      const m = F('narrow', t, 0, 5, rows * stride);
      const s0 = F('sum', F('view', m, [rows, stride]), 0).toFlatArray();
      sameBits(s0.slice(0, 32), want);
    }
  });
  it('NaN and infinities propagate as in the loop', () => {
    const d = specials(32 * 5000, 9);
    sameBits(cascadeColumns32(d, 0, 5000, cascadePower(5000))!, cascadeColumns(d, 0, 32, 5000, true));
  });
});
