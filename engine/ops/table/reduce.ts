// Op table: reductions. sum/mean/nansum/nanmean/prod, max/min/amax/amin/aminmax/argmax/argmin,
// var/std/var_mean/std_mean, all/any/count_nonzero, logsumexp, cumsum/cumprod/cummax/cummin.
// Float sums reproduce ATen's cascade sum bit for bit (engine/backends/cpu/reduce.ts); gradients follow
// tools/autograd/derivatives.yaml (grad_fn names as PyTorch 1.13 prints them).
import { gpuCascadeSum } from '../../backends/webgpu/kernelsCascade';
import { gpuAmaxBackward, gpuEvenlyDistribute, gpuExtreme, gpuProd, gpuProdBackward } from '../../backends/webgpu/kernelsReduce';
import { gpuCumExtreme, gpuCumprodBackward, gpuScan } from '../../backends/webgpu/kernelsScan';
import { gpuLogsumexp, gpuVarMean } from '../../backends/webgpu/kernelsStats';
import { gpuBincount } from '../../backends/webgpu/kernelsSelect';
import { gpuCount, gpuNansum, gpuNotNanMask } from '../../backends/webgpu/kernelsNan';
import { noGrad, record } from '../../autograd';
import { DType, castValue, dtypes, getDefaultDType } from '../../dtype';
import { TorchError, check, runtimeError } from '../../errors';
import { namedTuple } from '../../namedtuple';
import { wrapDim } from '../../shape';
import { Tensor } from '../../tensor';
import { cascadeSum, reduceGroups, sumSquaredDeviations, vecReduce, welford } from '../../backends/cpu/reduce';
import { defineOps } from '../spec';
import { shortTypeName } from '../inplace';
import { call, callKw, castTensor, newTensor } from '../util';

// ---- shared helpers (also used by sort.ts and linalg.ts) -------------------------------------------

/** The dims of a reduction: mask over input dims, keepdim shape, output shape, reduced element count. */
export interface Reduction { mask: boolean[]; keepShape: number[]; outShape: number[]; n: number; dims: number[] }

/** make_dim_mask: null or [] reduces every dim; dims wrap, and a repeated dim is an error. */
export function reduction(self: Tensor, dim: number | readonly number[] | null, keepdim: boolean): Reduction {
  const nd = self.ndim;
  const list = dim === null ? [] : typeof dim === 'number' ? [dim] : dim;
  const mask = new Array<boolean>(nd).fill(list.length === 0);
  const dims: number[] = [];
  for (const d of list) {
    const w = wrapDim(d, nd);
    check(!dims.includes(w), () => `dim ${w} appears multiple times in the list of dims`);
    dims.push(w);
    if (nd > 0) mask[w] = true;
  }
  let n = 1;
  const keepShape = self.shape.map((s, i) => { if (mask[i]) { n *= s; return 1; } return s; });
  const outShape = keepdim ? keepShape : self.shape.filter((_, i) => !mask[i]);
  return { mask, keepShape, outShape, n, dims: nd === 0 ? [] : [...self.shape.keys()].filter((i) => mask[i]) };
}

/** A new contiguous tensor of `shape` holding `vals` stored as `dtype`. */
export function fromValues(shape: readonly number[], dtype: DType, vals: ArrayLike<number>): Tensor {
  const out = newTensor(shape, dtype);
  const od = out.storage.data;
  if (dtype.needsConvert) for (let i = 0; i < vals.length; i++) od[i] = castValue(dtype, vals[i]);
  else od.set(vals);
  return out;
}

/** A reduced gradient viewed with the reduced dims kept (size 1), ready to broadcast against input. */
export function keepDims(g: Tensor, self: Tensor, r: Reduction, keepdim: boolean): Tensor {
  return keepdim || self.ndim === 0 || g.ndim === self.ndim ? g : call('reshape', g, r.keepShape);
}

/** sum_backward: the reduced gradient broadcast back over input's shape. */
export function sumBackward(g: Tensor, self: Tensor, r: Reduction, keepdim: boolean): Tensor {
  return call('expand', keepDims(g, self, r, keepdim), self.shape);
}

/** zeros(sizes).scatter_(dim, indices, grad): the gradient of ops that pick one element per slice. */
export function valueSelectingBackward(g: Tensor, dim: number, indices: Tensor, self: Tensor, keepdim: boolean): Tensor {
  let gg = g, idx = indices;
  if (!keepdim && self.ndim > 0) { gg = call('unsqueeze', g, dim); idx = call('unsqueeze', indices, dim); }
  return call('scatter', callKw('zeros_like', [self], { dtype: g.dtype }), dim, idx, gg);
}

/** Values of `self` per output slice along one dim: fn(get, n, outIndex) for each output element. */
export function forEachSlice(self: Tensor, dim: number, fn: (get: (i: number) => number, n: number, o: number) => void): void {
  const r = reduction(self, self.ndim === 0 ? null : dim, false);
  const { nOut, size, offsets } = reduceGroups(self, r.mask);
  const src = self.storage.data;
  for (let o = 0; o < nOut; o++) fn((i) => src[offsets[o * size + i]], size, o);
}

const isFloatT = (t: Tensor) => t.dtype.category === 'float';
const nan = (v: number) => v !== v;
const opName = (n: string) => `${n}(): `;

function emptyCheck(self: Tensor, fn: string, r: Reduction | null, errType: 'RuntimeError' | 'IndexError' = 'RuntimeError'): void {
  if (self.numel() !== 0) return;
  if (r === null) {
    const tail = errType === 'RuntimeError' ? " Specify the reduction dim with the 'dim' argument." : '';
    throw new TorchError(errType, `${opName(fn)}Expected reduction dim to be specified for input.numel() == 0.${tail}`);
  }
  for (const d of r.dims) {
    if (self.shape[d] === 0) throw new TorchError('IndexError', `${opName(fn)}Expected reduction dim ${d} to have non-zero size.`);
  }
}

/** A mask tensor (bool) from a predicate over `t`'s values. */
function maskOf(t: Tensor, pred: (v: number) => boolean): Tensor {
  return fromValues(t.shape, dtypes.bool, t.toFlatArray().map((v) => (pred(v) ? 1 : 0)));
}

