// Replays test/fixtures/random.json (recorded from PyTorch 1.13 by test/fixtures/gen_random.py) against
// engine/random.ts and asserts bit-exact equality of every output, state byte and error message.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DTypeName } from '../../engine/dtype';
import {
  DEFAULT_RNG_SEED, Generator, bernoulli_, defaultGenerator, exponential_, fma32, fma64, initialSeed, manualSeed,
  multinomial, normalTensor, normal_, randint, randomFromTo_, random_, randperm, uniform_,
} from '../../engine/random';
import type { FloatDType, OutArray } from '../../engine/random';

type Step = Record<string, any>;
interface Case { name: string; gen: { kind: 'default' | 'new'; seed: string | null }; steps: Step[] }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/random.json', import.meta.url), 'utf8')) as {
  torch_version: string; fresh_process_initial_seeds: string[]; cases: Case[];
};

function alloc(dtype: DTypeName, n: number, exactInt64 = false): OutArray {
  switch (dtype) {
    case 'float64': return new Float64Array(n);
    case 'int64': return exactInt64 ? new BigInt64Array(n) : new Float64Array(n);
    case 'int32': return new Int32Array(n);
    case 'int16': return new Int16Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
    default: return new Float32Array(n);
  }
}

/** the tensor's bytes as PyTorch stores them (for the hashed records) */
function bytesOf(dtype: DTypeName, a: OutArray): Uint8Array {
  let t: ArrayBufferView;
  if (dtype === 'int64' && !(a instanceof BigInt64Array)) t = BigInt64Array.from(a as Float64Array, (v) => BigInt(v));
  else if (dtype === 'float32' && !(a instanceof Float32Array)) t = Float32Array.from(a as ArrayLike<number>);
  else if (dtype === 'float64' && !(a instanceof Float64Array)) t = Float64Array.from(a as ArrayLike<number>);
  else t = a;
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}

/** first index where got differs from the recorded values (Object.is on numbers, exact on int64 strings) */
function firstMismatch(got: OutArray, want: (number | string)[]): string | null {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    const g = got[i];
    const ok = typeof w === 'string' ? BigInt(g as number | bigint) === BigInt(w) : Object.is(Number(g), w);
    if (!ok) return `[${i}] got ${String(g)} want ${String(w)}`;
  }
  return null;
}

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const big = (s: string | number) => BigInt(s);

/** run one sampler step; returns the output (or null for steps without one) */
function run(gen: Generator, s: Step): OutArray | null {
  const dtype = s.dtype as DTypeName;
  switch (s.op) {
    case 'manual_seed': gen.manualSeed(big(s.seed)); return null;
    case 'uniform': return uniform_(gen, alloc(dtype, s.n), s.from, s.to, dtype);
    case 'normal': {
      if (!s.repeat) return normal_(gen, alloc(dtype, s.n), s.mean, s.std, dtype);
      // `repeat` separate calls of n elements, concatenated
      const all = alloc(dtype, s.n * s.repeat);
      for (let r = 0; r < s.repeat; r++) (all as Float64Array).set(normal_(gen, alloc(dtype, s.n), s.mean, s.std, dtype) as Float64Array, r * s.n);
      return all;
    }
    case 'normal_tensor': return normalTensor(gen, alloc(dtype, s.n), s.mean, s.std, dtype);
    case 'randint': return randint(gen, alloc(dtype, s.n), big(s.low), big(s.high), dtype);
    case 'random': return random_(gen, alloc(dtype, s.n, true), dtype);
    case 'random_from_to':
      return randomFromTo_(gen, alloc(dtype, s.n, true), big(s.from), s.to === null ? null : big(s.to), dtype);
    case 'randperm': return randperm(gen, s.n, dtype);
    case 'bernoulli_scalar': return bernoulli_(gen, alloc(dtype, s.n), s.p, dtype);
    case 'bernoulli_tensor': {
      const pv: number[] = Array.isArray(s.p) ? s.p : new Array(s.n).fill(s.p.fill);
      const p = s.p_dtype === 'float64' ? Float64Array.from(pv) : Float32Array.from(pv);
      return bernoulli_(gen, alloc(dtype, s.n), p, dtype, s.p_dtype as FloatDType);
    }
    case 'exponential': return exponential_(gen, alloc(dtype, s.n), s.lambd, dtype);
    case 'multinomial': return multinomial(gen, s.probs, s.n_dist, s.n_cat, s.k, s.replacement, s.dtype);
    case 'kaiming_uniform': {
      // nn.init.kaiming_uniform_(w, a): gain = sqrt(2 / (1 + a^2)), bound = sqrt(3) * gain / sqrt(fan_in)
      const bound = Math.sqrt(3.0) * (Math.sqrt(2.0 / (1 + s.a ** 2)) / Math.sqrt(s.fan_in));
      expect(bound).toBe(s.bound);
      return uniform_(gen, new Float32Array(s.n), -bound, bound, 'float32');
    }
    case 'dropout': {
      // F.dropout(x, p) on CPU: noise = empty_like(x).bernoulli_(1 - p); noise.div_(1 - p); x * noise
      const x: number[] = s.x;
      const noise = bernoulli_(gen, new Float32Array(x.length), 1 - s.p) as Float32Array;
      const q = Math.fround(1 - s.p);
      return Float32Array.from(x, (v, i) => Math.fround(v * Math.fround(noise[i] / q)));
    }
    case 'get_state': expect(b64(gen.getState())).toBe(s.state); return null;
    case 'set_state': gen.setState(unb64(s.state)); return null;
    case 'initial_seed': expect(gen.initialSeed().toString()).toBe(s.value); return null;
    default: throw new Error(`unknown op ${s.op}`);
  }
}

