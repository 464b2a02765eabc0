// Automatic offload ('auto' device setting) of large CPU float32 matrix products to the GPU
// (engine/backends/webgpu/offload.ts): the results must be the CPU's bit for bit (Object.is per element),
// products that do not qualify stay on the CPU, a failed exactness probe keeps everything on the CPU and
// prints nothing, and autograd gives the same gradients. Runs on the software adapter (lavapipe) here, which the
// feature itself refuses unless GRADSCOPE_OFFLOAD_SOFTWARE=1. Skipped without an adapter unless
// GRADSCOPE_REQUIRE_WEBGPU=1.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { dispatch } from '../../../engine/ops/registry';
import { unavailableReason, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { offloadStats, probeProducts, resetOffloadForTests, setAutoOffload } from '../../../engine/backends/webgpu/offload';
import { getWarningHandler, resetWarnOnce, setWarningHandler } from '../../../engine/warnings';

process.env.GRADSCOPE_OFFLOAD_SOFTWARE = '1';
process.env.GRADSCOPE_OFFLOAD_MIN_MACS = '2000';

const T = torch as unknown as Record<string, (...a: unknown[]) => Tensor>;
const F = (name: string, ...args: unknown[]) => dispatch(name, args, null) as Tensor;
const FK = (name: string, args: unknown[], kw: Record<string, unknown>) => dispatch(name, args, kw) as Tensor;
const available = webgpuAvailable();
const required = process.env.GRADSCOPE_REQUIRE_WEBGPU === '1';

/** float32 values of mixed magnitude (products that round, sums that cancel). */
function vals(shape: number[], seed: number): Tensor {
  torch.manual_seed(seed);
  const x = T.randn(shape);
  const e = T.randint(-6, 7, shape).to(torch.float32 as never);
  return T.mul(x, T.pow(2, e));
}

/** Same shape, dtype and float32 bits (Object.is per element). */
function sameBits(got: Tensor, want: Tensor, what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  expect(got.dtype, what).toBe(want.dtype);
  expect(String(got.device), what).toBe('cpu');
  const x = got.toFlatArray(), y = want.toFlatArray();
  for (let i = 0; i < y.length; i++) if (!Object.is(x[i], y[i])) expect.fail(`${what}: [${i}] ${x[i]} != ${y[i]}`);
}

/** f with offload on (how many products went to the GPU) and off. */
function onOff(f: () => Tensor): { on: Tensor; off: Tensor; offloaded: number } {
  setAutoOffload(true);
  const before = offloadStats().products;
  const on = f();
  const offloaded = offloadStats().products - before;
  setAutoOffload(false);
  const off = f();
  return { on, off, offloaded };
}

/** A product computed with the given float32 arithmetic per output (k order unless `order` permutes it). */
function emulate(a: Tensor, b: Tensor, step: (acc: number, x: number, y: number) => number, opts: { order?: (k: number) => number[]; init?: (x: number, y: number) => number; load?: (v: number) => number } = {}): Float32Array {
  const bt = a.ndim === 3;
  const [bs, m, k] = bt ? a.shape : [1, ...a.shape];
  const n = b.shape[bt ? 2 : 1];
  const [sa0, sa1, sa2] = bt ? a.strides : [0, ...a.strides];
  const [sb0, sb1, sb2] = bt ? b.strides : [0, ...b.strides];
  const ad = a.storage.data, bd = b.storage.data;
  const load = opts.load ?? ((v: number) => v);
  const order = (opts.order ?? ((kk: number) => Array.from({ length: kk }, (_, i) => i)))(k);
  const out = new Float32Array(bs * m * n);
  for (let z = 0; z < bs; z++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    const x = (l: number) => load(ad[a.offset + z * sa0 + i * sa1 + l * sa2]);
    const y = (l: number) => load(bd[b.offset + z * sb0 + l * sb1 + j * sb2]);
    let acc = opts.init ? opts.init(x(order[0]), y(order[0])) : step(0, x(order[0]), y(order[0]));
    for (let t = 1; t < k; t++) acc = step(acc, x(order[t]), y(order[t]));
    out[(z * m + i) * n + j] = acc;
  }
  return out;
}

describe('the exactness probe', () => {
  const fr = Math.fround;
  const ftz = (v: number) => (v !== 0 && Math.abs(v) < 2 ** -126 ? (v < 0 ? -0 : 0) : v);
  const differs = (f: (a: Tensor, b: Tensor) => Float32Array) =>
    probeProducts().some(({ a, b, want }) => { const got = f(a, b); return want.some((w, i) => !Object.is(w, got[i])); });
  it('its CPU results are a k-order sum of rounded products from +0', () => {
    expect(differs((a, b) => emulate(a, b, (acc, x, y) => fr(acc + fr(x * y))))).toBe(false);
  });
  it('sees an FMA, a reordered sum, flushed subnormals and a lost +0', () => {
    const variants: [string, (a: Tensor, b: Tensor) => Float32Array][] = [
      ['fused multiply-add', (a, b) => emulate(a, b, (acc, x, y) => fr(acc + x * y))],
      ['reversed k order', (a, b) => emulate(a, b, (acc, x, y) => fr(acc + fr(x * y)), { order: (k) => Array.from({ length: k }, (_, i) => k - 1 - i) })],
      ['k order interleaved by 4 (vectorized sums)', (a, b) => emulate(a, b, (acc, x, y) => fr(acc + fr(x * y)), { order: (k) => [0, 1, 2, 3].flatMap((r) => Array.from({ length: k }, (_, i) => i).filter((i) => i % 4 === r)) })],
      ['subnormal inputs read as 0', (a, b) => emulate(a, b, (acc, x, y) => fr(acc + fr(x * y)), { load: ftz })],
      ['subnormal results flushed', (a, b) => emulate(a, b, (acc, x, y) => ftz(fr(acc + ftz(fr(x * y)))))],
      ['the first product taken as the sum (no +0 start)', (a, b) => emulate(a, b, (acc, x, y) => fr(acc + fr(x * y)), { init: (x, y) => fr(x * y) })],
    ];
    for (const [what, f] of variants) expect(differs(f), what).toBe(true);
  });
});

describe('automatic offload of large CPU matrix products', () => {
  it('has an adapter', () => {
    if (!available && !required) return;
    expect(available, `no WebGPU adapter: ${unavailableReason()}`).toBe(true);
  });
  if (!available) return;

  const prevHandler = getWarningHandler();
  const notes: string[] = [];
  beforeAll(() => { setWarningHandler((_c, m) => { notes.push(m); }); });
  afterAll(() => { setWarningHandler(prevHandler); setAutoOffload(false); resetOffloadForTests({ minMacs: 2 ** 26, allowSoftware: false }); });
  beforeEach(() => { setAutoOffload(true); resetOffloadForTests(); notes.length = 0; });
  afterEach(() => { setAutoOffload(false); });

  it('mm / matmul / bmm in every operand layout: the CPU result bit for bit, computed on the GPU', () => {
    const cases: [string, () => Tensor, number][] = [];
    for (const [m, k, n] of [[67, 33, 70], [64, 16, 64], [130, 17, 9], [5, 129, 200], [200, 1, 300], [96, 250, 80]]) {
      const a = vals([m, k], m + k), b = vals([k, n], k + n + 1);
      const at = vals([k, m], m * 3 + k).t(), bt = vals([n, k], n * 5 + k).t();
      cases.push([`mm ${m}×${k}×${n} A·B`, () => T.mm(a, b), 1]);
      cases.push([`mm ${m}×${k}×${n} Aᵀ·B`, () => T.mm(at, b), 1]);
      cases.push([`mm ${m}×${k}×${n} A·Bᵀ`, () => T.mm(a, bt), 1]);
      cases.push([`mm ${m}×${k}×${n} Aᵀ·Bᵀ`, () => T.mm(at, bt), 1]);
      cases.push([`matmul ${m}×${k}×${n}`, () => T.matmul(a, bt), 1]);
    }
    const b1 = vals([3, 40, 33], 7), b2 = vals([3, 33, 65], 8);
    cases.push(['bmm', () => T.bmm(b1, b2), 1]);
    cases.push(['bmm Aᵀ', () => T.bmm(vals([3, 33, 40], 9).transpose(1, 2), b2), 1]);
    cases.push(['bmm Bᵀ', () => T.bmm(b1, vals([3, 65, 33], 10).transpose(1, 2)), 1]);
    cases.push(['bmm of small items (ATen\'s naive loop on the CPU)', () => T.bmm(vals([400, 5, 7], 11), vals([400, 7, 6], 12)), 1]);
    cases.push(['matmul 3-D @ 3-D (bmm)', () => T.matmul(vals([4, 30, 17], 13), vals([4, 17, 50], 14)), 1]);
    cases.push(['matmul 4-D @ 2-D (folded mm)', () => T.matmul(vals([2, 3, 20, 17], 15), vals([17, 30], 16)), 1]);
    cases.push(['matmul broadcast batch', () => T.matmul(vals([2, 1, 20, 19], 17), vals([3, 19, 33], 18)), 1]);
    cases.push(['addmm with beta 0', () => FK('addmm', [T.full([67, 70], Number.NaN), vals([67, 33], 19), vals([33, 70], 20)], { beta: 0 }), 1]);
    cases.push(['baddbmm with beta 0', () => FK('baddbmm', [T.full([3, 40, 65], Number.NaN), b1, b2], { beta: 0 }), 1]);
    cases.push(['einsum', () => F('einsum', 'bij,bjk->bik', [b1, b2]), 1]);
    for (const [what, f, count] of cases) {
      const { on, off, offloaded } = onOff(f);
      expect(offloaded, `${what}: products offloaded`).toBe(count);
      sameBits(on, off, what);
    }
    const s = offloadStats();
    expect(s.probe).toBe('passed');
    expect(s.declined).toBe(0);
    expect(notes).toEqual([]);
  });

  it('cancellations, signed zeros, subnormal and huge values: still the CPU bits', () => {
    const k = 21, m = 70, n = 66;
    const a = vals([m, k], 30), b = vals([k, n], 31);
    const ad = a.storage.data as Float32Array, bd = b.storage.data as Float32Array;
    const row = (i: number, v: number[]) => v.forEach((x, l) => { ad[i * k + l] = x; });
    const col = (j: number, v: number[]) => v.forEach((x, l) => { bd[l * n + j] = x; });
    row(0, [1e8, 1, -1e8, 3, -3]); col(0, [1, 1, 1, 1, 1]);
    row(1, [2 ** -70, 2 ** -130, 2 ** -140, 1.25 * 2 ** -100, -(2 ** -100)]); col(1, [2 ** -70, 2 ** -3, 2 ** 30, 2 ** -25, 2 ** -25]);
    row(2, [3e38, 3e38, -3e38]); col(2, [1, 1, 1]); // overflows to inf on the way: declined, computed on the CPU
    for (let l = 0; l < k; l++) bd[l * n + 3] = -0;
    setAutoOffload(true);
    const { on, off, offloaded } = onOff(() => T.mm(a, b));
    sameBits(on, off, 'mm with an overflowing row');
    expect(offloaded).toBe(0);
    expect(offloadStats().declined).toBe(1);
    row(2, [3e25, 3e25, -3e25]);
    const r = onOff(() => T.mm(a, b));
    expect(r.offloaded, JSON.stringify(offloadStats())).toBe(1);
    sameBits(r.on, r.off, 'mm with cancellations and subnormals');
  });

  it('leaves the CPU: below the threshold, alpha != 1, beta != 0, float64, non-finite inputs, offload off', () => {
    const a = vals([67, 33], 1), b = vals([33, 70], 2), c = vals([67, 70], 3);
    const cases: [string, () => Tensor][] = [
      ['below the threshold', () => T.mm(vals([10, 10], 4), vals([10, 10], 5))],
      ['alpha 2', () => FK('addmm', [c, a, b], { beta: 0, alpha: 2 })],
      ['beta 1 (a bias)', () => T.addmm(c, a, b)],
      ['beta 0.5', () => FK('addmm', [c, a, b], { beta: 0.5 })],
      ['baddbmm', () => T.baddbmm(vals([2, 40, 65], 6), vals([2, 40, 33], 7), vals([2, 33, 65], 8))],
      ['addbmm', () => T.addbmm(c, vals([2, 67, 33], 9), vals([2, 33, 70], 10))],
      ['float64', () => T.mm(a.to(torch.float64 as never), b.to(torch.float64 as never))],
      ['NaN in an operand', () => T.mm(T.where(T.gt(a, 3), Number.NaN, a), b)],
      ['inf in an operand', () => T.mm(a, T.where(T.gt(b, 3), Number.POSITIVE_INFINITY, b))],
    ];
    for (const [what, f] of cases) {
      const { on, off, offloaded } = onOff(f);
      expect(offloaded, what).toBe(0);
      sameBits(on, off, what);
    }
    setAutoOffload(false);
    const before = offloadStats().products;
    T.mm(a, b);
    expect(offloadStats().products, 'offload off').toBe(before);
  });

  it('a failed exactness probe keeps every product on the CPU, printing nothing', () => {
    resetWarnOnce();
    resetOffloadForTests({ forceProbeMismatch: true });
    const a = vals([67, 33], 1), b = vals([33, 70], 2);
    for (let i = 0; i < 3; i++) {
      const { on, off, offloaded } = onOff(() => T.mm(a, b));
      expect(offloaded).toBe(0);
      sameBits(on, off, 'mm after a failed probe');
    }
    const s = offloadStats();
    expect(s.probe).toBe('failed');
    expect(s.reason).toMatch(/on the GPU and .* on the CPU/);
    expect(notes).toEqual([]);
  });

  it('autograd through offloaded products: the same gradients', () => {
    const grads = (on: boolean) => {
      setAutoOffload(on);
      const a = vals([67, 33], 1).requires_grad_(true), b = vals([33, 70], 2).requires_grad_(true);
      const w = vals([67, 70], 3);
      const x = vals([3, 20, 67], 4).requires_grad_(true);
      T.mul(T.matmul(x, T.mm(a, b)), T.matmul(vals([3, 20, 67], 5), w)).sum().backward();
      return [a.grad!, b.grad!, x.grad!];
    };
    const before = offloadStats().products;
    const on = grads(true);
    // forward: mm, the folded x @ (a@b), the other fold; backward: both operands of each product
    expect(offloadStats().products - before).toBeGreaterThanOrEqual(5);
    const off = grads(false);
    on.forEach((g, i) => sameBits(g, off[i], `gradient ${i}`));
  });
});