// ---- sum / mean ------------------------------------------------------------------------------------

function sumValues(x: Tensor, mask: boolean[], ignoreNan = false): Float64Array {
  return x.dtype.category === 'float' ? cascadeSum(x, mask, ignoreNan) : vecReduce(x, mask, 0, (a, b) => a + b);
}

function sum(self: Tensor, dim: number[] | null, keepdim: boolean, dtype: DType | null, name: string): Tensor {
  const outDt = dtype ?? (isFloatT(self) ? self.dtype : dtypes.int64);
  const r = reduction(self, dim, keepdim);
  const x = self.dtype === outDt ? self : castTensor(self, outDt);
  const out = gpuCascadeSum(x, r.mask, r.outShape, 'sum') ?? fromValues(r.outShape, outDt, sumValues(x, r.mask));
  record(name, [self], out, ([g]) => [sumBackward(g!, self, r, keepdim)]);
  return out;
}

function mean(self: Tensor, dim: number[] | null, keepdim: boolean, dtype: DType | null, name: string): Tensor {
  const dt = dtype ?? self.dtype;
  check(dt.category === 'float', () => `mean(): could not infer output dtype. ${dtype ? 'Optional' : 'Input'} dtype must be either a floating point or complex dtype. Got: ${shortTypeName(dt)}`);
  const r = reduction(self, dim, keepdim);
  // sum in the dtype, then divide (half types divide in float, like ATen's div)
  const x = self.dtype === dt ? self : castTensor(self, dt);
  const out = gpuCascadeSum(x, r.mask, r.outShape, 'mean') ?? meanValues(x, r, dt);
  record(name, [self], out, ([g]) => [call('div', sumBackward(g!, self, r, keepdim), r.n)]);
  return out;
}

function meanValues(x: Tensor, r: Reduction, dt: DType): Tensor {
  const s = sumValues(x, r.mask);
  const vals = s.map((v) => castValue(dt, dt.name === 'float64' ? v / r.n : Math.fround(v / r.n)));
  return fromValues(r.outShape, dt, vals);
}

// ---- prod ------------------------------------------------------------------------------------------

function mulFor(dt: DType): (a: number, b: number) => number {
  if (dt.name === 'float32') return (a, b) => Math.fround(a * b);
  if (dt.needsConvert && dt.category === 'float') return (a, b) => castValue(dt, a * b);
  return (a, b) => a * b;
}

/** Exclusive products along `dim` from both sides: d prod / d x_i, safe when x has zeros. */
function prodSafeZerosBackward(g: Tensor, inp: Tensor, dim: number): Tensor {
  const n = inp.shape[dim];
  if (inp.numel() === 0) return call('expand', g, inp.shape);
  const onesShape = inp.shape.slice();
  onesShape[dim] = 1;
  const ones = callKw('ones', [onesShape], { dtype: g.dtype });
  const exclNormal = call('cumprod', call('cat', [ones, call('narrow', inp, dim, 0, n - 1)], dim), dim);
  const narrowRev = call('flip', call('narrow', inp, dim, 1, n - 1), [dim]);
  const exclReverse = call('flip', call('cumprod', call('cat', [ones, narrowRev], dim), dim), [dim]);
  return call('mul', g, call('mul', exclNormal, exclReverse));
}

function prodBackward(g: Tensor, self: Tensor, result: Tensor, dim: number | null, keepdim: boolean): Tensor {
  if (self.ndim === 0) return g;
  // on the GPU: zeros counted there, per slice (no read back)
  const gpu = gpuProdBackward(g, self, result, self.shape.map((_, d) => dim === null || d === dim));
  if (gpu) return gpu;
  const input = self.dtype === g.dtype ? self : call('to', self, g.dtype);
  const zeros = self.toFlatArray().filter((v) => v === 0).length;
  if (dim === null) {
    if (zeros === 0) return call('mul', g, call('div', result, input));
    if (zeros > 1) return call('zeros_like', input);
    return call('view', prodSafeZerosBackward(g, call('reshape', call('contiguous', input), [-1]), 0), self.shape);
  }
  let gg = g, res = result;
  if (!keepdim && self.ndim !== 1) { gg = call('unsqueeze', g, dim); res = call('unsqueeze', result, dim); }
  if (zeros === 0) return call('mul', gg, call('div', res, input));
  return prodSafeZerosBackward(gg, input, dim);
}

function prod(self: Tensor, dim: number | null, keepdim: boolean, dtype: DType | null): Tensor {
  const outDt = dtype ?? (isFloatT(self) ? self.dtype : dtypes.int64);
  const r = reduction(self, dim, keepdim);
  const x = self.dtype === outDt ? self : castTensor(self, outDt);
  const out = gpuProd(x, r.mask, r.outShape) ?? fromValues(r.outShape, outDt, vecReduce(x, r.mask, 1, mulFor(outDt)));
  const wd = dim === null ? null : wrapDim(dim, self.ndim);
  record(dim === null ? 'ProdBackward0' : 'ProdBackward1', [self], out,
    ([g]) => [prodBackward(g!, self, out, wd, keepdim)]);
  return out;
}

// ---- max / min / amax / amin / argmax / argmin ----------------------------------------------------

const greater = (a: number, b: number) => a > b;
const less = (a: number, b: number) => a < b;

/** max()/min() of all elements (NaN wins). */
function extremeAll(self: Tensor, fn: 'max' | 'min'): Tensor {
  emptyCheck(self, fn, null);
  const gpu = gpuExtreme(self, self.shape.map(() => true), [], fn, false);
  if (gpu) {
    const v = gpu.values;
    record(fn === 'max' ? 'MaxBackward1' : 'MinBackward1', [self], v, ([g]) => [gpuEvenlyDistribute(g!, self, v) ?? evenlyDistribute(g!, self, v.scalarValue())]);
    return v;
  }
  const better = fn === 'max' ? greater : less;
  const vals = self.contiguousData();
  let best = vals[0];
  for (let i = 0; i < vals.length; i++) { const v = vals[i]; if (nan(v)) { best = v; break; } if (better(v, best)) best = v; }
  const out = fromValues([], self.dtype, [best]);
  record(fn === 'max' ? 'MaxBackward1' : 'MinBackward1', [self], out, ([g]) => [evenlyDistribute(g!, self, best)]);
  return out;
}