describe('random: replay of PyTorch 1.13 records', () => {
  it('was recorded with PyTorch 1.13', () => {
    expect(fixture.torch_version).toBe('1.13.0a0');
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      let gen: Generator;
      if (c.gen.kind === 'default') {
        gen = manualSeed(big(c.gen.seed!));
        expect(gen).toBe(defaultGenerator);
      } else {
        gen = new Generator();
        if (c.gen.seed !== null) gen.manualSeed(big(c.gen.seed));
      }
      c.steps.forEach((s, k) => {
        const where = `${c.name} step ${k} ${JSON.stringify({ ...s, out: undefined, state: undefined })}`;
        if ('error' in s) {
          let message: string | null = null;
          try { run(gen, s); } catch (e) { message = (e as Error).message; }
          expect(message, where).toBe(s.error);
          return;
        }
        const got = run(gen, s);
        if (s.out) expect(firstMismatch(got!, s.out), where).toBeNull();
        if (s.sha256) {
          const h = createHash('sha256').update(bytesOf(s.dtype as DTypeName, got!)).digest('hex');
          expect(h, where).toBe(s.sha256);
        }
      });
    });
  }
});

describe('random: Generator', () => {
  it('seeds like CPUGeneratorImpl', () => {
    expect(new Generator().initialSeed()).toBe(DEFAULT_RNG_SEED);
    expect(new Generator().manualSeed(-1).initialSeed()).toBe(2n ** 64n - 1n);
    expect(() => new Generator().manualSeed(2n ** 64n)).toThrowError('Overflow when unpacking long');
    // mt19937 seeded with 5489 gives the reference first output 3499211612
    expect(new Generator(5489).random()).toBe(3499211612);
    // the default generator starts from a non-deterministic seed, as in a fresh PyTorch process
    expect(fixture.fresh_process_initial_seeds[0]).not.toBe(fixture.fresh_process_initial_seeds[1]);
    const g = new Generator();
    const s = g.seed();
    expect(g.initialSeed()).toBe(s);
    expect(s >= 0n && s < 2n ** 64n).toBe(true);
    manualSeed(3);
    expect(initialSeed()).toBe(3n);
  });

  it('random64 joins two draws, high word first', () => {
    const a = new Generator(9), b = new Generator(9);
    const hi = b.random(), lo = b.random();
    expect(a.random64()).toBe((BigInt(hi) << 32n) | BigInt(lo));
  });

  it('clones, saves and restores state (including the cached normal sample)', () => {
    const g = new Generator(17);
    normal_(g, new Float64Array(3), 0, 1, 'float64'); // leaves a cached sample
    expect(g.nextDoubleNormalSample).not.toBeNull();
    const c = g.clone();
    const saved = g.getState();
    expect(saved.length).toBe(5056);
    const a = normal_(g, new Float64Array(5), 0, 1, 'float64');
    const b = normal_(c, new Float64Array(5), 0, 1, 'float64');
    expect(Array.from(b)).toEqual(Array.from(a));
    const r = new Generator().setState(saved);
    expect(Array.from(normal_(r, new Float64Array(5), 0, 1, 'float64'))).toEqual(Array.from(a));
    expect(r.initialSeed()).toBe(17n);
  });

  it('rejects bad states', () => {
    const g = new Generator(1);
    expect(() => g.setState(new Uint8Array(10))).toThrowError(
      'Expected either a CPUGeneratorImplStateLegacy of size 5048 or a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 10');
    const st = g.getState();
    st[8] = 0; st[9] = 0; st[10] = 0; st[11] = 0; // left = 0
    expect(() => g.setState(st)).toThrowError('Invalid mt19937 state');
    // the legacy 5048-byte layout is accepted
    const legacy = new Generator(1).getState().slice(0, 5048);
    const h = new Generator().setState(legacy);
    expect(h.random()).toBe(new Generator(1).random());
  });
});

