// Op table: sorting and selection. sort/argsort/msort, topk, kthvalue, median/nanmedian, mode,
// unique/unique_consecutive. Ties are broken exactly as PyTorch 1.13's CPU kernels break them: they call
// libstdc++'s std::sort / nth_element / partial_sort (ported in engine/backends/cpu/reduce.ts). On the
// webgpu device sort/topk/kthvalue/median run there with the same ties (engine/backends/webgpu/kernelsSort.ts).
import { noGrad, record } from '../../autograd';
import { gpuKthvalue, gpuMedian, gpuSort, gpuTopk } from '../../backends/webgpu/kernelsSort';
import { gpuEvenlyDistribute } from '../../backends/webgpu/kernelsReduce';
import { DType, dtypes } from '../../dtype';
import { TorchError, check } from '../../errors';
import { namedTuple } from '../../namedtuple';
import { wrapDim } from '../../shape';
import { Tensor } from '../../tensor';
import { call } from '../util';
import { Less, nthElement, partialSort, quickSelect, stdSort } from '../../backends/cpu/reduce';
import { defineOps } from '../spec';
import { evenlyDistribute, fromValues, reduction, valueSelectingBackward } from './reduce';

const isNan = (x: number) => x !== x;
/** Orders on the indices of one slice's values; NaN sorts as the largest value (numpy order). */
const ascending = (v: Float64Array): Less<number> => (a, b) => (!isNan(v[a]) && isNan(v[b])) || v[a] < v[b];
const descending = (v: Float64Array): Less<number> => (a, b) => (isNan(v[a]) && !isNan(v[b])) || v[a] > v[b];

/**
 * The indices of `v` in ascending (or descending) order when no two values are equal and none is NaN:
 * then every correct sort gives this order, and a native sort finds it fast. null otherwise.
 */
function distinctOrder(v: Float64Array, desc: boolean): number[] | null {
  const s = Float64Array.from(v).sort();
  for (let i = 0; i < s.length; i++) if (isNan(s[i]) || (i > 0 && s[i] === s[i - 1])) return null;
  const at = new Map<number, number>();
  v.forEach((x, i) => at.set(x, i));
  const order = Array.from(s, (x) => at.get(x)!);
  return desc ? order.reverse() : order;
}

/** The slice's indices in sorted order: stable, or as libstdc++'s std::sort leaves equal elements. */
function sortedIndices(v: Float64Array, desc: boolean, stable: boolean): number[] {
  const fast = distinctOrder(v, desc);
  if (fast) return fast;
  const comp = desc ? descending(v) : ascending(v);
  const idx = Array.from({ length: v.length }, (_, i) => i);
  if (stable) idx.sort((a, b) => (comp(a, b) ? -1 : comp(b, a) ? 1 : a - b));
  else stdSort(idx, 0, idx.length, comp);
  return idx;
}

/**
 * Run `fn` on every slice along dim (its values as a Float64Array); fn returns `outN` indices into the
 * slice, which become the result's values and indices along dim.
 */
function perSlice(self: Tensor, dim: number, outN: number, fn: (v: Float64Array) => number[]): { values: Float64Array; indices: Float64Array; d: number } {
  const d = self.ndim === 0 ? 0 : wrapDim(dim, self.ndim);
  const n = self.ndim === 0 ? 1 : self.shape[d];
  const inner = self.ndim === 0 ? 1 : self.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const nSlices = n === 0 ? 0 : self.numel() / n;
  const values = new Float64Array(nSlices * outN), indices = new Float64Array(nSlices * outN);
  const src = self.contiguousData();
  const v = new Float64Array(n);
  for (let s = 0; s < nSlices; s++) {
    // slice s = (outer index o, inner index j); element i of it sits at (o * n + i) * inner + j
    const o = Math.floor(s / inner), j = s % inner;
    for (let i = 0; i < n; i++) v[i] = src[(o * n + i) * inner + j];
    fn(v).forEach((i, k) => { const at = (o * outN + k) * inner + j; values[at] = v[i]; indices[at] = i; });
  }
  return { values, indices, d };
}

