// The webgpu mask and flat-index kernels (engine/backends/webgpu/kernelsSelect.ts, the positions scan of
// kernelsScan.ts) against the CPU engine on the same values, exactly: masked_select (broadcast masks,
// uint8 masks, int32 / bool values, nothing selected) and masked_scatter with their gradients, nonzero /
// argwhere / nonzero(as_tuple) (NaN counts, int32, bool, nothing), take / put (negative indices, repeated
// indices: the last write wins or additions in order) with their gradients and the CPU's errors,
// bincount (minlength, float32 weights, int32 input, indices made by argmax), searchsorted / bucketize
// (left / right, rows, sorter, NaN, a scalar, out_int32). Inputs exist only on the device. Ops whose
// output size depends on the values read one count back (masked_select, nonzero, masked_scatter's check,
// bincount's range); the others read nothing. Skipped without an adapter.
import { afterAll, describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { setDefaultDevice, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { kernelStats, resetKernelStats } from '../../../engine/backends/webgpu/kernels';
import { F, FK, T, close, dev, gpu, madeOnGpu, reads, same, sameGrads } from './gpuCheck';

const available = webgpuAvailable();
const long = (values: number[], shape = [values.length]) => T.tensor(values).reshape(shape);
const list = (r: unknown) => r as Tensor[];

describe('webgpu mask and flat-index kernels', () => {
  if (!available) { it.skip('no WebGPU adapter', () => {}); return; }

  it('masked_select (one read: the count) and its gradient (none), masked_scatter', () => {
    torch.manual_seed(1);
    const x = T.randn([3, 4, 5]);
    const sel = (t: Tensor) => F('masked_select', t, T.gt(t, 0.3));
    same('same shape', [x], sel, 0, 0, 1);
    same('broadcast mask', [x, T.randn([4, 1])], (t, m) => F('masked_select', t, T.gt(m, 0)), 0, 0, 1);
    same('broadcast self', [T.randn([5]), T.randn([3, 5])], (t, m) => F('masked_select', t, T.lt(m, 0)), 0, 0, 1);
    same('int32 values', [x.mul(10).int()], (t) => F('masked_select', t, T.gt(t, 0)), 0, 0, 1);
    same('bool values', [x], (t) => F('masked_select', T.gt(t, 0), T.lt(t, 1)), 0, 0, 1);
    same('nothing selected', [x], (t) => F('masked_select', t, T.gt(t, 100)), 0, 0, 1);
    same('uint8 mask', [x, T.randint(0, 2, [5]).to(torch.uint8 as never)], (t, m) => F('masked_select', t, m), 0, 0, 1);
    sameGrads('masked_select backward', [x], sel, 0, 0, 1);
    const src = T.randn([60]);
    same('masked_scatter', [x, src], (t, s) => F('masked_scatter', t, T.gt(t, 0), s), 0, 0, 1);
    same('masked_scatter broadcast', [T.randn([4, 1]), T.randn([3, 4, 5]), src], (t, m, s) => F('masked_scatter', t, T.gt(m, 0), s), 0, 0, 1);
    sameGrads('masked_scatter backward', [x, src], (t, s) => F('masked_scatter', t, T.gt(t, 0), s), 0, 0, 1);
    expect(() => F('masked_scatter', dev(x), T.gt(dev(x), -10), dev(T.randn([5])))).toThrow('Number of elements of source < number of ones in mask');
  });

  it('nonzero / argwhere / nonzero(as_tuple): one read, int64 coordinates on the device', () => {
    torch.manual_seed(2);
    const x = T.randint(-1, 2, [3, 4, 5]).float();
    x.storage.data[7] = NaN;
    const coords = (t: Tensor) => F('nonzero', t);
    same('float with NaN', [x], coords, 0, 0, 1);
    same('argwhere', [x], (t) => F('argwhere', t), 0, 0, 1);
    same('int32', [x.nan_to_num().int()], coords, 0, 0, 1);
    same('bool', [x], (t) => coords(T.gt(t, 0)), 0, 0, 1);
    same('1-D', [T.tensor([0, 2, 0, 3]).float()], coords, 0, 0, 1);
    same('nothing', [T.zeros([2, 3])], coords, 0, 0, 1);
    same('strided', [x], (t) => coords(t.transpose(0, 2)), 0, 0, 1);
    for (const k of [0, 2]) same(`as_tuple ${k}`, [x], (t) => list(FK('nonzero', [t], { as_tuple: true }))[k], 0, 0, 1);
    const nz = coords(dev(x));
    expect(nz.strides).toEqual([1, nz.shape[0]]);
  });

  it('take and put (negative and repeated indices), their gradients, the CPU errors', () => {
    torch.manual_seed(3);
    const x = T.randn([4, 5]);
    const idx = long([0, 19, -1, 7, 7, -20], [2, 3]);
    same('take', [x, idx], (t, i) => F('take', t, i));
    same('take int32 strided', [x.mul(10).int(), long([3, 1])], (t, i) => F('take', t.t(), i));
    same('take argmax indices', [x], (t) => F('take', t, F('argmax', t, 1)));
    sameGrads('take backward (repeated indices add)', [x, idx], (t, i) => F('take', t, i));
    expect(() => F('take', dev(x), gpu(long([20])))).toThrow('out of range: tried to access index 20 on a tensor of 20 elements.');
    const src = T.randn([6]).mul(100);
    const rep = long([3, -1, 3, 0, 3, 19]);
    same('put', [x, rep, src], (t, i, s) => F('put', t, i, s));
    same('put accumulate', [x, rep, src], (t, i, s) => F('put', t, i, s, true));
    same('put int32 accumulate', [x.int(), rep, src.int()], (t, i, s) => F('put', t, i, s, true));
    same('put_ in place', [x, rep, src], (t, i, s) => t.clone().put_(i, s, { accumulate: true } as never) as Tensor);
    sameGrads('put backward', [x, rep, src], (t, i, s) => F('put', t, i, s));
    sameGrads('put accumulate backward', [x, rep, src], (t, i, s) => F('put', t, i, s, true));
    expect(() => F('put', dev(x), gpu(long([-21])), dev(T.randn([1])))).toThrow('out of range: tried to access index -21 on a tensor of 20 elements.');
  });

  it('bincount: one read (the range), counts and float32 weights in the CPU order', () => {
    torch.manual_seed(4);
    const v = T.randint(0, 7, [40]).int();
    same('int32', [v], (t) => F('bincount', t), 0, 0, 1);
    same('minlength', [v], (t) => FK('bincount', [t], { minlength: 12 }), 0, 0, 1);
    same('weights', [v, T.randn([40])], (t, w) => F('bincount', t, w), 0, 0, 1);
    same('uint8', [v.to(torch.uint8 as never)], (t) => F('bincount', t), 0, 0, 1);
    same('argmax indices', [T.randn([30, 6])], (t) => F('bincount', F('argmax', t, 1)), 0, 0, 1);
    expect(() => F('bincount', dev(T.tensor([1, -2]).int()))).toThrow('bincount only supports 1-d non-negative integral inputs.');
  });

  it('searchsorted / bucketize: left / right, rows, sorter, NaN, scalars, out_int32; no read', () => {
    torch.manual_seed(5);
    const seq = T.tensor([1, 2, 2, 3, 5, 8, NaN]);
    const vals = T.tensor([[0, 2, 2.5], [8, 9, NaN]]);
    for (const right of [false, true]) {
      same(`1-D ${right}`, [seq, vals], (s, v) => FK('searchsorted', [s, v], { right }));
      same(`rows ${right}`, [list((T.sort(T.randn([3, 6]), 1) as unknown as { values: Tensor[] }).values)[0], T.randn([3, 4])], (s, v) => FK('searchsorted', [s, v], { right }));
      same(`bucketize ${right}`, [vals, seq], (v, b) => FK('bucketize', [v, b], { right }));
    }
    const unsorted = T.tensor([5, 1, 3, 2]).float();
    same('sorter', [unsorted, T.tensor([0, 2, 4, 6]).float(), long([1, 3, 2, 0])], (s, v, o) => FK('searchsorted', [s, v], { sorter: o, side: 'right' }));
    same('int32, out_int32', [T.tensor([1, 3, 5, 7]).int(), T.tensor([3, 6, 9]).int()], (s, v) => FK('searchsorted', [s, v], { out_int32: true }));
    same('scalar', [seq], (s) => F('searchsorted', s, 2.5));
  });

  it('runs as select kernels', () => {
    const x = dev(T.randn([5, 6]));
    resetKernelStats();
    const [r, n] = reads(() => F('masked_select', x, T.gt(x, 0)));
    expect(n).toBe(1);
    madeOnGpu(r, 'masked_select');
    const s = kernelStats();
    expect(s['select:masked_select']).toBe(1);
    expect(s['scan:sum']).toBe(1);
    close(r.cpu(), F('masked_select', x.cpu(), T.gt(x.cpu(), 0)));
  });
});

afterAll(() => { setDefaultDevice('cpu'); });
