// The webgpu sorting and selection kernels (engine/backends/webgpu/kernelsSort.ts, kernelsSortSeq.ts)
// against the CPU engine on the same values, exactly (values and int64 indices): sort / argsort / msort
// (ascending, descending, stable or not) with many ties, NaN and signed zeros along any dim, strided,
// int32, slices longer than one bitonic block (merge passes); topk (largest / smallest, sorted or not, the
// partial_sort and nth_element paths of the CPU); kthvalue; median / nanmedian along a dim (NaN rows,
// all-NaN rows) and over all elements; and the gradients (a scatter by the indices). Inputs exist only on
// the device; no device buffer is read back. Skipped without an adapter.
import { afterAll, describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { setDefaultDevice, webgpuAvailable } from '../../../engine/backends/webgpu/index';
import { kernelStats, resetKernelStats } from '../../../engine/backends/webgpu/kernels';
import { stateOf } from '../../../engine/backends/webgpu/storage';
import { F, FK, T, dev, reads, same, sameGrads } from './gpuCheck';

const available = webgpuAvailable();
const tuple = (r: unknown) => (Array.isArray(r) ? r : (r as { values: Tensor[] }).values) as Tensor[];

/** small integers (many ties), some NaN, -0 and +0 */
function tied(shape: number[], seed: number, nans = true): Tensor {
  torch.manual_seed(seed);
  const x = T.randint(-3, 4, shape).float();
  const d = x.storage.data;
  for (let k = 0; k < d.length; k += 7) d[k] = nans && k % 3 === 0 ? NaN : -0;
  return x;
}

describe('webgpu sorting and selection kernels', () => {
  if (!available) { it.skip('no WebGPU adapter', () => {}); return; }

  it('sort / argsort / msort with ties, NaN and signed zeros, stable or not, along any dim', () => {
    const x = tied([3, 5, 9], 1);
    for (const dim of [0, 1, 2, -1]) {
      for (const descending of [false, true]) {
        for (const stable of [false, true]) {
          same(`sort ${dim} ${descending} ${stable}`, [x], (t) => tuple(FK('sort', [t], { dim, descending, stable })));
        }
        same(`sort default ${dim} ${descending}`, [x], (t) => tuple(F('sort', t, dim, descending)));
        same(`argsort ${dim} ${descending}`, [x], (t) => F('argsort', t, dim, descending));
      }
    }
    same('msort', [x], (t) => F('msort', t));
    same('strided', [x], (t) => tuple(F('sort', t.transpose(0, 2), 1)));
    same('int32', [x.nan_to_num().int()], (t) => tuple(F('sort', t, 1, true)));
    same('0-dim', [T.tensor(1.5)], (t) => tuple(F('sort', t)));
    same('empty', [T.zeros([3, 0])], (t) => tuple(F('sort', t)));
    same('distinct values', [T.randn([4, 37])], (t) => tuple(F('sort', t, 1)));
  });

  it('sort of slices longer than a bitonic block (merge passes), with and without ties', () => {
    same('1500 distinct', [T.randn([2, 1500])], (t) => tuple(F('sort', t, 1, true)));
    same('2600 ties stable', [tied([2600], 2)], (t) => tuple(FK('sort', [t], { stable: true })));
    same('1100 ties unstable (std::sort)', [tied([1100, 2], 3)], (t) => tuple(F('sort', t, 0)));
    same('1100 ties unstable descending', [tied([1100], 4)], (t) => tuple(F('sort', t, 0, true)));
  });

  it('topk: largest / smallest, sorted or not, partial_sort and nth_element paths, ties and NaN', () => {
    const x = tied([3, 10], 5), long = tied([2, 200], 6);
    for (const largest of [true, false]) {
      for (const sorted of [true, false]) {
        for (const k of [0, 1, 3, 10]) same(`topk ${k} ${largest} ${sorted}`, [x], (t) => tuple(FK('topk', [t, k], { largest, sorted })));
        same(`topk partial ${largest} ${sorted}`, [long], (t) => tuple(FK('topk', [t, 3], { largest, sorted })));
        same(`topk nth ${largest} ${sorted}`, [long], (t) => tuple(FK('topk', [t, 150], { largest, sorted })));
      }
    }
    same('topk dim 0', [x], (t) => tuple(F('topk', t, 2, 0)));
    same('topk distinct', [T.randn([5, 40])], (t) => tuple(F('topk', t, 5)));
    same('topk int32', [x.nan_to_num().int()], (t) => tuple(F('topk', t, 4)));
  });

  it('kthvalue and median / nanmedian along a dim (NaN rows, all-NaN rows), median of all elements', () => {
    const x = tied([4, 9], 7);
    for (const k of [1, 4, 9]) same(`kthvalue ${k}`, [x], (t) => tuple(F('kthvalue', t, k, 1)));
    same('kthvalue keepdim dim 0', [x], (t) => tuple(F('kthvalue', t, 2, 0, true)));
    same('kthvalue distinct', [T.randn([3, 50])], (t) => tuple(F('kthvalue', t, 20)));
    const rows = T.tensor([[NaN, NaN, NaN, NaN, NaN], [1, NaN, 2, 2, 1], [3, 3, 3, 3, 3], [NaN, 1, NaN, NaN, NaN]]);
    const short = T.tensor([[NaN, NaN, NaN], [NaN, 2, 1]]);
    for (const op of ['median', 'nanmedian']) {
      same(`${op} ties`, [x], (t) => tuple(F(op, t, 1)));
      same(`${op} dim 0 keepdim`, [x], (t) => tuple(F(op, t, 0, true)));
      same(`${op} NaN rows`, [rows], (t) => tuple(F(op, t, 1)));
      same(`${op} short rows`, [short], (t) => tuple(F(op, t, 1)));
      same(`${op} all`, [T.randn([5, 7])], (t) => F(op, t));
      same(`${op} all NaN`, [x], (t) => F(op, t));
    }
    same('median int32', [x.nan_to_num().int()], (t) => tuple(F('median', t, 1)));
  });

  it('gradients of sort, topk, kthvalue, median', () => {
    const x = tied([3, 8], 8, false);
    sameGrads('sort', [x], (t) => tuple(F('sort', t, 1))[0]);
    sameGrads('sort stable descending', [x], (t) => tuple(FK('sort', [t], { dim: 0, descending: true, stable: true }))[0]);
    sameGrads('topk', [x], (t) => tuple(F('topk', t, 3))[0]);
    sameGrads('topk unsorted', [x], (t) => tuple(FK('topk', [t, 6], { sorted: false }))[0]);
    sameGrads('kthvalue', [x], (t) => tuple(F('kthvalue', t, 2, 1))[0]);
    sameGrads('median dim', [x], (t) => tuple(F('median', t, 0))[0]);
    sameGrads('median all', [T.randn([3, 5])], (t) => F('median', t));
  });

  it('runs as sort kernels; the indices are int64 words on the device', () => {
    const x = dev(tied([4, 6], 9));
    resetKernelStats();
    const [r, n] = reads(() => tuple(F('sort', x, 1)));
    expect(n).toBe(0);
    expect(kernelStats()['sort:block']).toBe(1);
    expect(stateOf(r[1].storage).bound).toBe(6);
    expect(r[1].toFlatArray()).toEqual(tuple(F('sort', x.cpu(), 1))[1].toFlatArray());
  });
});

afterAll(() => { setDefaultDevice('cpu'); });
