// Layers of torch.nn.functional built like PyTorch builds them: linear (addmm for 2-D input, a
// flattened addmm for contiguous 3-D input, else matmul + add_), bilinear, dropout (bernoulli_ noise,
// so seeded masks match), one_hot, embedding (EmbeddingBackward0, padding_idx, max_norm renorm).
import { dtypes } from '../../dtype';
import { TorchError, check, indexError, runtimeError } from '../../errors';
import { isGradEnabled, noGrad, record } from '../../autograd';
import { PyFloat } from '../../scalar';
import { Tensor } from '../../tensor';
import { newTensor } from '../../backends/cpu/elementwise';
import { defineOps, OpDef } from '../spec';
import { call, callKw, contiguous } from '../util';
import { runInplace } from './nnUtil';
import { gpuEmbedding, gpuEmbeddingBackward } from '../../backends/webgpu/kernelsIndex';

const T = (shape: number[], extra: object = {}) => ({ t: shape, grad: true, ...extra });

function linear(input: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const wt = call('t', weight);
  if (input.ndim === 2 && bias) return call('addmm', bias, input, wt);
  if (input.ndim === 3 && bias && input.isContiguous) {
    const [a, b, c] = input.shape;
    const r = call('addmm', bias, call('view', input, [a * b, c]), wt);
    return call('view', r, [a, b, r.shape[1]]);
  }
  const out = call('matmul', input, wt);
  return bias ? call('add_', out, bias) : out;
}

function bilinear(x1: Tensor, x2: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  check(x1.ndim === x2.ndim, () => `bilinear(): input dimensions do not match: got ${x1.ndim} and ${x2.ndim}`);
  for (let i = 0; i < x1.ndim - 1; i++) {
    check(x1.shape[i] === x2.shape[i], () => `bilinear(): input batch dimensions do not match: got ${x1.shape[i]} and ${x2.shape[i]}`);
  }
  check(x1.shape[x1.ndim - 1] === w.shape[1], () => `bilinear(): input1 size does not match weight size: got ${x1.shape[x1.ndim - 1]} but expected ${w.shape[1]}`);
  check(x2.shape[x2.ndim - 1] === w.shape[2], () => `bilinear(): input2 size does not match weight size: got ${x2.shape[x2.ndim - 1]} but expected ${w.shape[2]}`);
  check(!bias || bias.shape[0] === w.shape[0], () => `bilinear(): bias size does not match weight size: got ${bias!.shape[0]} but expected ${w.shape[0]}`);
  const outSize = [...x1.shape.slice(0, -1), w.shape[0]];
  const a = call('reshape', x1, [-1, x1.shape[x1.ndim - 1]]);
  const b = call('reshape', x2, [-1, x2.shape[x2.ndim - 1]]);
  // out[n, o] = Σ_ij a[n, i] W[o, i, j] b[n, j]  (PyTorch's _trilinear, as broadcast products)
  const prod = call('mul', call('mul', call('unsqueeze', call('unsqueeze', a, 1), 3), call('unsqueeze', w, 0)), call('unsqueeze', call('unsqueeze', b, 1), 2));
  const out = call('reshape', call('sum', prod, [2, 3]), outSize);
  return bias ? call('add', out, bias) : out;
}

/** at::dropout on CPU: input * (bernoulli(1 − p) / (1 − p)), or input itself when nothing drops. */
function dropout(input: Tensor, p: number, train: boolean, inplace: boolean): Tensor {
  check(p >= 0 && p <= 1, () => `dropout probability has to be between 0 and 1, but got ${p}`);
  if (p === 0 || !train || input.numel() === 0) return input;
  const noise = (() => {
    if (p === 1) return callKw('zeros', [[]], { dtype: input.dtype });
    const n = call('empty_like', input);
    call('bernoulli_', n, new PyFloat(1 - p));
    call('div_', n, new PyFloat(1 - p));
    return n;
  })();
  return inplace ? call('mul_', input, noise) : call('mul', input, noise);
}

function oneHot(self: Tensor, numClasses: number): Tensor {
  check(self.dtype === dtypes.int64, 'one_hot is only applicable to index tensor.');
  const shape = self.shape.slice();
  if (self.numel() === 0) {
    check(numClasses > 0, 'Can not infer total number of classes from empty tensor.');
    return newTensor([...shape, numClasses], dtypes.int64);
  }
  const vals = self.toFlatArray();
  let min = Infinity, max = -Infinity;
  for (const v of vals) { if (v < min) min = v; if (v > max) max = v; }
  check(min >= 0, 'Class values must be non-negative.');
  if (numClasses === -1) numClasses = max + 1;
  else check(numClasses > max, 'Class values must be smaller than num_classes.');
  const out = newTensor([...shape, numClasses], dtypes.int64);
  vals.forEach((v, i) => { out.storage.data[i * numClasses + v] = 1; });
  return out;
}