/** evenly_distribute_backward: the gradient is shared by all elements equal to the (0-d) result. */
export function evenlyDistribute(g: Tensor, self: Tensor, value: number): Tensor {
  const mask = maskOf(self, nan(value) ? nan : (v) => v === value);
  const count = fromValues([], dtypes.int64, [mask.toFlatArray().reduce((a, b) => a + b, 0)]);
  return call('masked_fill', callKw('zeros_like', [self], { dtype: g.dtype }), mask, call('div', g, count));
}

/** max(dim)/min(dim): the first extreme along dim (a NaN stops the scan), with its index. */
function extremeDim(self: Tensor, dim: number, keepdim: boolean, fn: 'max' | 'min') {
  const r = reduction(self, dim, keepdim);
  emptyCheck(self, fn, r, 'IndexError');
  const gpu = gpuExtreme(self, r.mask, r.outShape, fn, true);
  const better = fn === 'max' ? greater : less;
  const nOut = r.outShape.reduce((a, b) => a * b, 1);
  const vals = new Float64Array(nOut), idx = new Float64Array(nOut);
  if (!gpu) forEachSlice(self, dim, (get, n, o) => {
    let best = get(0), bi = 0;
    for (let i = 0; i < n; i++) {
      const v = get(i);
      if (better(v, best) || (nan(v) && !nan(best))) { best = v; bi = i; if (nan(v)) break; }
      if (nan(v)) break;
    }
    vals[o] = best; idx[o] = bi;
  });
  const values = gpu ? gpu.values : fromValues(r.outShape, self.dtype, vals);
  const indices = gpu ? gpu.indices! : fromValues(r.outShape, dtypes.int64, idx);
  const wd = self.ndim === 0 ? 0 : wrapDim(dim, self.ndim);
  record(fn === 'max' ? 'MaxBackward0' : 'MinBackward0', [self], [values, indices],
    ([g]) => [valueSelectingBackward(g!, wd, indices, self, keepdim)]);
  return namedTuple(fn, ['values', 'indices'], [values, indices]);
}

/** amax/amin over dims (NaN propagates); the gradient is split evenly between ties. */
function amaxmin(self: Tensor, dim: number[], keepdim: boolean, fn: 'amax' | 'amin'): Tensor {
  const r = reduction(self, dim, keepdim);
  emptyCheck(self, fn, dim.length === 0 ? null : r);
  const out = gpuExtreme(self, r.mask, r.outShape, fn === 'amax' ? 'max' : 'min', false)?.values ?? amaxminValues(self, r, fn);
  record(fn === 'amax' ? 'AmaxBackward0' : 'AminBackward0', [self], out, ([g]) => {
    const res = keepDims(out, self, r, keepdim);
    const gpu = gpuAmaxBackward(keepDims(g!, self, r, keepdim), self, res, r.mask);
    if (gpu) return [gpu];
    const mask = noGrad(() => call('eq', call('expand', res, self.shape), self));
    const count = noGrad(() => callKw('sum', [mask, r.dims.length ? r.dims : [...self.shape.keys()]], { keepdim: true }));
    return [call('mul', call('div', keepDims(g!, self, r, keepdim), count), mask)];
  });
  return out;
}

function amaxminValues(self: Tensor, r: Reduction, fn: 'amax' | 'amin'): Tensor {
  const better = fn === 'amax' ? greater : less;
  const { nOut, size, offsets } = reduceGroups(self, r.mask);
  const src = self.storage.data;
  const vals = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let best = src[offsets[o * size]];
    for (let i = 0; i < size; i++) {
      const v = src[offsets[o * size + i]];
      if (nan(v)) { best = v; break; }
      if (better(v, best)) best = v;
    }
    vals[o] = best;
  }
  return fromValues(r.outShape, self.dtype, vals);
}

function argExtreme(self: Tensor, dim: number | null, keepdim: boolean, fn: 'argmax' | 'argmin'): Tensor {
  const flat = dim === null;
  const r = reduction(self, dim, keepdim);
  emptyCheck(self, fn, flat ? null : r, 'IndexError');
  const gpuShape = flat ? (keepdim ? self.shape.map(() => 1) : []) : r.outShape;
  const gpu = gpuExtreme(self, flat ? self.shape.map(() => true) : r.mask, gpuShape, fn === 'argmax' ? 'max' : 'min', true);
  if (gpu) return gpu.indices!;
  const better = fn === 'argmax' ? greater : less;
  const { nOut, size, offsets } = flat ? { nOut: 1, size: self.numel(), offsets: self.offsets() } : reduceGroups(self, r.mask);
  const src = self.storage.data;
  const idx = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let best = src[offsets[o * size]], bi = 0;
    for (let i = 1; i < size; i++) {
      const v = src[offsets[o * size + i]];
      if (nan(best)) break;
      if (nan(v) || better(v, best)) { best = v; bi = i; }
    }
    idx[o] = bi;
  }
  const shape = flat ? (keepdim ? self.shape.map(() => 1) : []) : r.outShape;
  return fromValues(shape, dtypes.int64, idx);
}

function aminmax(self: Tensor, dim: number | null, keepdim: boolean) {
  const r = reduction(self, dim, keepdim);
  check(self.numel() > 0 || (dim !== null && self.shape[wrapDim(dim, self.ndim)] !== 0), 'aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.');
  const lo = noGrad(() => amaxmin(self, dim === null ? [] : [dim], keepdim, 'amin'));
  const hi = noGrad(() => amaxmin(self, dim === null ? [] : [dim], keepdim, 'amax'));
  const shape = dim === null && keepdim ? self.shape.map(() => 1) : lo.shape;
  const mn = shape === lo.shape ? lo : call('reshape', lo, shape);
  const mx = shape === hi.shape ? hi : call('reshape', hi, shape);
  record('NotImplemented', [self], [mn, mx], () => { throw runtimeError('derivative for aten::aminmax is not implemented'); });
  return namedTuple('aminmax', ['min', 'max'], [mn, mx]);
}

// ---- var / std ------------------------------------------------------------------------------------

