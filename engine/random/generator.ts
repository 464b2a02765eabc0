// torch.Generator for the CPU: PyTorch's mt19937 engine (aten/src/ATen/core/MT19937RNGEngine.h) plus the
// state CPUGeneratorImpl keeps beside it (aten/src/ATen/CPUGeneratorImpl.cpp): the 64-bit seed and the
// cached second Box-Muller sample of scalar normal sampling. get_rng_state()/set_rng_state() bytes use
// PyTorch's CPUGeneratorImplState layout (5056 bytes; the 5048-byte legacy layout is accepted too).

import { runtimeError } from '../errors';
import { sin } from './libm';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;

/** c10::detail::default_rng_seed_val: the seed of a new torch.Generator() */
export const DEFAULT_RNG_SEED = 67280421310721n;

/** sizeof(CPUGeneratorImplState) and sizeof(CPUGeneratorImplStateLegacy) */
export const RNG_STATE_SIZE = 5056;
export const RNG_STATE_SIZE_LEGACY = 5048;

// byte offsets inside CPUGeneratorImplState (x86-64, little endian)
const OFF_SEED = 0, OFF_LEFT = 8, OFF_SEEDED = 12, OFF_NEXT = 16, OFF_STATE = 24;
const OFF_NORMAL_X = 5016, OFF_NORMAL_Y = 5024, OFF_NORMAL_RHO = 5032, OFF_NORMAL_VALID = 5040;
const OFF_FLOAT_SAMPLE = 5048, OFF_FLOAT_VALID = 5052;

const TWO_POW_53_INV = 1 / 9007199254740992;

function toSeed(seed: number | bigint): bigint {
  let s: bigint;
  if (typeof seed === 'bigint') {
    s = seed;
  } else {
    if (!Number.isInteger(seed)) throw new TypeError('manual_seed expected an integer seed');
    s = BigInt(seed);
  }
  // Python ints are read as uint64, negative ones as int64 reinterpreted (THPGenerator_manualSeed)
  if (s < -(1n << 63n) || s >= 1n << 64n) throw runtimeError('Overflow when unpacking long');
  return BigInt.asUintN(64, s);
}

/** A non-deterministic 64-bit seed (c10::detail::getNonDeterministicRandom: any fresh value will do). */
function nondeterministicSeed(): bigint {
  const words = new Uint32Array(2);
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (c?.getRandomValues) c.getRandomValues(words);
  else { words[0] = (Math.random() * 2 ** 32) >>> 0; words[1] = (Math.random() * 2 ** 32) >>> 0; }
  return (BigInt(words[1]) << 32n) | BigInt(words[0]);
}

export class Generator {
  /** the mt19937 state words */
  private readonly mt = new Uint32Array(N);
  private left = 1;
  private next = 0;
  private seeded = true;
  private seedValue: bigint = DEFAULT_RNG_SEED;
  /** CPUGeneratorImpl::next_float_normal_sample_ (unused by the CPU kernels, kept for the state bytes) */
  nextFloatNormalSample: number | null = null;
  /** CPUGeneratorImpl::next_double_normal_sample_: the cached r*sin(theta) of scalar Box-Muller */
  nextDoubleNormalSample: number | null = null;

  constructor(seed: number | bigint = DEFAULT_RNG_SEED) {
    this.initWithSeed(toSeed(seed));
  }

  private initWithSeed(seed: bigint): void {
    this.seedValue = seed;
    this.seeded = true;
    const mt = this.mt;
    mt[0] = Number(seed & 0xffffffffn);
    for (let j = 1; j < N; j++) {
      const p = mt[j - 1];
      mt[j] = (Math.imul(1812433253, p ^ (p >>> 30)) + j) >>> 0;
    }
    this.left = 1;
    this.next = 0;
  }

  /** Generator.manual_seed / torch.manual_seed: reseed and drop the cached normal samples. */
  manualSeed(seed: number | bigint): this {
    this.nextFloatNormalSample = null;
    this.nextDoubleNormalSample = null;
    this.initWithSeed(toSeed(seed));
    return this;
  }

  /** Generator.initial_seed(): the seed last set (as uint64) */
  initialSeed(): bigint { return this.seedValue; }

  /** Generator.seed(): reseed from a non-deterministic source and return the new seed */
  seed(): bigint {
    const s = nondeterministicSeed();
    this.manualSeed(s);
    return s;
  }

  private nextState(): void {
    const mt = this.mt;
    let j = 0;
    for (; j < N - M; j++) {
      const y = (mt[j] & 0x80000000) | (mt[j + 1] & 0x7fffffff);
      mt[j] = mt[j + M] ^ (y >>> 1) ^ ((mt[j + 1] & 1) !== 0 ? MATRIX_A : 0);
    }
    for (; j < N - 1; j++) {
      const y = (mt[j] & 0x80000000) | (mt[j + 1] & 0x7fffffff);
      mt[j] = mt[j + M - N] ^ (y >>> 1) ^ ((mt[j + 1] & 1) !== 0 ? MATRIX_A : 0);
    }
    const y = (mt[N - 1] & 0x80000000) | (mt[0] & 0x7fffffff);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ ((mt[0] & 1) !== 0 ? MATRIX_A : 0);
    this.left = N;
    this.next = 0;
  }

