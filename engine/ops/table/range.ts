// Op table: range creation. arange/range/linspace/logspace reproduce the float arithmetic of PyTorch
// 1.13's CPU kernels bit for bit (native/RangeFactories.cpp, native/cpu/RangeFactoriesKernel.cpp): the
// accumulate type, fused multiply-adds where the AVX2 kernels have them, and the 2 x Vectorized blocks
// in which arange/linspace form `base + j * step` instead of `start + i * step`. Also eye,
// tril_indices/triu_indices and empty_strided.
import { DType, castValue, dtypes, getDefaultDType } from '../../dtype';
import { check, runtimeError } from '../../errors';
import { castFloat, fmt } from '../../random/common';
import { fma32, fma64 } from '../../random/fma';
import { powCR } from '../../rng';
import { Scalar, scalarKind, scalarValue } from '../../scalar';
import { Storage, Tensor } from '../../tensor';
import { warn } from '../../warnings';
import { defineOps } from '../spec';
import { newTensor } from '../util';
import { notImplemented } from './elementwiseUtil';
import { allocArray } from '../../backends/cpu/alloc';

const fr = Math.fround;
const OPTS = 'ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None, bool requires_grad=False';

/** Elements per Vectorized<T> at the AVX2 level (32 bytes). */
const vecSize = (d: DType) => 32 / d.itemsize;
const isInt = (d: DType) => d.category === 'int';

/** A factory result: requires_grad only for floating dtypes. */
function finish(t: Tensor, requiresGrad: boolean): Tensor {
  if (requiresGrad) {
    check(t.dtype.category === 'float', 'Only Tensors of floating point and complex dtype can require gradients');
    t.requiresGrad = true;
  }
  return t;
}

/** Scalar.to<acc>(): int64 truncates, float rounds to float32, double is exact. */
function scalarTo(s: Scalar, acc: 'int' | 'float' | 'double'): number {
  const v = scalarValue(s);
  return acc === 'int' ? Math.trunc(v) : acc === 'float' ? fr(v) : v;
}

/** at::acc_type<T, false> (CPU): int64 for integers, double for float/double, float for half types. */
const accOf = (d: DType): 'int' | 'float' | 'double' =>
  isInt(d) ? 'int' : d.name === 'float32' || d.name === 'float64' ? 'double' : 'float';

/** the checks arange and range share; `bound` names the other bound in the sign message */
function checkRange(xstart: number, xend: number, xstep: number, bound: 'larger' | 'lower'): void {
  check(xstep > 0 || xstep < 0, 'step must be nonzero');
  check(Number.isFinite(xstart) && Number.isFinite(xend), () => `unsupported range: ${fmt(xstart)} -> ${fmt(xend)}`);
  check((xstep > 0 && xend >= xstart) || (xstep < 0 && xend <= xstart), `upper bound and ${bound} bound inconsistent with step sign`);
}

/**
 * Fill data[0..n) the way cpu_serial_kernel_vec runs a nullary kernel: while two vectors of `vs`
 * elements fit, each vector is Vectorized::arange(base, step): `base = scalar(first index)`, then
 * `vec(base, j)` for j = 1..vs-1; the tail is `scalar(i)`.
 */
function vectorLoop(data: { [i: number]: number }, n: number, vs: number, scalar: (i: number) => number, vec: (base: number, j: number) => number): void {
  let i = 0;
  for (; i <= n - 2 * vs; i += 2 * vs) {
    for (let b = i; b < i + 2 * vs; b += vs) {
      const base = scalar(b);
      data[b] = base;
      for (let j = 1; j < vs; j++) data[b + j] = vec(base, j);
    }
  }
  for (; i < n; i++) data[i] = scalar(i);
}