function checkIndexType(indices: Tensor, fn: string, argNo: number): void {
  if (indices.dtype !== dtypes.int64 && indices.dtype !== dtypes.int32) {
    throw runtimeError(`Expected tensor for argument #${argNo} 'indices' to have one of the following scalar types: Long, Int; but got torch.${indices.dtype.legacyName} instead (while checking arguments for ${fn})`);
  }
}

function embedding(weight: Tensor, indices: Tensor, paddingIdx: number, scaleByFreq: boolean): Tensor {
  check(weight.ndim === 2, "'weight' must be 2-D");
  checkIndexType(indices, 'embedding', 1);
  const [n, dim] = weight.shape;
  // on the GPU: the indices checked on the host and uploaded as int32, the rows picked there
  let out = gpuEmbedding(weight, indices);
  if (!out) {
    const idx = indices.toFlatArray();
    for (const i of idx) if (i < -n || i >= n) throw indexError('index out of range in self');
    const w = weight.contiguousData();
    const o = newTensor([...indices.shape, dim], weight.dtype);
    idx.forEach((i, r) => { const k = i < 0 ? i + n : i; o.storage.data.set(w.subarray(k * dim, (k + 1) * dim), r * dim); });
    out = o;
  }
  record('EmbeddingBackward0', [weight], out, ([g]) => [call('embedding_dense_backward', g, indices, n, paddingIdx, scaleByFreq)]);
  return out;
}

/** embedding_dense_backward: rows of grad summed into their indices (in order), padding_idx skipped. */
function embeddingDenseBackward(grad: Tensor, indices: Tensor, numWeights: number, paddingIdx: number, scaleByFreq: boolean): Tensor {
  checkIndexType(indices, 'embedding_backward', 2);
  const dim = grad.shape[grad.ndim - 1];
  const out = gpuEmbeddingBackward(grad, indices, numWeights, paddingIdx, scaleByFreq) ?? embeddingDenseBackwardCpu(grad, indices, numWeights, paddingIdx, scaleByFreq, dim);
  if (isGradEnabled()) {
    record('EmbeddingDenseBackwardBackward0', [grad], out, ([gg]) => {
      let r2 = call('embedding', gg!, indices, -1, false, false);
      if (paddingIdx >= 0) r2 = call('masked_fill', r2, call('unsqueeze', call('eq', indices, paddingIdx), -1), 0);
      return [r2];
    });
  }
  return out;
}

function embeddingDenseBackwardCpu(grad: Tensor, indices: Tensor, numWeights: number, paddingIdx: number, scaleByFreq: boolean, dim: number): Tensor {
  const idx = indices.toFlatArray();
  const g = grad.contiguousData();
  const out = newTensor([numWeights, dim], grad.dtype);
  const od = out.storage.data;
  const counts = new Map<number, number>();
  if (scaleByFreq) for (const k of idx) counts.set(k, (counts.get(k) ?? 0) + 1);
  const r = grad.dtype.name === 'float64' ? (x: number) => x : Math.fround;
  idx.forEach((k, i) => {
    if (k === paddingIdx) return;
    const scale = scaleByFreq ? 1 / counts.get(k)! : 1;
    for (let j = 0; j < dim; j++) od[k * dim + j] = r(od[k * dim + j] + (scale === 1 ? g[i * dim + j] : r(g[i * dim + j] * scale)));
  });
  return out;
}

/** embedding_renorm_: rows used by `indices` whose norm exceeds max_norm are scaled down in place. */
function embeddingRenorm(self: Tensor, indices: Tensor, maxNorm: number, normType: number): Tensor {
  check(self.ndim === 2, 'embedding_renorm_: self must be 2-D');
  checkIndexType(indices, 'embedding_renorm_', 2);
  const dim = self.shape[1];
  const rows = [...new Set(indices.toFlatArray())].sort((a, b) => a - b);
  const offs = self.offsets();
  const d = self.storage.data;
  const r = self.dtype.name === 'float64' ? (x: number) => x : Math.fround;
  for (const k of rows) {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += Math.abs(d[offs[k * dim + j]]) ** normType;
    norm = norm ** (1 / normType);
    if (norm > maxNorm) {
      const scale = maxNorm / (norm + 1e-7);
      for (let j = 0; j < dim; j++) d[offs[k * dim + j]] = r(d[offs[k * dim + j]] * scale);
    }
  }
  self.bumpVersion();
  return self;
}