/** var/std over dims with `correction` (ATen: two passes when reducing to one value, else Welford). */
function varStd(self: Tensor, dim: number[] | null, correction: number, keepdim: boolean, takeSqrt: boolean): { res: Tensor; mean: Tensor; r: Reduction } {
  check(isFloatT(self), 'std and var only support floating point and complex dtypes');
  const r = reduction(self, dim, keepdim);
  const gpu = gpuVarMean(self, r.mask, r.outShape, correction, takeSqrt);
  if (gpu) return { res: gpu[0], mean: gpu[1], r };
  const nOut = r.outShape.reduce((a, b) => a * b, 1);
  const varV = new Float64Array(nOut), meanV = new Float64Array(nOut);
  const fin = (m2: number, n: number) => { const v = m2 / Math.max(0, n - correction); return takeSqrt ? Math.sqrt(v) : v; };
  if (nOut === 1 && self.numel() > 0 && (self.dtype.name === 'float32' || self.dtype.name === 'float64')) {
    const mu = (noGrad(() => call('mean', self)) as Tensor).scalarValue();
    varV[0] = fin(sumSquaredDeviations(self, mu), self.numel());
    meanV[0] = mu;
  } else {
    const { size, offsets } = reduceGroups(self, r.mask);
    const src = self.storage.data;
    for (let o = 0; o < nOut; o++) {
      const w = welford((i) => src[offsets[o * size + i]], size);
      varV[o] = size === 0 ? NaN : fin(w.m2, size);
      meanV[o] = size === 0 ? NaN : w.mean;
    }
  }
  return { res: fromValues(r.outShape, self.dtype, varV), mean: fromValues(r.outShape, self.dtype, meanV), r };
}

/** var_backward: (2 / dof) * grad * (self - self.mean(dims, keepdim=True)) */
function varBackward(g: Tensor, self: Tensor, r: Reduction, all: boolean, correction: number, keepdim: boolean): Tensor {
  if (self.ndim === 0 || all) {
    const n = self.numel();
    if (n === correction) return call('mul', g, Infinity);
    return call('mul', call('mul', g, 2 / (n - correction)), call('sub', self, call('mean', self)));
  }
  const gg = keepDims(g, self, r, keepdim);
  return call('mul', call('mul', gg, 2 / (r.n - correction)), call('sub', self, callKw('mean', [self, r.dims], { keepdim: true })));
}

function stdBackward(g: Tensor, result: Tensor, self: Tensor, r: Reduction, all: boolean, correction: number, keepdim: boolean): Tensor {
  const gradVar = call('masked_fill', call('div', g, call('mul', result, 2)), noGrad(() => call('eq', result, 0)), 0);
  return varBackward(gradVar, self, r, all, correction, keepdim);
}

interface VarArgs { dim: number[] | null; correction: number; keepdim: boolean }

function varArgs(a: Record<string, any>, ov: number): VarArgs {
  if (ov === 0) return { dim: a.dim, correction: a.correction ?? 1, keepdim: a.keepdim };
  if (ov === 1) return { dim: a.dim, correction: a.unbiased ? 1 : 0, keepdim: a.keepdim };
  return { dim: null, correction: a.unbiased ? 1 : 0, keepdim: false };
}

const varSigs = (n: string) => [
  `${n}(Tensor self, int[1]? dim, *, int? correction=None, bool keepdim=False)`,
  `${n}(Tensor self, int[1]? dim, bool unbiased=True, bool keepdim=False)`,
  `${n}(Tensor self, bool unbiased=True)`,
];

function varOp(self: Tensor, v: VarArgs, sqrt: boolean): Tensor {
  const { res, r } = varStd(self, v.dim, v.correction, v.keepdim, sqrt);
  const all = v.dim === null || v.dim.length === 0;
  record(sqrt ? 'StdBackward0' : 'VarBackward0', [self], res, ([g]) => [
    sqrt ? stdBackward(g!, res, self, r, all, v.correction, v.keepdim) : varBackward(g!, self, r, all, v.correction, v.keepdim),
  ]);
  return res;
}

/** var_mean / std_mean: Welford's variance and mean (a plain tuple, one backward node). */
function varMean(self: Tensor, v: VarArgs, sqrt: boolean): Tensor[] {
  check(isFloatT(self), () => `${sqrt ? 'std' : 'var'}_mean only support floating point and complex dtypes`);
  const r = reduction(self, v.dim, v.keepdim);
  const all = v.dim === null || v.dim.length === 0;
  const [res, mu] = gpuVarMean(self, r.mask, r.outShape, v.correction, sqrt, true) ?? varMeanValues(self, r, v.correction, sqrt);
  record(sqrt ? 'StdMeanBackward0' : 'VarMeanBackward0', [self], [res, mu], ([g0, g1]) => {
    let grad: Tensor | null = null;
    if (g0) grad = sqrt ? stdBackward(g0, res, self, r, all, v.correction, v.keepdim) : varBackward(g0, self, r, all, v.correction, v.keepdim);
    if (g1) {
      const aux = call('div', sumBackward(g1, self, r, v.keepdim), all ? self.numel() : r.n);
      grad = grad ? call('add', grad, aux) : aux;
    }
    return [grad];
  });
  return [res, mu];
}

function varMeanValues(self: Tensor, r: Reduction, correction: number, sqrt: boolean): [Tensor, Tensor] {
  const nOut = r.outShape.reduce((a, b) => a * b, 1);
  const { size, offsets } = reduceGroups(self, r.mask);
  const src = self.storage.data;
  const varV = new Float64Array(nOut), meanV = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    const w = welford((i) => src[offsets[o * size + i]], size);
    const vr = size === 0 ? NaN : w.m2 / Math.max(0, size - correction);
    varV[o] = sqrt ? Math.sqrt(vr) : vr;
    meanV[o] = size === 0 ? NaN : w.mean;
  }
  return [fromValues(r.outShape, self.dtype, varV), fromValues(r.outShape, self.dtype, meanV)];
}

// ---- logical and counting --------------------------------------------------------------------------

