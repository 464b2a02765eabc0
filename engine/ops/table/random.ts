// Op table: random sampling on PyTorch 1.13's exact CPU generator (engine/random.ts, glue in engine/rng.ts):
// rand/randn/randint/randperm and their *_like forms, normal (4 overloads), bernoulli, multinomial,
// poisson, the in-place samplers (uniform_, normal_, random_, exponential_, bernoulli_, geometric_,
// log_normal_, cauchy_) with PyTorch's grad_fn names, and the module-level RNG functions.
import { DType, dtypes, getDefaultDType } from '../../dtype';
import { check, runtimeError } from '../../errors';
import {
  Generator, bernoulli_, defaultGenerator, exponential_, initialSeed, manualSeed, multinomial, normalSample,
  normalTensor, randomFromTo_, random_, randint, randperm, seed, uniform_,
} from '../../random';
import { PT_NAME, castFloat, castTo, checkFloat, fmt } from '../../random/common';
import { fma64 } from '../../random/fma';
import { log } from '../../random/libm';
import { broadcastShapes, broadcastStrides } from '../../shape';
import { Storage, Tensor } from '../../tensor';
import {
  emptyLikePreserve, expCR, fillSerial, genOf, iterationOrder, normalFill, scatter, seedArg, setStateFrom, stateTensor, tanCR,
} from '../../rng';
import { broadcastOffsets } from '../../backends/cpu/elementwise';
import { needsGrad, record } from '../../autograd';
import { checkInplaceLeaf, commitInPlace, shadowOf } from '../inplace';
import { defineOps } from '../spec';
import { call, callKw, castTensor, newTensor } from '../util';
import { lgamma } from './elementwiseMath';
import { assertNoInternalOverlap } from './shapeUtil';

const GEN = 'Generator? generator=None';
const OPTS = 'ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None, bool requires_grad=False';
const LIKE = `${OPTS}, MemoryFormat? memory_format=None`;

// ---- helpers -----------------------------------------------------------------------------------

/** at::empty(size, dtype) with the negative-dimension check. */
function empty(size: number[], dtype: DType): Tensor {
  for (const s of size) check(s >= 0, () => `Trying to create tensor with negative dimension ${s}: [${size.join(', ')}]`);
  return newTensor(size, dtype);
}

function finish(t: Tensor, requiresGrad: boolean): Tensor {
  if (requiresGrad) {
    check(t.dtype.category === 'float', 'Only Tensors of floating point and complex dtype can require gradients');
    t.requiresGrad = true;
  }
  return t;
}

/** empty_like(self, dtype, memory_format): self's layout unless contiguous_format is asked for. */
function emptyLike(self: Tensor, dtype: DType | null, memoryFormat: unknown): Tensor {
  const dt = dtype ?? self.dtype;
  if (memoryFormat === 'contiguous_format') return newTensor(self.shape, dt);
  return emptyLikePreserve(self, dt);
}

const FLOAT_LIMITS: Record<string, [number, string]> = {
  float32: [3.4028234663852886e38, 'float'], float64: [Number.MAX_VALUE, 'double'],
  float16: [65504, 'c10::Half'], bfloat16: [3.3895313892515355e38, 'c10::BFloat16'],
};

/** uniform_impl_: dtype, bounds and range checks, then the serial fill (nothing for an empty tensor). */
function uniformFill(t: Tensor, gen: Generator, from: number, to: number): void {
  const dt = t.dtype.name;
  checkFloat(dt, 'check_uniform_bounds');
  const [max, meta] = FLOAT_LIMITS[dt];
  check(from >= -max && from <= max, `from is out of bounds for ${meta}`);
  check(to >= -max && to <= max, `to is out of bounds for ${meta}`);
  check(from <= to, () => `uniform_ expects to return a [from, to) range, but found from=${fmt(from)} > to=${fmt(to)}`);
  check(to - from <= max, () => `uniform_ expects to-from <= std::numeric_limits<${PT_NAME[dt]}>::max(), but found to=${fmt(to)} and from=${fmt(from)} which result in to-from to exceed the limit`);
  if (t.numel() === 0) return;
  fillSerial(t, (buf) => uniform_(gen, buf, from, to, dt));
}

