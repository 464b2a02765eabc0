// The webgpu reduction, comparison, selection and index kernels (engine/backends/webgpu/kernelsReduce.ts,
// kernelsIndex.ts, the bool masks of storage.ts, softmax along a non-last dim in kernelsNn.ts), each
// against the CPU engine on the same values: max/min/amax/amin/argmax/argmin (ties, NaNs, dims, keepdim,
// the full reduction) and prod, comparisons and where/masked_fill with a mask made on the GPU,
// index_select/gather/scatter/scatter_add/index_add, embedding and its backward, cat/stack, softmax and
// log_softmax along any dim. Every case checks that the result stayed on the GPU and that no device buffer
// was read back during the op (nor during its backward). Skipped without an adapter.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { NamedTuple } from '../../../engine/namedtuple';
import { setDefaultDevice, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { kernelStats, onGpu, resetKernelStats } from '../../../engine/backends/webgpu/kernels';
import { stateOf } from '../../../engine/backends/webgpu/storage';
import { F, FK, T, close, dev, gpu, reads, same } from './gpuCheck';

const available = webgpuAvailable();
const f32 = { dtype: torch.float32 } as never;
const i32 = { dtype: torch.int32 } as never;

/** Gradient of sum(f(x) * w) wrt x on both devices: on the GPU with no read back, equal to the CPU's. */
function sameGrad(name: string, x: Tensor, f: (t: Tensor) => Tensor, rtol = 0, atol = 0): void {
  try {
    torch.manual_seed(11);
    const w = T.randn(f(x).shape);
    const run = (dev: 'cpu' | 'webgpu') => {
      const xi = (dev === 'cpu' ? x.clone() : gpu(x)).detach().requires_grad_(true);
      const wi = dev === 'cpu' ? w : F('clone', gpu(w));
      const y = f(xi);
      const [, n] = reads(() => T.mul(y, wi).sum().backward());
      if (dev === 'webgpu') {
        expect(onGpu(xi.grad!), 'gradient on the GPU').toBe(true);
        expect(stateOf(xi.grad!.storage).hostValid, 'gradient made on the device').toBe(false);
        expect(n, 'reads of device buffers during backward').toBe(0);
      }
      return xi.grad!.cpu();
    };
    close(run('webgpu'), run('cpu'), rtol, atol);
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`);
  }
}

const idx = (values: number[], shape = [values.length]) => T.tensor(values).reshape(shape);

describe('webgpu reduction, comparison and index kernels', () => {
  if (!available) { it.skip('no WebGPU adapter', () => {}); return; }
  afterEach(() => { setDefaultDevice('cpu'); });

  // small integers: many ties; one version with NaNs
  const ties = () => { torch.manual_seed(1); return T.randint(-3, 4, [6, 7, 5]).float(); };
  const nans = () => {
    const t = ties().clone();
    const d = t.storage.data;
    for (const k of [3, 17, 18, 40, 41, 150, 200]) d[k] = NaN;
    return t;
  };

  it('max/min/amax/amin/argmax/argmin: values and indices as the CPU gives them (ties, NaN, dims, keepdim)', () => {
    for (const [label, x] of [['ties', ties()], ['nan', nans()], ['strided', ties().transpose(0, 2)], ['int32', ties().to(torch.int32 as never)]] as const) {
      for (const fn of ['max', 'min']) {
        same(`${label} ${fn}()`, [x], (t) => F(fn, t));
        for (const dim of [0, 1, 2, -1]) {
          for (const keepdim of [false, true]) {
            same(`${label} ${fn}(${dim}, ${keepdim})`, [x], (t) => FK(fn, [t, dim], { keepdim }));
            same(`${label} arg${fn}(${dim}, ${keepdim})`, [x], (t) => FK(`arg${fn}`, [t, dim], { keepdim }));
          }
        }
        same(`${label} arg${fn}()`, [x], (t) => F(`arg${fn}`, t));
        same(`${label} arg${fn}(keepdim)`, [x], (t) => FK(`arg${fn}`, [t], { keepdim: true }));
        for (const dims of [[], [0], [1, 2], [0, 2], [-1, 0, 1]]) {
          same(`${label} a${fn}(${dims})`, [x], (t) => F(`a${fn}`, t, dims));
          same(`${label} a${fn}(${dims}, keepdim)`, [x], (t) => FK(`a${fn}`, [t, dims], { keepdim: true }));
        }
      }
      same(`${label} aminmax`, [x], (t) => FK('aminmax', [t], { dim: 1 }));
    }
    // a reduced dim longer than a workgroup: the first of many ties, and the first NaN
    const long = T.zeros([3, 700]);
    long.storage.data[600] = 5; long.storage.data[650] = 5; long.storage.data[700 + 400] = NaN; long.storage.data[700 + 500] = NaN;
    same('long rows', [long], (t) => F('max', t, 1));
    same('long argmin', [long], (t) => F('argmin', t));
    same('0-dim', [T.tensor(2.5)], (t) => F('max', t, 0));
    // -0 and +0 tie: the first one's sign, as on the CPU
    same('signed zeros', [T.tensor([-0, 0, -0], f32)], (t) => F('amax', t, [0]));
  });

  it('their backward ops read nothing back', () => {
    const x = T.randn([5, 6, 4]);
    const tied = ties();
    for (const fn of ['max', 'min']) {
      sameGrad(`${fn}(dim)`, tied, (t) => (F(fn, t, 1) as unknown as NamedTuple).values[0]);
      sameGrad(`${fn}(dim, keepdim)`, x, (t) => (FK(fn, [t, 2], { keepdim: true }) as unknown as NamedTuple).values[0]);
      sameGrad(`${fn}()`, tied, (t) => F(fn, t));
      sameGrad(`${fn}() with NaN`, nans(), (t) => F(fn, t));
      sameGrad(`a${fn}`, tied, (t) => F(`a${fn}`, t, [0, 2]), 1e-6);
      sameGrad(`a${fn} keepdim`, x, (t) => FK(`a${fn}`, [t, [1]], { keepdim: true }));
    }
  });

  it('prod and its backward (with zeros in some slices)', () => {
    torch.manual_seed(3);
    const x = T.rand([4, 5, 3]).add(0.5);
    const z = x.clone();
    z.storage.data[7] = 0; z.storage.data[22] = 0; z.storage.data[23] = 0; z.storage.data[40] = 0;
    for (const [label, t0] of [['no zeros', x], ['zeros', z]] as const) {
      same(`${label} prod()`, [t0], (t) => F('prod', t), 1e-6);
      for (const dim of [0, 1, 2]) {
        same(`${label} prod(${dim})`, [t0], (t) => F('prod', t, dim), 1e-6);
        sameGrad(`${label} prod(${dim}) backward`, t0, (t) => FK('prod', [t, dim], { keepdim: dim === 1 }), 1e-5, 1e-7);
      }
    }
    sameGrad('prod() backward', x, (t) => F('prod', t), 1e-5);
    sameGrad('prod() backward, one zero', T.tensor([1.5, 0, 2, -0.5]), (t) => F('prod', t), 1e-6);
    sameGrad('prod() backward, two zeros', T.tensor([1.5, 0, 2, 0]), (t) => F('prod', t));
  });

  it('comparisons give bool masks that stay on the GPU', () => {
    torch.manual_seed(4);
    const a = T.randint(-2, 3, [4, 5]).float(), b = T.randint(-2, 3, [5]).float();
    const an = a.clone();
    an.storage.data[3] = NaN; an.storage.data[9] = NaN;
    const ai = a.to(torch.int32 as never);
    for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge']) {
      same(`${op} tensor`, [a, b], (u, v) => F(op, u, v));
      same(`${op} NaN`, [an, b], (u, v) => F(op, u, v));
      same(`${op} NaN NaN`, [an, an], (u, v) => F(op, u, v));
      same(`${op} scalar`, [an], (u) => F(op, u, 0.5));
      same(`${op} int32 scalar`, [ai], (u) => F(op, u, 1));
      same(`${op} int32 large scalar`, [T.tensor([16777217, 16777216, -5], i32)], (u) => F(op, u, 16777217));
      same(`${op} 0-dim cpu`, [a], (u) => F(op, u, T.tensor(1.0)));
      same(`${op}_ in place`, [a, b], (u, v) => u.clone()[`${op}_` as 'add_'](v) as Tensor);
    }
    // a mask made on the GPU: where, masked_fill, casts, a comparison of it
    same('where', [a, b], (u, v) => T.where(T.gt(u, v), u, v));
    same('where scalar', [a], (u) => T.where(T.lt(u, 0), u, 0.25));
    same('where int32', [ai], (u) => T.where(T.ge(u, 1), u, -7));
    same('where host mask', [a, b], (u, v) => T.where(u.device.type === 'webgpu' ? gpu(T.gt(a, b)) : T.gt(a, b), u, v));
    same('masked_fill host mask', [an], (u) => F('masked_fill', u, T.isnan(an).to(u.device as never), -1.5));
    same('masked_fill gpu mask', [a, b], (u, v) => F('masked_fill', u, T.eq(u, v), 9));
    same('mask as float', [a], (u) => T.gt(u, 0).float());
    same('mask as int', [a], (u) => T.gt(u, 0).to(torch.int32 as never));
    same('float as bool', [an], (u) => u.to(torch.bool as never));
    same('copy_ float into bool', [an], (u) => T.zeros([4, 5], { dtype: torch.bool, device: u.device } as never).copy_(u));
    same('mask written into a float view', [a, b], (u, v) => u.clone().narrow(1, 1, 3).copy_(T.gt(u, v).narrow(1, 0, 3)));
    same('mask sum', [a], (u) => T.gt(u, 0).float().sum());
    sameGrad('where backward', a, (t) => T.where(T.gt(t, 0), t, T.mul(t, 2)));
    // a GPU mask read on the host
    const m = T.gt(gpu(a), 0);
    expect(stateOf(m.storage).hostValid).toBe(false);
    expect(m.toFlatArray()).toEqual(T.gt(a, 0).toFlatArray());
    expect(String(m.dtype)).toBe('torch.bool');
  });

  it('index_select, gather, scatter, scatter_add, index_add (repeated indices in the CPU order)', () => {
    torch.manual_seed(5);
    const x = T.randn([5, 6, 4]), xt = T.randn([6, 5]).t();
    same('index_select 0', [x, idx([4, 0, 0, 2])], (t, i) => F('index_select', t, 0, i));
    same('index_select 1', [x, idx([5, 1])], (t, i) => F('index_select', t, 1, i));
    same('index_select strided', [xt, idx([0, 2, 2])], (t, i) => F('index_select', t, 1, i));
    // an int32 index: its host copy is checked (no read) when current, else read back once for the bounds check
    const i32idx = idx([1, 3]).int();
    const want = F('index_select', x, 2, i32idx);
    for (const [where, ix, expected] of [['host', gpu(i32idx), 0], ['device', dev(i32idx), 1]] as const) {
      const [got, n] = reads(() => F('index_select', dev(x), 2, ix));
      expect(n, `int32 index on the ${where}: reads`).toBe(expected);
      expect(stateOf(got.storage).hostValid).toBe(false);
      close(got.cpu(), want);
    }
    same('index_select int32', [x.int(), idx([3])], (t, i) => F('index_select', t, 0, i));
    const gi = idx([0, 3, 3, 1, 2, 0, 5, 5], [2, 4, 1]);
    same('gather', [x, gi], (t, i) => F('gather', t, 1, i));
    same('gather strided', [xt, idx([0, 4, 4, 1], [2, 2])], (t, i) => F('gather', t, 1, i));
    const dup = idx([1, 1, 0, 2, 1, 0, 2, 2, 2, 0, 1, 1], [3, 4]);
    const src = T.randn([3, 4]).mul(1e3);
    const base = T.randn([3, 5]);
    same('scatter src (last write wins)', [base, dup, src], (t, i, s) => F('scatter', t, 1, i, s));
    same('scatter value', [base, dup], (t, i) => F('scatter', t, 0, i, -2.5));
    same('scatter_add (order of additions)', [base, dup, src], (t, i, s) => F('scatter_add', t, 1, i, s));
    same('scatter_add dim 0', [T.randn([3, 4]), dup, src], (t, i, s) => F('scatter_add', t, 0, i, s));
    same('scatter reduce add', [base, dup, src], (t, i, s) => FK('scatter', [t, 1, i, s], { reduce: 'add' }));
    same('scatter reduce multiply', [base, dup, src], (t, i, s) => FK('scatter', [t, 1, i, s], { reduce: 'multiply' }));
    same('scatter_ in place', [base, dup, src], (t, i, s) => t.clone().scatter_(1, i, s));
    same('scatter int32', [base.int(), dup, src.int()], (t, i, s) => F('scatter_add', t, 1, i, s));
    const rows = idx([2, 0, 2, 2, 4]);
    same('index_add', [x, rows, T.randn([5, 6, 4]).mul(100)], (t, i, s) => F('index_add', t, 0, i, s));
    same('index_add alpha', [x, idx([3, 3, 0]), T.randn([5, 3, 4])], (t, i, s) => FK('index_add', [t, 1, i, s], { alpha: 0.5 }), 1e-6, 1e-7);
    // backward ops: scatter_add for gather, index_add for index_select, gather for scatter
    sameGrad('gather backward', x, (t) => F('gather', t, 1, gi.to(t.device as never)));
    sameGrad('index_select backward', x, (t) => F('index_select', t, 0, idx([4, 0, 0, 2, 0]).to(t.device as never)));
    sameGrad('scatter backward', base, (t) => F('scatter', t, 1, dup.to(t.device as never), 0.5));
    // an out-of-range index raises the CPU's error
    expect(() => F('index_select', gpu(x), 0, idx([5]).to('webgpu'))).toThrow('index out of range in self');
    expect(() => F('gather', gpu(x), 1, idx([6], [1, 1, 1]).to('webgpu'))).toThrow('index 6 is out of bounds for dimension 1 with size 6');
  });

  it('indices made by a GPU reduction are used there (max(dim) backward, gather by argmax)', () => {
    const x = ties();
    const g = gpu(x);
    const [am, n] = reads(() => F('argmax', g, 1, true));
    expect(n).toBe(0);
    expect(String(am.dtype)).toBe('torch.int64');
    const [picked, n2] = reads(() => F('gather', g, 1, am));
    expect(n2).toBe(0);
    close(picked.cpu(), F('gather', x, 1, F('argmax', x, 1, true)));
    close(am.cpu(), F('argmax', x, 1, true));
    // written on the host, the indices become host values (never narrowed)
    const a2 = F('argmax', g, 2);
    a2.add_(2 ** 40);
    close(a2.cpu(), F('argmax', x, 2).add(2 ** 40));
    expect(onGpu(a2)).toBe(false);
  });

  it('embedding forward and backward (padding_idx, scale_grad_by_freq, negative indices)', () => {
    torch.manual_seed(6);
    const w = T.randn([10, 8]);
    const ids = idx([1, 4, 4, 9, 0, 4, -1, 3], [2, 4]);
    same('embedding', [w, ids], (t, i) => F('embedding', t, i));
    same('embedding strided weight', [T.randn([8, 10]).t(), idx([0, 7, 7])], (t, i) => F('embedding', t, i));
    const pos = idx([1, 4, 4, 9, 0, 4, 2, 3], [2, 4]);
    const gr = T.randn([2, 4, 8]);
    for (const [pad, freq] of [[-1, false], [4, false], [-1, true], [0, true]] as const) {
      same(`embedding_dense_backward ${pad} ${freq}`, [gr, pos], (g, i) => F('embedding_dense_backward', g, i, 10, pad, freq), freq ? 1e-6 : 0);
    }
    sameGrad('embedding backward', w, (t) => F('embedding', t, pos.to(t.device as never)));
    sameGrad('embedding backward, padding', w, (t) => FK('embedding', [t, pos.to(t.device as never)], { padding_idx: 4 }));
  });

  it('cat and stack copy into one buffer on the GPU', () => {
    torch.manual_seed(7);
    const a = T.randn([3, 4]), b = T.randn([3, 2]), c = T.randn([4, 3]).t();
    same('cat dim 1', [a, b, c], (u, v, w) => T.cat([u, v, w], 1));
    same('cat dim 0', [a, c], (u, v) => T.cat([u, v.narrow(0, 0, 2)], 0));
    same('cat int32 + float32', [a, b.int()], (u, v) => T.cat([u, v], 1));
    same('cat with an empty 1-D', [a, T.zeros([0])], (u, v) => T.cat([u, v], 0));
    same('cat bool masks', [a], (u) => T.cat([T.gt(u, 0), T.lt(u, 0)], 0));
    same('stack', [a, c.narrow(1, 0, 4)], (u, v) => T.stack([u, v], 1));
    same('stack dim 0', [a, a], (u, v) => T.stack([u, v], 0));
    sameGrad('cat backward', a, (t) => T.cat([t, T.mul(t, 2)], 1));
    sameGrad('stack backward', a, (t) => T.stack([t, t], 2));
  });

  it('softmax and log_softmax along a non-last dim, and their backwards', () => {
    torch.manual_seed(8);
    const x = T.randn([4, 5, 6]).mul(3);
    for (const fn of ['softmax', 'log_softmax']) {
      for (const dim of [0, 1, -2]) {
        same(`${fn}(${dim})`, [x], (t) => F(fn, t, dim), 1e-5, 1e-7);
        sameGrad(`${fn}(${dim}) backward`, x, (t) => F(fn, t, dim), 1e-4, 1e-6);
      }
    }
    const withNan = x.clone();
    withNan.storage.data[0] = NaN;
    same('softmax NaN column', [withNan], (t) => F('softmax', t, 0), 1e-5, 1e-7);
  });

  it('counts the new kernels by family', () => {
    resetKernelStats();
    const g = gpu(ties());
    F('argmax', g, 1);
    F('index_select', g, 0, idx([1]).to('webgpu'));
    T.gt(g, 0);
    const s = kernelStats();
    expect(s['reduce:max']).toBe(1);
    expect(s['index:pick']).toBe(1);
    expect(s['map:f32']).toBe(1);
  });
});

afterAll(() => { setDefaultDevice('cpu'); });