function allAny(self: Tensor, dim: number | null, keepdim: boolean, isAll: boolean): Tensor {
  const r = reduction(self, dim, keepdim);
  const gpu = gpuCount(self, r.mask, r.outShape, isAll ? 'all' : 'any');
  if (gpu) return gpu;
  const outDt = self.dtype.name === 'uint8' ? dtypes.uint8 : dtypes.bool;
  const { nOut, size, offsets } = reduceGroups(self, r.mask);
  const src = self.storage.data;
  const vals = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let acc = isAll;
    for (let i = 0; i < size; i++) {
      const v = src[offsets[o * size + i]] !== 0;
      if (isAll ? !v : v) { acc = !isAll; break; }
    }
    vals[o] = acc ? 1 : 0;
  }
  return fromValues(r.outShape, outDt, vals);
}

function countNonzero(self: Tensor, dim: number | number[] | null): Tensor {
  const r = reduction(self, dim, false);
  const gpu = gpuCount(self, r.mask, r.outShape, 'count_nonzero');
  if (gpu) return gpu;
  const { nOut, size, offsets } = reduceGroups(self, r.mask);
  const src = self.storage.data;
  const vals = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) for (let i = 0; i < size; i++) if (src[offsets[o * size + i]] !== 0) vals[o]++;
  return fromValues(r.outShape, dtypes.int64, vals);
}

// ---- logsumexp ------------------------------------------------------------------------------------

function logsumexp(self: Tensor, dim: number[], keepdim: boolean): Tensor {
  const x = isFloatT(self) ? self : castTensor(self, getDefaultDType());
  const r = reduction(self, dim, keepdim);
  const out = gpuLogsumexp(x, r.mask, r.outShape) ?? noGrad(() => {
    if (x.numel() === 0) return call('log', callKw('sum', [call('exp', x), dim], { keepdim }));
    const maxes = callKw('amax', [x, dim], { keepdim: true });
    const m = fromValues(maxes.shape, maxes.dtype, maxes.toFlatArray().map((v) => (Math.abs(v) === Infinity ? 0 : v)));
    const s = callKw('sum', [call('exp', call('sub', x, m)), dim], { keepdim });
    return call('add', call('log', s), keepdim ? m : call('reshape', m, r.outShape));
  });
  record('LogsumexpBackward0', [self], out, ([g]) => [
    call('mul', keepDims(g!, self, r, keepdim), call('exp', call('sub', self, keepDims(out, self, r, keepdim)))),
  ]);
  return out;
}

// ---- cumulative ops --------------------------------------------------------------------------------

/** Apply `scan(get, set, n)` along `dim` of a contiguous copy of `self`, into a new tensor of dtype. */
function scanAlong(self: Tensor, dim: number, dtype: DType, scan: (get: (i: number) => number, set: (i: number, v: number) => void, n: number) => void): Tensor {
  const d = self.ndim === 0 ? 0 : wrapDim(dim, self.ndim);
  const out = newTensor(self.shape, dtype);
  const od = out.storage.data;
  if (self.numel() === 0) return out;
  const n = self.ndim === 0 ? 1 : self.shape[d];
  const inner = self.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const src = self.contiguousData();
  const conv = dtype.needsConvert || (self.dtype.category === 'float' && dtype.category !== 'float');
  for (let base = 0; base < src.length; base += n * inner) {
    for (let j = 0; j < inner; j++) {
      const at = (i: number) => base + i * inner + j;
      scan((i) => src[at(i)], (i, v) => { od[at(i)] = conv ? castValue(dtype, v) : v; }, n);
    }
  }
  return out;
}

function cumDtype(self: Tensor, dtype: DType | null): DType {
  return dtype ?? (self.dtype.category === 'float' ? self.dtype : dtypes.int64);
}

function cumsum(self: Tensor, dim: number, dtype: DType | null): Tensor {
  const dt = cumDtype(self, dtype);
  const x = dt === self.dtype ? self : castTensor(self, dt);
  const d = self.ndim === 0 ? 0 : wrapDim(dim, self.ndim);
  // ATen accumulates in double (acc_type<T, false>) and stores each prefix rounded (the GPU: in float32)
  const out = (x.dtype === dt ? gpuScan(x, d, 'sum') : null)
    ?? scanAlong(x, dim, dt, (get, set, n) => { let acc = 0; for (let i = 0; i < n; i++) { acc += get(i); set(i, acc); } });
  record('CumsumBackward0', [self], out, ([g]) => {
    if (g!.numel() <= 1 || g!.shape[d] === 1) return [g];
    return [gpuScan(g!, d, 'sum', true) ?? call('flip', call('cumsum', call('flip', g!, [d]), d), [d])];
  });
  return out;
}

/** d cumprod / d x without dividing by x (inputs with zeros): sum over k >= j of g_k * prod_{i <= k, i != j} x_i. */
function cumprodZerosGrad(self: Tensor, g: Tensor, d: number): Tensor {
  const xs = castTensor(self, g.dtype).contiguousData();
  const gs = castTensor(g, g.dtype).contiguousData();
  const out = newTensor(self.shape, g.dtype);
  const od = out.storage.data;
  const n = self.shape[d];
  const inner = self.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  for (let base = 0; base < xs.length; base += n * inner) {
    for (let jj = 0; jj < inner; jj++) {
      const at = (i: number) => base + i * inner + jj;
      for (let j = 0; j < n; j++) {
        let run = 1;
        for (let i = 0; i < j; i++) run *= xs[at(i)];
        let total = gs[at(j)] * run;
        for (let k = j + 1; k < n; k++) { run *= xs[at(k)]; total += gs[at(k)] * run; }
        od[at(j)] = total;
      }
    }
  }
  return out;
}

function cumprod(self: Tensor, dim: number, dtype: DType | null): Tensor {
  const dt = cumDtype(self, dtype);
  const x = dt === self.dtype ? self : castTensor(self, dt);
  const d = self.ndim === 0 ? 0 : wrapDim(dim, self.ndim);
  const out = (x.dtype === dt ? gpuScan(x, d, 'prod') : null)
    ?? scanAlong(x, dim, dt, (get, set, n) => { let acc = 1; for (let i = 0; i < n; i++) { acc *= get(i); set(i, acc); } });
  record('CumprodBackward0', [self], out, ([g]) => {
    if (self.ndim === 0 || self.numel() <= 1 || self.shape[d] === 1) return [g];
    const input = self.dtype === g!.dtype ? self : call('to', self, g!.dtype);
    const gpu = gpuCumprodBackward(input, out, g!, d);
    if (gpu) return [gpu];
    if (!self.toFlatArray().some((v) => v === 0)) {
      const w = call('mul', out, g!);
      return [call('div', call('flip', call('cumsum', call('flip', w, [d]), d), [d]), input)];
    }
    return [cumprodZerosGrad(self, g!, d)];
  });
  return out;
}

