// The webgpu statistics kernels (engine/backends/webgpu/kernelsStats.ts, cummax/cummin in kernelsScan.ts)
// against the CPU engine on the same values: var / std / var_mean / std_mean over one dim, several dims and
// all of them, with correction 0, 1, 2 and one equal to the reduced size (inf / NaN), unbiased=False,
// keepdim, strided input and rows longer than a workgroup, and their gradients; logsumexp over dims (with
// -inf rows, +inf and NaN) and its gradient; cummax / cummin along any dim (ties: the later index; NaN),
// float32 and int32, their int64 indices kept on the device, and the gradient (scatter_add by those
// indices). Inputs exist only on the device; no device buffer is read back. Skipped without an adapter.
import { afterAll, describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { setDefaultDevice, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { kernelStats, resetKernelStats } from '../../../engine/backends/webgpu/kernels';
import { stateOf } from '../../../engine/backends/webgpu/storage';
import { F, FK, T, close, dev, reads, same, sameGrads } from './gpuCheck';

const available = webgpuAvailable();
const RT = 1e-4, AT = 1e-5;
const tuple = (r: unknown) => (Array.isArray(r) ? r : (r as { values: Tensor[] }).values) as Tensor[];

describe('webgpu statistics kernels', () => {
  if (!available) { it.skip('no WebGPU adapter', () => {}); return; }

  it('var / std over dims, corrections, keepdim, strided and long rows; var_mean / std_mean', () => {
    torch.manual_seed(1);
    const x = T.randn([3, 4, 5]).mul(2).add(3);
    for (const op of ['var', 'std']) {
      same(`${op} all`, [x], (t) => F(op, t), RT, AT);
      same(`${op} unbiased=False`, [x], (t) => F(op, t, false), RT, AT);
      same(`${op} dim 1`, [x], (t) => F(op, t, 1), RT, AT);
      same(`${op} dims [0, 2] keepdim`, [x], (t) => FK(op, [t, [0, 2]], { keepdim: true }), RT, AT);
      for (const correction of [0, 2, 4]) same(`${op} correction ${correction}`, [x], (t) => FK(op, [t, -1], { correction }), RT, AT);
      same(`${op} correction = n (inf, NaN)`, [T.tensor([[1, 2, 4], [2, 2, 2]]).float()], (t) => FK(op, [t, 1], { correction: 3 }), RT, AT);
      same(`${op} strided`, [x], (t) => F(op, t.transpose(0, 2), [1, 2]), RT, AT);
      same(`${op} long rows`, [T.randn([2, 700])], (t) => F(op, t, 1), RT, AT);
      same(`${op} NaN`, [T.tensor([[1, NaN, 3], [1, 2, 3]])], (t) => F(op, t, 1), RT, AT);
      same(`${op} empty dim`, [T.zeros([3, 0])], (t) => F(op, t, 1), RT, AT);
    }
    same('var_mean', [x], (t) => tuple(F('var_mean', t, 1)), RT, AT);
    same('std_mean all correction 0', [x], (t) => tuple(FK('std_mean', [t, null], { correction: 0 })), RT, AT);
  });

  it("var_mean / std_mean: the mean is the CPU's double Welford bit for bit (cancelling data, scales, inf / NaN, tiny)", () => {
    torch.manual_seed(5);
    const cancel = T.tensor([[0.5, -0.25, 0.125, -0.5, 0.25, -0.125], [1e-3, 3, -3, -1e-3, 7, -7]]);
    const inf = T.tensor([[1, Infinity, 2], [1, 2, -Infinity], [NaN, 1, 2], [Infinity, -Infinity, 1]]);
    const cases: [string, Tensor][] = [['randn', T.randn([5, 37])], ['scaled', T.randn([3, 50]).mul(1e15)], ['tiny', T.randn([4, 9]).mul(1e-40)],
      ['cancelling', cancel], ['inf / NaN', inf], ['long rows', T.randn([2, 3000]).add(5)]];
    for (const [label, x] of cases) {
      for (const op of ['var_mean', 'std_mean']) {
        for (const dim of [1, null]) {
          const want = tuple(F(op, x, dim));
          const [got, n] = reads(() => tuple(F(op, dev(x), dim)));
          expect(n, `${label} ${op} ${dim}: reads`).toBe(0);
          close(got[1].cpu(), want[1]);
          close(got[0].cpu(), want[0], RT, AT);
        }
      }
    }
  });

  it('var / std / var_mean / std_mean gradients', () => {
    torch.manual_seed(2);
    const x = T.randn([3, 4, 5]);
    sameGrads('var dim', [x], (t) => F('var', t, 1), RT, AT);
    sameGrads('var all', [x], (t) => F('var', t), RT, AT);
    sameGrads('std dims keepdim', [x], (t) => FK('std', [t, [0, 2]], { keepdim: true }), RT, AT);
    sameGrads('std all correction 0', [x], (t) => FK('std', [t, null], { correction: 0 }), RT, AT);
    sameGrads('var_mean both outputs', [x], (t) => { const [v, m] = tuple(F('var_mean', t, 2)); return T.add(v, T.mul(m, 3)); }, RT, AT);
    sameGrads('std_mean both outputs', [x], (t) => { const [v, m] = tuple(F('std_mean', t, [0, 1])); return T.add(v, m); }, RT, AT);
    sameGrads('std with a constant row (grad 0)', [T.tensor([[1, 1, 1], [1, 2, 4]]).float()], (t) => F('std', t, 1), RT, AT);
  });

  it('logsumexp over dims (-inf rows, +inf, NaN) and its gradient', () => {
    torch.manual_seed(3);
    const x = T.randn([3, 4, 5]).mul(4);
    same('dim 1', [x], (t) => F('logsumexp', t, 1), RT, AT);
    same('dims keepdim', [x], (t) => F('logsumexp', t, [0, 2], true), RT, AT);
    same('all dims', [x], (t) => F('logsumexp', t, [0, 1, 2]), RT, AT);
    same('strided, long rows', [T.randn([600, 3])], (t) => F('logsumexp', t.t(), 1), RT, AT);
    same('inf and NaN', [T.tensor([[-Infinity, -Infinity], [Infinity, 1], [NaN, 2], [1000, 1001]])], (t) => F('logsumexp', t, 1), RT, AT);
    same('int32 input', [T.tensor([[1, 2], [3, 4]]).int()], (t) => F('logsumexp', t, 1), RT, AT);
    sameGrads('backward', [x], (t) => F('logsumexp', t, 2), RT, AT);
    sameGrads('backward keepdim', [x], (t) => F('logsumexp', t, [0, 1], true), RT, AT);
  });

  it('cummax / cummin: values and int64 indices on the device (ties, NaN, int32), and the gradient', () => {
    torch.manual_seed(4);
    const x = T.randint(-2, 3, [3, 4, 5]).float();
    const nan = x.clone();
    for (const k of [3, 17, 18, 40]) nan.storage.data[k] = NaN;
    for (const op of ['cummax', 'cummin']) {
      for (const dim of [0, 1, 2, -1]) {
        same(`${op} ${dim} ties`, [x], (t) => tuple(F(op, t, dim)));
        same(`${op} ${dim} NaN`, [nan], (t) => tuple(F(op, t, dim)));
      }
      same(`${op} int32`, [x.int()], (t) => tuple(F(op, t, 1)));
      same(`${op} strided`, [x], (t) => tuple(F(op, t.transpose(0, 2), 1)));
      same(`${op} 0-dim`, [T.tensor(2.5)], (t) => tuple(F(op, t, 0)));
      sameGrads(`${op} backward`, [x], (t) => tuple(F(op, t, 1))[0]);
      sameGrads(`${op} backward dim 0`, [T.randn([6, 3])], (t) => tuple(F(op, t, 0))[0]);
    }
    // the indices are int64 words on the device, read as int64 values
    const [, idx] = tuple(F('cummax', dev(x), 2));
    expect(stateOf(idx.storage).bound).toBe(5);
    expect(String(idx.dtype)).toBe('torch.int64');
    expect(idx.toFlatArray()).toEqual(tuple(F('cummax', x, 2))[1].toFlatArray());
  });

  it('runs as statistics kernels (no CPU fallback)', () => {
    const x = dev(T.randn([4, 6]));
    resetKernelStats();
    const [, n] = reads(() => [F('var', x, 1), F('std_mean', x), F('logsumexp', x, 0), F('cummin', x, 1)]);
    expect(n).toBe(0);
    const s = kernelStats();
    expect(s['reduce:var']).toBe(2);
    expect(s['reduce:welford_mean']).toBe(1);
    expect(s['reduce:logsumexp']).toBe(1);
    expect(s['scan:cummin']).toBe(1);
  });
});

afterAll(() => { setDefaultDevice('cpu'); });
