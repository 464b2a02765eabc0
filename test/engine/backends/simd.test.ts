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
import { ARENA_MIN_ELEMS, arenaKernels, arenaOffset } from '../../../engine/backends/cpu/alloc';
import { SIMD_MIN_LEN, SIMD_MIN_ROWS, arithF32, cascadeColumns32 } from '../../../engine/backends/cpu/simd';
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
  it('NaN and infinities propagate as in the loop', () => {
    const d = specials(32 * 5000, 9);
    sameBits(cascadeColumns32(d, 0, 5000, cascadePower(5000))!, cascadeColumns(d, 0, 32, 5000, true));
  });
});
