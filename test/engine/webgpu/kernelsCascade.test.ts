// The webgpu float32 cascade sum (engine/backends/webgpu/kernelsCascade.ts) against the CPU engine's
// cascadeSum (PyTorch 1.13's CPU cascade_sum), bit for bit (Object.is on every element): full sums of
// sizes around the cascade's level boundaries (1..40, 2^8, 2^12, 2^16, 2^20 ± 1, 3·2^20 + 5, 2^24), values
// of mixed magnitudes and 0.1 repeated; inner, outer and middle-dim reductions of 2-D / 3-D tensors (every
// layout case of cascadeSum: contiguous inner rows, contiguous outer columns, strided rows, several
// pieces added into one output), keepdim, transposed and sliced views, mean and nansum; -0 and NaN.
// Inputs exist only on the device; no device buffer is read back. Skipped without an adapter.
import { afterAll, describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { setDefaultDevice, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { kernelStats, resetKernelStats } from '../../../engine/backends/webgpu/kernels';
import { F, T, dev, madeOnGpu, reads } from './gpuCheck';

const available = webgpuAvailable();

/** f of `x` on the CPU and of its device copy: the same shape and the same float32 bits everywhere, no read back. */
function exact(name: string, x: Tensor, f: (t: Tensor) => Tensor): void {
  const want = f(x);
  const g = dev(x);
  const [got, n] = reads(() => f(g));
  expect(n, `${name}: reads of device buffers`).toBe(0);
  madeOnGpu(got, name);
  expect(got.shape, name).toEqual(want.shape);
  expect(String(got.dtype), name).toBe(String(want.dtype));
  const a = got.cpu().toFlatArray(), b = want.toFlatArray();
  for (let i = 0; i < b.length; i++) {
    if (!Object.is(a[i], b[i])) expect.fail(`${name}: [${i}] webgpu ${a[i]} != cpu ${b[i]}`);
  }
}

/** float32 values of mixed magnitudes (normal times e^(3·normal)), some negative, seeded. */
function mixed(shape: number[], seed: number): Tensor {
  torch.manual_seed(seed);
  return T.randn(shape).mul(T.randn(shape).mul(3).exp());
}

/** a float32 tensor of these values (integer-valued lists would be int64) */
const f32 = (v: unknown) => T.tensor(v, { dtype: torch.float32 } as never);

const sizes = [
  ...Array.from({ length: 40 }, (_, i) => i + 1),
  255, 256, 257, 4095, 4096, 4097, 65535, 65536, 65537, 2 ** 20 - 1, 2 ** 20, 2 ** 20 + 1, 3 * 2 ** 20 + 5,
];

describe('webgpu float32 sum is the CPU cascade sum bit for bit', () => {
  if (!available) { it.skip('no WebGPU adapter', () => {}); return; }

  it('0.1 repeated (the conformance program)', () => {
    for (const n of [10, 1000, 4097, 100000]) {
      exact(`full(${n}, 0.1).sum()`, T.full([n], 0.1), (t) => F('sum', t));
    }
    const g = dev(T.full([1000], 0.1));
    expect(F('sum', g).item()).toBe(100.00000762939453);
    exact('[0.1, 0.2, 0.3].mean()', f32([0.1, 0.2, 0.3]), (t) => F('mean', t));
    exact('[1e8, 1, -1e8].sum()', f32([1e8, 1.0, -1e8]), (t) => F('sum', t));
  });

  it('full sums around the level boundaries (mixed magnitudes, rand, 0.1)', () => {
    for (const n of sizes) {
      exact(`mixed ${n}`, mixed([n], n), (t) => F('sum', t));
      if (n % 2 === 1 || n > 1000) {
        torch.manual_seed(n + 1);
        exact(`rand ${n}`, T.rand([n]), (t) => F('sum', t));
        exact(`0.1 × ${n}`, T.full([n], 0.1), (t) => F('sum', t));
      }
    }
  });

  it('a 2^24-element sum and mean', () => {
    torch.manual_seed(24);
    const x = T.randn([2 ** 24]);
    exact('randn 2^24 sum', x, (t) => F('sum', t));
    exact('randn 2^24 mean', x, (t) => F('mean', t));
    exact('0.1 × 2^24 sum', T.full([2 ** 24], 0.1), (t) => F('sum', t));
  });

  it('inner, outer and middle-dim reductions, keepdim', () => {
    const a = mixed([37, 1000], 1);
    for (const d of [0, 1, -1]) {
      exact(`[37, 1000] dim ${d}`, a, (t) => F('sum', t, d));
      exact(`[37, 1000] dim ${d} keepdim`, a, (t) => F('sum', t, d, true));
      exact(`[37, 1000] mean dim ${d}`, a, (t) => F('mean', t, d));
    }
    exact('[37, 1000] all', a, (t) => F('sum', t));
    const b = mixed([5, 33, 70], 2);
    for (const dims of [[0, 2], [1], [0], [2], [0, 1], [1, 2], [-1, 0]]) {
      exact(`[5, 33, 70] dims ${dims}`, b, (t) => F('sum', t, dims));
      exact(`[5, 33, 70] dims ${dims} keepdim`, b, (t) => F('sum', t, dims, true));
      exact(`[5, 33, 70] mean dims ${dims}`, b, (t) => F('mean', t, dims));
    }
    // outer columns: groups of 32, 8 and single ones; tall columns with several cascade blocks
    for (const shape of [[3, 7], [9, 8], [40, 45], [70, 77], [5000, 41], [9000, 3], [20000, 2]]) {
      const x = mixed(shape, shape[0] + shape[1]);
      exact(`${shape} dim 0`, x, (t) => F('sum', t, 0));
      exact(`${shape} dim 1`, x, (t) => F('sum', t, 1));
    }
    // long inner rows (blocks of step³ rows per column), few and many of them
    exact('[3, 140001] dim 1', mixed([3, 140001], 5), (t) => F('sum', t, 1));
    exact('[2, 3, 300000] dim 2', mixed([2, 3, 300000], 6), (t) => F('sum', t, 2));
    exact('[2000, 9] dim 1', mixed([2000, 9], 7), (t) => F('sum', t, 1));
  });

  it('mean: the sums divided by the count, correctly rounded (many quotients, subnormal results)', () => {
    for (const n of [3, 7, 10, 13, 100, 999, 4097]) {
      exact(`mean [${Math.ceil(40000 / n)}, ${n}] dim 1`, mixed([Math.ceil(40000 / n), n], n), (t) => F('mean', t, 1));
    }
    torch.manual_seed(12);
    // normal values whose means are subnormal: x and -x·(1 - u) alternate along the row
    const t0 = T.rand([300, 7]).add(1).mul(2e-38);
    const sg = T.tensor([1, -1, 1, -1, 1, -1, 1], { dtype: torch.float32 } as never);
    const tiny = F('mul', t0, sg);
    exact('mean of tiny values (subnormal quotients)', tiny, (t) => F('mean', t, 1));
    const q = F('mean', tiny, 1).toFlatArray();
    expect(q.filter((v) => v !== 0 && Math.abs(v) < 2 ** -126).length, 'subnormal means').toBeGreaterThan(100);
    exact('mean of huge values', T.rand([300, 7]).add(1).mul(1e38), (t) => F('mean', t, 1));
  });

  it('non-contiguous views: transposed, sliced, strided, several pieces', () => {
    const a = mixed([37, 1000], 3);
    exact('transposed all', a, (t) => F('sum', F('transpose', t, 0, 1)));
    exact('transposed dim 0', a, (t) => F('sum', F('transpose', t, 0, 1), 0));
    exact('transposed dim 1', a, (t) => F('sum', F('transpose', t, 0, 1), 1));
    exact('sliced rows', a, (t) => F('sum', F('slice', t, 1, 3, 998, 3), 1));
    exact('sliced columns', a, (t) => F('sum', F('slice', t, 0, 1, 36, 2), 0));
    exact('sliced all', a, (t) => F('sum', F('slice', F('slice', t, 0, 1, 36, 2), 1, 5, 900, 7)));
    exact('sliced all mean', a, (t) => F('mean', F('slice', t, 1, 0, 1000, 2)));
    const b = mixed([6, 20, 30], 4);
    exact('permuted (2, 0, 1) dims (0, 2)', b, (t) => F('sum', F('permute', t, [2, 0, 1]), [0, 2]));
    exact('permuted (1, 2, 0) dim 1', b, (t) => F('sum', F('permute', t, [1, 2, 0]), 1));
    exact('strided middle dims (0, 2)', b, (t) => F('sum', F('slice', t, 1, 0, 20, 3), [0, 2]));
    exact('strided full', b, (t) => F('sum', F('slice', F('slice', t, 2, 1, 30, 2), 0, 0, 6, 2)));
    const big = mixed([9, 4, 2000], 8);
    exact('pieces: [9, 4, 2000][:, :, ::2] dims (0, 2)', big, (t) => F('sum', F('slice', t, 2, 0, 2000, 2), [0, 2]));
    exact('pieces: [9, 4, 2000] transposed (0, 2) all', big, (t) => F('sum', F('transpose', t, 0, 2)));
    exact('pieces: dims (0, 1) of [9, 4, 2000][:, ::2, 1:]', big, (t) => F('sum', F('slice', F('slice', t, 1, 0, 4, 2), 2, 1, 2000, 1), [0, 1]));
  });

  it('-0, NaN, inf, empty, 0-dim, dims of size 1, nansum', () => {
    exact('-0 sum', f32([-0, -0, -0]), (t) => F('sum', t));
    exact('-0 dim', f32([[-0, 1], [-0, 2]]), (t) => F('sum', t, 0));
    exact('NaN', f32([1, NaN, 2, 3, 4, 5, 6, 7, 8, 9]), (t) => F('sum', t));
    exact('inf', f32([1, Infinity, -Infinity, 3]), (t) => F('sum', t));
    exact('0-dim', f32(2.5), (t) => F('sum', t));
    exact('empty dim', T.zeros([3, 0]), (t) => F('sum', t, 1));
    exact('empty mean', T.zeros([3, 0]), (t) => F('mean', t, 1));
    exact('size-1 dim (no reduction)', f32([[-0, 1.5, 3]]), (t) => F('sum', t, 0));
    const x = mixed([30, 500], 9);
    const d = x.storage.data;
    for (let k = 0; k < d.length; k += 37) d[k] = NaN;
    exact('nansum dim 1', x, (t) => F('nansum', t, 1));
    exact('nansum dim 0', x, (t) => F('nansum', t, 0));
    exact('nansum all', x, (t) => F('nansum', t));
    exact('sum with NaN dim 1', x, (t) => F('sum', t, 1));
  });

  it('runs as one reduce:sum launch per sum (helpers as reduce:cascade)', () => {
    const x = dev(mixed([37, 1000], 10));
    resetKernelStats();
    const [, n] = reads(() => [F('sum', x), F('sum', x, 0), F('mean', x, 1)]);
    expect(n).toBe(0);
    expect(kernelStats()['reduce:sum']).toBe(3);
  });
});

afterAll(() => { setDefaultDevice('cpu'); });