  /** CPUGeneratorImpl::random(): the next uint32 */
  random(): number {
    if (--this.left === 0) this.nextState();
    let y = this.mt[this.next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** CPUGeneratorImpl::random64(): two draws, the first one the high word */
  random64(): bigint {
    const hi = this.random();
    const lo = this.random();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** uniform_real_distribution<double>(0, 1): the low 53 bits of random64() times 2^-53 */
  randomDouble(): number {
    const hi = this.random();
    const lo = this.random();
    return ((hi & 0x1fffff) * 4294967296 + lo) * TWO_POW_53_INV;
  }

  /** uniform_real_distribution<float>(0, 1): the low 24 bits of random() times 2^-24 */
  randomFloat(): number {
    return (this.random() & 0xffffff) / 16777216;
  }

  /** torch.get_rng_state() / Generator.get_state(): PyTorch's 5056-byte state */
  getState(): Uint8Array {
    const bytes = new Uint8Array(RNG_STATE_SIZE);
    const dv = new DataView(bytes.buffer);
    dv.setBigUint64(OFF_SEED, this.seedValue, true);
    dv.setInt32(OFF_LEFT, this.left, true);
    dv.setInt32(OFF_SEEDED, this.seeded ? 1 : 0, true);
    dv.setBigUint64(OFF_NEXT, BigInt(this.next), true);
    for (let i = 0; i < N; i++) dv.setUint32(OFF_STATE + 8 * i, this.mt[i], true);
    // normal_x and normal_rho stay 0
    if (this.nextDoubleNormalSample !== null) {
      dv.setInt32(OFF_NORMAL_VALID, 1, true);
      dv.setFloat64(OFF_NORMAL_Y, this.nextDoubleNormalSample, true);
    }
    if (this.nextFloatNormalSample !== null) {
      bytes[OFF_FLOAT_VALID] = 1;
      dv.setFloat32(OFF_FLOAT_SAMPLE, this.nextFloatNormalSample, true);
    }
    return bytes;
  }

  /** torch.set_rng_state() / Generator.set_state() */
  setState(bytes: Uint8Array): this {
    const size = bytes.length;
    if (size !== RNG_STATE_SIZE && size !== RNG_STATE_SIZE_LEGACY) {
      throw runtimeError(`Expected either a CPUGeneratorImplStateLegacy of size ${RNG_STATE_SIZE_LEGACY} or a `
        + `CPUGeneratorImplState of size ${RNG_STATE_SIZE} but found the input RNG state size to be ${size}`);
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let floatSample: number | null = null;
    let doubleSample: number | null = null;
    const normalValid = dv.getInt32(OFF_NORMAL_VALID, true) !== 0;
    if (size === RNG_STATE_SIZE_LEGACY) {
      // the legacy layout kept (x, y, rho) of the pending Box-Muller pair; the cached sample is r*sin(theta)
      if (normalValid) {
        const r = dv.getFloat64(OFF_NORMAL_RHO, true);
        const theta = 2.0 * Math.PI * dv.getFloat64(OFF_NORMAL_X, true);
        doubleSample = r * sin(theta);
      }
    } else {
      if (bytes[OFF_FLOAT_VALID] !== 0) floatSample = dv.getFloat32(OFF_FLOAT_SAMPLE, true);
      if (normalValid) doubleSample = dv.getFloat64(OFF_NORMAL_Y, true);
    }
    const left = dv.getInt32(OFF_LEFT, true);
    const seeded = dv.getInt32(OFF_SEEDED, true) !== 0;
    const next = Number(dv.getBigUint64(OFF_NEXT, true) & 0xffffffffn);
    if (!(seeded && left > 0 && left <= N && next <= N)) throw runtimeError('Invalid mt19937 state');
    for (let i = 0; i < N; i++) this.mt[i] = dv.getUint32(OFF_STATE + 8 * i, true);
    this.seedValue = dv.getBigUint64(OFF_SEED, true);
    this.left = left;
    this.next = next;
    this.seeded = seeded;
    this.nextFloatNormalSample = floatSample;
    this.nextDoubleNormalSample = doubleSample;
    return this;
  }

  /** CPUGeneratorImpl::clone(): an independent generator in the same state */
  clone(): Generator {
    const g = new Generator();
    g.mt.set(this.mt);
    g.left = this.left;
    g.next = this.next;
    g.seeded = this.seeded;
    g.seedValue = this.seedValue;
    g.nextFloatNormalSample = this.nextFloatNormalSample;
    g.nextDoubleNormalSample = this.nextDoubleNormalSample;
    return g;
  }
}

/**
 * torch.default_generator. Like PyTorch 1.13 it starts from a non-deterministic 64-bit seed (a fresh
 * interpreter's torch.initial_seed() differs from run to run); torch.Generator() starts from
 * DEFAULT_RNG_SEED.
 */
export const defaultGenerator = new Generator(nondeterministicSeed());

/** torch.manual_seed(seed): seeds the default generator and returns it */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** torch.initial_seed() */
export function initialSeed(): bigint { return defaultGenerator.initialSeed(); }

/** torch.seed() */
export function seed(): bigint { return defaultGenerator.seed(); }

/** torch.get_rng_state() */
export function getRngState(): Uint8Array { return defaultGenerator.getState(); }

/** torch.set_rng_state(state) */
export function setRngState(state: Uint8Array): void { defaultGenerator.setState(state); }