const dropoutDef = (inplace: boolean): OpDef => ({
  name: inplace ? 'dropout_' : 'dropout', variants: ['function'],
  sig: `${inplace ? 'dropout_' : 'dropout'}(Tensor input, float p, bool train)`,
  doc: 'Zeroes each element with probability p (training only) and scales the rest by 1/(1 − p).',
  impl: (a) => (inplace ? runInplace(a.input, [], (src) => dropout(src, a.p, a.train, false)) : dropout(a.input, a.p, a.train, false)),
  samples: [{ args: [{ t: [2, 3], grad: true }, { f: 0.0 }, true] }, { args: [{ t: [4] }, { f: 0.5 }, false] }],
});

export default defineOps([
  {
    name: 'linear', ns: 'nn.functional', variants: ['function'], sig: 'linear(Tensor input, Tensor weight, Tensor? bias=None)',
    doc: 'input @ weight.T + bias (addmm for 2-D input).',
    impl: (a) => linear(a.input, a.weight, a.bias),
    samples: [
      { args: [T([2, 3]), T([4, 3]), T([4])] },
      { args: [T([3]), T([2, 3]), T([2])] },
      { args: [T([2, 2, 3]), T([4, 3]), T([4])] },
      { args: [{ t: [2, 3], dtype: 'float64', grad: true }, { t: [4, 3], dtype: 'float64', grad: true }] },
    ],
  },
  {
    name: 'bilinear', variants: ['function'], sig: 'bilinear(Tensor input1, Tensor input2, Tensor weight, Tensor? bias=None)',
    doc: 'x1ᵀ A x2 + b for each output feature.',
    impl: (a) => bilinear(a.input1, a.input2, a.weight, a.bias),
    samples: [{ args: [T([2, 3]), T([2, 4]), T([5, 3, 4]), T([5])] }, { args: [{ t: [3, 2], dtype: 'float64', grad: true }, { t: [3, 2], dtype: 'float64', grad: true }, { t: [2, 2, 2], dtype: 'float64', grad: true }] }],
  },
  dropoutDef(false), dropoutDef(true),
  {
    name: 'one_hot', ns: 'nn.functional', variants: ['function'], sig: 'one_hot(Tensor self, int num_classes=-1)',
    doc: 'Class indices (int64) as one-hot rows: shape (*, num_classes).',
    impl: (a) => oneHot(a.self, a.num_classes),
    samples: [{ args: [{ t: [3], dtype: 'int64', values: [0, 2, 1] }] }, { args: [{ t: [2, 2], dtype: 'int64', values: [0, 3, 1, 1] }, 5] }],
  },
  {
    name: 'embedding', variants: ['function'],
    sig: 'embedding(Tensor weight, Tensor indices, int padding_idx=-1, bool scale_grad_by_freq=False, bool sparse=False)',
    doc: 'Rows of weight picked by integer indices (a lookup table).',
    impl: (a) => {
      if (a.sparse) throw new TorchError('NotImplementedError', 'sparse embedding gradients are not supported');
      return embedding(a.weight, a.indices, a.padding_idx, a.scale_grad_by_freq);
    },
    samples: [{ args: [T([5, 3]), { t: [4], dtype: 'int64', values: [1, 3, 3, 0] }] }, { args: [T([4, 2]), { t: [2, 2], dtype: 'int64', values: [0, 2, 2, 3] }, 2], noGradcheck: true }],
  },
  {
    name: 'embedding_dense_backward', ns: 'internal', variants: ['function'],
    sig: 'embedding_dense_backward(Tensor grad_output, Tensor indices, int num_weights, int padding_idx, bool scale_grad_by_freq)',
    doc: 'Gradient kernel of embedding.',
    impl: (a) => embeddingDenseBackward(a.grad_output, a.indices, a.num_weights, a.padding_idx, a.scale_grad_by_freq),
  },
  {
    name: 'embedding_renorm_', variants: ['function'], sig: 'embedding_renorm_(Tensor self, Tensor indices, float max_norm, float norm_type)',
    doc: 'Renormalises (in place, without autograd) the rows of self used by indices to norm ≤ max_norm.',
    impl: (a) => noGrad(() => embeddingRenorm(a.self, contiguous(a.indices), a.max_norm, a.norm_type)),
  },
]);