function cumExtreme(self: Tensor, dim: number, fn: 'cummax' | 'cummin') {
  const d = self.ndim === 0 ? 0 : wrapDim(dim, self.ndim);
  const better = fn === 'cummax' ? (a: number, b: number) => a >= b : (a: number, b: number) => a <= b;
  // a later equal element wins; once a NaN is seen only NaNs replace it
  const scan = (pick: (best: number, i: number) => number) => (get: (i: number) => number, set: (i: number, v: number) => void, n: number) => {
    let best = get(0), bi = 0;
    for (let i = 0; i < n; i++) {
      const v = get(i);
      if (nan(v) || (!nan(best) && better(v, best))) { best = v; bi = i; }
      set(i, pick(best, bi));
    }
  };
  const gpu = gpuCumExtreme(self, d, fn === 'cummax' ? 'max' : 'min');
  const values = gpu ? gpu[0] : scanAlong(self, d, self.dtype, scan((best) => best));
  const idx = gpu ? gpu[1] : scanAlong(self, d, dtypes.int64, scan((_, bi) => bi));
  record(fn === 'cummax' ? 'CummaxBackward0' : 'CumminBackward0', [self], [values, idx], ([g]) => {
    if (self.numel() === 0) return [g];
    return [call('scatter_add', call('zeros_like', self), d, idx, g!)];
  });
  return namedTuple(fn, ['values', 'indices'], [values, idx]);
}

// ---- the table ------------------------------------------------------------------------------------

/** bincount (_bincount_cpu): counts (int64), or sums of weights (float32 weights stay float, others double). */
function bincount(self: Tensor, weights: Tensor | null, minlength: number): Tensor {
  check(minlength >= 0, 'minlength should be >= 0');
  if (self.ndim === 1 && self.numel() === 0) return fromValues([minlength], dtypes.int64, new Float64Array(minlength));
  if (self.dtype.category !== 'int') throw runtimeError(`"bincount_cpu" not implemented for '${shortTypeName(self.dtype)}'`);
  const gpu = !weights || (weights.ndim === 1 && weights.shape[0] === self.numel()) ? gpuBincount(self, weights, minlength) : null;
  if (gpu) {
    if (weights) record('NotImplemented', [weights], gpu, () => { throw runtimeError('derivative for bincount is not implemented'); });
    return gpu;
  }
  const xs = self.toFlatArray();
  check(self.ndim === 1 && xs.every((v) => v >= 0), 'bincount only supports 1-d non-negative integral inputs.');
  check(!weights || (weights.ndim === 1 && weights.shape[0] === xs.length), 'weights should be 1-d and have the same length as input');
  const n = Math.max(minlength, xs.reduce((m, v) => Math.max(m, v + 1), 0));
  const out = new Float64Array(n);
  if (!weights) {
    for (const v of xs) out[v]++;
    return fromValues([n], dtypes.int64, out);
  }
  const single = weights.dtype === dtypes.float32;
  const ws = weights.toFlatArray();
  xs.forEach((v, i) => { out[v] = single ? Math.fround(out[v] + ws[i]) : out[v] + ws[i]; });
  const res = fromValues([n], single ? dtypes.float32 : dtypes.float64, out);
  record('NotImplemented', [weights], res, () => { throw runtimeError('derivative for bincount is not implemented'); });
  return res;
}

const G23 = { t: [2, 3], grad: true };
const TIES = { t: [2, 3], grad: true, values: [1, 3, 3, 2, 2, 0.5] };

