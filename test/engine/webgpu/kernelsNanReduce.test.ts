// The webgpu NaN-aware and logical reductions (engine/backends/webgpu/kernelsNan.ts) against the CPU engine
// on the same values: nansum / nanmean (NaN rows, all-NaN rows, inf, empty reductions, dims as int, negative
// and tuples, keepdim, strided views, rows longer than a workgroup) and their gradients; all / any /
// count_nonzero over float32 (NaN and -0 count as nonzero / zero as PyTorch's != 0), int32, bool, uint8
// (all / any give uint8), kernel-made int64, 0-dim and empty inputs, with their dtypes (bool, int64); nansum
// of bool / uint8 to int64 on the device. Inputs exist only on the device; no device buffer is read back.
// Dtypes without a GPU path (int32 nansum to int64, float64, host-made int64) still give the CPU's values.
// Skipped without an adapter.
import { afterAll, describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { setDefaultDevice, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { kernelStats, onGpu, resetKernelStats } from '../../../engine/backends/webgpu/kernels';
import { stateOf } from '../../../engine/backends/webgpu/storage';
import { F, FK, T, close, dev, gpu, madeOnGpu, reads, same, sameGrads } from './gpuCheck';

const available = webgpuAvailable();
const RT = 1e-4, AT = 1e-5;
const dt = (t: Tensor) => String(t.dtype);

/** A float32 [3, 4, 5] tensor with NaN at a few places (one whole row along the last dim), -0 and inf. */
function withNans(): Tensor {
  torch.manual_seed(1);
  const x = T.randn([3, 4, 5]);
  const d = x.storage.data;
  for (const k of [0, 7, 13, 22, 41, 59]) d[k] = NaN;
  for (let k = 25; k < 30; k++) d[k] = NaN; // x[1, 1, :] all NaN
  d[3] = -0; d[50] = Infinity;
  return x;
}

/** A [3, 4, 5] tensor with many zeros (and NaN / -0 for float32), as `kind`. */
function sparse(kind: 'float32' | 'int32' | 'bool' | 'uint8'): Tensor {
  torch.manual_seed(2);
  const ints = T.randint(-1, 3, [3, 4, 5]).mul(T.randint(0, 2, [3, 4, 5]));
  if (kind === 'float32') {
    const x = ints.float();
    x.storage.data[5] = NaN; x.storage.data[6] = -0; x.storage.data[17] = NaN;
    for (let k = 40; k < 45; k++) x.storage.data[k] = 0; // x[2, 0, :] all zero
    for (let k = 45; k < 50; k++) x.storage.data[k] = k === 47 ? NaN : 1; // x[2, 1, :] all nonzero
    return x;
  }
  if (kind === 'int32') return ints.int();
  if (kind === 'bool') return F('ne', ints, 0);
  return F('abs', ints).mul(70).to(torch.uint8 as never) as Tensor;
}

describe('webgpu nansum / nanmean / all / any / count_nonzero', () => {
  if (!available) { it.skip('no WebGPU adapter', () => {}); return; }

  it('nansum over dims (NaN, all-NaN rows, inf, keepdim, tuples, negative dims, strided, long rows, empty)', () => {
    const x = withNans();
    same('all', [x], (t) => F('nansum', t), RT, AT);
    for (const dim of [0, 1, 2, -1, -3]) {
      same(`dim ${dim}`, [x], (t) => F('nansum', t, dim), RT, AT);
      same(`dim ${dim} keepdim`, [x], (t) => F('nansum', t, dim, true), RT, AT);
    }
    same('dims (0, 2)', [x], (t) => F('nansum', t, [0, 2]), RT, AT);
    same('dims (-1, 0) keepdim', [x], (t) => F('nansum', t, [-1, 0], true), RT, AT);
    same('dims ()', [x], (t) => F('nansum', t, []), RT, AT);
    same('transposed', [x], (t) => F('nansum', t.transpose(0, 2), 1), RT, AT);
    same('transposed all', [x], (t) => F('nansum', t.transpose(0, 2)), RT, AT);
    same('dtype float32 from int32', [T.tensor([[1, 2, -3], [4, 0, 6]]).int()], (t) => FK('nansum', [t, 1], { dtype: torch.float32 }), RT, AT);
    torch.manual_seed(3);
    const long = T.randn([2, 1000]);
    long.storage.data[10] = NaN; long.storage.data[999] = NaN;
    same('long rows', [long], (t) => F('nansum', t, 1), RT, AT);
    same('long columns', [long], (t) => F('nansum', t.t(), 0), RT, AT);
    same('empty reduction', [T.zeros([3, 0])], (t) => F('nansum', t, 1), RT, AT);
    same('empty all', [T.zeros([3, 0])], (t) => F('nansum', t), RT, AT);
    same('empty output', [T.zeros([0, 4])], (t) => F('nansum', t, 1), RT, AT);
    same('0-dim NaN', [T.tensor(NaN)], (t) => F('nansum', t), RT, AT);
    same('0-dim', [T.tensor(2.5)], (t) => F('nansum', t, 0, true), RT, AT);
  });

  it('nansum of bool / uint8 gives int64 on the device; int32 and float64 keep the CPU path', () => {
    for (const kind of ['bool', 'uint8'] as const) {
      const x = sparse(kind);
      for (const dims of [null, 1, [0, -1]]) {
        same(`${kind} ${dims}`, [x], (t) => (dims === null ? F('nansum', t) : F('nansum', t, dims)));
        const r = F('nansum', dev(x), dims ?? []);
        expect(dt(r)).toBe('torch.int64');
        expect(stateOf(r.storage).bound).toBeGreaterThan(0);
      }
      same(`${kind} keepdim transposed`, [x], (t) => F('nansum', t.transpose(1, 2), 2, true));
    }
    // int32 (may be negative or past int32) and float64: the CPU's values
    const xi = sparse('int32');
    const ri = F('nansum', dev(xi), 1);
    expect(dt(ri)).toBe('torch.int64');
    close(ri.cpu(), F('nansum', xi, 1));
    const xd = withNans().double();
    close(F('nansum', gpu(xd), 2).cpu(), F('nansum', xd, 2));
    close(FK('nansum', [dev(withNans()), 2], { dtype: torch.float64 }).cpu(), FK('nansum', [withNans(), 2], { dtype: torch.float64 }));
  });

  it('nanmean over dims (all-NaN rows give NaN, empty reductions NaN, keepdim, tuples, strided)', () => {
    const x = withNans();
    same('all', [x], (t) => F('nanmean', t), RT, AT);
    for (const dim of [0, 1, -1]) same(`dim ${dim}`, [x], (t) => F('nanmean', t, dim), RT, AT);
    same('dims keepdim', [x], (t) => F('nanmean', t, [0, 2], true), RT, AT);
    same('transposed', [x], (t) => F('nanmean', t.transpose(0, 2), [0, 1]), RT, AT);
    same('all NaN', [T.tensor([[NaN, NaN], [1, NaN]])], (t) => F('nanmean', t, 1), RT, AT);
    same('empty reduction', [T.zeros([3, 0])], (t) => F('nanmean', t, 1), RT, AT);
    same('dtype float32', [x], (t) => FK('nanmean', [t, 1], { dtype: torch.float32 }), RT, AT);
    const xd = withNans().double();
    close(F('nanmean', gpu(xd), 2).cpu(), F('nanmean', xd, 2));
  });

  it('nansum / nanmean gradients (zero at NaN)', () => {
    const x = withNans();
    sameGrads('nansum all', [x], (t) => F('nansum', t), RT, AT);
    sameGrads('nansum dim', [x], (t) => F('nansum', t, 1), RT, AT);
    sameGrads('nansum dims keepdim', [x], (t) => F('nansum', t, [0, -1], true), RT, AT);
    sameGrads('nansum transposed', [x], (t) => F('nansum', t.transpose(0, 1), 0), RT, AT);
    sameGrads('nanmean all', [x], (t) => F('nanmean', t), RT, AT);
    sameGrads('nanmean dim', [x], (t) => F('nanmean', t, 2), RT, AT);
    sameGrads('nanmean dims keepdim', [x], (t) => F('nanmean', t, [1, 2], true), RT, AT);
  });

  it('all / any over float32 (NaN, -0), int32, bool, uint8: exact, with dtypes', () => {
    for (const kind of ['float32', 'int32', 'bool', 'uint8'] as const) {
      const x = sparse(kind);
      for (const op of ['all', 'any']) {
        same(`${op} ${kind}`, [x], (t) => F(op, t));
        for (const dim of [0, 1, 2, -1]) {
          same(`${op} ${kind} dim ${dim}`, [x], (t) => F(op, t, dim));
          same(`${op} ${kind} dim ${dim} keepdim`, [x], (t) => F(op, t, dim, true));
        }
        same(`${op} ${kind} transposed`, [x], (t) => F(op, t.transpose(0, 2), 1));
        const r = F(op, dev(x), 1);
        expect(dt(r)).toBe(kind === 'uint8' ? 'torch.uint8' : 'torch.bool');
      }
    }
    // the float32 mask values: NaN and nonzero are true, 0 and -0 false
    const z = T.tensor([[0, -0, 0], [0, NaN, 0], [1, 2, 3], [NaN, NaN, -1]]);
    expect(F('any', dev(z), 1).toFlatArray()).toEqual([0, 1, 1, 1]);
    expect(F('all', dev(z), 1).toFlatArray()).toEqual([0, 0, 1, 1]);
    // long rows: one zero / one nonzero among 1000
    const ones = T.ones([2, 1000]);
    ones.storage.data[1999] = 0;
    same('all long rows', [ones], (t) => F('all', t, 1));
    same('any long rows', [F('sub', ones, 1)], (t) => F('any', t, 1));
  });

  it('all / any / count_nonzero of 0-dim and empty inputs', () => {
    for (const op of ['all', 'any']) {
      same(`${op} 0-dim`, [T.tensor(0.0).float()], (t) => F(op, t));
      same(`${op} 0-dim dim`, [T.tensor(3.0).float()], (t) => F(op, t, 0, true));
      same(`${op} empty`, [T.zeros([3, 0])], (t) => F(op, t));
      same(`${op} empty dim`, [T.zeros([3, 0])], (t) => F(op, t, 1));
      same(`${op} empty output`, [T.zeros([0, 3])], (t) => F(op, t, 1, true));
    }
    expect(F('all', dev(T.zeros([3, 0])), 1).toFlatArray()).toEqual([1, 1, 1]);
    expect(F('any', dev(T.zeros([3, 0])), 1).toFlatArray()).toEqual([0, 0, 0]);
    same('count_nonzero 0-dim', [T.tensor(2.0).float()], (t) => F('count_nonzero', t));
    same('count_nonzero empty', [T.zeros([3, 0])], (t) => F('count_nonzero', t));
    same('count_nonzero empty dim', [T.zeros([3, 0])], (t) => F('count_nonzero', t, 1));
    same('count_nonzero empty output', [T.zeros([0, 3])], (t) => F('count_nonzero', t, 1));
  });

  it('count_nonzero over dims (int, negative, tuples), int64 with a bound; kernel-made int64 input; host int64 on the CPU', () => {
    for (const kind of ['float32', 'int32', 'bool', 'uint8'] as const) {
      const x = sparse(kind);
      same(`${kind} all`, [x], (t) => F('count_nonzero', t));
      for (const dim of [0, 1, -1]) same(`${kind} dim ${dim}`, [x], (t) => F('count_nonzero', t, dim));
      same(`${kind} dims (0, 2)`, [x], (t) => F('count_nonzero', t, [0, 2]));
      same(`${kind} dims (-1, -2)`, [x], (t) => F('count_nonzero', t, [-1, -2]));
      same(`${kind} transposed`, [x], (t) => F('count_nonzero', t.transpose(0, 2), [0]));
      const r = F('count_nonzero', dev(x), 1);
      expect(dt(r)).toBe('torch.int64');
      expect(stateOf(r.storage).bound).toBe(4 + 1);
    }
    // int64 made on the device (argmax indices: i32 words)
    torch.manual_seed(4);
    const y = T.randn([6, 5]);
    const want = F('count_nonzero', F('argmax', y, 1));
    const idx = F('argmax', dev(y), 1);
    const [got, n] = reads(() => F('count_nonzero', idx));
    expect(n).toBe(0);
    madeOnGpu(got, 'count of kernel-made int64');
    close(got.cpu(), want);
    const [anyIdx] = reads(() => F('any', idx));
    close(anyIdx.cpu(), F('any', F('argmax', y, 1)));
    // int64 made on the host: the CPU path, the same values
    const h = sparse('int32').long();
    const hr = F('count_nonzero', gpu(h), [0, 2]);
    close(hr.cpu(), F('count_nonzero', h, [0, 2]));
    close(F('all', gpu(h), 1).cpu(), F('all', h, 1));
  });

  it('half types: all / any / count_nonzero from their float32 words', () => {
    const x = sparse('float32').half();
    const g = gpu(x);
    expect(onGpu(g)).toBe(true);
    for (const [op, dim] of [['all', 1], ['any', 2], ['count_nonzero', 0]] as const) {
      const [r, n] = reads(() => F(op, g, dim));
      expect(n).toBe(0);
      madeOnGpu(r, `${op} of float16`);
      close(r.cpu(), F(op, x, dim));
    }
  });

  it('runs as reduction kernels (no CPU fallback)', () => {
    const x = dev(withNans());
    const b = dev(sparse('bool'));
    resetKernelStats();
    const [, n] = reads(() => [F('nansum', x, 1), F('nanmean', x), F('all', b), F('any', x, 0), F('count_nonzero', b, [0, 1]), F('nansum', b)]);
    expect(n).toBe(0);
    const s = kernelStats();
    expect(s['reduce:nansum']).toBe(2);
    expect(s['reduce:count']).toBe(5);
  });
});

afterAll(() => { setDefaultDevice('cpu'); });
