// The round-3 restructurings of the webgpu kernels against the CPU engine: conv2d's grad_weight as
// per-sample partial dot products added in order (still the CPU's result bit for bit, padding included,
// and NaN from a non-finite gradient at a padded position), and cumsum / cumprod of few long lines in
// chunks (three launches: chunk totals, their prefixes, the chunks again; within float32 tolerance, int32
// exact), forward and from the end (cumsum's backward). Inputs exist only on the device; no device buffer
// is read back. Skipped without an adapter.
import { afterAll, describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { setDefaultDevice, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { kernelStats, resetKernelStats } from '../../../engine/backends/webgpu/kernels';
import { F, FK, T, dev, reads, same, sameGrads } from './gpuCheck';

const available = webgpuAvailable();

describe('webgpu conv grad_weight partials and chunked scans', () => {
  if (!available) { it.skip('no WebGPU adapter', () => {}); return; }

  it("conv2d grad_weight: per-sample partials in order, the CPU's bit for bit", () => {
    torch.manual_seed(1);
    const cases: [number[], number[], Record<string, unknown>][] = [
      [[3, 4, 9, 8], [5, 4, 3, 3], { padding: 1 }],
      [[2, 4, 7, 9], [6, 2, 3, 2], { stride: [2, 3], padding: [2, 1], dilation: [1, 2], groups: 2 }],
      [[1, 2, 5, 5], [3, 2, 2, 3], { padding: 'same' }],
      [[4, 3, 6], [2, 3, 4], { padding: 3, stride: 2 }],
    ];
    for (const [xs, ws, kw] of cases) {
      const op = xs.length === 3 ? 'conv1d' : 'conv2d';
      sameGrads(`${op} ${JSON.stringify(kw)}`, [T.randn(xs), T.randn(ws)], (x, w) => FK(op, [x, w], kw));
    }
    // a non-finite gradient at a padded position: 0 · inf is NaN on the CPU too
    const x = T.randn([1, 1, 3, 3]), w = T.randn([1, 1, 3, 3]);
    const run = (xx: Tensor, ww: Tensor) => {
      const y = FK('conv2d', [xx, ww], { padding: 1 });
      const g = T.ones(y.shape, { device: y.device } as never);
      g.storage.data[0] = Infinity;
      T.mul(y, g).sum().backward();
      return ww.grad!;
    };
    const want = run(x, w.clone().requires_grad_(true)).toFlatArray();
    const got = run(dev(x), dev(w).detach().requires_grad_(true)).cpu().toFlatArray();
    expect(got.map(Number.isNaN)).toEqual(want.map(Number.isNaN));
    expect(got.filter((v) => !Number.isNaN(v))).toEqual(want.filter((v) => !Number.isNaN(v)));
  });

  it('cumsum / cumprod of few long lines in chunks, forward and backward', () => {
    torch.manual_seed(2);
    const x = T.randn([2, 5000]);
    same('cumsum', [x], (t) => F('cumsum', t, 1), 1e-4, 1e-4);
    same('cumsum dim 0', [x], (t) => F('cumsum', t.t(), 0), 1e-4, 1e-4);
    same('cumprod', [T.rand([1, 4100]).mul(0.02).add(0.99)], (t) => F('cumprod', t, 1), 1e-4, 1e-6);
    same('cumsum int32 (exact)', [T.randint(-9, 10, [4500]).int()], (t) => FK('cumsum', [t, 0], { dtype: torch.int32 }));
    sameGrads('cumsum backward (from the end)', [T.randn([4200])], (t) => F('cumsum', t, 0), 1e-4, 1e-4);
    const g = dev(T.randn([6000]));
    resetKernelStats();
    const [, n] = reads(() => F('cumsum', g, 0));
    expect(n).toBe(0);
    expect(kernelStats()['scan:chunked']).toBe(3);
  });
});

afterAll(() => { setDefaultDevice('cpu'); });
