// The webgpu convolution and pooling kernels (engine/backends/webgpu/kernelsConv.ts, kernelsPool.ts)
// against the CPU engine on the same values: conv1d/conv2d with stride, padding (incl. 'same'),
// dilation, groups and bias, and their gradients wrt input, weight and bias; max_pool2d (with indices,
// dilation, ceil_mode, NaN), avg_pool2d (padding, count_include_pad, divisor_override, ceil_mode),
// adaptive_avg_pool2d / adaptive_max_pool2d and the 1-D forms, with their backwards; padding (constant,
// reflect, replicate, circular) and its backward. Inputs exist only on
// the device; no device buffer is read back during an op or its backward. Skipped without an adapter.
import { afterAll, describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { setDefaultDevice, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { kernelStats, resetKernelStats } from '../../../engine/backends/webgpu/kernels';
import { F, FK, T, close, dev, madeOnGpu, reads, same, sameGrads } from './gpuCheck';

const available = webgpuAvailable();
/** float32 sums in the CPU's order: equal bit for bit without contracted multiply-adds; a few ulps with */
const RT = 1e-5, AT = 1e-6;

describe('webgpu convolution kernels', () => {
  if (!available) { it.skip('no WebGPU adapter', () => {}); return; }

  it('conv2d forward: stride, padding, dilation, groups, bias, same padding, unbatched, strided input', () => {
    torch.manual_seed(1);
    const x = T.randn([2, 4, 7, 6]), w = T.randn([6, 2, 3, 2]), b = T.randn([6]);
    same('plain', [x, T.randn([3, 4, 2, 2])], (u, v) => F('conv2d', u, v), RT, AT);
    same('bias', [x, T.randn([3, 4, 3, 3]), T.randn([3])], (u, v, c) => F('conv2d', u, v, c), RT, AT);
    same('groups, stride, padding, dilation', [x, w, b], (u, v, c) => FK('conv2d', [u, v, c], { stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2 }), RT, AT);
    same('depthwise', [x, T.randn([4, 1, 3, 3])], (u, v) => FK('conv2d', [u, v], { padding: 1, groups: 4 }), RT, AT);
    same('same padding, even kernel', [x, T.randn([2, 4, 2, 4])], (u, v) => FK('conv2d', [u, v], { padding: 'same' }), RT, AT);
    same('unbatched', [T.randn([4, 5, 5]), T.randn([2, 4, 3, 3]), T.randn([2])], (u, v, c) => FK('conv2d', [u, v, c], { stride: 2 }), RT, AT);
    same('strided input', [T.randn([2, 6, 7, 4])], (u) => F('conv2d', u.transpose(2, 3).narrow(1, 1, 4), T.ones([1, 4, 2, 2], { device: u.device } as never)), RT, AT);
  });

  it('conv1d forward', () => {
    torch.manual_seed(2);
    const x = T.randn([2, 4, 11]);
    same('plain', [x, T.randn([3, 4, 3]), T.randn([3])], (u, v, c) => F('conv1d', u, v, c), RT, AT);
    same('stride, dilation, padding, groups', [x, T.randn([6, 2, 2])], (u, v) => FK('conv1d', [u, v], { stride: 2, dilation: 3, padding: 2, groups: 2 }), RT, AT);
    same('same padding', [x, T.randn([4, 4, 4])], (u, v) => FK('conv1d', [u, v], { padding: 'same', dilation: 1 }), RT, AT);
  });

  it('conv2d / conv1d backward wrt input, weight and bias', () => {
    torch.manual_seed(3);
    const x = T.randn([2, 4, 6, 5]);
    sameGrads('conv2d', [x, T.randn([3, 4, 3, 3]), T.randn([3])], (u, v, c) => F('conv2d', u, v, c), RT, AT);
    sameGrads('conv2d strided, groups', [x, T.randn([6, 2, 3, 2]), T.randn([6])], (u, v, c) => FK('conv2d', [u, v, c], { stride: [2, 3], padding: [1, 1], dilation: [1, 2], groups: 2 }), RT, AT);
    sameGrads('conv2d depthwise', [x, T.randn([8, 1, 2, 2])], (u, v) => FK('conv2d', [u, v], { padding: 1, groups: 4, stride: 2 }), RT, AT);
    sameGrads('conv1d', [T.randn([3, 2, 9]), T.randn([4, 2, 3]), T.randn([4])], (u, v, c) => FK('conv1d', [u, v, c], { stride: 2, padding: 1, dilation: 2 }), RT, AT);
    sameGrads('conv2d same', [T.randn([1, 2, 5, 5]), T.randn([3, 2, 2, 3])], (u, v) => FK('conv2d', [u, v], { padding: 'same' }), RT, AT);
  });

  it('max pooling: values and indices as the CPU gives them (padding, dilation, ceil_mode, ties, NaN), and the backward', () => {
    torch.manual_seed(5);
    const x = T.randint(-3, 4, [2, 3, 7, 8]).float();
    const nan = x.clone();
    for (const k of [5, 6, 70, 71, 200]) nan.storage.data[k] = NaN;
    for (const [label, t0] of [['ties', x], ['nan', nan]] as const) {
      same(`${label} 2x2`, [t0], (t) => F('max_pool2d_with_indices', t, 2) as never);
      same(`${label} 3x2 stride, padding`, [t0], (t) => FK('max_pool2d_with_indices', [t, [3, 2]], { stride: [2, 1], padding: 1 }) as never);
      same(`${label} dilation, ceil`, [t0], (t) => FK('max_pool2d_with_indices', [t, 3], { stride: 2, padding: 1, dilation: 2, ceil_mode: true }) as never);
      same(`${label} adaptive`, [t0], (t) => FK('adaptive_max_pool2d', [t, [3, 5]], { return_indices: true }) as never);
    }
    same('unbatched', [T.randn([3, 5, 5])], (t) => F('max_pool2d', t, 2));
    same('max_pool1d', [T.randn([2, 3, 9])], (t) => FK('max_pool1d', [t, 3], { stride: 2, padding: 1 }));
    same('strided input', [T.randn([2, 5, 6, 3])], (t) => F('max_pool2d', t.permute(0, 3, 1, 2), 2));
    sameGrads('backward, overlapping windows with ties', [x], (t) => FK('max_pool2d', [t, 3], { stride: 1, padding: 1 }));
    sameGrads('backward, dilation, ceil', [T.randn([2, 2, 9, 8])], (t) => FK('max_pool2d', [t, [3, 2]], { stride: [2, 3], padding: 1, dilation: [2, 1], ceil_mode: true }));
    sameGrads('backward, adaptive', [x], (t) => F('adaptive_max_pool2d', t, [3, 5]));
    sameGrads('backward, max_pool1d', [T.randn([2, 3, 9])], (t) => FK('max_pool1d', [t, 2], { stride: 1 }));
    // the indices are int64 on the host when read
    const [, idx] = F('max_pool2d_with_indices', dev(x), 2) as unknown as Tensor[];
    expect(String(idx.dtype)).toBe('torch.int64');
    expect(idx.toFlatArray()).toEqual((F('max_pool2d_with_indices', x, 2) as unknown as Tensor[])[1].toFlatArray());
  });

  it('average pooling (padding, count_include_pad, divisor_override, ceil_mode), adaptive, 1-D, and the backward', () => {
    torch.manual_seed(6);
    const x = T.randn([2, 3, 7, 6]);
    same('2x2', [x], (t) => F('avg_pool2d', t, 2));
    same('3x3 stride 2 padding 1', [x], (t) => FK('avg_pool2d', [t, 3], { stride: 2, padding: 1 }));
    same('exclude pad, ceil', [x], (t) => FK('avg_pool2d', [t, [3, 2]], { stride: 2, padding: 1, count_include_pad: false, ceil_mode: true }));
    same('divisor override', [x], (t) => FK('avg_pool2d', [t, 3], { padding: 1, divisor_override: 5 }));
    same('adaptive', [x], (t) => F('adaptive_avg_pool2d', t, [3, 4]));
    same('adaptive up', [x], (t) => F('adaptive_avg_pool2d', t, [9, 8]));
    same('adaptive 1x1 (a mean)', [x], (t) => F('adaptive_avg_pool2d', t, 1), 1e-6);
    same('avg_pool1d', [T.randn([2, 3, 9])], (t) => FK('avg_pool1d', [t, 3], { stride: 2, padding: 1 }));
    same('adaptive_avg_pool1d', [T.randn([2, 3, 9])], (t) => F('adaptive_avg_pool1d', t, 4));
    sameGrads('backward 3x3 stride 1 padding 1', [x], (t) => FK('avg_pool2d', [t, 3], { stride: 1, padding: 1 }));
    sameGrads('backward exclude pad, ceil', [x], (t) => FK('avg_pool2d', [t, [3, 2]], { stride: 2, padding: 1, count_include_pad: false, ceil_mode: true }));
    sameGrads('backward divisor override', [x], (t) => FK('avg_pool2d', [t, 2], { divisor_override: 3 }));
    sameGrads('backward adaptive', [x], (t) => F('adaptive_avg_pool2d', t, [4, 4]));
    sameGrads('backward adaptive_avg_pool1d', [T.randn([2, 3, 9])], (t) => F('adaptive_avg_pool1d', t, 4));
  });

  it('constant padding stays on the GPU (negative pads crop), and its backward', () => {
    torch.manual_seed(7);
    const x = T.randn([2, 3, 4]);
    same('pad', [x], (t) => F('constant_pad_nd', t, [1, 2, 0, 1], 1.5));
    same('crop', [x], (t) => F('constant_pad_nd', t, [-1, 2, 1, -2]));
    same('int32', [x.int()], (t) => F('constant_pad_nd', t, [2, 0], 7));
    sameGrads('backward', [x], (t) => F('constant_pad_nd', t, [1, -1, 2, 0]));
  });

  it('reflect / replicate / circular padding and their backward (added in the CPU order)', () => {
    torch.manual_seed(8);
    const x3 = T.randn([2, 3, 5]), x4 = T.randn([1, 2, 4, 5]);
    for (const mode of ['reflect', 'replicate', 'circular']) {
      same(`${mode} 1-D`, [x3], (t) => FK('pad', [t, [2, 3]], { mode }));
      same(`${mode} 2-D`, [x4], (t) => FK('pad', [t, [1, 2, 3, 1]], { mode }));
      same(`${mode} strided`, [x4], (t) => FK('pad', [t.transpose(2, 3), [1, 1, 2, 1]], { mode }));
      sameGrads(`${mode} 1-D backward`, [x3], (t) => FK('pad', [t, [2, 3]], { mode }));
      sameGrads(`${mode} 2-D backward`, [x4], (t) => FK('pad', [t, [3, 2, 1, 3]], { mode }));
    }
  });

  it('a small CNN trains on the GPU with no read back, like on the CPU', () => {
    torch.manual_seed(9);
    const init = {
      w1: T.randn([4, 2, 3, 3]).mul(0.3), b1: T.randn([4]).mul(0.1), g: T.rand([4]).add(0.5), beta: T.randn([4]).mul(0.1),
      w2: T.randn([3, 4 * 3 * 3]).mul(0.2), b2: T.zeros([3]),
    };
    const x = T.randn([5, 2, 7, 7]), y = T.tensor([0, 2, 1, 1, 0]);
    const train = (where: 'cpu' | 'webgpu') => {
      const ps = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, (where === 'cpu' ? v.clone() : dev(v)).requires_grad_(true)]));
      const rm = where === 'cpu' ? T.zeros([4]) : dev(T.zeros([4])), rv = where === 'cpu' ? T.ones([4]) : dev(T.ones([4]));
      const xi = where === 'cpu' ? x : dev(x), yi = where === 'cpu' ? y : y.to('webgpu');
      const losses: Tensor[] = [];
      let reads0 = 0;
      for (let step = 0; step < 3; step++) {
        const [loss, n] = reads(() => {
          let h = FK('conv2d', [xi, ps.w1, ps.b1], { padding: 1, stride: 1 });
          h = F('batch_norm', h, ps.g, ps.beta, rm, rv, true, 0.1, 1e-5, false);
          h = F('max_pool2d', T.relu(h), 2, 2, 0, 1, true);
          h = F('adaptive_avg_pool2d', h, [3, 3]);
          const logits = F('linear', h.reshape([5, -1]), ps.w2, ps.b2);
          const l = F('cross_entropy', logits, yi);
          l.backward();
          torch.no_grad(() => { for (const p of Object.values(ps)) { p.sub_(T.mul(p.grad!, 0.1)); p.grad = null; } });
          return l;
        });
        reads0 += n;
        losses.push(loss);
      }
      return { losses: losses.map((l) => l.item()), reads: reads0, rm: rm.cpu(), w1: ps.w1.detach().cpu() };
    };
    const want = train('cpu'), got = train('webgpu');
    expect(got.reads, 'reads of device buffers over three steps').toBe(0);
    got.losses.forEach((l, k) => { const w = Number(want.losses[k]); expect(Math.abs(Number(l) - w)).toBeLessThan(1e-4 * Math.max(1, Math.abs(w))); });
    close(got.rm, want.rm, 1e-4, 1e-5);
    close(got.w1, want.w1, 1e-4, 1e-5);
  });

  it('a conv net step reads nothing back and counts the conv kernels', () => {
    torch.manual_seed(4);
    const x = dev(T.randn([2, 3, 8, 8]));
    const w = dev(T.randn([4, 3, 3, 3])).requires_grad_(true);
    const b = dev(T.randn([4])).requires_grad_(true);
    resetKernelStats();
    const [y, n] = reads(() => {
      const h = T.relu(FK('conv2d', [x, w, b], { padding: 1 }));
      const p = F('max_pool2d', h, 2);
      const loss = p.sum();
      loss.backward();
      return p;
    });
    expect(n).toBe(0);
    madeOnGpu(y, 'pooled');
    madeOnGpu(w.grad!, 'weight gradient');
    const s = kernelStats();
    expect(s['conv:forward']).toBe(1);
    expect(s['conv:backward_weight']).toBe(1);
    expect(s['conv:backward_input']).toBeUndefined();
  });
});

afterAll(() => { setDefaultDevice('cpu'); });
export type { Tensor };