function arange(start: Scalar, end: Scalar, step: Scalar, dtype: DType | null, requiresGrad: boolean): Tensor {
  const integral = [start, end, step].every((s) => scalarKind(s) !== 'float');
  const dt = dtype ?? (integral ? dtypes.int64 : getDefaultDType());
  if (dt.category === 'bool') throw notImplemented('arange_cpu', dt);
  const acc = accOf(dt);
  const xstart = scalarTo(start, acc), xend = scalarTo(end, acc), xstep = scalarTo(step, acc);
  checkRange(xstart, xend, xstep, 'larger');
  let sizeD: number;
  if (dt.name === 'int64') {
    const sgn = (xstep > 0 ? 1 : 0) - (xstep < 0 ? 1 : 0);
    sizeD = Math.trunc((xend - xstart + xstep - sgn) / xstep);
  } else {
    sizeD = Math.ceil((scalarValue(end) - scalarValue(start)) / scalarValue(step));
  }
  check(sizeD >= 0 && sizeD <= 9223372036854775807, 'invalid size, possible overflow?');
  const n = sizeD;
  const out = newTensor([n], dt);
  const d = out.storage.data;
  if (acc === 'int') {
    for (let i = 0; i < n; i++) d[i] = castValue(dt, xstart + xstep * i);
  } else if (acc === 'double') {
    // start + step * idx in double (fused), stored as float32/float64; vectors: base + j * step
    const r = dt.name === 'float32' ? fr : (v: number) => v;
    const at = (i: number) => r(fma64(xstep, i, xstart));
    vectorLoop(d, n, vecSize(dt), at, (base, j) => r(fma64(j, xstep, base)));
  } else {
    const r = (v: number) => castFloat(dt.name as 'float16', v);
    const at = (i: number) => r(fma32(xstep, fr(i), xstart));
    vectorLoop(d, n, vecSize(dt), at, (base, j) => r(fma32(j, xstep, base)));
  }
  return finish(out, requiresGrad);
}

function range(start: Scalar, end: Scalar, step: Scalar, dtype: DType | null, requiresGrad: boolean): Tensor {
  warn('UserWarning', "torch.range is deprecated and will be removed in a future release because its behavior is inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in [start, end).");
  const dt = dtype ?? getDefaultDType();
  if (dt.category === 'bool' || dt.name === 'float16') throw notImplemented('range_cpu', dt);
  const acc = accOf(dt);
  const xstart = scalarTo(start, acc), xend = scalarTo(end, acc), xstep = scalarTo(step, acc);
  checkRange(xstart, xend, xstep, 'lower');
  const a = acc === 'float' ? fr : (v: number) => v;
  const n = acc === 'int' ? Math.trunc((xend - xstart) / xstep) + 1 : Math.trunc(a(a(a(xend - xstart) / xstep) + 1));
  const out = newTensor([n], dt);
  const d = out.storage.data;
  for (let i = 0; i < n; i++) d[i] = castValue(dt, a(xstart + a(i * xstep)));
  return finish(out, requiresGrad);
}

function linspace(start: Scalar, end: Scalar, steps: number, dtype: DType | null, requiresGrad: boolean): Tensor {
  check(steps >= 0, 'number of steps must be non-negative');
  const dt = dtype ?? getDefaultDType();
  if (dt.category === 'bool') throw notImplemented('linspace_cpu', dt);
  const out = newTensor([steps], dt);
  const d = out.storage.data;
  if (steps === 1) d[0] = toScalarT(dt, start);
  if (steps <= 1) return finish(out, requiresGrad);
  const S = toScalarT(dt, start), E = toScalarT(dt, end);
  const half = Math.floor(steps / 2);
  let scalar: (i: number) => number;
  let vec: (base: number, j: number) => number;
  if (isInt(dt)) {
    // step_t is double; stores truncate
    const step = (E - S) / (steps - 1);
    const r = (v: number) => castValue(dt, v);
    scalar = (i) => r(i < half ? fma64(step, i, S) : fma64(-step, steps - i - 1, E));
    vec = (base, j) => r(base + j * step);
  } else if (dt.name === 'float64') {
    const step = (E - S) / (steps - 1);
    scalar = (i) => (i < half ? fma64(step, i, S) : fma64(-step, steps - i - 1, E));
    vec = (base, j) => base + j * step;
  } else if (dt.name === 'float32') {
    const step = fr(fr(E - S) / fr(steps - 1));
    scalar = (i) => (i < half ? fma32(step, fr(i), S) : fma32(-step, fr(steps - i - 1), E));
    vec = (base, j) => fr(base + fr(j * step));
  } else {
    // Half / BFloat16 arithmetic rounds every operation (the integer operand converts first)
    const r = (v: number) => castFloat(dt.name as 'float16', v);
    const step = r(r(E - S) / r(steps - 1));
    scalar = (i) => (i < half ? r(S + r(step * r(i))) : r(E - r(step * r(steps - i - 1))));
    vec = (base, j) => r(base + r(j * step));
  }
  vectorLoop(d, steps, vecSize(dt), scalar, vec);
  return finish(out, requiresGrad);
}