export default defineOps([
  {
    name: 'sum',
    sig: ['sum(Tensor self, *, ScalarType? dtype=None)', 'sum(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None)'],
    doc: 'Sum of all elements, or over dim (int or tuple) with keepdim. Integer and bool inputs sum to int64.',
    impl: (a, ov) => (ov === 0 ? sum(a.self, null, false, a.dtype, 'SumBackward0') : sum(a.self, a.dim, a.keepdim, a.dtype, 'SumBackward1')),
    samples: [
      { args: [G23] }, { args: [G23, 1], kwargs: { keepdim: true } }, { args: [{ t: [2, 3, 4], grad: true }, [0, -1]] },
      { args: [{ t: [3, 2], dtype: 'int32' }, 0] }, { args: [{ t: [4], dtype: 'bool' }] }, { args: [G23], kwargs: { dtype: { dtype: 'float64' } } },
    ],
  },
  {
    name: 'mean',
    sig: ['mean(Tensor self, *, ScalarType? dtype=None)', 'mean(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None)'],
    doc: 'Arithmetic mean of all elements, or over dim with keepdim. Needs a floating dtype (or dtype=).',
    impl: (a, ov) => (ov === 0 ? mean(a.self, null, false, a.dtype, 'MeanBackward0') : mean(a.self, a.dim, a.keepdim, a.dtype, 'MeanBackward1')),
    samples: [
      { args: [G23] }, { args: [G23, 0] }, { args: [{ t: [2, 3, 2], grad: true }, [0, 2]], kwargs: { keepdim: true } },
      { args: [{ t: [3], dtype: 'int64' }], kwargs: { dtype: { dtype: 'float64' } } },
    ],
  },
  {
    name: 'nansum', sig: 'nansum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)',
    doc: 'Sum treating NaN as zero.',
    impl: (a) => {
      const self: Tensor = a.self;
      const outDt = a.dtype ?? (isFloatT(self) ? self.dtype : dtypes.int64);
      const r = reduction(self, a.dim, a.keepdim);
      // bool / uint8 to int64 on the GPU: summed from their words (before a cast that would run on the host)
      const words = outDt === dtypes.int64 ? gpuCount(self, r.mask, r.outShape, 'sum') : null;
      const x = words || self.dtype === outDt ? self : castTensor(self, outDt);
      const out = words ?? gpuNansum(x, r.mask, r.outShape) ?? fromValues(r.outShape, outDt, sumValues(x, r.mask, true));
      record('NansumBackward0', [self], out,
        ([g]) => [call('mul', sumBackward(g!, self, r, a.keepdim), gpuNotNanMask(self) ?? maskOf(self, (v) => !nan(v)))]);
      return out;
    },
    samples: [{ args: [G23] }, { args: [G23, 1] }, { args: [{ t: [4], dtype: 'int64' }] }],
  },
  {
    name: 'nanmean', sig: 'nanmean(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)',
    doc: 'Mean of the non-NaN elements.',
    impl: (a) => {
      const self: Tensor = a.self;
      check(isFloatT(self), () => `nanmean(): expected input to have floating point dtype but got ${shortTypeName(self.dtype)}`);
      const r = reduction(self, a.dim, a.keepdim);
      // on the GPU: the non-NaN count as float32 (the division's type either way), no read back
      const count = (a.dtype ?? dtypes.float32) === dtypes.float32 ? gpuCount(self, r.mask, r.outShape, 'nonnan') : null;
      if (count) return call('div', callKw('nansum', [self, a.dim, a.keepdim], { dtype: a.dtype }), count);
      const notNan = maskOf(self, (v) => !nan(v));
      const factor = fromValues(r.outShape, dtypes.int64, vecReduce(notNan, r.mask, 0, (x, y) => x + y));
      return call('div', callKw('nansum', [self, a.dim, a.keepdim], { dtype: a.dtype }), factor);
    },
    samples: [{ args: [G23, 1] }, { args: [G23] }],
  },
  {
    name: 'prod',
    sig: ['prod(Tensor self, *, ScalarType? dtype=None)', 'prod(Tensor self, int dim, bool keepdim=False, *, ScalarType? dtype=None)'],
    doc: 'Product of all elements, or along one dim. Integer inputs give int64.',
    impl: (a, ov) => (ov === 0 ? prod(a.self, null, false, a.dtype) : prod(a.self, a.dim, a.keepdim, a.dtype)),
    samples: [
      { args: [G23] }, { args: [G23, 1] }, { args: [{ t: [2, 3], grad: true, values: [1, 0, 2, 3, 4, 0] }, 0, true] },
      { args: [{ t: [2, 2], grad: true, values: [1, 0, 2, 3] }] }, { args: [{ t: [4], dtype: 'int32' }] },
    ],
  },
  {
    name: 'max',
    sig: ['max(Tensor self)', 'max(Tensor self, Tensor other)', 'max(Tensor self, int dim, bool keepdim=False)'],
    doc: 'Largest element; with dim, (values, indices) of the largest along dim; with a tensor, the elementwise maximum.',
    impl: (a, ov) => (ov === 0 ? extremeAll(a.self, 'max') : ov === 1 ? call('maximum', a.self, a.other) : extremeDim(a.self, a.dim, a.keepdim, 'max')),
    samples: [{ args: [TIES], noGradcheck: true }, { args: [TIES, 1], noGradcheck: true }, { args: [G23, 0, true] }, { args: [G23] }, { args: [{ t: [3], dtype: 'int64' }] }],
  },
  {
    name: 'min',
    sig: ['min(Tensor self)', 'min(Tensor self, Tensor other)', 'min(Tensor self, int dim, bool keepdim=False)'],
    doc: 'Smallest element; with dim, (values, indices) of the smallest along dim; with a tensor, the elementwise minimum.',
    impl: (a, ov) => (ov === 0 ? extremeAll(a.self, 'min') : ov === 1 ? call('minimum', a.self, a.other) : extremeDim(a.self, a.dim, a.keepdim, 'min')),
    samples: [{ args: [TIES], noGradcheck: true }, { args: [TIES, 1], noGradcheck: true }, { args: [G23, -1, true] }],
  },
  {
    name: 'amax', sig: 'amax(Tensor self, int[1] dim=[], bool keepdim=False)',
    doc: 'Maximum over dims (all by default); ties share the gradient evenly.',
    impl: (a) => amaxmin(a.self, a.dim, a.keepdim, 'amax'),
    samples: [{ args: [TIES], noGradcheck: true }, { args: [TIES, 1], noGradcheck: true }, { args: [{ t: [2, 3, 2], grad: true }, [0, 2], true] }],
  },
  {
    name: 'amin', sig: 'amin(Tensor self, int[1] dim=[], bool keepdim=False)',
    doc: 'Minimum over dims (all by default); ties share the gradient evenly.',
    impl: (a) => amaxmin(a.self, a.dim, a.keepdim, 'amin'),
    samples: [{ args: [TIES], noGradcheck: true }, { args: [TIES, 0], noGradcheck: true }, { args: [G23, 1] }],
  },
  {
    name: 'aminmax', sig: 'aminmax(Tensor self, *, int? dim=None, bool keepdim=False)',
    doc: 'Both the minimum and the maximum, as (min, max).',
    impl: (a) => aminmax(a.self, a.dim, a.keepdim),
    samples: [{ args: [{ t: [2, 3] }] }, { args: [{ t: [2, 3] }], kwargs: { dim: 1, keepdim: true } }],
  },
  {
    name: 'argmax', sig: 'argmax(Tensor self, int? dim=None, bool keepdim=False)',
    doc: 'Index of the largest element (of the flattened input, or along dim). The first one wins ties.',
    impl: (a) => argExtreme(a.self, a.dim, a.keepdim, 'argmax'),
    samples: [{ args: [{ t: [2, 3], values: [1, 7, 7, 9, 0, 9] }] }, { args: [{ t: [2, 3], values: [1, 7, 7, 9, 0, 9] }, 1, true] }],
  },
  {
    name: 'argmin', sig: 'argmin(Tensor self, int? dim=None, bool keepdim=False)',
    doc: 'Index of the smallest element (of the flattened input, or along dim). The first one wins ties.',
    impl: (a) => argExtreme(a.self, a.dim, a.keepdim, 'argmin'),
    samples: [{ args: [{ t: [2, 3], values: [1, 7, 1, 9, 0, 0] }] }, { args: [{ t: [2, 3] }, 0] }],
  },
  {
    name: 'var', sig: varSigs('var'),
    doc: 'Variance over dims (all by default); unbiased (correction=1) unless told otherwise.',
    impl: (a, ov) => varOp(a.self, varArgs(a, ov), false),
    samples: [{ args: [G23] }, { args: [G23, 1] }, { args: [G23, 0], kwargs: { correction: 0, keepdim: true } }, { args: [G23, false] }],
  },
  {
    name: 'std', sig: varSigs('std'),
    doc: 'Standard deviation over dims (all by default); unbiased (correction=1) unless told otherwise.',
    impl: (a, ov) => varOp(a.self, varArgs(a, ov), true),
    samples: [{ args: [G23] }, { args: [G23, [0, 1]] }, { args: [{ t: [3, 4], grad: true }, 1, false, true] }],
  },
  {
    name: 'var_mean', sig: varSigs('var_mean'), variants: ['function'],
    doc: '(variance, mean) over dims.',
    impl: (a, ov) => varMean(a.self, varArgs(a, ov), false),
    samples: [{ args: [G23] }, { args: [G23, 1] }],
  },
  {
    name: 'std_mean', sig: varSigs('std_mean'), variants: ['function'],
    doc: '(standard deviation, mean) over dims.',
    impl: (a, ov) => varMean(a.self, varArgs(a, ov), true),
    samples: [{ args: [G23] }, { args: [G23, 0], kwargs: { correction: 0 } }],
  },
  {
    name: 'all', sig: ['all(Tensor self)', 'all(Tensor self, int dim, bool keepdim=False)'],
    doc: 'True if every element is nonzero (over dim if given). uint8 inputs give uint8.',
    impl: (a, ov) => allAny(a.self, ov === 0 ? null : a.dim, ov === 0 ? false : a.keepdim, true),
    samples: [{ args: [{ t: [2, 3], dtype: 'bool' }] }, { args: [{ t: [2, 3], dtype: 'int64', domain: 'unit' }, 1] }, { args: [{ t: [3], dtype: 'uint8' }] }],
  },
  {
    name: 'any', sig: ['any(Tensor self)', 'any(Tensor self, int dim, bool keepdim=False)'],
    doc: 'True if any element is nonzero (over dim if given). uint8 inputs give uint8.',
    impl: (a, ov) => allAny(a.self, ov === 0 ? null : a.dim, ov === 0 ? false : a.keepdim, false),
    samples: [{ args: [{ t: [2, 3], dtype: 'bool' }, 0, true] }, { args: [{ t: [2, 3] }] }],
  },
  {
    name: 'count_nonzero', sig: ['count_nonzero(Tensor self, int? dim=None)', 'count_nonzero(Tensor self, int[] dim)'],
    doc: 'Number of nonzero elements (over dims if given), as int64.',
    impl: (a) => countNonzero(a.self, a.dim),
    samples: [{ args: [{ t: [2, 3], dtype: 'int64', domain: 'unit' }] }, { args: [{ t: [2, 3], dtype: 'int64', domain: 'unit' }, 1] }],
  },
  {
    name: 'logsumexp', sig: 'logsumexp(Tensor self, int[1] dim, bool keepdim=False)',
    doc: 'log(sum(exp(input))) over dims, computed stably (shifted by the max).',
    impl: (a) => logsumexp(a.self, a.dim, a.keepdim),
    samples: [{ args: [G23, 1] }, { args: [G23, [0, 1], true] }, { args: [{ t: [3], dtype: 'int64' }, 0] }],
  },
  {
    name: 'cumsum', sig: 'cumsum(Tensor self, int dim, *, ScalarType? dtype=None)',
    doc: 'Running sums along dim. Integer inputs give int64.',
    impl: (a) => cumsum(a.self, a.dim, a.dtype),
    samples: [{ args: [G23, 1] }, { args: [G23, 0] }, { args: [{ t: [4], dtype: 'int32' }, 0] }],
  },
  {
    name: 'cumprod', sig: 'cumprod(Tensor self, int dim, *, ScalarType? dtype=None)',
    doc: 'Running products along dim. Integer inputs give int64.',
    impl: (a) => cumprod(a.self, a.dim, a.dtype),
    samples: [{ args: [G23, 1] }, { args: [{ t: [2, 3], grad: true, values: [1, 0, 2, 3, 0, 0] }, 1], noGradcheck: true }, { args: [{ t: [4], dtype: 'int64' }, 0] }],
  },
  {
    name: 'cummax', sig: 'cummax(Tensor self, int dim)',
    doc: 'Running maximum along dim, as (values, indices); a later equal element takes over.',
    impl: (a) => cumExtreme(a.self, a.dim, 'cummax'),
    samples: [{ args: [{ t: [2, 3], grad: true, values: [1, 3, 3, 2, 1, 2] }, 1], noGradcheck: true }, { args: [G23, 0] }],
  },
  {
    name: 'cummin', sig: 'cummin(Tensor self, int dim)',
    doc: 'Running minimum along dim, as (values, indices); a later equal element takes over.',
    impl: (a) => cumExtreme(a.self, a.dim, 'cummin'),
    samples: [{ args: [{ t: [2, 3], grad: true, values: [3, 1, 1, 2, 2, 0] }, 1], noGradcheck: true }, { args: [G23, 1] }],
  },
  {
    name: 'bincount', sig: 'bincount(Tensor self, Tensor? weights=None, int minlength=0)',
    doc: 'Counts of each value of a 1-D non-negative integer tensor (or sums of weights), at least minlength bins.',
    impl: (a) => bincount(a.self, a.weights, a.minlength),
    samples: [
      { args: [{ t: [6], dtype: 'int64', values: [3, 1, 2, 3, 1, 1] }] },
      { args: [{ t: [4], dtype: 'int32', values: [0, 2, 2, 5] }], kwargs: { minlength: 8 } },
      { args: [{ t: [3], dtype: 'int64', values: [1, 2, 2] }, { t: [3] }] },
      { args: [{ t: [3], dtype: 'uint8', values: [1, 0, 1] }, { t: [3], dtype: 'float64' }, 1] },
    ],
  },
]);