const checkStd = (std: number) => check(std >= 0, () => `normal expects std >= 0.0, but found std ${fmt(std)}`);

/**
 * An in-place sampler on `self`: PyTorch's in-place checks, the fill, a version bump, and (when self
 * or `others` require grad) the node `name` whose backward gives zeros.
 */
function sampleInPlace(self: Tensor, name: string, others: Tensor[], fill: () => void): Tensor {
  checkInplaceLeaf(self, others);
  assertNoInternalOverlap(self);
  if (!needsGrad([self, ...others])) {
    fill();
    self.bumpVersion();
    return self;
  }
  const src = shadowOf(self);
  fill();
  const r = castTensor(self, self.dtype);
  record(name, [src, ...others], r, ([g]) => [call('zeros_like', g!), ...others.map((o) => callKw('zeros', [o.shape], { dtype: o.dtype }))]);
  return commitInPlace(self, r);
}

/** Values of `p` broadcast to `shape` (expand's checks and messages), read as numbers. */
function expandTo(p: Tensor, shape: number[]): number[] {
  if (p.ndim > shape.length) {
    throw runtimeError(`expand(torch.${p.dtype.legacyName}{[${p.shape.join(', ')}]}, size=[${shape.join(', ')}]): the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${p.ndim})`);
  }
  const off = shape.length - p.ndim;
  p.shape.forEach((s, i) => check(s === shape[i + off] || s === 1, () => `The expanded size of the tensor (${shape[i + off]}) must match the existing size (${s}) at non-singleton dimension ${i + off}.  Target sizes: [${shape.join(', ')}].  Tensor sizes: [${p.shape.join(', ')}]`));
  return broadcastStrides(p.shape, p.strides, shape);
}

/** bernoulli_(p tensor): self output and p input iterated together, uniforms by p's dtype. */
function bernoulliTensorFill(self: Tensor, p: Tensor, gen: Generator): void {
  if (p.dtype.category !== 'float') throw runtimeError(`"bernoulli_tensor_cpu_p_" not implemented for '${PT_NAME[p.dtype.name]}'`);
  const pStrides = expandTo(p, self.shape);
  const order = iterationOrder(self.shape, [self.strides, pStrides]);
  const pOffs = broadcastOffsets(p, self.shape);
  const n = self.numel();
  const pv = new Float64Array(n);
  for (let k = 0; k < n; k++) pv[k] = p.storage.data[pOffs[order ? order[k] : k]];
  const buf = new self.dtype.arrayCtor(n);
  bernoulli_(gen, buf, pv, self.dtype.name, p.dtype.name === 'float64' ? 'float64' : 'float32');
  scatter(self, buf, order);
}

/** sample_poisson (native/Distributions.cpp): product of uniforms below 10, Hoermann's PTRS above. */
function samplePoisson(lambda: number, gen: Generator): number {
  check(lambda >= 0, 'invalid Poisson rate, expected rate to be non-negative');
  if (lambda >= 10) {
    const slam = Math.sqrt(lambda), loglam = log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const U = gen.randomDouble() - 0.5;
      const V = gen.randomDouble();
      const us = 0.5 - Math.abs(U);
      const k = Math.floor((2 * a / us + b) * U + lambda + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (log(V) + log(invalpha) - log(a / (us * us) + b) <= -lambda + k * loglam - lgamma(k + 1)) return k;
    }
  }
  if (lambda === 0) return 0;
  const enlam = expCR(-lambda);
  let x = 0, prod = 1;
  for (;;) {
    prod *= gen.randomDouble();
    if (prod > enlam) x += 1;
    else return x;
  }
}

/**
 * Without replacement, multinomial draws q = empty_like(self).exponential_(1): in memory order when self
 * is a transposed (dense) layout. The sampler draws in logical order, so it gets a generator that makes
 * those draws (lazily, after its argument checks) in q's order and hands them out in logical order.
 */
