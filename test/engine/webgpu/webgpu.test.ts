// The webgpu device through Dawn (Mesa's software Vulkan in CI): placement and printing, the kernels
// against the CPU (elementwise with broadcasting and strided views, matmul in every layout, reductions),
// autograd across devices, host/device coherence when ops without a kernel run on the CPU, device
// errors. Skipped without an adapter unless GRADSCOPE_REQUIRE_WEBGPU=1.
import { afterEach, describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { memoryAllocated, setCudaAlias, setDefaultDevice, unavailableReason, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { onGpu } from '../../../engine/backends/webgpu/kernels';
import { stateOf } from '../../../engine/backends/webgpu/storage';
import { formatTensor } from '../../../engine/format';
import { NamedTuple } from '../../../engine/namedtuple';

const T = torch as unknown as Record<string, (...a: unknown[]) => Tensor>;
const F = (torch as unknown as { nn: { functional: Record<string, (...a: unknown[]) => Tensor> } }).nn.functional;
const available = webgpuAvailable();
const required = process.env.GRADSCOPE_REQUIRE_WEBGPU === '1';

const close = (a: Tensor, b: Tensor, rtol = 2e-6, atol = 1e-6) => {
  expect(a.shape).toEqual(b.shape);
  const x = a.toFlatArray(), y = b.toFlatArray();
  x.forEach((v, i) => { if (!(Math.abs(v - y[i]) <= atol + rtol * Math.abs(y[i]))) expect.fail(`[${i}] ${v} != ${y[i]}`); });
};
const gpu = (t: Tensor) => t.to('webgpu') as Tensor;

describe('webgpu device', () => {
  it('has an adapter (Dawn)', () => {
    if (!available && !required) return;
    expect(available, `no WebGPU adapter: ${unavailableReason()}`).toBe(true);
  });
  if (!available) return;
  afterEach(() => { setDefaultDevice('cpu'); setCudaAlias(false); });

  it('moves tensors and prints the device like PyTorch prints other devices', () => {
    const x = T.tensor([[1, 2], [3, 4]], { dtype: torch.float32 } as never);
    const g = gpu(x);
    expect(String(g.device)).toBe('webgpu:0');
    expect(onGpu(g)).toBe(true);
    expect(formatTensor(g)).toBe("tensor([[1., 2.],\n        [3., 4.]], device='webgpu:0')");
    const back = g.cpu();
    expect(String(back.device)).toBe('cpu');
    close(back, x);
    expect(gpu(g)).toBe(g);
    // int64 has no WGSL type: it stays in host memory but is still on the webgpu device
    const i = gpu(T.tensor([1, 2, 3]));
    expect(String(i.device)).toBe('webgpu:0');
    expect(onGpu(i)).toBe(false);
    expect(formatTensor(T.add(i, 1))).toBe("tensor([2, 3, 4], device='webgpu:0')");
  });

  it('creation ops honour device= and the default device', () => {
    const z = T.zeros([2, 3], { device: 'webgpu' } as never);
    expect(String(z.device)).toBe('webgpu:0');
    setDefaultDevice('webgpu');
    expect(String(T.ones([2]).device)).toBe('webgpu:0');
    expect(String(T.ones([2], { device: 'cpu' } as never).device)).toBe('cpu');
  });

  it('elementwise kernels agree with the CPU (broadcasting, strided views, scalars, alpha)', () => {
    torch.manual_seed(0);
    const a = T.randn([4, 5]), b = T.randn([5]), c = T.randn([5, 4]);
    const ga = gpu(a), gb = gpu(b), gc = gpu(c);
    close(T.add(ga, gb).cpu(), T.add(a, b));
    close(T.sub(ga, gb, { alpha: 2.5 } as never).cpu(), T.sub(a, b, { alpha: 2.5 } as never));
    close(T.mul(ga, gc.t()).cpu(), T.mul(a, c.t()));
    close(T.div(ga, 3).cpu(), T.div(a, 3));
    close(T.add(ga, T.tensor(2.5)).cpu(), T.add(a, T.tensor(2.5)));
    const sl = ga.narrow(1, 1, 3);
    close(T.exp(sl).cpu(), T.exp(a.narrow(1, 1, 3)), 1e-5);
    for (const f of ['sigmoid', 'tanh', 'sin', 'cos', 'atan', 'sinh', 'cosh', 'asinh']) close(T[f](ga).cpu(), T[f](a), 2e-5, 2e-6);
    const p = T.rand([3, 4]);
    for (const f of ['log', 'sqrt', 'rsqrt', 'log2', 'log10', 'reciprocal', 'asin', 'acos', 'atanh']) close(T[f](gpu(p)).cpu(), T[f](p), 2e-5, 2e-6);
    expect(onGpu(T.exp(ga))).toBe(true);
  });

  it('matmul agrees with the CPU in every layout, batched, and with a bias', () => {
    torch.manual_seed(1);
    const A = T.randn([67, 33]), B = T.randn([33, 70]);
    const gA = gpu(A), gB = gpu(B);
    close(T.mm(gA, gB).cpu(), T.mm(A, B), 1e-4, 1e-4);
    close(T.mm(gpu(A.t().contiguous()).t(), gB).cpu(), T.mm(A, B), 1e-4, 1e-4);
    close(T.mm(gA, gpu(B.t().contiguous()).t()).cpu(), T.mm(A, B), 1e-4, 1e-4);
    const X = T.randn([3, 5, 7]), Y = T.randn([3, 7, 2]);
    close(T.bmm(gpu(X), gpu(Y)).cpu(), T.bmm(X, Y), 1e-4, 1e-4);
    close(T.matmul(gpu(X), gpu(Y)).cpu(), T.matmul(X, Y), 1e-4, 1e-4);
    const bias = T.randn([70]);
    close(T.addmm(gpu(bias), gA, gB, { beta: 0.5, alpha: 2 } as never).cpu(), T.addmm(bias, A, B, { beta: 0.5, alpha: 2 } as never), 1e-4, 1e-4);
    const lin = F.linear(gA, gpu(B.t()), gpu(bias));
    expect(onGpu(lin)).toBe(true);
    close(lin.cpu(), F.linear(A, B.t(), bias), 1e-4, 1e-4);
  });

  it('sum and mean agree with the CPU over any dims', () => {
    torch.manual_seed(2);
    const x = T.randn([6, 7, 300]);
    const g = gpu(x);
    close(T.sum(g).cpu(), T.sum(x), 1e-5, 1e-3);
    close(T.sum(g, [2]).cpu(), T.sum(x, [2]), 1e-5, 1e-4);
    close(T.sum(g, [0, 2], { keepdim: true } as never).cpu(), T.sum(x, [0, 2], { keepdim: true } as never), 1e-5, 1e-4);
    close(T.mean(g, [1]).cpu(), T.mean(x, [1]), 1e-5, 1e-6);
    close(T.mean(g.transpose(0, 2), [0]).cpu(), T.mean(x.transpose(0, 2), [0]), 1e-5, 1e-6);
    expect(onGpu(T.sum(g, [1]))).toBe(true);
  });

  it('autograd runs across devices: gradients reach a CPU leaf through .to()', () => {
    torch.manual_seed(3);
    const w = T.randn([4, 3]).requires_grad_(true);
    const x = T.randn([8, 4]);
    const loss = T.sigmoid(T.matmul(gpu(x), w.to('webgpu'))).sum();
    expect(String(loss.device)).toBe('webgpu:0');
    loss.backward();
    const w2 = w.detach().requires_grad_(true);
    T.sigmoid(T.matmul(x, w2)).sum().backward();
    expect(String(w.grad!.device)).toBe('cpu');
    close(w.grad!, w2.grad!, 1e-5, 1e-6);
  });

  it('a training loop on the device matches the CPU', () => {
    const run = (device: 'cpu' | 'webgpu') => {
      setDefaultDevice(device);
      torch.manual_seed(4);
      const w1 = T.randn([5, 16]).mul(0.3).requires_grad_(true), w2 = T.randn([16, 1]).mul(0.3).requires_grad_(true);
      const x = T.randn([32, 5]), y = T.rand([32, 1]);
      let last = 0;
      for (let i = 0; i < 20; i++) {
        const p = T.sigmoid(T.matmul(T.relu(T.matmul(x, w1)), w2));
        const loss = F.binary_cross_entropy(p, y);
        loss.backward();
        torchNoGradStep([w1, w2], 0.5);
        last = loss.item() as number;
      }
      return { last, w: w1.cpu() };
    };
    const c = run('cpu'), g = run('webgpu');
    expect(Math.abs(c.last - g.last)).toBeLessThan(1e-4);
    close(g.w, c.w, 1e-4, 1e-5);
  });

  it('keeps host and device copies coherent when ops run on the CPU', () => {
    const g = gpu(T.tensor([[3, 1, 2], [9, 7, 8]], { dtype: torch.float32 } as never));
    const e = T.exp(g); // on the GPU: the host copy is stale
    expect(stateOf(e.storage).hostValid).toBe(false);
    const vals = (T.sort(e, 1) as unknown as NamedTuple).values[0];
    expect(String(vals.device)).toBe('webgpu:0');
    const ref = (T.sort(T.exp(T.tensor([[3, 1, 2], [9, 7, 8]], { dtype: torch.float32 } as never)), 1) as unknown as NamedTuple).values[0];
    close(vals.cpu(), ref, 1e-5);
    // reading did not throw the device copy away
    expect(stateOf(e.storage).gpuValid).toBe(true);
    // an in-place op on the CPU side, then a kernel reads the tensor again: it sees the new values
    e.mul_(0);
    e.add_(1);
    close(T.add(e, e).cpu(), T.full([2, 3], 2));
  });

  it('refuses tensors on two devices like PyTorch (a 0-dim CPU tensor is a scalar)', () => {
    const g = gpu(T.ones([2]));
    expect(() => T.add(g, T.ones([2]))).toThrow('Expected all tensors to be on the same device, but found at least two devices, webgpu:0 and cpu!');
    expect(() => T.mm(T.ones([2, 2]), gpu(T.ones([2, 2])))).toThrow('Expected all tensors to be on the same device, but found at least two devices, cpu and webgpu:0!');
    expect(String(T.mul(g, T.tensor(3.0)).device)).toBe('webgpu:0');
  });

  it('cuda means webgpu only with the alias setting', () => {
    expect(() => T.ones([1], { device: 'cuda' } as never)).toThrow('Torch not compiled with CUDA enabled');
    setCudaAlias(true);
    expect(String(T.ones([1], { device: 'cuda' } as never).device)).toBe('webgpu:0');
    expect(String(T.ones([1]).cuda().device)).toBe('webgpu:0');
  });

  it('counts device memory of live buffers', () => {
    const before = memoryAllocated();
    const g = gpu(T.ones([1024]));
    T.exp(g); // uploads g, allocates the result
    expect(memoryAllocated()).toBeGreaterThanOrEqual(before + 2 * 4096);
  });
});

/** w -= lr * w.grad; w.grad = 0, without recording (what optim.SGD does) */
function torchNoGradStep(ws: Tensor[], lr: number): void {
  const ng = (torch as unknown as { no_grad: <R>(f: () => R) => R }).no_grad;
  ng(() => { for (const w of ws) { w.sub_(w.grad!.mul(lr)); w.grad!.zero_(); } });
}

describe('webgpu device memory', () => {
  if (!available) return;
  it('a long synchronous loop does not grow device memory (dead tensors are freed mid-run)', async () => {
    const { client } = await import('../../../engine/backends/webgpu/storage');
    const c = client();
    const prev = c.collectEvery;
    c.collectEvery = 16 << 20;
    try {
      const x = gpu(T.ones([1 << 20])); // 4 MiB
      let y = x;
      const start = memoryAllocated();
      let peak = 0;
      for (let i = 0; i < 100; i++) {
        y = T.mul(T.add(y, 1), 0.5); // two new 4 MiB buffers per step, the old ones dead
        peak = Math.max(peak, memoryAllocated() - start);
      }
      expect(peak).toBeLessThan(64 << 20); // without collection: 800 MiB
      expect(y.cpu().toFlatArray()[0]).toBeCloseTo(1, 5);
    } finally {
      c.collectEvery = prev;
    }
  });
});

describe('webgpu buffer reuse', () => {
  if (!available) return;
  it('a buffer reused after a dead tensor reads as zeros (torch.zeros makes no dispatch)', async () => {
    const { client } = await import('../../../engine/backends/webgpu/storage');
    for (let round = 0; round < 3; round++) {
      let junk: Tensor | null = T.mul(gpu(T.ones([4096])), 7); // a 16 KiB buffer full of 7s
      expect(junk.cpu().toFlatArray()[0]).toBe(7);
      junk = null;
      client().collect(); // frees it: the GPU side pools it for the next buffer of that size
      const z = T.zeros([4096], { device: 'webgpu' } as never);
      expect(z.cpu().toFlatArray().every((v) => v === 0)).toBe(true);
    }
  });
});