/** static_cast<scalar_t>(double): Half and BFloat16 convert through float. */
const store = (dt: DType, v: number) => (dt.category === 'float' ? castFloat(dt.name as 'float32', v) : castValue(dt, v));

/** Scalar.to<scalar_t>(): integers truncate (and wrap), floats round through float like c10's casts. */
function toScalarT(dt: DType, s: Scalar): number {
  const v = scalarValue(s);
  return isInt(dt) ? castValue(dt, Math.trunc(v)) : castFloat(dt.name as 'float32', v);
}

function logspace(start: Scalar, end: Scalar, steps: number, base: number, dtype: DType | null, requiresGrad: boolean): Tensor {
  check(steps >= 0, 'number of steps must be non-negative');
  const dt = dtype ?? getDefaultDType();
  const out = newTensor([steps], dt);
  const d = out.storage.data;
  if (steps === 1) d[0] = store(dt, powCR(base, scalarValue(start)));
  if (steps <= 1) return finish(out, requiresGrad);
  if (dt.category === 'bool' || dt.name === 'float16') throw notImplemented('logspace_cpu', dt);
  // integer dtypes raise a float base to double exponents; float dtypes keep base as a double
  const b = isInt(dt) ? fr(base) : base;
  const S = toScalarT(dt, start), E = toScalarT(dt, end);
  const diff = isInt(dt) ? E - S : castFloat(dt.name as 'float32', E - S);
  const step = diff / (steps - 1);
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    const e = i < half ? S + step * i : E - step * (steps - i - 1);
    d[i] = store(dt, powCR(b, e));
  }
  return finish(out, requiresGrad);
}

function eye(n: number, m: number | null, dtype: DType | null, requiresGrad: boolean): Tensor {
  const cols = m ?? n;
  check(n >= 0, `n must be greater or equal to 0, got ${n}`);
  check(cols >= 0, `m must be greater or equal to 0, got ${cols}`);
  const out = newTensor([n, cols], dtype ?? getDefaultDType());
  for (let i = 0; i < Math.min(n, cols); i++) out.storage.data[i * cols + i] = 1;
  return finish(out, requiresGrad);
}

function triIndices(lower: boolean, row: number, col: number, offset: number, dtype: DType | null, requiresGrad: boolean): Tensor {
  check(row >= 0, `row must be non-negative, got${row}`);
  check(col >= 0, `col must be non-negative, got${col}`);
  const dt = dtype ?? dtypes.int64;
  if (dt.name !== 'int64' && dt.name !== 'int32') throw notImplemented(lower ? 'tril_indices' : 'triu_indices', dt);
  const rows: number[] = [], cols: number[] = [];
  for (let i = 0; i < row; i++) {
    const from = lower ? 0 : Math.max(0, i + offset);
    const to = lower ? Math.min(col - 1, i + offset) : col - 1;
    for (let j = from; j <= to; j++) { rows.push(i); cols.push(j); }
  }
  const out = newTensor([2, rows.length], dt);
  out.storage.data.set(rows, 0);
  out.storage.data.set(cols, rows.length);
  return finish(out, requiresGrad);
}

function emptyStrided(size: number[], stride: number[], dtype: DType | null, requiresGrad: boolean): Tensor {
  for (const s of size) check(s >= 0, () => `Trying to create tensor with negative dimension ${s}: [${size.join(', ')}]`);
  check(size.length === stride.length, () => `dimensionality of sizes (${size.length}) must match dimensionality of strides (${stride.length})`);
  let storage = 1;
  for (let i = 0; i < size.length; i++) {
    if (size[i] === 0) { storage = 0; break; }
    storage += (size[i] - 1) * stride[i];
  }
  if (storage < 0 || stride.some((s) => s < 0)) {
    throw runtimeError(`Storage size calculation overflowed with sizes=[${size.join(', ')}] and strides=[${stride.join(', ')}]`);
  }
  const dt = dtype ?? getDefaultDType();
  return finish(new Tensor(new Storage(allocArray(dt.arrayCtor, storage)), size.slice(), stride.slice(), 0, dt), requiresGrad);
}