function exponentialOrder(gen: Generator, q: Tensor): Generator {
  const order = iterationOrder(q.shape, [q.strides]);
  if (!order) return gen;
  let logical: Float64Array | null = null;
  let next = 0;
  const randomDouble = () => {
    if (!logical) {
      logical = new Float64Array(order.length);
      for (let k = 0; k < order.length; k++) logical[order[k]] = gen.randomDouble();
    }
    return logical[next++];
  };
  return { randomDouble } as unknown as Generator;
}

const zerosOf = (t: Tensor, like: Tensor) => callKw('zeros', [t.shape], { dtype: like.dtype });

/**
 * normal(Tensor mean, Tensor std) / (Tensor mean, float std) / (float mean, Tensor std): normal_(0, std)
 * then + mean, or normal_(0, 1) then * std then + mean, on a contiguous output of the broadcast shape in
 * mean's (or, for a float mean, std's) dtype; NormalBackward1/2/3 give zero gradients.
 */
function normalTensors(gen: Generator, ov: number, meanArg: Tensor | number, stdArg: Tensor | number): Tensor {
  const mean = meanArg instanceof Tensor ? meanArg : null, std = stdArg instanceof Tensor ? stdArg : null;
  if (std) check(std.numel() === 0 || std.toFlatArray().every((v) => v >= 0), 'normal expects all elements of std >= 0.0');
  else checkStd(Number(stdArg));
  const shape = mean && std ? broadcastShapes(mean.shape, std.shape) : (mean ?? std)!.shape.slice();
  const dt: DType = (mean ?? std)!.dtype;
  const out = newTensor(shape, dt);
  const vals = (t: Tensor) => Array.from(broadcastOffsets(t, shape), (i) => t.storage.data[i]);
  normalTensor(gen, out.storage.data, mean ? vals(mean) : Number(meanArg), std ? vals(std) : Number(stdArg), dt.name);
  const inputs = [mean, std].filter((t): t is Tensor => t !== null);
  // NormalBackward1 is normal.Tensor_float, 2 float_Tensor, 3 Tensor_Tensor
  record(`NormalBackward${[3, 1, 2][ov]}`, inputs, out, ([g]) => inputs.map((t) => zerosOf(t, g!)));
  return out;
}

// ---- factories ---------------------------------------------------------------------------------