describe('random: exact fma', () => {
  // exact value of a*b + c as a bigint scaled by 2^-E
  const SCALE = 1200;
  const toBig = (x: number) => {
    const [m, e] = frexp(x);
    return BigInt(m) * (1n << BigInt(e + SCALE));
  };
  function frexp(x: number): [number, number] {
    // x = m * 2^e with integer m (|m| < 2^53)
    let e = 0;
    let m = x;
    while (!Number.isInteger(m)) { m *= 2; e--; }
    while (Math.abs(m) >= 2 ** 53) { m /= 2; e++; }
    return [m, e];
  }
  function roundBig(v: bigint, bits: number): number {
    // round v * 2^-(2*SCALE) to `bits` significant bits, ties to even
    if (v === 0n) return 0;
    const neg = v < 0n;
    let a = neg ? -v : v;
    const len = a.toString(2).length;
    let shift = len - bits;
    if (shift > 0) {
      const rem = a & ((1n << BigInt(shift)) - 1n);
      const half = 1n << BigInt(shift - 1);
      a >>= BigInt(shift);
      if (rem > half || (rem === half && (a & 1n) === 1n)) a += 1n;
    } else shift = 0;
    const r = Number(a) * 2 ** (shift - 2 * SCALE);
    return neg ? -r : r;
  }
  const rnd = (() => { let s = 12345; return () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 2 ** 32; }; })();
  const num = () => (rnd() - 0.5) * 2 ** Math.floor(rnd() * 40 - 20);

  it('fma64 rounds once', () => {
    expect(fma64(1 + 2 ** -52, 1 + 2 ** -52, -(1 + 2 ** -51))).toBe(2 ** -104);
    for (let i = 0; i < 20000; i++) {
      const a = num(), b = num();
      const c = i % 2 ? -(a * b) * (1 + (rnd() - 0.5) * 2 ** -40) : num();
      const exact = toBig(a) * toBig(b) + toBig(c) * (1n << BigInt(SCALE));
      expect(fma64(a, b, c)).toBe(roundBig(exact, 53));
    }
  });

  it('fma32 rounds once', () => {
    const f = Math.fround;
    for (let i = 0; i < 20000; i++) {
      const a = f(num()), b = f(num());
      const c = i % 2 ? f(-(a * b) * (1 + (rnd() - 0.5) * 2 ** -20)) : f(num());
      const exact = toBig(a) * toBig(b) + toBig(c) * (1n << BigInt(SCALE));
      expect(fma32(a, b, c)).toBe(roundBig(exact, 24));
    }
  });
});
