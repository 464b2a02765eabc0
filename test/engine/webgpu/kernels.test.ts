// The webgpu kernels a training loop needs, each against the CPU engine on the same values: activations
// and their backward ops, neg/abs/pow/clamp/where, softmax/log_softmax and their backwards, the losses,
// in-place writes into strided views (aliasing included), copies, fills made on the device. Each case
// also checks that the result stayed on the GPU and that no host round trip (a read of a device buffer)
// happened; an MLP step (Linear → ReLU → Linear → loss, backward, SGD/Adam) must not read back at all.
// Skipped without an adapter unless GRADSCOPE_REQUIRE_WEBGPU=1.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { dispatch } from '../../../engine/ops/registry';
import { setDefaultDevice, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { GpuClient } from '../../../engine/backends/webgpu/client';
import { kernelStats, onGpu, resetKernelStats } from '../../../engine/backends/webgpu/kernels';
import { gpuSoftmax, gpuSoftmaxBackward } from '../../../engine/backends/webgpu/kernelsNn';
import { reads } from './gpuCheck';

const T = torch as unknown as Record<string, (...a: unknown[]) => Tensor>;
const F = (name: string, ...args: unknown[]) => dispatch(name, args, null) as Tensor;
const FK = (name: string, args: unknown[], kw: Record<string, unknown>) => dispatch(name, args, kw) as Tensor;
const noGrad = <R>(f: () => R): R => (torch as unknown as { no_grad: (g: () => R) => R }).no_grad(f);
const available = webgpuAvailable();

const close = (a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-6) => {
  expect(a.shape).toEqual(b.shape);
  const x = a.toFlatArray(), y = b.toFlatArray();
  x.forEach((v, i) => {
    if (Number.isNaN(y[i]) && Number.isNaN(v)) return;
    if (!(Math.abs(v - y[i]) <= atol + rtol * Math.abs(y[i]))) expect.fail(`[${i}] ${v} != ${y[i]}`);
  });
};
const gpu = (t: Tensor) => t.to('webgpu') as Tensor;


/** f on the CPU tensors and on their GPU copies: same values, the GPU result on the GPU, no read back. */
function same(xs: Tensor[], f: (...ts: Tensor[]) => Tensor, rtol = 1e-5, atol = 1e-6): void {
  const want = f(...xs);
  const gs = xs.map(gpu);
  const [got, n] = reads(() => f(...gs));
  expect(onGpu(got), 'result on the GPU').toBe(true);
  expect(n, 'reads of device buffers').toBe(0);
  close(got.cpu(), want, rtol, atol);
}

/** Gradients of sum(f(x) * w) wrt x on both devices (the backward ops, run with the CPU as default device), compared. */
function sameGrad(x: Tensor, f: (t: Tensor) => Tensor, rtol = 1e-5, atol = 1e-6): void {
  torch.manual_seed(11);
  const w = T.randn(f(x).shape);
  const run = (dev: 'cpu' | 'webgpu') => {
    const xi = (dev === 'cpu' ? x.clone() : gpu(x)).detach().requires_grad_(true);
    const wi = dev === 'cpu' ? w : gpu(w);
    const [, n] = reads(() => T.mul(f(xi), wi).sum().backward());
    if (dev === 'webgpu') {
      expect(onGpu(xi.grad!), 'gradient on the GPU').toBe(true);
      expect(n, 'reads of device buffers during backward').toBe(0);
    }
    return xi.grad!.cpu();
  };
  close(run('webgpu'), run('cpu'), rtol, atol);
}

describe('webgpu kernels', () => {
  if (!available) { it.skip('no WebGPU adapter', () => {}); return; }
  beforeAll(() => { torch.manual_seed(0); });
  afterEach(() => { setDefaultDevice('cpu'); });

  const x = () => { torch.manual_seed(1); return T.randn([37, 19]).mul(3); };

  it('activations and their backward ops', () => {
    const acts: [string, (t: Tensor) => Tensor][] = [
      ['relu', (t) => T.relu(t)],
      ['leaky_relu', (t) => F('leaky_relu', t, 0.2)],
      ['gelu tanh', (t) => FK('gelu', [t], { approximate: 'tanh' })],
      ['silu', (t) => F('silu', t)],
      ['elu', (t) => F('elu', t, 0.7)],
      ['selu', (t) => F('selu', t)],
      ['hardtanh', (t) => F('hardtanh', t, -1.5, 2)],
      ['relu6', (t) => F('relu6', t)],
      ['threshold', (t) => F('threshold', t, 0.5, -2)],
      ['sigmoid', (t) => T.sigmoid(t)],
      ['tanh', (t) => T.tanh(t)],
    ];
    for (const [name, f] of acts) {
      try {
        // gelu: where tanh(z) ≈ −1 the CPU's 1 + tanh(z) cancels to 0; the GPU's x·sigmoid(2z) form does not
        const atol = name.startsWith('gelu') ? 1e-5 : 1e-6;
        same([x()], f, 2e-5, atol);
        sameGrad(x(), f, 1e-4, atol);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    }
  });

  it('neg, abs, pow with a scalar exponent, clamp', () => {
    same([x()], (t) => T.neg(t));
    same([x()], (t) => T.abs(t));
    same([T.tensor([-3, 0, 7, -2147483647], { dtype: torch.int32 } as never)], (t) => T.abs(t));
    for (const e of [0, 1, 2, 3, -1, -2, 0.5, -0.5, 4, 5, -3, 2.5]) {
      const base = e === 0.5 || e === -0.5 || e === 2.5 ? T.abs(x()).add(0.1) : x();
      same([base], (t) => T.pow(t, e), 2e-5, 1e-6);
    }
    same([x()], (t) => T.pow(t, 2.5)); // negative bases: nan, like the CPU
    same([x()], (t) => T.clamp(t, -1, 2));
    same([x()], (t) => FK('clamp', [t], { min: -0.5 }));
    same([x()], (t) => FK('clamp', [t], { max: 0.25 }));
    same([T.tensor([NaN, -5, 5, 0.5])], (t) => T.clamp(t, -1, 1));
    sameGrad(T.abs(x()).add(0.5), (t) => T.pow(t, 3), 1e-4);
  });

  it('where with a host bool mask', () => {
    torch.manual_seed(2);
    const a = T.randn([4, 5]), b = T.randn([5]);
    const mask = T.gt(T.randn([4, 5]), 0);
    const want = T.where(mask, a, b);
    const [got, n] = reads(() => T.where(gpu(mask), gpu(a), gpu(b)));
    expect(onGpu(got)).toBe(true);
    expect(n).toBe(0);
    close(got.cpu(), want);
    close(T.where(gpu(mask), gpu(a), 0.5).cpu(), T.where(mask, a, 0.5));
  });

  it('softmax and log_softmax along the last dim, and their backwards', () => {
    torch.manual_seed(3);
    for (const shape of [[5, 7], [3, 300], [2, 3, 1030], [9]]) {
      const v = T.randn(shape).mul(4);
      for (const log of [false, true]) {
        const want = F(log ? 'log_softmax' : 'softmax', v, -1);
        const g = T.randn(shape);
        const [got, n] = reads(() => gpuSoftmax(gpu(v), log));
        expect(n).toBe(0);
        close(got!.cpu(), want, 1e-5, 1e-6);
        const wantB = F(log ? '_log_softmax_backward_data' : '_softmax_backward_data', g, want, shape.length - 1, torch.float32);
        close(gpuSoftmaxBackward(gpu(g), gpu(want), log)!.cpu(), wantB, 1e-4, 1e-6);
        // through the op (its GPU hook when present)
        close(F(log ? 'log_softmax' : 'softmax', gpu(v), -1).cpu(), want, 1e-5, 1e-6);
      }
    }
    // non-contiguous input and a dim other than the last: not the kernel's case
    expect(gpuSoftmax(gpu(T.randn([4, 6])).t(), false)).toBeNull();
  });

  it('losses: mse, binary_cross_entropy, cross_entropy (nll) forward and backward', () => {
    torch.manual_seed(4);
    const p = T.rand([16, 5]).mul(0.98).add(0.01), y = T.rand([16, 5]);
    for (const red of ['mean', 'sum', 'none']) {
      same([x(), T.randn([37, 19])], (a, b) => FK('mse_loss', [a, b], { reduction: red }), 1e-5);
      same([p, y], (a, b) => FK('binary_cross_entropy', [a, b], { reduction: red }), 1e-5);
    }
    sameGrad(x(), (t) => F('mse_loss', t, T.zeros(t.shape, { device: t.device } as never)).reshape([1]), 1e-5);
    sameGrad(p, (t) => F('binary_cross_entropy', t, gpuIf(t, y)).reshape([1]), 1e-5);
    const logits = T.randn([12, 7]), target = T.tensor([0, 6, 3, 3, 1, -100, 2, 5, 4, 0, 6, 1]);
    for (const red of ['mean', 'sum', 'none']) {
      const want = FK('cross_entropy', [logits, target], { reduction: red });
      const got = FK('cross_entropy', [gpu(logits), gpu(target)], { reduction: red });
      expect(onGpu(got)).toBe(true);
      close(got.cpu(), want, 1e-5, 1e-6);
      sameGrad(logits, (t) => FK('cross_entropy', [t, gpuIf(t, target)], { reduction: red }), 1e-5);
    }
    expect(() => F('cross_entropy', gpu(logits), gpu(T.tensor([0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])))).toThrow('Target 7 is out of bounds.');
  });

  it('in-place writes into strided views, aliasing, copies and casts', () => {
    torch.manual_seed(5);
    const base = T.randn([6, 8]);
    const cases: [string, (t: Tensor) => unknown][] = [
      ['add_ on a column view', (t) => t.narrow(1, 2, 3).add_(1.5)],
      ['mul_ on a transposed view', (t) => t.t().mul_(T.arange(6, { device: t.device } as never).float())],
      ['sub_ with alpha', (t) => t.sub_(t.flip([0]), { alpha: 0.5 } as never)],
      ['copy_ from an overlapping view of itself', (t) => t.narrow(1, 0, 5).copy_(t.narrow(1, 3, 5))],
      ['copy_ broadcast', (t) => t.narrow(0, 1, 2).copy_(t.narrow(0, 5, 1))],
      ['zero_ on a strided view', (t) => t.narrow(1, 1, 4).zero_()],
      ['fill_', (t) => t.narrow(0, 2, 3).fill_(-7.25)],
      ['addcmul_', (t) => t.addcmul_(t.t().t(), t.abs(), { value: -0.5 } as never)],
      ['addcdiv_', (t) => t.addcdiv_(t, t.abs().add(1), { value: 0.25 } as never)],
    ];
    for (const [name, f] of cases) {
      const c = base.clone(), g = gpu(base);
      f(c);
      const [, n] = reads(() => f(g));
      expect(n, `${name}: reads`).toBe(0);
      expect(onGpu(g)).toBe(true);
      try { close(g.cpu(), c); } catch (e) { throw new Error(`${name}: ${(e as Error).message}`); }
    }
    same([base], (t) => t.t().contiguous());
    same([base], (t) => T.clone(t.narrow(1, 2, 4)));
    same([base], (t) => t.to(torch.int32 as never));
    same([T.tensor([3, -4, 5], { dtype: torch.int32 } as never)], (t) => t.float());
  });

  it('zeros, ones and full are made on the device (no upload)', () => {
    setDefaultDevice('webgpu');
    const spy = vi.spyOn(GpuClient.prototype, 'write');
    try {
      const z = T.zeros([300, 7]), o = T.ones([5]), f = T.full([2, 3], -2.5), i = T.full([4], 7, { dtype: torch.int32 } as never);
      const l = T.ones_like(z);
      for (const t of [z, o, f, i, l]) expect(onGpu(t)).toBe(true);
      expect(spy.mock.calls.length).toBe(0);
      close(z.cpu(), T.zeros([300, 7], { device: 'cpu' } as never));
      close(f.cpu(), T.full([2, 3], -2.5, { device: 'cpu' } as never));
      close(i.cpu(), T.full([4], 7, { dtype: torch.int32, device: 'cpu' } as never));
      close(l.cpu(), T.ones([300, 7], { device: 'cpu' } as never));
    } finally {
      spy.mockRestore();
    }
  });

  for (const opt of ['sgd', 'adam'] as const) {
    for (const loss of ['cross_entropy', 'mse_loss', 'binary_cross_entropy'] as const) {
      it(`an MLP step (${loss}, ${opt}) stays on the GPU and matches the CPU`, () => {
        const c = mlp('cpu', loss, opt), g = mlp('webgpu', loss, opt);
        expect(g.reads, 'device buffer reads in the steps after the first').toBe(0);
        expect(Math.abs(c.loss - g.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(c.loss)));
        close(g.w1, c.w1, 1e-3, 1e-5);
      });
    }
  }

  it('counts kernel launches by family', () => {
    resetKernelStats();
    T.relu(gpu(x()));
    const s = kernelStats();
    expect(s['map:f32'] ?? 0).toBeGreaterThan(0);
  });
});

const gpuIf = (like: Tensor, t: Tensor) => (like.device.type === 'webgpu' ? gpu(t) : t);

/** A few steps of Linear → ReLU → Linear → loss, backward, SGD or Adam (as torch.optim computes them). */
function mlp(device: 'cpu' | 'webgpu', loss: 'cross_entropy' | 'mse_loss' | 'binary_cross_entropy', opt: 'sgd' | 'adam') {
  setDefaultDevice(device);
  torch.manual_seed(7);
  const w1 = T.randn([32, 20]).mul(0.2).requires_grad_(true), b1 = T.zeros([32]).requires_grad_(true);
  const w2 = T.randn([6, 32]).mul(0.2).requires_grad_(true), b2 = T.zeros([6]).requires_grad_(true);
  const params = [w1, b1, w2, b2];
  const x = T.randn([24, 20]), cls = T.randint(0, 6, [24]), y = T.rand([24, 6]);
  const m = params.map((p) => T.zeros_like(p)), v = params.map((p) => T.zeros_like(p));
  let last = 0, total = 0;
  for (let step = 1; step <= 4; step++) {
    const [, n] = reads(() => {
      const o = F('linear', T.relu(F('linear', x, w1, b1)), w2, b2);
      const l = loss === 'cross_entropy' ? F('cross_entropy', o, cls) : loss === 'mse_loss' ? F('mse_loss', o, y) : F('binary_cross_entropy', T.sigmoid(o), y);
      l.backward();
      noGrad(() => params.forEach((p, i) => {
        const g = p.grad!;
        if (opt === 'sgd') p.sub_(g.mul(0.1));
        else {
          const [b1_, b2_, lr, eps] = [0.9, 0.999, 0.01, 1e-8];
          m[i].mul_(b1_).add_(g, { alpha: 1 - b1_ } as never);
          v[i].mul_(b2_).addcmul_(g, g, { value: 1 - b2_ } as never);
          const denom = T.div(v[i].sqrt(), Math.sqrt(1 - b2_ ** step)).add_(eps);
          p.addcdiv_(m[i], denom, { value: -lr / (1 - b1_ ** step) } as never);
        }
        g.zero_();
      }));
      return l;
    });
    if (step > 1) total += n;
  }
  const o = F('linear', T.relu(F('linear', x, w1, b1)), w2, b2);
  last = (loss === 'cross_entropy' ? F('cross_entropy', o, cls) : loss === 'mse_loss' ? F('mse_loss', o, y) : F('binary_cross_entropy', T.sigmoid(o), y)).item() as number;
  return { loss: last, w1: w1.cpu(), reads: total };
}

afterAll(() => { setDefaultDevice('cpu'); });