function sort(self: Tensor, dim: number, desc: boolean, stable: boolean, node = 'SortBackward0') {
  const n = self.ndim === 0 ? 1 : self.shape[wrapDim(dim, self.ndim)];
  const d = self.ndim === 0 ? 0 : wrapDim(dim, self.ndim);
  const [v, ix] = gpuSort(self, d, desc, stable) ?? fromSlices(self.shape, self.dtype, perSlice(self, dim, n, (v) => sortedIndices(v, desc, stable)));
  record(node, [self], [v, ix], ([g]) => [valueSelectingBackward(g!, d, ix, self, true)]);
  return namedTuple('sort', ['values', 'indices'], [v, ix]);
}

/** perSlice's values and indices as tensors of `shape`. */
function fromSlices(shape: readonly number[], dtype: DType, r: { values: Float64Array; indices: Float64Array }): [Tensor, Tensor] {
  return [fromValues(shape, dtype, r.values), fromValues(shape, dtypes.int64, r.indices)];
}

function topk(self: Tensor, k: number, dim: number, largest: boolean, sorted: boolean) {
  const d = self.ndim === 0 ? 0 : wrapDim(dim, self.ndim);
  const n = self.ndim === 0 ? 1 : self.shape[d];
  check(k >= 0 && k <= n, 'selected index k out of range', 'RuntimeError');
  const shape = self.ndim === 0 ? [] : self.shape.map((s, i) => (i === d ? k : s));
  const [v, ix] = gpuTopk(self, d, k, largest, sorted) ?? fromSlices(shape, self.dtype, perSlice(self, d, k, (v) => {
    if (k === 0) return [];
    const comp = largest ? descending(v) : ascending(v);
    // with distinct values a sorted top-k is unique; otherwise (and unsorted) follow libstdc++ step for step
    const fast = sorted ? distinctOrder(v, largest) : null;
    if (fast) return fast.slice(0, k);
    const items = Array.from({ length: v.length }, (_, i) => i);
    if (k * 64 <= items.length) partialSort(items, 0, k, items.length, comp);
    else {
      nthElement(items, 0, k - 1, items.length, comp);
      if (sorted) stdSort(items, 0, k - 1, comp);
    }
    return items.slice(0, k);
  }));
  record('TopkBackward0', [self], [v, ix], ([g]) => [valueSelectingBackward(g!, d, ix, self, true)]);
  return namedTuple('topk', ['values', 'indices'], [v, ix]);
}

/** An op that picks one element per slice along dim (kthvalue, median(dim), mode); `gpu(d, outShape)` may do it on the device. */
function selectAlong(self: Tensor, dim: number, keepdim: boolean, name: string, grad: string, pick: (v: Float64Array) => number,
  gpu?: (d: number, outShape: number[]) => [Tensor, Tensor] | null) {
  const r = reduction(self, self.ndim === 0 ? null : dim, keepdim);
  const d = self.ndim === 0 ? 0 : wrapDim(dim, self.ndim);
  if (self.ndim > 0 && self.shape[d] === 0) throw new TorchError('IndexError', `${name}(): Expected reduction dim ${d} to have non-zero size.`);
  const [v, ix] = gpu?.(d, r.outShape) ?? fromSlices(r.outShape, self.dtype, perSlice(self, d, 1, (v) => [pick(v)]));
  record(grad, [self], [v, ix], ([g]) => [valueSelectingBackward(g!, d, ix, self, keepdim)]);
  return namedTuple(name, ['values', 'indices'], [v, ix]);
}

function kthvalue(self: Tensor, k: number, dim: number, keepdim: boolean) {
  const d = self.ndim === 0 ? 0 : wrapDim(dim, self.ndim);
  check(k >= 1 && k <= (self.ndim > 0 ? self.shape[d] : 1), () => `kthvalue(): selected number k out of range for dimension ${d}`);
  return selectAlong(self, dim, keepdim, 'kthvalue', 'KthvalueBackward0', (v) => {
    const items = Array.from({ length: v.length }, (_, i) => i);
    quickSelect(items, k - 1, descending(v));
    return items[k - 1];
  }, (dd, shape) => gpuKthvalue(self, dd, k, shape));
}