const factories = defineOps([
  {
    name: 'rand', variants: ['function'], sig: `rand(int[] size, *, ${GEN}, ${OPTS})`,
    doc: 'Uniform samples in [0, 1) (default float dtype), from the default generator or generator=.',
    samples: [{ args: [[2, 3]] }, { args: [5], kwargs: { dtype: { dtype: 'float64' } } }],
    impl: (a) => {
      const t = empty(a.size, a.dtype ?? getDefaultDType());
      uniformFill(t, genOf(a.generator, 'rand'), 0, 1);
      return finish(t, a.requires_grad);
    },
  },
  {
    name: 'randn', variants: ['function'], sig: `randn(int[] size, *, ${GEN}, ${OPTS})`,
    doc: 'Standard normal samples (Box-Muller; vectorised from 16 elements up, like PyTorch).',
    samples: [{ args: [[4, 5]] }, { args: [3] }, { args: [17], kwargs: { dtype: { dtype: 'float64' } } }],
    impl: (a) => {
      const t = empty(a.size, a.dtype ?? getDefaultDType());
      normalFill(t, genOf(a.generator, 'randn'), 0, 1);
      return finish(t, a.requires_grad);
    },
  },
  {
    name: 'rand_like', variants: ['function'], sig: `rand_like(Tensor self, *, ${LIKE})`,
    doc: 'rand with the shape (and by default dtype and layout) of input.',
    samples: [{ args: [{ t: [2, 3] }] }, { args: [{ t: [3], dtype: 'float64' }] }],
    impl: (a) => {
      const t = emptyLike(a.self, a.dtype, a.memory_format);
      uniformFill(t, defaultGenerator, 0, 1);
      return finish(t, a.requires_grad);
    },
  },
  {
    name: 'randn_like', variants: ['function'], sig: `randn_like(Tensor self, *, ${LIKE})`,
    doc: 'randn with the shape (and by default dtype and layout) of input.',
    samples: [{ args: [{ t: [4, 4] }] }, { args: [{ t: [2] }], kwargs: { dtype: { dtype: 'float64' } } }],
    impl: (a) => {
      const t = emptyLike(a.self, a.dtype, a.memory_format);
      normalFill(t, defaultGenerator, 0, 1);
      return finish(t, a.requires_grad);
    },
  },
  {
    name: 'randint', variants: ['function'],
    sig: [`randint(int high, int[] size, *, ${GEN}, ${OPTS})`, `randint(int low, int high, int[] size, *, ${GEN}, ${OPTS})`],
    doc: 'Uniform integers in [low, high) (low defaults to 0), int64 unless dtype= says otherwise.',
    samples: [{ args: [10, [3, 4]] }, { args: [-3, 3, [6]] }, { args: [5, [4]], kwargs: { dtype: { dtype: 'float32' } } }],
    impl: (a, ov) => {
      const t = empty(a.size, a.dtype ?? dtypes.int64);
      const gen = genOf(a.generator, 'randint');
      fillSerial(t, (buf) => randint(gen, buf, ov === 0 ? 0 : a.low, a.high, t.dtype.name));
      return finish(t, a.requires_grad);
    },
  },
  {
    name: 'randint_like', variants: ['function'],
    sig: [`randint_like(Tensor self, int high, *, ${LIKE})`, `randint_like(Tensor self, int low, int high, *, ${LIKE})`],
    doc: 'randint with the shape (and by default dtype and layout) of input.',
    samples: [{ args: [{ t: [2, 2] }, 10] }, { args: [{ t: [3], dtype: 'int32' }, 2, 5] }],
    impl: (a, ov) => {
      const t = emptyLike(a.self, a.dtype, a.memory_format);
      fillSerial(t, (buf) => randomFromTo_(defaultGenerator, buf, ov === 0 ? 0 : a.low, a.high, t.dtype.name));
      return finish(t, a.requires_grad);
    },
  },
  {
    name: 'randperm', variants: ['function'], sig: `randperm(int n, *, ${GEN}, ${OPTS})`,
    doc: 'A random permutation of 0..n-1 (int64 unless dtype= says otherwise).',
    samples: [{ args: [7] }, { args: [5], kwargs: { dtype: { dtype: 'float64' } } }],
    impl: (a) => {
      const dt: DType = a.dtype ?? dtypes.int64;
      const data = randperm(genOf(a.generator, 'randperm'), a.n, dt.name);
      return finish(new Tensor(new Storage(data), [a.n], [1], 0, dt), a.requires_grad);
    },
  },
]);

// ---- distributions -----------------------------------------------------------------------------

