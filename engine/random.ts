// PyTorch 1.13's CPU random number generation, bit for bit: the mt19937 Generator (torch.Generator,
// torch.manual_seed, get/set_rng_state) and the samplers behind torch.rand/randn/randint/randperm,
// bernoulli, normal, uniform_, exponential_, random_ and multinomial. See engine/random/*.ts.

export {
  Generator, defaultGenerator, manualSeed, initialSeed, seed, getRngState, setRngState,
  DEFAULT_RNG_SEED, RNG_STATE_SIZE, RNG_STATE_SIZE_LEGACY,
} from './random/generator';
export { uniform_, normal_, normalSample, normalTensor, exponential_, bernoulli_ } from './random/continuous';
export { random_, randomFromTo_, randint, randperm, multinomial } from './random/discrete';
export type { OutArray, FloatDType } from './random/common';
export { log as glibcLog, sin as glibcSin, cos as glibcCos } from './random/libm';
export { fma64, fma32 } from './random/fma';
