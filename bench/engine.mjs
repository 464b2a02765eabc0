// Engine workloads (TypeScript API, in this process): matmul in every layout, elementwise, sum,
// softmax, tiny-op overhead with and without autograd, and the MLP train step.
import { best, bestCpu } from './lib.mjs';

export const MATMUL_SIZES = [128, 256, 512, 1024];
export const LAYOUTS = ['A·B', 'Aᵀ·B', 'A·Bᵀ'];

/** The operands of a layout as views: Aᵀ·B multiplies a transposed view, no copy. */
function layoutOperands(torch, n, layout) {
  const a = torch.rand(n, n), b = torch.rand(n, n);
  if (layout === 'Aᵀ·B') return [a.t(), b];
  if (layout === 'A·Bᵀ') return [a, b.t()];
  return [a, b];
}

export function matmulGflops(torch, n, layout, opts = {}) {
  const [a, b] = layoutOperands(torch, n, layout);
  const ms = best(() => torch.mm(a, b), { reps: n >= 1024 ? 3 : 7, inner: n <= 128 ? 20 : 1, ...opts });
  return (2 * n ** 3) / (ms * 1e6);
}

/** GB/s counting bytes read + written once. */
export function elementwise(torch, op, n) {
  const x = torch.rand(n), y = torch.rand(n);
  const f = op === 'add' ? () => torch.add(x, y) : () => torch.exp(x);
  const bytes = (op === 'add' ? 3 : 2) * 4 * n;
  const ms = best(f, { reps: 9, inner: n <= 1 << 20 ? 10 : 1 });
  return bytes / (ms * 1e6);
}

export function sumGBs(torch, n) {
  const x = torch.rand(n);
  const ms = best(() => torch.sum(x), { reps: 7 });
  return (4 * n) / (ms * 1e6);
}

export function softmaxMs(torch, n) {
  const x = torch.rand(n, n);
  return best(() => torch.softmax(x, 1), { reps: 9, inner: 2 });
}

/** CPU µs per 2×2 add; with autograd one operand requires grad (a graph node per op). */
export function tinyOpUs(torch, withGrad) {
  const a = torch.rand(2, 2), b = torch.rand(2, 2);
  if (withGrad) a.requires_grad_(true);
  const N = 20000;
  const ms = bestCpu(() => { for (let i = 0; i < N; i++) torch.add(a, b); }, { reps: 7, warmup: 2 });
  return (ms * 1000) / N;
}

/**
 * The PERF.md MLP (batch 64, 784→256→10, ReLU, cross-entropy, backward, SGD lr 0.01) on the engine's
 * default device: one train step per call, returning the loss. Shared with bench/webgpu.mjs.
 */
export function mlpStep(engine) {
  const { torch, dispatch } = engine;
  const F = (name, ...args) => dispatch(name, args, null);
  torch.manual_seed(0);
  const w1 = torch.randn(256, 784).mul(0.05).requires_grad_(true);
  const b1 = torch.zeros(256).requires_grad_(true);
  const w2 = torch.randn(10, 256).mul(0.05).requires_grad_(true);
  const b2 = torch.zeros(10).requires_grad_(true);
  const params = [w1, b1, w2, b2];
  const x = torch.randn(64, 784), y = torch.randint(0, 10, [64]);
  return () => {
    const h = F('linear', x, w1, b1).relu();
    const loss = F('cross_entropy', F('linear', h, w2, b2), y);
    loss.backward();
    torch.no_grad(() => { for (const p of params) { p.sub_(p.grad.mul(0.01)); p.grad = null; } });
    return loss;
  };
}

/** The PERF.md MLP train step, steps/s. */
export function mlpStepsPerSec(engine) {
  const step = mlpStep(engine);
  const ms = best(step, { reps: 15, inner: 3, warmup: 3 });
  return 1000 / ms;
}

/** Every engine workload, keyed like the peers' figures. */
export function engineFigures(engine, { sizes, elemSizes, want }) {
  const { torch } = engine;
  const r = { matmul: {} };
  const safe = (f) => { try { return f(); } catch (e) { console.log(`  (skipped: ${String(e?.message ?? e).split('\n')[0]})`); return null; } };
  if (want('matmul')) for (const n of sizes) for (const l of LAYOUTS) r.matmul[`${n} ${l}`] = safe(() => matmulGflops(torch, n, l));
  if (want('elementwise')) for (const n of elemSizes) for (const op of ['add', 'exp']) r[`${op} ${n}`] = safe(() => elementwise(torch, op, n));
  if (want('sum')) r.sum = safe(() => sumGBs(torch, 1 << 24));
  if (want('softmax')) r.softmax = safe(() => softmaxMs(torch, 1024));
  if (want('tiny')) { r.tiny = safe(() => tinyOpUs(torch, false)); r['tiny grad'] = safe(() => tinyOpUs(torch, true)); }
  if (want('mlp')) r.mlp = safe(() => mlpStepsPerSec(engine));
  return r;
}