/** median / nanmedian along dim: the lower median in (value, index) order; median returns the first NaN. */
function medianDim(self: Tensor, dim: number, keepdim: boolean, ignoreNan: boolean) {
  const name = ignoreNan ? 'nanmedian' : 'median';
  return selectAlong(self, dim, keepdim, name, ignoreNan ? 'NanmedianBackward1' : 'MedianBackward1', (v) => {
    const firstNan = v.findIndex(isNan);
    if (!ignoreNan && firstNan >= 0) return firstNan;
    const nNan = v.filter(isNan).length;
    const asc = ascending(v);
    const order: Less<number> = (a, b) => asc(a, b) || (v[a] === v[b] && a < b);
    const k = Math.max(Math.floor((v.length - nNan - 1) / 2), 0);
    const items = Array.from({ length: v.length }, (_, i) => i);
    nthElement(items, 0, k, items.length, order);
    return items[k];
  }, (dd, shape) => gpuMedian(self, dd, ignoreNan, shape));
}

function medianAll(self: Tensor, ignoreNan: boolean): Tensor {
  const gpu = self.numel() > 0 && self.device.type === 'webgpu' ? gpuMedian(noGrad(() => call('reshape', self, [-1])), 0, ignoreNan, []) : null;
  if (gpu) {
    const v = gpu[0];
    record(ignoreNan ? 'NanmedianBackward0' : 'MedianBackward0', [self], v, ([g]) => [gpuEvenlyDistribute(g!, self, v) ?? evenlyDistribute(g!, self, v.scalarValue())]);
    return v;
  }
  const vals = self.toFlatArray();
  let res: number;
  if (vals.length === 0) res = NaN;
  else if (!ignoreNan && vals.some(isNan)) res = NaN;
  else {
    const nNan = vals.filter(isNan).length;
    const sorted = vals.filter((v) => !isNan(v)).sort((a, b) => a - b);
    res = nNan === vals.length ? NaN : sorted[Math.floor((vals.length - nNan - 1) / 2)];
  }
  const out = fromValues([], self.dtype, [res]);
  record(ignoreNan ? 'NanmedianBackward0' : 'MedianBackward0', [self], out, ([g]) => [evenlyDistribute(g!, self, res)]);
  return out;
}

/** mode: std::sort of (value, index) by value, then the most frequent run (the smallest value wins a tie). */
function mode(self: Tensor, dim: number, keepdim: boolean) {
  return selectAlong(self, dim, keepdim, 'mode', 'ModeBackward0', (v) => {
    const items = Array.from({ length: v.length }, (_, i) => i);
    const fast = distinctOrder(v, false);
    if (fast) return fast[0];
    stdSort(items, 0, items.length, (a, b) => v[a] < v[b]);
    let best = items[0], maxFreq = 0, freq = 0;
    for (let i = 0; i < items.length; i++) {
      freq++;
      if (i === items.length - 1 || v[items[i]] !== v[items[i + 1]]) {
        if (freq > maxFreq) { best = items[i]; maxFreq = freq; }
        freq = 0;
      }
    }
    return best;
  });
}

// ---- unique ------------------------------------------------------------------------------------------

/** Rows of `self` along `dim` as arrays of values (dim moved first, the rest flattened). */
function rowsAlong(self: Tensor, d: number): number[][] {
  const n = self.shape[d];
  const rows: number[][] = Array.from({ length: n }, () => []);
  const inner = self.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const flat = self.toFlatArray();
  flat.forEach((v, k) => { rows[Math.floor(k / inner) % n].push(v); });
  return rows;
}

function stackRows(self: Tensor, d: number, rows: number[][]): Tensor {
  const shape = self.shape.slice();
  shape[d] = rows.length;
  const inner = self.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const outer = self.shape.slice(0, d).reduce((a, b) => a * b, 1);
  const vals: number[] = [];
  for (let o = 0; o < outer; o++) for (const r of rows) for (let j = 0; j < inner; j++) vals.push(r[o * inner + j]);
  return fromValues(shape, self.dtype, vals);
}

const cmpRows = (a: number[], b: number[]) => { for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1; return 0; };

function uniqueOut(self: Tensor, op: string, values: Tensor, inverse: Tensor, counts: Tensor, retInv: boolean, retCounts: boolean): Tensor | Tensor[] {
  // PyTorch has no derivative for unique: the node exists, and backward through it raises
  const name = op === '_unique2' ? 'Unique2Backward0' : op === 'unique_dim' ? 'UniqueDimBackward0' : 'UniqueConsecutiveBackward0';
  record(name, [self], values, () => { throw new TorchError('NotImplementedError', `the derivative for '${op}' is not implemented.`); });
  if (!retInv && !retCounts) return values;
  const out = [values];
  if (retInv) out.push(inverse);
  if (retCounts) out.push(counts);
  return out;
}