const distributions = defineOps([
  {
    name: 'normal', variants: ['function'],
    sig: [
      `normal(Tensor mean, Tensor std, *, ${GEN})`,
      `normal(Tensor mean, float std=1, *, ${GEN})`,
      `normal(float mean, Tensor std, *, ${GEN})`,
      `normal(float mean, float std, int[] size, *, ${GEN}, ${OPTS})`,
    ],
    doc: 'Normal samples: elementwise from tensor mean/std (broadcast), or of a given size from float mean and std.',
    samples: [
      { args: [{ t: [3], grad: true }, { f: 1 }], noGradcheck: true },
      { args: [{ f: 0 }, { t: [3], grad: true, domain: 'positive' }], noGradcheck: true },
      { args: [{ t: [2, 1], dtype: 'float64', grad: true }, { t: [3], dtype: 'float64', grad: true, domain: 'positive' }], noGradcheck: true },
      { args: [{ f: 2 }, { f: 3 }, [4]] },
    ],
    impl: (a, ov) => {
      const gen = genOf(a.generator, 'normal');
      if (ov === 3) {
        const std = Number(a.std);
        checkStd(std);
        const t = empty(a.size, a.dtype ?? getDefaultDType());
        normalFill(t, gen, Number(a.mean), std);
        return finish(t, a.requires_grad);
      }
      return normalTensors(gen, ov, a.mean, a.std);
    },
  },
  {
    name: 'bernoulli',
    sig: [`bernoulli(Tensor self, *, ${GEN})`, `bernoulli(Tensor self, float p, *, ${GEN})`],
    doc: 'Draws 0/1 with probability given by input (or by p, with input only giving shape and dtype).',
    samples: [
      { args: [{ t: [4], values: [0.1, 0.5, 0.9, 0.3] }] },
      { args: [{ t: [2, 3], dtype: 'float64', grad: true, values: [0, 1, 0.25, 0.5, 0.75, 0.125] }], noGradcheck: true },
      { args: [{ t: [3] }, { f: 0.3 }], method: true },
    ],
    impl: (a, ov) => {
      const self: Tensor = a.self;
      const gen = genOf(a.generator, 'bernoulli');
      const out = newTensor(self.shape, self.dtype);
      if (ov === 1) {
        fillSerial(out, (buf) => bernoulli_(gen, buf, Number(a.p), out.dtype.name));
        return out;
      }
      bernoulliTensorFill(out, self, gen);
      record('BernoulliBackward0', [self], out, ([g]) => [call('zeros_like', g!)]);
      return out;
    },
  },
  {
    name: 'multinomial', sig: `multinomial(Tensor self, int num_samples, bool replacement=False, *, ${GEN})`,
    doc: 'Indices sampled from the rows of a probability (weight) tensor, with or without replacement.',
    samples: [
      { args: [{ t: [4], values: [0.1, 0.2, 0.3, 0.4] }, 2] },
      { args: [{ t: [2, 3], values: [1, 2, 3, 0, 1, 1] }, 4, true], method: true },
    ],
    impl: (a) => {
      const self: Tensor = a.self;
      check(self.ndim > 0 && self.ndim <= 2, 'prob_dist must be 1 or 2 dim');
      check(self.dtype.category === 'float', () => `multinomial only supports floating-point dtypes for input, got: ${PT_NAME[self.dtype.name]}`);
      const nCat = self.shape[self.ndim - 1];
      const nDist = self.ndim === 1 ? 1 : self.shape[0];
      let gen = genOf(a.generator, 'multinomial');
      if (!a.replacement) gen = exponentialOrder(gen, emptyLikePreserve(self));
      const idx = multinomial(gen, self.contiguousData(), nDist, nCat, a.num_samples, a.replacement, self.dtype.name as 'float32');
      const shape = self.ndim === 1 ? [a.num_samples] : [nDist, a.num_samples];
      return new Tensor(new Storage(idx), shape, self.ndim === 1 ? [1] : [a.num_samples, 1], 0, dtypes.int64);
    },
  },
  {
    name: 'poisson', variants: ['function'], sig: `poisson(Tensor self, ${GEN})`,
    doc: 'Poisson samples with rates given by input.',
    samples: [{ args: [{ t: [5], domain: 'positive' }] }, { args: [{ t: [3], dtype: 'float64', values: [12, 30, 0] }] }],
    impl: (a) => {
      const self: Tensor = a.self;
      if (self.dtype.category !== 'float') throw runtimeError(`"poisson_cpu" not implemented for '${PT_NAME[self.dtype.name]}'`);
      const gen = genOf(a.generator, 'poisson');
      const out = newTensor(self.shape, self.dtype);
      const rates = self.contiguousData();
      for (let i = 0; i < rates.length; i++) out.storage.data[i] = castFloat(self.dtype.name as 'float32', samplePoisson(rates[i], gen));
      record('PoissonBackward0', [self], out, () => [call('zeros_like', self)]);
      return out;
    },
  },
]);

// ---- in-place samplers -------------------------------------------------------------------------

