// The webgpu normalisation kernels (engine/backends/webgpu/kernelsNorm.ts) against the CPU engine on the
// same values: layer_norm, batch_norm (training with the running statistics updated in place, eval,
// 2-D and N-D input) and group_norm, forward and the gradients wrt input, weight and bias. Inputs exist
// only on the device; no device buffer is read back during an op or its backward. The GPU's moments are
// float32 two-pass sums (the CPU's are Welford / double sums), so values agree within float32 tolerance.
// Skipped without an adapter.
import { afterAll, describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { setDefaultDevice, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { kernelStats, resetKernelStats } from '../../../engine/backends/webgpu/kernels';
import { F, FK, T, close, dev, madeOnGpu, reads, same, sameGrads } from './gpuCheck';

const available = webgpuAvailable();
const RT = 1e-4, AT = 1e-5;

describe('webgpu normalisation kernels', () => {
  if (!available) { it.skip('no WebGPU adapter', () => {}); return; }

  it('layer_norm forward and backward (with and without weight / bias, rows longer than a workgroup)', () => {
    torch.manual_seed(1);
    const x = T.randn([4, 6]).mul(3).add(1), w = T.randn([6]), b = T.randn([6]);
    same('plain', [x], (t) => F('layer_norm', t, [6]), RT, AT);
    same('affine', [x, w, b], (t, u, v) => F('layer_norm', t, [6], u, v), RT, AT);
    const x3 = T.randn([2, 3, 5]), w3 = T.randn([3, 5]), b3 = T.randn([3, 5]);
    same('2-D normalized shape', [x3, w3, b3], (t, u, v) => FK('layer_norm', [t, [3, 5], u, v], { eps: 0.1 }), RT, AT);
    const long = T.randn([3, 700]);
    same('long rows', [long], (t) => F('layer_norm', t, [700]), RT, AT);
    same('strided input', [T.randn([6, 4])], (t) => F('layer_norm', t.t(), [6]), RT, AT);
    sameGrads('backward plain', [x], (t) => F('layer_norm', t, [6]), RT, AT);
    sameGrads('backward affine', [x, w, b], (t, u, v) => F('layer_norm', t, [6], u, v), RT, AT);
    sameGrads('backward 2-D shape', [x3, w3, b3], (t, u, v) => F('layer_norm', t, [3, 5], u, v), RT, AT);
    sameGrads('backward long rows', [long, T.randn([700])], (t, u) => F('layer_norm', t, [700], u), RT, AT);
  });

  it('batch_norm training: output, running statistics updated in place on the GPU, no read back', () => {
    torch.manual_seed(2);
    for (const shape of [[8, 3], [4, 3, 5], [2, 3, 4, 5]]) {
      const x = T.randn(shape).mul(2).add(0.5), w = T.randn([3]), b = T.randn([3]);
      const rm = T.randn([3]), rv = T.rand([3]).add(0.5);
      const want = F('batch_norm', x, w, b, rm.clone(), rv.clone(), true, 0.1, 1e-5, false);
      const wantRm = rm.clone(), wantRv = rv.clone();
      F('batch_norm', x, w, b, wantRm, wantRv, true, 0.1, 1e-5, false);
      const [gx, gw, gb, grm, grv] = [x, w, b, rm, rv].map(dev);
      const [got, n] = reads(() => F('batch_norm', gx, gw, gb, grm, grv, true, 0.1, 1e-5, false));
      expect(n, `${shape}: reads`).toBe(0);
      madeOnGpu(got, 'output');
      madeOnGpu(grm, 'running mean');
      madeOnGpu(grv, 'running var');
      close(got.cpu(), want, RT, AT);
      close(grm.cpu(), wantRm, RT, AT);
      close(grv.cpu(), wantRv, RT, AT);
      same(`${shape} no running stats, no affine`, [x], (t) => F('batch_norm', t, null, null, null, null, true, 0.1, 1e-5, false), RT, AT);
      same(`${shape} eval`, [x, w, b, rm, rv], (t, u, v, m, s) => F('batch_norm', t, u, v, m, s, false, 0.1, 1e-5, false), RT, AT);
    }
  });

  it('batch_norm backward, training and eval', () => {
    torch.manual_seed(3);
    for (const shape of [[8, 3], [2, 3, 4, 5]]) {
      const x = T.randn(shape), w = T.randn([3]), b = T.randn([3]);
      const rm = T.randn([3]), rv = T.rand([3]).add(0.5);
      sameGrads(`${shape} training`, [x, w, b], (t, u, v) => F('batch_norm', t, u, v, null, null, true, 0.1, 1e-5, false), RT, AT);
      sameGrads(`${shape} training, running stats`, [x, w, b], (t, u, v) =>
        F('batch_norm', t, u, v, t.device.type === 'webgpu' ? dev(rm) : rm.clone(), t.device.type === 'webgpu' ? dev(rv) : rv.clone(), true, 0.1, 1e-5, false), RT, AT);
      sameGrads(`${shape} no affine`, [x], (t) => F('batch_norm', t, null, null, null, null, true, 0.1, 1e-5, false), RT, AT);
      sameGrads(`${shape} eval`, [x, w, b], (t, u, v) =>
        F('batch_norm', t, u, v, t.device.type === 'webgpu' ? dev(rm) : rm, t.device.type === 'webgpu' ? dev(rv) : rv, false, 0.1, 1e-5, false), RT, AT);
    }
  });

  it('group_norm forward and backward', () => {
    torch.manual_seed(4);
    const x = T.randn([2, 6, 3, 4]).mul(2), w = T.randn([6]), b = T.randn([6]);
    same('affine', [x, w, b], (t, u, v) => F('group_norm', t, 3, u, v), RT, AT);
    same('plain', [x], (t) => F('group_norm', t, 2), RT, AT);
    same('one group, 3-D', [T.randn([3, 4, 5])], (t) => F('group_norm', t, 1), RT, AT);
    sameGrads('backward affine', [x, w, b], (t, u, v) => F('group_norm', t, 3, u, v), RT, AT);
    sameGrads('backward plain', [x], (t) => F('group_norm', t, 6), RT, AT);
    sameGrads('backward weight only', [x, w], (t, u) => F('group_norm', t, 2, u), RT, AT);
  });

  it('nn-style layers count one kernel per norm forward', () => {
    torch.manual_seed(5);
    const x = dev(T.randn([4, 8]));
    resetKernelStats();
    const [, n] = reads(() => { F('layer_norm', x, [8]); F('batch_norm', x, null, null, null, null, true, 0.1, 1e-5, false); F('group_norm', x.reshape([4, 8, 1]), 2); });
    expect(n).toBe(0);
    const s = kernelStats();
    expect(s['norm:layer']).toBe(1);
    expect(s['norm:batch']).toBe(1);
    expect(s['norm:group']).toBe(1);
  });
});

afterAll(() => { setDefaultDevice('cpu'); });
export type { Tensor };
