// The webgpu scans, logical ops and advanced indexing (engine/backends/webgpu/kernelsScan.ts,
// kernelsAdvIndex.ts, the logical ops of engine/ops/table/compare.ts) against the CPU engine on the same
// values: cumsum / cumprod along any dim and their backwards (cumprod with zeros too), flip / roll /
// repeat / diag (gathers through per-dim tables), tril / triu, logical_and / or /
// xor / not over bool masks made on the GPU and over float / int32 values (NaN is true), x[idx] with host
// int64 indices (broadcast, several dims, non-adjacent dims, negative indices) and with indices made by a
// GPU kernel, index_put / index_put_ with accumulate false (the last write wins) and true (repeated
// indices add in the CPU's order), and the backward of indexing. Inputs exist only on the device; no
// device buffer is read back. Skipped without an adapter.
import { afterAll, describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { setDefaultDevice, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { onGpu } from '../../../engine/backends/webgpu/kernels';
import { F, FK, T, close, dev, gpu, madeOnGpu, reads, same, sameGrads } from './gpuCheck';

const available = webgpuAvailable();
const idx = (values: number[], shape = [values.length]) => T.tensor(values).reshape(shape);

describe('webgpu scans, logical ops and advanced indexing', () => {
  if (!available) { it.skip('no WebGPU adapter', () => {}); return; }

  it('cumsum / cumprod along any dim (float32, int32 with dtype=int32) and their backwards', () => {
    torch.manual_seed(1);
    const x = T.randn([3, 4, 5]);
    for (const dim of [0, 1, 2, -1]) {
      same(`cumsum ${dim}`, [x], (t) => F('cumsum', t, dim), 1e-5, 1e-6);
      same(`cumprod ${dim}`, [x], (t) => F('cumprod', t, dim), 1e-5, 1e-6);
      sameGrads(`cumsum ${dim} backward`, [x], (t) => F('cumsum', t, dim), 1e-5, 1e-6);
      sameGrads(`cumprod ${dim} backward`, [x], (t) => F('cumprod', t, dim), 1e-4, 1e-5);
    }
    const z = x.clone();
    z.storage.data[5] = 0; z.storage.data[30] = 0; z.storage.data[31] = 0;
    sameGrads('cumprod backward with zeros', [z], (t) => F('cumprod', t, 1), 1e-4, 1e-5);
    same('cumsum strided', [x], (t) => F('cumsum', t.transpose(0, 2), 1), 1e-5, 1e-6);
    same('cumsum 0-dim', [T.tensor(2.5)], (t) => F('cumsum', t, 0));
    const xi = T.randint(-5, 6, [4, 6]).to(torch.int32 as never);
    same('cumsum int32', [xi], (t) => FK('cumsum', [t, 1], { dtype: torch.int32 }));
    same('cumprod int32', [xi], (t) => FK('cumprod', [t, 0], { dtype: torch.int32 }));
  });

  it('flip, roll, repeat, diag, tril, triu on the GPU, and their backwards', () => {
    torch.manual_seed(6);
    const x = T.randn([3, 4, 5]);
    same('flip', [x], (t) => F('flip', t, [0, 2]));
    same('flip int32 strided', [x.int()], (t) => F('flip', t.transpose(0, 1), [1]));
    same('roll', [x], (t) => F('roll', t, [1, -2], [0, 2]));
    same('roll flat', [x], (t) => F('roll', t, [7]));
    same('repeat', [T.randn([2, 3])], (t) => F('repeat', t, [2, 1, 3]));
    same('diag of a matrix', [T.randn([4, 5])], (t) => F('diag', t, 1));
    same('flip mask', [x], (t) => F('flip', T.gt(t, 0), [1]));
    for (const k of [-1, 0, 2]) {
      same(`tril ${k}`, [x], (t) => F('tril', t, k));
      same(`triu ${k} strided`, [x], (t) => F('triu', t.transpose(0, 2), k));
    }
    same('tril int32', [x.int()], (t) => F('tril', t));
    sameGrads('triu backward', [x], (t) => F('triu', t, 1));
    sameGrads('flip backward', [x], (t) => F('flip', t, [1]));
    sameGrads('roll backward', [x], (t) => F('roll', t, [2], [1]));
    sameGrads('repeat backward', [T.randn([2, 3])], (t) => F('repeat', t, [2, 2]), 1e-6);
  });

  it('logical ops over GPU masks, floats (NaN is true) and int32', () => {
    torch.manual_seed(2);
    const a = T.randint(-1, 2, [4, 5]).float(), b = T.randint(-1, 2, [5]).float();
    const an = a.clone();
    an.storage.data[2] = NaN;
    const ai = a.to(torch.int32 as never);
    for (const op of ['logical_and', 'logical_or', 'logical_xor']) {
      same(`${op} masks`, [a, b], (u, v) => F(op, T.gt(u, 0), T.lt(v, 0)));
      same(`${op} float`, [an, b], (u, v) => F(op, u, v));
      same(`${op} int32 and mask`, [ai, b], (u, v) => F(op, u, T.ne(v, 0)));
      same(`${op} 0-dim cpu`, [an], (u) => F(op, u, T.tensor(true)));
      same(`${op}_ in place`, [a, b], (u, v) => T.gt(u, 0)[`${op}_` as 'add_'](T.lt(v, 0)) as Tensor);
    }
    same('logical_not mask', [a], (u) => F('logical_not', T.gt(u, 0)));
    same('logical_not float', [an], (u) => F('logical_not', u));
    same('logical_not int32', [ai], (u) => F('logical_not', u));
    same('~mask', [a], (u) => F('bitwise_not', T.gt(u, 0)));
  });

  it('x[idx] with host int64 indices (broadcast, several dims, non-adjacent, negative) and any dtype', () => {
    torch.manual_seed(3);
    const x = T.randn([4, 5, 6]);
    const I = (t: Tensor, ...ix: (Tensor | null)[]) => F('index', t, ix);
    same('dim 0', [x, idx([3, 0, -1, 3])], (t, i) => I(t, i));
    same('dim 1', [x, idx([4, 0, 4], [3, 1])], (t, i) => I(t, null, i));
    same('two dims broadcast', [x, idx([0, 1, 3], [3, 1]), idx([2, -2])], (t, i, j) => I(t, i, j));
    same('non-adjacent dims', [x, idx([0, 3]), idx([5, 1])], (t, i, j) => I(t, i, null, j));
    same('three dims', [x, idx([0, 3]), idx([1, 4]), idx([5, 0])], (t, i, j, k) => I(t, i, j, k));
    same('strided self', [x, idx([1, 1])], (t, i) => I(t.transpose(0, 2), i));
    same('int32 self', [x.int(), idx([2])], (t, i) => I(t, i));
    same('bool self', [x, idx([1, 2])], (t, i) => I(T.gt(t, 0), i));
    same('empty index', [x, T.zeros([0], { dtype: torch.int64 } as never)], (t, i) => I(t, i));
    sameGrads('backward (repeated indices add)', [x, idx([3, 0, 3, 3])], (t, i) => I(t, i));
    sameGrads('backward two dims', [x, idx([0, 1, 1], [3, 1]), idx([2, 2])], (t, i, j) => I(t, null, i, j));
    // out of range: the CPU's error
    expect(() => I(gpu(x), idx([4]))).toThrow('index 4 is out of bounds for dimension 0 with size 4');
  });

  it('x[idx] with indices made by a GPU kernel (argmax) reads nothing back', () => {
    torch.manual_seed(4);
    const x = T.randn([5, 7]);
    const g = dev(x);
    const [r, n] = reads(() => F('index', g, [T.arange(5), F('argmax', g, 1)].map((t) => (t.device.type === 'cpu' ? t : t))));
    // arange is a host int64 tensor (CPU), argmax's indices live on the GPU
    expect(n).toBe(0);
    madeOnGpu(r, 'picked');
    close(r.cpu(), F('index', x, [T.arange(5), F('argmax', x, 1)]));
    const [r2, n2] = reads(() => F('index', g, [F('argmax', g, 0)]));
    expect(n2).toBe(0);
    close(r2.cpu(), F('index', x, [F('argmax', x, 0)]));
  });

  it('index_put / index_put_ (accumulate false: the last write wins; true: added in order)', () => {
    torch.manual_seed(5);
    const x = T.randn([5, 4]);
    const v = T.randn([6, 4]).mul(100);
    const dup = idx([1, 3, 1, 0, 3, 1]);
    const P = (t: Tensor, ix: (Tensor | null)[], vals: Tensor, acc: boolean) => F('index_put', t, ix, vals, acc);
    same('set rows', [x, dup, v], (t, i, u) => P(t, [i], u, false));
    same('accumulate rows', [x, dup, v], (t, i, u) => P(t, [i], u, true));
    same('set broadcast value', [x, dup, T.randn([4])], (t, i, u) => P(t, [i], u, false));
    same('accumulate scalar value', [x, idx([0, 2, 0]), idx([1, 1, 1]), T.tensor(2.5)], (t, i, j, u) => P(t, [i, j], u, true));
    same('set elements, two dims', [x, idx([0, 4, 0]), idx([3, 3, 3]), T.randn([3])], (t, i, j, u) => P(t, [i, j], u, false));
    same('index_put_ in place', [x, dup, v], (t, i, u) => t.clone().index_put_([i], u, { accumulate: true } as never) as Tensor);
    same('int32', [x.int(), dup, v.int()], (t, i, u) => P(t, [i], u, true));
    same('bool set', [x, dup], (t, i) => P(T.gt(t, 0), [i], T.lt(T.ones([6, 4], { device: t.device } as never), 0), false));
    sameGrads('index_put backward', [x, dup, v], (t, i, u) => P(t, [i], u, true));
    sameGrads('index_put set backward', [x, idx([4, 0]), T.randn([2, 4])], (t, i, u) => P(t, [i], u, false));
    // x[idx] = v through __setitem__
    const gx = dev(x), gv = dev(T.randn([2, 4]));
    const [, n] = reads(() => F('__setitem__', gx, [gpu(idx([3, 1]))], gv));
    expect(n).toBe(0);
    expect(onGpu(gx)).toBe(true);
    const want = x.clone();
    F('__setitem__', want, [idx([3, 1])], gv.cpu());
    close(gx.cpu(), want);
  });
});

afterAll(() => { setDefaultDevice('cpu'); });