function unique(self: Tensor, sorted: boolean, retInv: boolean, retCounts: boolean, dim: number | null): Tensor | Tensor[] {
  if (dim === null) {
    check(sorted, 'torch.unique(sorted=False) is not supported yet: PyTorch returns its hash-set order', 'RuntimeError');
    const flat = self.toFlatArray();
    const vals = [...new Set(flat.map((v) => (isNan(v) ? NaN : v)))].sort((a, b) => (isNan(a) ? 1 : isNan(b) ? -1 : a - b));
    const pos = new Map(vals.map((v, i) => [v, i]));
    const inv = flat.map((v) => pos.get(v)!);
    const counts = vals.map(() => 0);
    inv.forEach((i) => { counts[i]++; });
    return uniqueOut(self, '_unique2', fromValues([vals.length], self.dtype, vals), fromValues(self.shape, dtypes.int64, inv),
      fromValues([vals.length], dtypes.int64, counts), retInv, retCounts);
  }
  const d = wrapDim(dim, self.ndim);
  const rows = rowsAlong(self, d);
  const order = rows.map((_, i) => i).sort((a, b) => cmpRows(rows[a], rows[b]) || a - b);
  const uniq: number[][] = [], inv = new Array<number>(rows.length), counts: number[] = [];
  for (const i of order) {
    if (uniq.length === 0 || cmpRows(uniq[uniq.length - 1], rows[i]) !== 0) { uniq.push(rows[i]); counts.push(0); }
    inv[i] = uniq.length - 1;
    counts[counts.length - 1]++;
  }
  return uniqueOut(self, 'unique_dim', stackRows(self, d, uniq), fromValues([rows.length], dtypes.int64, inv),
    fromValues([uniq.length], dtypes.int64, counts), retInv, retCounts);
}

function uniqueConsecutive(self: Tensor, retInv: boolean, retCounts: boolean, dim: number | null): Tensor | Tensor[] {
  const d = dim === null ? null : wrapDim(dim, self.ndim);
  const rows = d === null ? self.toFlatArray().map((v) => [v]) : rowsAlong(self, d);
  const uniq: number[][] = [], inv: number[] = [], counts: number[] = [];
  rows.forEach((r) => {
    if (uniq.length === 0 || cmpRows(uniq[uniq.length - 1], r) !== 0) { uniq.push(r); counts.push(0); }
    inv.push(uniq.length - 1);
    counts[counts.length - 1]++;
  });
  const values = d === null ? fromValues([uniq.length], self.dtype, uniq.map((r) => r[0])) : stackRows(self, d, uniq);
  return uniqueOut(self, 'unique_consecutive', values, fromValues(d === null ? self.shape : [rows.length], dtypes.int64, inv),
    fromValues([uniq.length], dtypes.int64, counts), retInv, retCounts);
}

// ---- the table ---------------------------------------------------------------------------------------

const G = (shape: number[], values?: number[]) => ({ t: shape, grad: true, ...(values ? { values } : {}) });
const TIED = [3, 1, 2, 3, 1, 2, 2, 0];