const inplace = defineOps([
  {
    name: 'uniform_', variants: ['method'], sig: `uniform_(Tensor self, float from=0, float to=1, *, ${GEN})`,
    doc: 'Fills self with uniform samples in [from, to).',
    samples: [{ args: [{ t: [2, 3], grad: true }, -1, 1], method: true }, { args: [{ t: [5], dtype: 'float64' }], method: true }],
    impl: (a) => sampleInPlace(a.self, 'UniformBackward0', [], () => uniformFill(a.self, genOf(a.generator, 'uniform_'), Number(a.from), Number(a.to))),
  },
  {
    name: 'normal_', variants: ['method'], sig: `normal_(Tensor self, float mean=0, float std=1, *, ${GEN})`,
    doc: 'Fills self with normal samples.',
    samples: [{ args: [{ t: [20] }, 1, { f: 0.5 }], method: true }, { args: [{ t: [3], dtype: 'float64', grad: true }], method: true }],
    impl: (a) => sampleInPlace(a.self, 'NormalBackward0', [], () => {
      checkStd(Number(a.std));
      normalFill(a.self, genOf(a.generator, 'normal_'), Number(a.mean), Number(a.std));
    }),
  },
  {
    name: 'random_', variants: ['method'],
    // random_.to first: the binder would fill random_.from's `int? to` (no default) with None
    sig: [`random_(Tensor self, int to, *, ${GEN})`, `random_(Tensor self, int from, int? to, *, ${GEN})`, `random_(Tensor self, *, ${GEN})`],
    doc: 'Fills self with integers uniform in [from, to) (to defaults to the largest the dtype holds exactly).',
    samples: [{ args: [{ t: [5] }, 0, 10], method: true }, { args: [{ t: [4], dtype: 'int64' }, 7], method: true }, { args: [{ t: [3], dtype: 'int32' }], method: true }],
    impl: (a, ov) => {
      const self: Tensor = a.self;
      const gen = genOf(a.generator, 'random_');
      const dt = self.dtype.name;
      // RandomBackward0 is random_.from, 1 random_.to, 2 random_()
      return sampleInPlace(self, `RandomBackward${[1, 0, 2][ov]}`, [], () => fillSerial(self, (buf) => {
        if (ov === 2) random_(gen, buf, dt);
        else randomFromTo_(gen, buf, ov === 1 ? a.from : 0, a.to, dt);
      }));
    },
  },
  {
    name: 'exponential_', variants: ['method'], sig: `exponential_(Tensor self, float lambd=1, *, ${GEN})`,
    doc: 'Fills self with exponential samples of rate lambd.',
    samples: [{ args: [{ t: [4] }], method: true }, { args: [{ t: [3], dtype: 'float64' }, { f: 2.5 }], method: true }],
    impl: (a) => sampleInPlace(a.self, 'ExponentialBackward0', [], () => {
      const lambd = Number(a.lambd);
      check(lambd >= 0, () => `exponential_ expects lambda >= 0.0, but found lambda=${fmt(lambd)}`);
      const gen = genOf(a.generator, 'exponential_');
      fillSerial(a.self, (buf) => exponential_(gen, buf, lambd, a.self.dtype.name));
    }),
  },
  {
    name: 'bernoulli_', variants: ['method'],
    sig: [`bernoulli_(Tensor self, Tensor p, *, ${GEN})`, `bernoulli_(Tensor self, float p=0.5, *, ${GEN})`],
    doc: 'Fills self with 0/1 draws of probability p (a number, or a tensor broadcast to self).',
    samples: [{ args: [{ t: [4] }, { f: 0.3 }], method: true }, { args: [{ t: [2, 2] }, { t: [2], values: [0.2, 0.8] }], method: true }],
    impl: (a, ov) => {
      const self: Tensor = a.self;
      const gen = genOf(a.generator, 'bernoulli_');
      if (ov === 0) return sampleInPlace(self, 'BernoulliBackward1', [a.p], () => bernoulliTensorFill(self, a.p, gen));
      const p = Number(a.p);
      return sampleInPlace(self, 'BernoulliBackward2', [], () => {
        check(p >= 0 && p <= 1, () => `bernoulli_ expects p to be in [0, 1], but got p=${fmt(p)}`);
        fillSerial(self, (buf) => bernoulli_(gen, buf, p, self.dtype.name));
      });
    },
  },
  {
    name: 'geometric_', variants: ['method'], sig: `geometric_(Tensor self, float p, *, ${GEN})`,
    doc: 'Fills self with geometric samples (trials up to the first success, success probability p).',
    samples: [{ args: [{ t: [4] }, { f: 0.3 }], method: true }, { args: [{ t: [3], dtype: 'int64' }, { f: 0.5 }], method: true }],
    impl: (a) => sampleInPlace(a.self, 'GeometricBackward0', [], () => {
      const p = Number(a.p);
      check(p > 0 && p < 1, () => `geometric_ expects p to be in (0, 1), but got p=${fmt(p)}`);
      const dt = a.self.dtype.name;
      if (dt === 'bool') throw runtimeError(`"geometric_cpu" not implemented for 'Bool'`);
      const gen = genOf(a.generator, 'geometric_');
      const denom = Math.log1p(-p);
      fillSerial(a.self, (buf) => { for (let i = 0; i < buf.length; i++) buf[i] = castTo(dt, Math.ceil(log(gen.randomDouble()) / denom)); });
    }),
  },
  {
    name: 'log_normal_', variants: ['method'], sig: `log_normal_(Tensor self, float mean=1, float std=2, *, ${GEN})`,
    doc: 'Fills self with exp of normal(mean, std) samples.',
    samples: [{ args: [{ t: [4] }], method: true }, { args: [{ t: [3], dtype: 'float64' }, 0, { f: 0.25 }], method: true }],
    impl: (a) => sampleInPlace(a.self, 'LogNormalBackward0', [], () => {
      const mean = Number(a.mean), std = Number(a.std);
      check(std > 0, () => `log_normal_ expects std > 0.0, but found std=${fmt(std)}`);
      const dt = a.self.dtype.name;
      checkFloat(dt, 'log_normal_cpu');
      const gen = genOf(a.generator, 'log_normal_');
      fillSerial(a.self, (buf) => { for (let i = 0; i < buf.length; i++) buf[i] = castFloat(dt, expCR(normalSample(gen, mean, std))); });
    }),
  },
  {
    name: 'cauchy_', variants: ['method'], sig: `cauchy_(Tensor self, float median=0, float sigma=1, *, ${GEN})`,
    doc: 'Fills self with Cauchy samples median + sigma * tan(pi * (u - 0.5)) (a fused multiply-add, as in PyTorch).',
    samples: [{ args: [{ t: [4] }], method: true }],
    impl: (a) => sampleInPlace(a.self, 'CauchyBackward0', [], () => {
      const dt = a.self.dtype.name;
      checkFloat(dt, 'cauchy_cpu');
      const gen = genOf(a.generator, 'cauchy_');
      const median = Number(a.median), sigma = Number(a.sigma);
      fillSerial(a.self, (buf) => { for (let i = 0; i < buf.length; i++) buf[i] = castFloat(dt, fma64(sigma, tanCR(Math.PI * (gen.randomDouble() - 0.5)), median)); });
    }),
  },
]);