export default defineOps([
  {
    name: 'arange', variants: ['function'],
    sig: [`arange(Scalar end, *, ${OPTS})`, `arange(Scalar start, Scalar end, *, ${OPTS})`, `arange(Scalar start, Scalar end, Scalar step=1, *, ${OPTS})`],
    doc: 'Values start, start+step, … up to (not including) end. All-integer arguments give int64, otherwise the default float dtype.',
    impl: (a, ov) => arange(ov === 0 ? 0 : a.start, a.end, ov === 2 ? a.step : 1, a.dtype, a.requires_grad),
    samples: [
      { args: [5] },
      { args: [{ f: 0 }, { f: 1 }, { f: 0.1 }] },
      { args: [-3, 11, 4], kwargs: { dtype: { dtype: 'float64' } } },
      { args: [{ f: 2.5 }, { f: -7.25 }, { f: -0.37 }], kwargs: { dtype: { dtype: 'float64' } } },
    ],
  },
  {
    name: 'range', variants: ['function'],
    sig: `range(Scalar start, Scalar end, Scalar step=1, *, ${OPTS})`,
    doc: 'Deprecated: values from start to end inclusive (default float dtype). Use arange.',
    impl: (a) => range(a.start, a.end, a.step, a.dtype, a.requires_grad),
    samples: [{ args: [1, 4] }, { args: [{ f: 0 }, { f: 1 }, { f: 0.1 }], kwargs: { dtype: { dtype: 'float64' } } }],
  },
  {
    name: 'linspace', variants: ['function'],
    sig: `linspace(Scalar start, Scalar end, int steps, *, ${OPTS})`,
    doc: 'steps evenly spaced values from start to end inclusive (the first half counted from start, the second from end).',
    impl: (a) => linspace(a.start, a.end, a.steps, a.dtype, a.requires_grad),
    samples: [
      { args: [0, 1, 7] },
      { args: [{ f: -3.7 }, { f: 5.1 }, 33], kwargs: { dtype: { dtype: 'float64' } } },
      { args: [-2, 9, 6], kwargs: { dtype: { dtype: 'int64' } } },
    ],
  },
  {
    name: 'logspace', variants: ['function'],
    sig: `logspace(Scalar start, Scalar end, int steps, float base=10.0, *, ${OPTS})`,
    doc: 'steps values base**x for x evenly spaced from start to end.',
    impl: (a) => logspace(a.start, a.end, a.steps, Number(a.base), a.dtype, a.requires_grad),
    samples: [{ args: [0, 2, 3] }, { args: [-1, 1, 5], kwargs: { base: { f: 2 }, dtype: { dtype: 'float64' } } }],
  },
  {
    name: 'eye', variants: ['function'],
    sig: [`eye(int n, *, ${OPTS})`, `eye(int n, int m, *, ${OPTS})`],
    doc: 'A 2-D tensor with ones on the diagonal (n x n, or n x m).',
    impl: (a, ov) => eye(a.n, ov === 1 ? a.m : null, a.dtype, a.requires_grad),
    samples: [{ args: [3] }, { args: [2, 4], kwargs: { dtype: { dtype: 'int64' } } }],
  },
  {
    name: 'tril_indices', variants: ['function'],
    sig: `tril_indices(int row, int col, int offset=0, *, ${OPTS})`,
    doc: 'Row and column indices (2 x N, int64) of the lower triangle of a row x col matrix.',
    impl: (a) => triIndices(true, a.row, a.col, a.offset, a.dtype, a.requires_grad),
    samples: [{ args: [3, 3] }, { args: [4, 3, 1] }],
  },
  {
    name: 'triu_indices', variants: ['function'],
    sig: `triu_indices(int row, int col, int offset=0, *, ${OPTS})`,
    doc: 'Row and column indices (2 x N, int64) of the upper triangle of a row x col matrix.',
    impl: (a) => triIndices(false, a.row, a.col, a.offset, a.dtype, a.requires_grad),
    samples: [{ args: [3, 3] }, { args: [4, 3, -1] }],
  },
  {
    name: 'empty_strided', variants: ['function'],
    sig: `empty_strided(int[] size, int[] stride, *, ${OPTS})`,
    doc: 'An uninitialised tensor (here: zero-filled) with the given size and strides.',
    impl: (a) => emptyStrided(a.size, a.stride, a.dtype, a.requires_grad),
  },
]);