export default defineOps([
  {
    name: 'sort',
    sig: ['sort(Tensor self, *, bool? stable, int dim=-1, bool descending=False)', 'sort(Tensor self, int dim=-1, bool descending=False)'],
    doc: 'Sorted values and their indices along dim (ascending unless descending=True; NaN sorts last).',
    // sort(stable=...) is the sort.stable overload: SortBackward1
    impl: (a) => sort(a.self, a.dim, a.descending, a.stable === true, a.stable === null || a.stable === undefined ? 'SortBackward0' : 'SortBackward1'),
    samples: [
      { args: [G([2, 4], TIED)], noGradcheck: true }, { args: [G([2, 4], TIED), 0, true], noGradcheck: true },
      { args: [G([2, 4], TIED)], kwargs: { stable: true, descending: true }, noGradcheck: true }, { args: [{ t: [5], dtype: 'int64' }] },
      { args: [G([3, 4])] },
    ],
  },
  {
    name: 'argsort',
    sig: ['argsort(Tensor self, *, bool stable, int dim=-1, bool descending=False)', 'argsort(Tensor self, int dim=-1, bool descending=False)'],
    doc: 'The indices that sort input along dim.',
    impl: (a) => sort(a.self, a.dim, a.descending, a.stable === true).values[1],
    samples: [{ args: [{ t: [2, 4], values: TIED }] }, { args: [{ t: [2, 4], values: TIED }, 0, true] }],
  },
  {
    name: 'msort', sig: 'msort(Tensor self)',
    doc: 'input sorted along its first dim.',
    impl: (a) => sort(a.self, 0, false, false).values[0],
    samples: [{ args: [G([3, 2])] }],
  },
  {
    name: 'topk', sig: 'topk(Tensor self, int k, int dim=-1, bool largest=True, bool sorted=True)',
    doc: 'The k largest (or smallest) elements along dim and their indices.',
    impl: (a) => topk(a.self, a.k, a.dim, a.largest, a.sorted),
    samples: [{ args: [G([2, 4], TIED), 2], noGradcheck: true }, { args: [G([2, 4], TIED), 1, 0, false], noGradcheck: true }, { args: [G([3, 4]), 3], kwargs: { largest: false } }],
  },
  {
    name: 'kthvalue', sig: 'kthvalue(Tensor self, int k, int dim=-1, bool keepdim=False)',
    doc: 'The k-th smallest element along dim and its index.',
    impl: (a) => kthvalue(a.self, a.k, a.dim, a.keepdim),
    samples: [{ args: [G([2, 4]), 2] }, { args: [G([2, 4]), 1, 0, true] }],
  },
  {
    name: 'median', sig: ['median(Tensor self)', 'median(Tensor self, int dim, bool keepdim=False)'],
    doc: 'The lower median of all elements, or (values, indices) along dim. NaN if any element is NaN.',
    impl: (a, ov) => (ov === 0 ? medianAll(a.self, false) : medianDim(a.self, a.dim, a.keepdim, false)),
    samples: [{ args: [G([2, 4], TIED)], noGradcheck: true }, { args: [G([2, 4], TIED), 1], noGradcheck: true }, { args: [G([3, 2]), 0, true] }, { args: [G([3, 3])] }],
  },
  {
    name: 'nanmedian', sig: ['nanmedian(Tensor self)', 'nanmedian(Tensor self, int dim, bool keepdim=False)'],
    doc: 'median ignoring NaN values.',
    impl: (a, ov) => (ov === 0 ? medianAll(a.self, true) : medianDim(a.self, a.dim, a.keepdim, true)),
    samples: [{ args: [G([2, 4], TIED)], noGradcheck: true }, { args: [G([2, 4], TIED), 1], noGradcheck: true }, { args: [G([2, 3])] }],
  },
  {
    name: 'mode', sig: 'mode(Tensor self, int dim=-1, bool keepdim=False)',
    doc: 'The most frequent value along dim and an index of it.',
    impl: (a) => mode(a.self, a.dim, a.keepdim),
    samples: [{ args: [G([2, 4], TIED)], noGradcheck: true }, { args: [{ t: [3, 4], dtype: 'int64', domain: 'unit' }, 0, true] }],
  },
  {
    name: 'unique', sig: 'unique(Tensor self, bool sorted=True, bool return_inverse=False, bool return_counts=False, int? dim=None)',
    doc: 'The sorted unique elements (or unique slices along dim), optionally with inverse indices and counts.',
    impl: (a) => unique(a.self, a.sorted, a.return_inverse, a.return_counts, a.dim),
    samples: [
      { args: [{ t: [2, 4], values: TIED }] }, { args: [{ t: [2, 4], values: TIED }], kwargs: { return_inverse: true, return_counts: true } },
      { args: [{ t: [3, 2], dtype: 'int64', values: [1, 2, 0, 1, 1, 2] }], kwargs: { dim: 0, return_counts: true } },
    ],
  },
  {
    name: 'unique_consecutive', sig: 'unique_consecutive(Tensor self, bool return_inverse=False, bool return_counts=False, int? dim=None)',
    doc: 'Removes consecutive duplicates (optionally with inverse indices and counts).',
    impl: (a) => uniqueConsecutive(a.self, a.return_inverse, a.return_counts, a.dim),
    samples: [{ args: [{ t: [6], dtype: 'int64', values: [1, 1, 2, 2, 3, 1] }, true, true] }],
  },
]);

export type { DType };