// ---- the default generator's module functions ----------------------------------------------------

const rngApi = defineOps([
  {
    name: 'manual_seed', variants: ['function'], sig: 'manual_seed(Any seed)',
    doc: 'Seeds the default generator (int(seed), read as uint64) and returns it.',
    impl: (a) => manualSeed(seedArg(a.seed)),
  },
  {
    name: 'initial_seed', variants: ['function'], sig: 'initial_seed()',
    doc: 'The seed the default generator was last seeded with.',
    impl: () => initialSeed(),
  },
  {
    name: 'seed', variants: ['function'], sig: 'seed()',
    doc: 'Seeds the default generator from a non-deterministic source and returns the seed.',
    impl: () => seed(),
  },
  {
    name: 'get_rng_state', variants: ['function'], sig: 'get_rng_state()',
    doc: 'The default generator’s state as a uint8 tensor (5056 bytes).',
    impl: () => stateTensor(defaultGenerator),
  },
  {
    name: 'set_rng_state', variants: ['function'], sig: 'set_rng_state(Any new_state)',
    doc: 'Restores the default generator from a state returned by get_rng_state().',
    impl: (a) => {
      setStateFrom(defaultGenerator, a.new_state);
      return null;
    },
  },
]);

export default defineOps([...factories, ...distributions, ...inplace, ...rngApi]);
