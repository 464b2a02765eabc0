// Op table: products and norms. matmul/@ (with PyTorch 1.13's dispatch to dot/mv/mm/bmm and its folding,
// so the grad_fn chain matches), mm, bmm, mv, dot, vdot, inner, outer/ger, addmm, addmv, baddbmm,
// addbmm, einsum, tensordot, trace, kron, norm, linalg.vector_norm, linalg.norm. Float results match the
// reference BLAS bit for bit (engine/backends/cpu/matmul.ts).
import { gpuMatmul } from '../../backends/webgpu/kernels';
import { offloadMatmul, offloadState } from '../../backends/webgpu/offload';
import { noGrad, record } from '../../autograd';
import { DType, dtypes } from '../../dtype';
import { check, runtimeError, valueError } from '../../errors';
import { PyFloat, Scalar, isScalar, scalarValue } from '../../scalar';
import { broadcastShapes, computeViewStrides, wrapDim } from '../../shape';
import { Tensor } from '../../tensor';
import { Mat, addmmInto, addmvInto, bmmInto, dotKernel, roundFor } from '../../backends/cpu/matmul';
import { vectorNorm } from '../../backends/cpu/reduce';
import { copyInto, newTensor } from '../../backends/cpu/elementwise';
import { defineOps } from '../spec';
import { shortTypeName } from '../inplace';
import { call, callKw, castTensor, sumToShape } from '../util';
import { fromValues, keepDims, reduction } from './reduce';

const short = shortTypeName;
const matOf = (t: Tensor): Mat => ({ data: t.storage.data, off: t.offset, rows: t.shape[0], cols: t.shape[1], s0: t.strides[0], s1: t.strides[1] });
const notImpl = (fn: string, d: DType) => runtimeError(`"${fn}" not implemented for '${short(d)}'`);
const blasDtype = (d: DType) => d.category !== 'bool' && d.name !== 'float16' && d.name !== 'bfloat16';
const sameDtype = (a: Tensor, b: Tensor) => check(a.dtype === b.dtype, () => `expected scalar type ${short(a.dtype)} but found ${short(b.dtype)}`);
const scaled = (t: Tensor, s: Scalar) => (scalarValue(s) === 1 ? t : call('mul', t, s));

/** _unsafe_view: view's reshape without view tracking for autograd (UnsafeViewBackward0). */
export function unsafeView(t: Tensor, shape: number[]): Tensor {
  const strides = computeViewStrides(t.shape, t.strides, shape);
  check(strides !== null, "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  const out = new Tensor(t.storage, shape.slice(), strides!, t.offset, t.dtype);
  record('UnsafeViewBackward0', [t], out, ([g]) => [call('reshape', g!, t.shape)]);
  return out;
}

// ---- mm / addmm ------------------------------------------------------------------------------------

function mmMat1Backward(g: Tensor, mat2: Tensor, mat1: Tensor, alpha: Scalar): Tensor {
  if (mat1.strides[0] === 1 && mat1.strides[1] === mat1.shape[0]) return scaled(call('t', call('mm', mat2, call('t', g))), alpha);
  return scaled(call('mm', g, call('t', mat2)), alpha);
}

function mmMat2Backward(g: Tensor, mat1: Tensor, mat2: Tensor, alpha: Scalar): Tensor {
  if (mat2.strides[0] === 1 && mat2.strides[1] === mat2.shape[0]) return scaled(call('t', call('mm', call('t', g), mat1)), alpha);
  return scaled(call('mm', call('t', mat1), g), alpha);
}

/** addmm_impl_cpu_: result = beta*self (broadcast) + alpha*(m1 @ m2). */
function addmmValues(self: Tensor | null, m1: Tensor, m2: Tensor, beta: number, alpha: number): Tensor {
  check(m1.shape[1] === m2.shape[0], () => `mat1 and mat2 shapes cannot be multiplied (${m1.shape[0]}x${m1.shape[1]} and ${m2.shape[0]}x${m2.shape[1]})`);
  const dt = self?.dtype ?? m1.dtype;
  if (self) sameDtype(self, m1);
  sameDtype(m1, m2);
  if (!blasDtype(dt)) throw notImpl('addmm_impl_cpu_', dt);
  const g = gpuMatmul(m1, m2, self, beta, alpha);
  if (g) return g;
  // the 'auto' device setting: a large product on a GPU that computes it bit for bit as the CPU does
  if (offloadState.on) { const o = offloadMatmul(m1, m2, beta, alpha); if (o) return o; }
  const [m, n] = [m1.shape[0], m2.shape[1]];
  // float32: straight into the result's storage (the arena, where the matmul kernel writes it in place;
  // every element is written, beta*self or the sums from zero, so it is not cleared first); other dtypes
  // through double values
  const res = dt === dtypes.float32 ? newTensor([m, n], dt, false) : null;
  const out = res ? res.storage.data as Float32Array : new Float64Array(m * n);
  if (self && beta !== 0) {
    if (res) copyInto(res, call('expand', self, [m, n]));
    else out.set(call('expand', self, [m, n]).contiguousData());
  }
  addmmInto(out, 0, matOf(m1), matOf(m2), beta, alpha, roundFor(dt));
  return res ?? fromValues([m, n], dt, out);
}

function mm(self: Tensor, mat2: Tensor): Tensor {
  check(self.ndim === 2, 'self must be a matrix');
  check(mat2.ndim === 2, 'mat2 must be a matrix');
  const out = addmmValues(null, self, mat2, 0, 1);
  record('MmBackward0', [self, mat2], out, ([g]) => [
    self.requiresGrad ? mmMat1Backward(g!, mat2, self, 1) : null,
    mat2.requiresGrad ? mmMat2Backward(g!, self, mat2, 1) : null,
  ], (n) => { if (mat2.requiresGrad) n.save(self); if (self.requiresGrad) n.save(mat2); });
  return out;
}

function addmm(self: Tensor, m1: Tensor, m2: Tensor, beta: Scalar, alpha: Scalar): Tensor {
  check(self.dtype === m2.dtype, 'self and mat2 must have the same dtype');
  check(m1.dtype === m2.dtype, 'mat1 and mat2 must have the same dtype');
  check(m1.ndim === 2, () => `mat1 must be a matrix, got ${m1.ndim}-D tensor`);
  check(m2.ndim === 2, () => `mat2 must be a matrix, got ${m2.ndim}-D tensor`);
  const out = addmmValues(self, m1, m2, scalarValue(beta), scalarValue(alpha));
  record('AddmmBackward0', [self, m1, m2], out, ([g]) => [
    self.requiresGrad ? sumToShape(scaled(g!, beta), self.shape) : null,
    m1.requiresGrad ? mmMat1Backward(g!, m2, m1, alpha) : null,
    m2.requiresGrad ? mmMat2Backward(g!, m1, m2, alpha) : null,
  ]);
  return out;
}

// ---- mv / addmv / dot -----------------------------------------------------------------------------

function addmvValues(self: Tensor, mat: Tensor, vec: Tensor, beta: number, alpha: number, fromMv: boolean): Tensor {
  const selfDim = fromMv ? 1 : self.ndim;
  check(mat.ndim === 2 && vec.ndim === 1 && selfDim <= 1, () => `vector + matrix @ vector expected, got ${selfDim}, ${mat.ndim}, ${vec.ndim}`);
  const selfN = fromMv ? mat.shape[0] : self.numel();
  check(mat.shape[1] === vec.shape[0] && (mat.shape[0] === selfN || selfN === 1),
    () => `size mismatch, got ${fromMv ? mat.shape[0] : self.ndim === 0 ? 1 : self.shape[0]}, ${mat.shape[0]}x${mat.shape[1]},${vec.shape[0]}`);
  sameDtype(mat, vec);
  if (!blasDtype(mat.dtype)) throw notImpl('addmv_impl_cpu', mat.dtype);
  const y = new Float64Array(mat.shape[0]);
  // self is copied into the result, which has vec's dtype
  if (!fromMv && beta !== 0) y.set(castTensor(call('expand', self, [mat.shape[0]]), vec.dtype).toFlatArray());
  addmvInto(y, matOf(mat), { data: vec.storage.data, off: vec.offset, stride: vec.strides[0] }, beta, alpha, roundFor(mat.dtype));
  return fromValues([mat.shape[0]], mat.dtype, y);
}

function mv(self: Tensor, vec: Tensor): Tensor {
  check(self.ndim === 2 && vec.ndim === 1, () => `vector + matrix @ vector expected, got 1, ${self.ndim}, ${vec.ndim}`);
  const out = addmvValues(self, self, vec, 0, 1, true);
  record('MvBackward0', [self, vec], out, ([g]) => [
    self.requiresGrad ? call('outer', g!, vec) : null,
    vec.requiresGrad ? call('mv', call('t', self), g!) : null,
  ]);
  return out;
}

function addmv(self: Tensor, mat: Tensor, vec: Tensor, beta: Scalar, alpha: Scalar): Tensor {
  const out = addmvValues(self, mat, vec, scalarValue(beta), scalarValue(alpha), false);
  record('AddmvBackward0', [self, mat, vec], out, ([g]) => [
    self.requiresGrad ? sumToShape(scaled(g!, beta), self.shape) : null,
    mat.requiresGrad ? scaled(call('outer', g!, vec), alpha) : null,
    vec.requiresGrad ? scaled(call('mv', call('t', mat), g!), alpha) : null,
  ]);
  return out;
}

function dotValue(self: Tensor, other: Tensor, fn: string): Tensor {
  check(self.ndim === 1 && other.ndim === 1, () => `1D tensors expected, but got ${self.ndim}D and ${other.ndim}D tensors`);
  check(self.dtype === other.dtype, () => `${fn} : expected both vectors to have same dtype, but found ${short(self.dtype)} and ${short(other.dtype)}`);
  const n = self.numel(), m = other.numel();
  check(n === m, () => `inconsistent tensor size, expected tensor [${n}] and src [${m}] to have the same number of elements, but got ${n} and ${m} elements respectively`);
  if (!blasDtype(self.dtype)) throw notImpl(fn, self.dtype);
  const v = dotKernel(self.storage.data, self.offset, self.strides[0], other.storage.data, other.offset, other.strides[0], n, roundFor(self.dtype));
  return fromValues([], self.dtype, [v]);
}

// ---- bmm / baddbmm / addbmm -------------------------------------------------------------------------

function batchMats(t: Tensor): Mat[] {
  return Array.from({ length: t.shape[0] }, (_, b) => ({
    data: t.storage.data, off: t.offset + b * t.strides[0], rows: t.shape[1], cols: t.shape[2], s0: t.strides[1], s1: t.strides[2],
  }));
}

function bmmValues(self: Tensor | null, b1: Tensor, b2: Tensor, beta: number, alpha: number, fn: 'bmm' | 'baddbmm'): Tensor {
  check(b1.ndim === 3, 'batch1 must be a 3D tensor');
  check(b2.ndim === 3, 'batch2 must be a 3D tensor');
  const [bs, n, k] = b1.shape, p = b2.shape[2];
  check(b2.shape[0] === bs && b2.shape[1] === k, () => `Expected size for first two dimensions of batch2 tensor to be: [${bs}, ${k}] but got: [${b2.shape[0]}, ${b2.shape[1]}].`);
  sameDtype(b1, b2);
  if (!blasDtype(b1.dtype)) throw notImpl(fn, b1.dtype);
  const g = gpuMatmul(b1, b2, self, beta, alpha);
  if (g) return g;
  if (offloadState.on) { const o = offloadMatmul(b1, b2, beta, alpha); if (o) return o; }
  const f32 = b1.dtype === dtypes.float32;
  const res = f32 ? newTensor([bs, n, p], b1.dtype) : null;
  const out = res ? res.storage.data as Float32Array : new Float64Array(bs * n * p);
  // self is copied into the result, which has batch2's dtype
  if (self && beta !== 0) out.set(castTensor(call('expand', self, [bs, n, p]), b2.dtype).toFlatArray());
  bmmInto(out, batchMats(b1), batchMats(b2), beta, alpha, fn === 'bmm', roundFor(b1.dtype));
  return res ?? fromValues([bs, n, p], b1.dtype, out);
}

function bmm(self: Tensor, mat2: Tensor): Tensor {
  const out = bmmValues(null, self, mat2, 0, 1, 'bmm');
  record('BmmBackward0', [self, mat2], out, ([g]) => [
    self.requiresGrad ? call('bmm', g!, call('transpose', mat2, 1, 2)) : null,
    mat2.requiresGrad ? call('bmm', call('transpose', self, 1, 2), g!) : null,
  ]);
  return out;
}

function baddbmm(self: Tensor, b1: Tensor, b2: Tensor, beta: Scalar, alpha: Scalar): Tensor {
  const out = bmmValues(self, b1, b2, scalarValue(beta), scalarValue(alpha), 'baddbmm');
  record('BaddbmmBackward0', [self, b1, b2], out, ([g]) => [
    self.requiresGrad ? sumToShape(scaled(g!, beta), self.shape) : null,
    b1.requiresGrad ? scaled(call('bmm', g!, call('transpose', b2, 1, 2)), alpha) : null,
    b2.requiresGrad ? scaled(call('bmm', call('transpose', b1, 1, 2), g!), alpha) : null,
  ]);
  return out;
}

function addbmm(self: Tensor, b1: Tensor, b2: Tensor, beta: Scalar, alpha: Scalar): Tensor {
  check(b1.ndim === 3, 'batch1 must be a 3D tensor');
  check(b2.ndim === 3, 'batch2 must be a 3D tensor');
  check(b1.shape[0] === b2.shape[0], () => `batch1 and batch2 must have same number of batches, got ${b1.shape[0]} and ${b2.shape[0]}`);
  check(b1.shape[2] === b2.shape[1], () => `Incompatible matrix sizes for bmm (${b1.shape[1]}x${b1.shape[2]} and ${b2.shape[1]}x${b2.shape[2]})`);
  const [n, p] = [b1.shape[1], b2.shape[2]];
  let out = fromValues([n, p], self.dtype, call('expand', self, [n, p]).toFlatArray());
  const bv = scalarValue(beta), av = scalarValue(alpha);
  if (b1.shape[0] === 0) out = fromValues([n, p], self.dtype, out.toFlatArray().map((v) => (bv === 0 ? 0 : v * bv)));
  for (let b = 0; b < b1.shape[0]; b++) {
    const m1 = call('select', b1, 0, b), m2 = call('select', b2, 0, b);
    out = addmmValues(out, m1, m2, b === 0 ? bv : 1, av);
  }
  record('AddbmmBackward0', [self, b1, b2], out, ([g]) => {
    const ge = () => call('expand', call('unsqueeze', g!, 0), [b1.shape[0], n, p]);
    return [
      self.requiresGrad ? sumToShape(scaled(g!, beta), self.shape) : null,
      b1.requiresGrad ? scaled(call('bmm', ge(), call('transpose', b2, 1, 2)), alpha) : null,
      b2.requiresGrad ? scaled(call('bmm', call('transpose', b1, 1, 2), ge()), alpha) : null,
    ];
  });
  return out;
}

// ---- matmul (aten _matmul_impl, 1.13) ---------------------------------------------------------------

/** should_fold: multiply a >=3-D tensor by a vector/matrix as one mm/mv over its folded batch. */
function shouldFold(t1: Tensor, dim2: number): boolean {
  if (!(t1.ndim >= 3 && (dim2 === 1 || dim2 === 2))) return false;
  const s = t1.strides, z = t1.shape;
  return !(t1.ndim === 3 && dim2 === 2 && s[2] !== 1 && s[0] === z[1] * z[2]);
}

function matmul(t1: Tensor, t2: Tensor): Tensor {
  const d1 = t1.ndim, d2 = t2.ndim;
  check(d1 !== 0 && d2 !== 0, () => `both arguments to matmul need to be at least 1D, but they are ${d1}D and ${d2}D`);
  if (d1 === 1 && d2 === 1) return call('dot', t1, t2);
  if (d1 === 2 && d2 === 1) return call('mv', t1, t2);
  if (d1 === 1 && d2 === 2) {
    const r = call('mm', call('unsqueeze', t1, 0), t2);
    // squeeze_(0) on the mm result: a view recorded as SqueezeBackward3
    const out = new Tensor(r.storage, r.shape.slice(1), r.strides.slice(1), r.offset, r.dtype);
    record('SqueezeBackward3', [r], out, ([g]) => [call('unsqueeze', g!, 0)]);
    return out;
  }
  if (d1 === 2 && d2 === 2) return call('mm', t1, t2);
  if (shouldFold(t1, d2) || shouldFold(t2, d1)) {
    const transpose = d2 > d1;
    const a = transpose ? call('transpose', t2, -2, -1) : t1;
    const b = !transpose ? t2 : d1 === 2 ? call('t', t1) : t1;
    const outShape = a.shape.slice(0, -1);
    const folded = outShape.reduce((x, y) => x * y, 1);
    const aFolded = call('reshape', a, [folded, a.shape[a.ndim - 1]]);
    if (b.ndim === 2) {
      outShape.push(b.shape[1]);
      const out = unsafeView(call('mm', aFolded, b), outShape);
      return transpose ? call('contiguous', call('transpose', out, -2, -1)) : out;
    }
    return unsafeView(call('mv', aFolded, b), outShape);
  }
  // batched: broadcast the batch dims, flatten them, bmm
  const n = d1 > 1 ? t1.shape[d1 - 2] : 1, m1 = t1.shape[d1 - 1];
  const m2 = d2 > 1 ? t2.shape[d2 - 2] : t2.shape[0], p = d2 > 1 ? t2.shape[d2 - 1] : 1;
  const batch = broadcastShapes(t1.shape.slice(0, Math.max(d1 - 2, 0)), t2.shape.slice(0, Math.max(d2 - 2, 0)));
  const bp = batch.reduce((x, y) => x * y, 1);
  const e1 = call('reshape', call('expand', t1, [...batch, n, m1]), [bp, n, m1]);
  const e2 = call('reshape', call('expand', t2, [...batch, m2, p]), [bp, m2, p]);
  return unsafeView(call('bmm', e1, e2), [...batch, ...(d1 > 1 ? [n] : []), ...(d2 > 1 ? [p] : [])]);
}

// ---- tensordot / inner / outer / trace / kron --------------------------------------------------------

/** torch/functional.py tensordot's reading of `dims`: an int n (last n of a with first n of b) or two lists. */
function tensordotDims(dims: unknown): [number[], number[]] {
  const asList = (x: unknown): number[] => (Array.isArray(x) ? x.map(Number) : [Number(x)]);
  if (Array.isArray(dims)) return [asList(dims[0]), asList(dims[1])];
  let n: number;
  if (dims instanceof Tensor) {
    if (dims.numel() > 1) { const v = dims.toFlatArray(), h = v.length / 2; return [v.slice(0, h), v.slice(h)]; }
    n = dims.scalarValue();
  } else if (typeof dims === 'number') n = dims;
  else throw runtimeError(`tensordot expects dims to be int or Tuple[List[int], List[int]] or List[List[int]] containing two lists, but got dims=${String(dims)}`);
  check(n >= 0, () => `tensordot expects dims >= 0, but got dims=${n}`);
  return [Array.from({ length: n }, (_, i) => i - n), Array.from({ length: n }, (_, i) => i)];
}

export function tensordot(a: Tensor, b: Tensor, dimsA: number[], dimsB: number[]): Tensor {
  check(dimsA.length === dimsB.length, 'both dimension lists should have same length');
  let t1 = a, t2 = b, csize = 1;
  dimsA.forEach((da, i) => {
    const s1 = a.shape[wrapDim(da, a.ndim)], s2 = b.shape[wrapDim(dimsB[i], b.ndim)];
    if (s2 === 1) t1 = callKw('sum', [t1, [da], true], { dtype: t1.dtype });
    else if (s1 === 1) t2 = callKw('sum', [t2, [dimsB[i]], true], { dtype: t2.dtype });
    else {
      check(s1 === s2, () => `contracted dimensions need to match, but first has size ${s1} in dim ${da} and second has size ${s2} in dim ${dimsB[i]}`);
      csize *= s1;
    }
  });
  const ca = reduction(a, dimsA, false).mask, cb = reduction(b, dimsB, false).mask;
  const p1: number[] = [], p2: number[] = [], rsizes: number[] = [];
  let size1 = 1, size2 = 1;
  for (let i = 0; i < a.ndim; i++) if (!ca[i] || dimsA.length === 0) { p1.push(i); size1 *= t1.shape[i]; rsizes.push(t1.shape[i]); }
  dimsA.forEach((d) => p1.push(wrapDim(d, a.ndim)));
  dimsB.forEach((d) => p2.push(wrapDim(d, b.ndim)));
  for (let i = 0; i < b.ndim; i++) if (!cb[i] || dimsB.length === 0) { p2.push(i); size2 *= t2.shape[i]; rsizes.push(t2.shape[i]); }
  t1 = call('reshape', call('permute', t1, p1), [size1, csize]);
  t2 = call('reshape', call('permute', t2, p2), [csize, size2]);
  return call('reshape', call('mm', t1, t2), rsizes);
}

function trace(self: Tensor): Tensor {
  check(self.ndim === 2, () => `trace: expected a matrix, but got tensor with dim ${self.ndim}`);
  const dt = self.dtype.category === 'float' ? self.dtype : dtypes.int64;
  const n = Math.min(self.shape[0], self.shape[1]);
  const src = self.storage.data;
  let s = 0;
  for (let i = 0; i < n; i++) s += src[self.offset + i * (self.strides[0] + self.strides[1])];
  const out = fromValues([], dt, [s]);
  record('TraceBackward0', [self], out, ([g]) => {
    const idx = fromValues([n], dtypes.int64, Array.from({ length: n }, (_, i) => i * (self.shape[1] + 1)));
    const flat = callKw('zeros', [[self.numel()]], { dtype: g!.dtype });
    return [call('view', call('index_fill', flat, 0, idx, g!), self.shape)];
  });
  return out;
}

function kron(self: Tensor, other: Tensor): Tensor {
  const nd = Math.max(self.ndim, other.ndim);
  const pad = (t: Tensor) => [...new Array<number>(nd - t.ndim).fill(1), ...t.shape];
  const sa = pad(self), sb = pad(other);
  const ra: number[] = [], rb: number[] = [], rr: number[] = [];
  for (let i = 0; i < nd; i++) { ra.push(sa[i], 1); rb.push(1, sb[i]); rr.push(sa[i] * sb[i]); }
  const va = unsafeView(self, ra), vb = unsafeView(other, rb);
  return unsafeView(call('mul', va, vb), rr);
}

// ---- einsum (aten/src/ATen/native/Linear.cpp: align operands, then contract pairwise with bmm) ----------

/** sumproduct_pair: (left * right).sum(sumDims, keepdim=True) through permute + reshape + bmm. */
function sumproductPair(left: Tensor, right: Tensor, sumDims: number[]): Tensor {
  if (sumDims.length === 0) return call('mul', left, right);
  const dim = left.ndim;
  const isSum = (i: number) => sumDims.includes(i);
  const lro: number[] = [], lo: number[] = [], ro: number[] = [];
  let lroSize = 1, loSize = 1, roSize = 1, sumSize = 1;
  for (let i = 0; i < dim; i++) {
    const sl = left.shape[i] !== 1, sr = right.shape[i] !== 1;
    if (isSum(i)) {
      if (sl && sr) { check(left.shape[i] === right.shape[i], 'non-broadcast dimensions must match'); sumSize *= left.shape[i]; }
      else if (sl) left = callKw('sum', [left, [i], true], {});
      else if (sr) right = callKw('sum', [right, [i], true], {});
    } else if (sl && sr) {
      check(left.shape[i] === right.shape[i], 'non-broadcast dimensions must match');
      lro.push(i); lroSize *= left.shape[i];
    } else if (sl) { lo.push(i); loSize *= left.shape[i]; }
    else { ro.push(i); roSize *= right.shape[i]; }
  }
  const outSize = [...lro.map((d) => left.shape[d]), ...lo.map((d) => left.shape[d]), ...sumDims.map(() => 1), ...ro.map((d) => right.shape[d])];
  const operm = new Array<number>(outSize.length);
  [...lro, ...lo, ...sumDims, ...ro].forEach((d, i) => { operm[d] = i; });
  const l = call('reshape', call('permute', left, [...lro, ...lo, ...sumDims, ...ro]), [lroSize, loSize, sumSize]);
  const r = call('reshape', call('permute', right, [...lro, ...sumDims, ...ro, ...lo]), [lroSize, sumSize, roSize]);
  return call('permute', call('view', call('bmm', l, r), outSize), operm);
}

const ELL = 52;
const toSub = (c: string) => (c >= 'A' && c <= 'Z' ? c.charCodeAt(0) - 65 : c.charCodeAt(0) - 97 + 26);
const toLabel = (s: number) => String.fromCharCode(s < 26 ? s + 65 : s - 26 + 97);

function einsum(eq: string, operands: Tensor[]): Tensor {
  check(operands.length > 0, 'einsum(): must provide at least one operand');
  const nOps = operands.length;
  const arrow = eq.indexOf('->');
  const lhs = arrow < 0 ? eq : eq.slice(0, arrow);
  const opLabels: number[][] = operands.map(() => []);
  let ellIn = false, cur = 0;
  for (let i = 0; i < lhs.length; i++) {
    const c = lhs[i];
    if (c === ' ') continue;
    if (c === '.') {
      check(!ellIn, () => `einsum(): found '.' for operand ${cur} for which an ellipsis was already found`);
      check(i + 2 < lhs.length && lhs[++i] === '.' && lhs[++i] === '.', () => `einsum(): found '.' for operand ${cur} that is not part of any ellipsis`);
      opLabels[cur].push(ELL);
      ellIn = true;
    } else if (c === ',') {
      cur++;
      check(cur < nOps, 'einsum(): fewer operands were provided than specified in the equation');
      ellIn = false;
    } else {
      check(/^[a-zA-Z]$/.test(c), () => `einsum(): invalid subscript given at index ${i} in the equation string, subscripts must be in [a-zA-Z]`);
      opLabels[cur].push(toSub(c));
    }
  }
  check(cur === nOps - 1, 'einsum(): more operands were provided than specified in the equation');
  const labelCount = new Array<number>(ELL).fill(0);
  let ellNumDim = 0;
  operands.forEach((op, i) => {
    let nLabels = opLabels[i].length;
    const hasEll = opLabels[i].includes(ELL);
    for (const l of opLabels[i]) {
      if (l === ELL) { nLabels--; ellNumDim = Math.max(ellNumDim, op.ndim - (opLabels[i].length - 1)); } else labelCount[l]++;
    }
    check(hasEll ? nLabels <= op.ndim : nLabels === op.ndim, () => `einsum(): the number of subscripts in the equation (${nLabels}) ${hasEll ? 'is more than' : 'does not match'} the number of dimensions (${op.ndim}) for operand ${i}${hasEll ? '' : ' and no ellipsis was given'}`);
  });
  const permIndexOf = new Array<number>(ELL).fill(-1);
  let permIndex = 0, ellIndex = 0, ellInOut = false;
  if (arrow < 0) {
    permIndex = ellNumDim;
    ellInOut = true;
    for (let l = 0; l < ELL; l++) if (labelCount[l] === 1) permIndexOf[l] = permIndex++;
  } else {
    const rhs = eq.slice(arrow + 2);
    for (let i = 0; i < rhs.length; i++) {
      const c = rhs[i];
      if (c === ' ') continue;
      if (c === '.') {
        check(!ellInOut, "einsum(): found '.' for output but an ellipsis (...) was already found");
        check(i + 2 < rhs.length && rhs[++i] === '.' && rhs[++i] === '.', "einsum(): found '.' for output that is not part of any ellipsis (...)");
        ellIndex = permIndex;
        permIndex += ellNumDim;
        ellInOut = true;
      } else {
        check(/^[a-zA-Z]$/.test(c), () => `einsum(): invalid subscript given at index ${lhs.length + 2 + i} in the equation string, subscripts must be in [a-zA-Z]`);
        const s = toSub(c);
        check(labelCount[s] > 0 && permIndexOf[s] === -1, () => `einsum(): output subscript ${c}${permIndexOf[s] > -1 ? ' appears more than once in the output' : ' does not appear in the equation for any input operand'}`);
        permIndexOf[s] = permIndex++;
      }
    }
  }
  const outNumDim = permIndex;
  if (!ellInOut) { ellIndex = permIndex; permIndex += ellNumDim; }
  for (let l = 0; l < ELL; l++) if (labelCount[l] > 0 && permIndexOf[l] === -1) permIndexOf[l] = permIndex++;
  // align every operand to [output dims..., contracted dims...]: diagonals for repeated labels, unsqueeze for missing ones
  const labelSize = new Array<number>(ELL).fill(1), ellSizes = new Array<number>(ellNumDim).fill(1);
  const dimCounts = new Array<number>(permIndex).fill(0);
  const ops: Tensor[] = operands.map((orig, i) => {
    let op = orig;
    const perm = new Array<number>(permIndex).fill(-1);
    let dim = 0;
    for (const s of opLabels[i]) {
      if (s === ELL) {
        const nd = orig.ndim - (opLabels[i].length - 1);
        for (let j = ellNumDim - nd; j < ellNumDim; j++) {
          if (op.shape[dim] !== 1) {
            check(ellSizes[j] === 1 || ellSizes[j] === op.shape[dim], () => `einsum(): dimension ${dim} covered by ellipsis in operand ${i}has size ${op.shape[dim]} which does not broadcast with previously seen ellipsis with size ${ellSizes[j]} for the respective dimension`);
            ellSizes[j] = op.shape[dim];
            dimCounts[ellIndex + j]++;
          }
          perm[ellIndex + j] = dim++;
        }
      } else if (perm[permIndexOf[s]] === -1) {
        if (op.shape[dim] !== 1) {
          check(labelSize[s] === 1 || labelSize[s] === op.shape[dim], () => `einsum(): subscript ${toLabel(s)} has size ${op.shape[dim]} for operand ${i} which does not broadcast with previously seen size ${labelSize[s]}`);
          labelSize[s] = op.shape[dim];
          dimCounts[permIndexOf[s]]++;
        }
        perm[permIndexOf[s]] = dim++;
      } else {
        const prev = perm[permIndexOf[s]];
        check(op.shape[dim] === op.shape[prev], () => `einsum(): subscript ${toLabel(s)} is repeated for operand ${i} but the sizes don't match, ${op.shape[dim]} != ${op.shape[prev]}`);
        op = call('movedim', call('diagonal', op, 0, prev, dim), -1, prev);
      }
    }
    for (let k = 0; k < perm.length; k++) if (perm[k] === -1) { op = call('unsqueeze', op, dim); perm[k] = dim++; }
    return call('permute', op, perm);
  });
  // contract left to right
  while (ops.length > 1) {
    let a = ops.shift()!, b = ops.shift()!;
    const sumDims: number[] = [], aSum: number[] = [], bSum: number[] = [];
    for (let d = outNumDim; d < permIndex; d++) {
      if (a.shape[d] !== 1 && b.shape[d] !== 1) {
        if (--dimCounts[d] === 1) { sumDims.push(d); dimCounts[d] = 0; }
      } else if (dimCounts[d] === 1) {
        if (a.shape[d] !== 1) { aSum.push(d); dimCounts[d] = 0; } else if (b.shape[d] !== 1) { bSum.push(d); dimCounts[d] = 0; }
      }
    }
    if (aSum.length) a = callKw('sum', [a, aSum, true], {});
    if (bSum.length) b = callKw('sum', [b, bSum, true], {});
    ops.unshift(sumproductPair(a, b, sumDims));
  }
  if (permIndex - outNumDim > 0) {
    if (nOps > 1) return call('view', ops[0], ops[0].shape.slice(0, outNumDim));
    return callKw('sum', [ops[0], Array.from({ length: permIndex - outNumDim }, (_, k) => outNumDim + k)], {});
  }
  return ops[0];
}

// ---- norms -------------------------------------------------------------------------------------------

/** norm_backward (also linalg_vector_norm's): the gradient of a p-norm over `dims` (empty: all, and then
 * grad and norm stay 0-d, so they do not promote self's dtype). */
function normBackward(g: Tensor, self: Tensor, p: number, norm: Tensor, dims: number[], keepdim: boolean): Tensor | null {
  const r = reduction(self, dims, keepdim);
  const unsq = !keepdim && self.ndim !== 0 && dims.length > 0;
  const gg = unsq ? call('reshape', g, r.keepShape) : g, nn = unsq ? call('reshape', norm, r.keepShape) : norm;
  const zeroNorm = () => fromValues(nn.shape, dtypes.bool, nn.toFlatArray().map((v) => (v === 0 ? 1 : 0)));
  if (p === 0) return null;
  if (p === 1) return call('mul', call('sgn', self), gg);
  if (p === 2) return call('mul', gg, call('masked_fill', call('div', self, nn), zeroNorm(), 0));
  if (!Number.isFinite(p)) {
    const absV = self.toFlatArray().map(Math.abs);
    const nb = call('expand', nn, self.shape).toFlatArray();
    const mask = fromValues(self.shape, dtypes.bool, absV.map((v, i) => (v === nb[i] || v !== v ? 1 : 0)));
    const count = callKw('sum', [mask, dims], { keepdim: true });
    return call('mul', call('sgn', self), call('mul', call('div', gg, count), mask));
  }
  if (p < 1) {
    const selfZero = fromValues(self.shape, dtypes.bool, self.toFlatArray().map((v) => (v === 0 ? 1 : 0)));
    const scaledSelf = call('mul', call('sgn', self), call('masked_fill', call('pow', call('abs', self), p - 1), selfZero, 0));
    return call('mul', call('mul', scaledSelf, gg), call('pow', nn, 1 - p));
  }
  const scaledSelf = p < 2 ? call('mul', call('sgn', self), call('pow', call('abs', self), p - 1)) : call('mul', self, call('pow', call('abs', self), p - 2));
  const scaleV = call('masked_fill', call('div', gg, call('pow', nn, p - 1)), zeroNorm(), 0);
  return call('mul', scaledSelf, scaleV);
}

const fmtOrd = (p: number) => (p === Infinity ? 'inf' : p === -Infinity ? '-inf' : String(p));

/**
 * The p-norm over dims (all when empty) as ATen's norm kernels compute it. `name` is the backward node:
 * NormBackward1 (torch.norm), NormBackward3 (torch.norm with dtype: its gradient runs in that dtype)
 * or LinalgVectorNormBackward0 (which also refuses negative/inf orders over empty dims).
 */
function pNorm(self: Tensor, p: number, dims: number[], keepdim: boolean, dtype: DType | null, name: string): Tensor {
  const x = dtype && dtype !== self.dtype ? castTensor(self, dtype) : self;
  const r = reduction(x, dims, keepdim);
  if (x.numel() === 0 && name === 'LinalgVectorNormBackward0' && (p < 0 || p === Infinity)) {
    check(dims.length > 0, () => `linalg.vector_norm cannot compute the ${fmtOrd(p)} norm on an empty tensor because the operation does not have an identity`);
    for (const d of r.dims) check(x.shape[d] !== 0, () => `linalg.vector_norm cannot compute the ${fmtOrd(p)} norm on the dimension ${d}because this dimension is empty and the operation does not have an identity`);
  }
  const out = fromValues(r.outShape, x.dtype, vectorNorm(x, r.mask, p));
  record(name, [self], out, ([g]) => [normBackward(g!, name === 'NormBackward3' ? call('to', self, g!.dtype) : self, p, out, dims, keepdim)]);
  return out;
}

const pValue = (p: unknown): number => (p === null || p === undefined ? 2 : p instanceof PyFloat ? p.value : isScalar(p) ? scalarValue(p) : Number(p));

/** torch.norm / Tensor.norm (torch/functional.py's dispatch to frobenius_norm and at::norm). */
function torchNorm(self: Tensor, p: unknown, dim: unknown, keepdim: boolean, dtype: DType | null): Tensor {
  check(self.dtype.category === 'float', () => `norm(): input dtype should be either floating point or complex. Got ${short(self.dtype)} instead.`);
  const all = [...self.shape.keys()];
  const dims = dim === null || dim === undefined ? null : typeof dim === 'number' ? [dim] : (dim as number[]);
  if (typeof p === 'string') {
    if (p === 'fro') {
      if (dtype) throw valueError('dtype argument is not supported in frobenius norm');
      const d = dims ?? [];
      check(d.length <= 2, () => `Expected at most 2 dimensions, but got ${d.length} dimensions instead.`);
      if (d.length === 2) {
        const [a, b] = d.map((x) => wrapDim(x, self.ndim));
        check(a !== b, () => `Expected dims to be different, got [${d.join(', ')}] instead`);
        return call('sqrt', callKw('sum', [call('mul', self, self), d], { keepdim }));
      }
      return pNorm(self, 2, d, keepdim, null, 'NormBackward1');
    }
    if (p === 'nuc') throw runtimeError('nuclear norm is not supported yet');
    throw runtimeError(`only valid string values are 'fro' and 'nuc', found ${p}`);
  }
  return pNorm(self, pValue(p), dims ?? all, keepdim, dtype, dtype ? 'NormBackward3' : 'NormBackward1');
}

function vectorNormOp(self: Tensor, ord: Scalar, dim: number[] | null, keepdim: boolean, dtype: DType | null): Tensor {
  check(self.dtype.category === 'float', () => `linalg.vector_norm: Expected a floating point or complex tensor as input. Got ${short(self.dtype)}`);
  return pNorm(self, pValue(ord), dim ?? [], keepdim, dtype, 'LinalgVectorNormBackward0');
}

/** linalg.matrix_norm for ord in {1, -1, inf, -inf, 'fro'} (2 / -2 / 'nuc' need an SVD: not supported). */
function matrixNorm(self: Tensor, ord: number | string, dim: number[], keepdim: boolean, dtype: DType | null): Tensor {
  check(self.ndim >= 2, () => `linalg.matrix_norm: The input tensor A must have at least 2 dimensions.`);
  if (ord === 'fro') return vectorNormOp(self, 2, dim, keepdim, dtype);
  if (typeof ord === 'string' || Math.abs(ord) === 2) throw runtimeError(`linalg.matrix_norm: ord=${ord} needs singular values, which are not supported yet`);
  check(Math.abs(ord) === 1 || Math.abs(ord) === Infinity, () => `linalg.matrix_norm: Order ${ord} not supported.`);
  let [d0, d1] = dim.map((d) => wrapDim(d, self.ndim));
  if (Math.abs(ord) === Infinity) [d0, d1] = [d1, d0];
  if (!keepdim && d0 < d1) d1--;
  const inner = vectorNormOp(self, 1, [d0], keepdim, dtype);
  return callKw(ord > 0 ? 'amax' : 'amin', [inner, d1], { keepdim });
}

function linalgNorm(self: Tensor, ord: Scalar | string | null, dim: number[] | null, keepdim: boolean, dtype: DType | null): Tensor {
  if (typeof ord === 'string') return matrixNorm(self, ord, dim ?? [0, 1], keepdim, dtype);
  if (dim !== null) check(dim.length === 1 || dim.length === 2, () => `linalg.norm: If ${ord !== null ? 'ord' : 'dim'} is specified, it mut be of length 1 or 2. Got [${dim.join(', ')}]`);
  else if (ord !== null) check(self.ndim === 1 || self.ndim === 2, () => `linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got ${self.ndim}D.`);
  if (ord !== null && ((dim !== null && dim.length === 2) || (dim === null && self.ndim === 2))) {
    return matrixNorm(self, pValue(ord), dim ?? [0, 1], keepdim, dtype);
  }
  return vectorNormOp(self, ord ?? new PyFloat(2), dim, keepdim, dtype);
}

// ---- cross / cdist ----------------------------------------------------------------------------------

/** torch.cross's default dim (1.13): the first dim of size 3. */
function defaultCrossDim(self: Tensor): number {
  const d = self.shape.indexOf(3);
  check(d >= 0, 'no dimension of size 3 in input');
  return d;
}

function linalgCross(x: Tensor, y: Tensor, dim: number): Tensor {
  check(x.ndim === y.ndim, 'linalg.cross: inputs must have the same number of dimensions.');
  const d = wrapDim(dim, x.ndim);
  check(x.shape[d] === 3 && y.shape[d] === 3, () => `linalg.cross: inputs dimension ${dim} must have length 3. Got ${x.shape[d]} and ${y.shape[d]}`);
  const shape = broadcastShapes(x.shape, y.shape);
  sameDtype(x, y);
  const xs = call('expand', x, shape), ys = call('expand', y, shape);
  const rd = roundFor(x.dtype);
  const xv = xs.contiguousData(), yv = ys.contiguousData();
  const inner = shape.slice(d + 1).reduce((p, v) => p * v, 1);
  const out = new Float64Array(xv.length);
  for (let base = 0; base < xv.length; base++) {
    if (Math.floor(base / inner) % 3 !== 0) continue;
    const at = (k: number) => base + k * inner;
    const a = [0, 1, 2].map((k) => xv[at(k)]), b = [0, 1, 2].map((k) => yv[at(k)]);
    out[at(0)] = rd(rd(a[1] * b[2]) - rd(a[2] * b[1]));
    out[at(1)] = rd(rd(a[2] * b[0]) - rd(a[0] * b[2]));
    out[at(2)] = rd(rd(a[0] * b[1]) - rd(a[1] * b[0]));
  }
  const res = fromValues(shape, x.dtype, out);
  record('LinalgCrossBackward0', [x, y], res, ([g]) => [
    x.requiresGrad ? sumToShape(callKw('linalg_cross', [y, g!], { dim: d }), x.shape) : null,
    y.requiresGrad ? sumToShape(callKw('linalg_cross', [g!, x], { dim: d }), y.shape) : null,
  ]);
  return res;
}

/** _cdist_forward's direct kernel: out[b, i, j] = ||x1[b, i] - x2[b, j]||_p (float accumulation). */
function cdistValues(x1: Tensor, x2: Tensor, p: number, bs: number, P: number, R: number, M: number): Float64Array {
  const rd = roundFor(x1.dtype);
  const a = x1.contiguousData(), b = x2.contiguousData();
  const out = new Float64Array(bs * P * R);
  for (let k = 0; k < bs; k++) for (let i = 0; i < P; i++) for (let j = 0; j < R; j++) {
    let acc = 0;
    for (let m = 0; m < M; m++) {
      const d = Math.abs(rd(a[(k * P + i) * M + m] - b[(k * R + j) * M + m]));
      if (p === 0) acc = rd(acc + (d !== 0 ? 1 : 0));
      else if (p === 1) acc = rd(acc + d);
      else if (p === 2) acc = rd(acc + rd(d * d));
      else if (p === Infinity) acc = Math.max(acc, d);
      else acc = rd(acc + rd(Math.pow(d, p)));
    }
    out[(k * P + i) * R + j] = p === 2 ? rd(Math.sqrt(acc)) : p === 0 || p === 1 || p === Infinity ? acc : rd(Math.pow(acc, rd(1 / p)));
  }
  return out;
}

/** _cdist_backward: grad w.r.t. x1 (call with the transposed grad/dist and swapped inputs for x2). */
function cdistGrad(g: Tensor, x1: Tensor, x2: Tensor, p: number, dist: Tensor, bs: number, P: number, R: number, M: number): Tensor {
  const rd = roundFor(x1.dtype);
  const a = x1.contiguousData(), b = x2.contiguousData(), gv = g.contiguousData(), dv = dist.contiguousData();
  const out = new Float64Array(bs * P * M);
  if (p !== 0) for (let k = 0; k < bs; k++) for (let i = 0; i < P; i++) for (let m = 0; m < M; m++) {
    let acc = 0;
    for (let j = 0; j < R; j++) {
      const diff = rd(a[(k * P + i) * M + m] - b[(k * R + j) * M + m]);
      const gr = gv[(k * P + i) * R + j], dist_ = dv[(k * P + i) * R + j];
      let v: number;
      if (p === 1) v = rd(gr * Math.sign(diff));
      else if (dist_ === 0) v = 0;
      else if (p === 2) v = rd(rd(gr * diff) / dist_);
      else if (p === Infinity) v = rd(rd(gr * Math.sign(diff)) * (Math.abs(diff) === dist_ ? 1 : 0));
      else if (p < 2) v = rd(rd(Math.sign(diff) * rd(Math.pow(Math.abs(diff), p - 1))) * rd(gr / rd(Math.pow(dist_, p - 1))));
      else v = rd(rd(diff * rd(Math.pow(Math.abs(diff), p - 2))) * rd(gr / rd(Math.pow(dist_, p - 1))));
      acc = rd(acc + v);
    }
    out[(k * P + i) * M + m] = acc;
  }
  return fromValues(x1.shape, x1.dtype, out);
}

/**
 * _euclidean_dist, cdist's p=2 path for more than 25 rows: sqrt(clamp_min(x1_ @ x2_^T, 0)) with
 * x1_ = [-2 x1, |x1|^2, 1] and x2_ = [x2, 1, |x2|^2] (values by the engine's matmul), EuclideanDistBackward0.
 */
function euclideanDist(x1: Tensor, x2: Tensor): Tensor {
  const out = noGrad(() => {
    const n1 = callKw('sum', [call('pow', x1, 2), -1], { keepdim: true }), n2 = callKw('sum', [call('pow', x2, 2), -1], { keepdim: true });
    const a = call('cat', [call('mul', x1, -2), n1, call('ones_like', n1)], -1);
    const b = call('cat', [x2, call('ones_like', n2), n2], -1);
    return call('sqrt', call('clamp_min', call('matmul', a, call('transpose', b, -2, -1)), 0));
  });
  record('EuclideanDistBackward0', [x1, x2], out, ([g]) => {
    const ratio = call('masked_fill', call('div', g!, out), call('eq', out, 0), 0);
    return [
      x1.requiresGrad ? call('sub', call('mul', x1, callKw('sum', [ratio, -1], { keepdim: true })), call('matmul', ratio, x2)) : null,
      x2.requiresGrad ? call('sub', call('mul', x2, call('unsqueeze', call('sum', ratio, -2), -1)), call('matmul', call('transpose', ratio, -2, -1), x1)) : null,
    ];
  });
  return out;
}

function cdist(x1: Tensor, x2: Tensor, p: number, computeMode: string | null): Tensor {
  const modes = [null, 'use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist', 'donot_use_mm_for_euclid_dist'];
  if (!modes.includes(computeMode)) throw valueError(`${computeMode} is not a valid value for compute_mode`);
  const mode = Math.max(0, modes.indexOf(computeMode) - 1);
  check(x1.ndim >= 2, () => `cdist only supports at least 2D tensors, X1 got: ${x1.ndim}D`);
  check(x2.ndim >= 2, () => `cdist only supports at least 2D tensors, X2 got: ${x2.ndim}D`);
  check(x1.dtype.category === 'float', () => `cdist only supports floating-point dtypes, X1 got: ${short(x1.dtype)}`);
  check(x2.dtype.category === 'float', () => `cdist only supports floating-point dtypes, X2 got: ${short(x2.dtype)}`);
  const M = x1.shape[x1.ndim - 1];
  check(M === x2.shape[x2.ndim - 1], () => `X1 and X2 must have the same number of columns. X1: ${M} X2: ${x2.shape[x2.ndim - 1]}`);
  check(p >= 0, 'cdist only supports non-negative p values');
  sameDtype(x1, x2);
  const P = x1.shape[x1.ndim - 2], R = x2.shape[x2.ndim - 2];
  const batch = broadcastShapes(x1.shape.slice(0, -2), x2.shape.slice(0, -2));
  const bs = batch.reduce((q, v) => q * v, 1);
  if (p === 2 && (mode === 1 || (mode === 0 && (P > 25 || R > 25))) && x1.numel() > 0 && x2.numel() > 0 && M > 0) {
    const d = bs === 1 ? euclideanDist(x1, x2)
      : euclideanDist(call('reshape', call('expand', x1, [...batch, P, M]), [bs, P, M]), call('reshape', call('expand', x2, [...batch, R, M]), [bs, R, M]));
    return call('view', d, [...batch, P, R]);
  }
  const e1 = call('reshape', call('expand', x1, [...batch, P, M]), [bs, P, M]);
  const e2 = call('reshape', call('expand', x2, [...batch, R, M]), [bs, R, M]);
  const out = fromValues([...batch, P, R], x1.dtype, cdistValues(e1, e2, p, bs, P, R, M));
  record('CdistBackward0', [x1, x2], out, ([g]) => {
    const g3 = call('reshape', g!, [bs, P, R]), d3 = call('reshape', out, [bs, P, R]);
    const tr = (t: Tensor) => call('contiguous', call('transpose', t, 1, 2));
    return [
      x1.requiresGrad ? sumToShape(call('reshape', cdistGrad(g3, e1, e2, p, d3, bs, P, R, M), [...batch, P, M]), x1.shape) : null,
      x2.requiresGrad ? sumToShape(call('reshape', cdistGrad(tr(g3), e2, e1, p, tr(d3), bs, R, P, M), [...batch, R, M]), x2.shape) : null,
    ];
  });
  return out;
}

// ---- the table ---------------------------------------------------------------------------------------

const M = (shape: number[], extra: Record<string, unknown> = {}) => ({ t: shape, grad: true, ...extra });

export default defineOps([
  {
    name: 'matmul', sig: 'matmul(Tensor self, Tensor other)',
    doc: 'Matrix product with numpy-style broadcasting: dot, mv, mm or a batched mm depending on the dims.',
    impl: (a) => matmul(a.self, a.other),
    samples: [
      { args: [M([3]), M([3])] }, { args: [M([2, 3]), M([3])] }, { args: [M([3]), M([3, 2])] }, { args: [M([2, 3]), M([3, 4])] },
      { args: [M([2, 2, 3]), M([2, 3, 2])] }, { args: [M([2, 2, 3]), M([3, 2])] }, { args: [M([2, 3]), M([2, 3, 2])] },
      { args: [M([3, 1, 2, 3]), M([2, 3, 2])] }, { args: [{ t: [2, 3], dtype: 'int64' }, { t: [3, 2], dtype: 'int64' }] },
    ],
  },
  {
    name: 'mm', sig: 'mm(Tensor self, Tensor mat2)',
    doc: 'Matrix product of two 2-D tensors (no broadcasting).',
    impl: (a) => mm(a.self, a.mat2),
    samples: [{ args: [M([2, 3]), M([3, 4])] }, { args: [M([3, 2], { dtype: 'float64' }), M([2, 2], { dtype: 'float64' })] }],
  },
  {
    name: 'bmm', sig: 'bmm(Tensor self, Tensor mat2)',
    doc: 'Batched matrix product of two 3-D tensors with the same batch size.',
    impl: (a) => bmm(a.self, a.mat2),
    samples: [{ args: [M([2, 2, 3]), M([2, 3, 4])] }],
  },
  {
    name: 'mv', sig: 'mv(Tensor self, Tensor vec)',
    doc: 'Matrix-vector product.',
    impl: (a) => mv(a.self, a.vec),
    samples: [{ args: [M([2, 3]), M([3])] }],
  },
  {
    name: 'dot', sig: 'dot(Tensor self, Tensor tensor)',
    doc: 'Dot product of two 1-D tensors of the same dtype.',
    impl: (a) => {
      const out = dotValue(a.self, a.tensor, 'dot');
      record('DotBackward0', [a.self, a.tensor], out, ([g]) => [call('mul', g!, a.tensor), call('mul', g!, a.self)]);
      return out;
    },
    samples: [{ args: [M([4]), M([4])] }, { args: [{ t: [3], dtype: 'int32' }, { t: [3], dtype: 'int32' }] }],
  },
  {
    name: 'vdot', sig: 'vdot(Tensor self, Tensor other)',
    doc: 'Dot product (conjugating the first argument for complex inputs).',
    impl: (a) => {
      const out = dotValue(a.self, a.other, 'vdot');
      record('VdotBackward0', [a.self, a.other], out, ([g]) => [call('mul', g!, a.other), call('mul', g!, a.self)]);
      return out;
    },
    samples: [{ args: [M([3]), M([3])] }],
  },
  {
    name: 'outer', aliases: ['ger'], sig: 'outer(Tensor self, Tensor vec2)',
    doc: 'Outer product of two vectors: out[i, j] = self[i] * vec2[j].',
    impl: (a) => {
      for (const [t, nm] of [[a.self, 'self'], [a.vec2, 'vec2']] as [Tensor, string][]) {
        check(t.ndim === 1, () => `outer: Expected 1-D argument ${nm}, but got ${t.ndim}-D`);
      }
      return call('mul', call('reshape', a.self, [a.self.shape[0], 1]), a.vec2);
    },
    samples: [{ args: [M([3]), M([2])] }, { args: [{ t: [2], dtype: 'int64' }, M([3])] }],
  },
  {
    name: 'inner', sig: 'inner(Tensor self, Tensor other)',
    doc: 'Sum product over the last dims of both inputs.',
    impl: (a) => {
      const [x, y]: Tensor[] = [a.self, a.other];
      if (x.ndim === 0 || y.ndim === 0) return call('mul', x, y);
      check(x.shape[x.ndim - 1] === y.shape[y.ndim - 1], () => `inner() the last dimension must match on both input tensors but got shapes [${x.shape.join(', ')}] and [${y.shape.join(', ')}]`);
      return tensordot(x, y, [-1], [-1]);
    },
    samples: [{ args: [M([2, 3]), M([4, 3])] }, { args: [M([3]), M([3])] }],
  },
  {
    name: 'addmm', sig: 'addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1)',
    doc: 'beta × input + alpha × (mat1 @ mat2); input broadcasts.',
    impl: (a) => addmm(a.self, a.mat1, a.mat2, a.beta, a.alpha),
    samples: [
      { args: [M([3]), M([2, 4]), M([4, 3])] }, { args: [M([2, 3]), M([2, 4]), M([4, 3])], kwargs: { beta: { f: 0.5 }, alpha: 2 } },
    ],
  },
  {
    name: 'addmv', sig: 'addmv(Tensor self, Tensor mat, Tensor vec, *, Scalar beta=1, Scalar alpha=1)',
    doc: 'beta × input + alpha × (mat @ vec).',
    impl: (a) => addmv(a.self, a.mat, a.vec, a.beta, a.alpha),
    samples: [{ args: [M([2]), M([2, 3]), M([3])] }, { args: [M([1]), M([2, 3]), M([3])], kwargs: { beta: 2, alpha: { f: 0.5 } } }],
  },
  {
    name: 'baddbmm', sig: 'baddbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, Scalar alpha=1)',
    doc: 'beta × input + alpha × bmm(batch1, batch2).',
    impl: (a) => baddbmm(a.self, a.batch1, a.batch2, a.beta, a.alpha),
    samples: [{ args: [M([2, 2, 2]), M([2, 2, 3]), M([2, 3, 2])], kwargs: { beta: { f: 0.5 }, alpha: 2 } }, { args: [M([2]), M([2, 2, 3]), M([2, 3, 2])] }],
  },
  {
    name: 'addbmm', sig: 'addbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, Scalar alpha=1)',
    doc: 'beta × input + alpha × the sum over the batch of batch1[i] @ batch2[i].',
    impl: (a) => addbmm(a.self, a.batch1, a.batch2, a.beta, a.alpha),
    samples: [{ args: [M([2, 2]), M([3, 2, 4]), M([3, 4, 2])] }],
  },
  {
    name: 'tensordot', sig: 'tensordot(Tensor a, Tensor b, Any dims=2)', variants: ['function'],
    doc: 'Contracts dims of a with dims of b (dims: an int n for the last/first n dims, or two lists).',
    impl: (a) => { const [da, db] = tensordotDims(a.dims); return tensordot(a.a, a.b, da, db); },
    samples: [{ args: [M([2, 3, 4]), M([3, 4, 2])] }, { args: [M([2, 3]), M([2, 4])], kwargs: { dims: [[0], [0]] } }],
  },
  {
    name: 'trace', sig: 'trace(Tensor self)',
    doc: 'Sum of the main diagonal of a 2-D tensor.',
    impl: (a) => trace(a.self),
    samples: [{ args: [M([3, 3])] }, { args: [M([2, 3])] }, { args: [{ t: [2, 2], dtype: 'int32' }] }],
  },
  {
    name: 'kron', sig: 'kron(Tensor self, Tensor other)',
    doc: 'Kronecker product.',
    impl: (a) => kron(a.self, a.other),
    samples: [{ args: [M([2, 2]), M([2, 3])] }, { args: [M([2]), M([2, 2])] }],
  },
  {
    name: 'norm', sig: 'norm(Tensor self, Any p="fro", Any dim=None, bool keepdim=False, ScalarType? dtype=None)',
    doc: 'Vector p-norm over dims (Frobenius by default). Deprecated in PyTorch in favour of torch.linalg.',
    impl: (a) => torchNorm(a.self, a.p, a.dim, a.keepdim, a.dtype),
    samples: [
      { args: [M([2, 3])] }, { args: [M([2, 3]), 1] }, { args: [M([2, 3]), { f: 3.0 }, 1] },
      { args: [M([2, 3]), { f: Infinity }], noGradcheck: true }, { args: [M([2, 3]), 'fro', [0, 1], true] },
    ],
  },
  {
    name: 'linalg_vector_norm', ns: 'linalg', variants: ['function'],
    sig: 'linalg_vector_norm(Tensor self, Scalar ord=2, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)',
    doc: 'Vector ord-norm over dims (all by default).',
    impl: (a) => vectorNormOp(a.self, a.ord, a.dim, a.keepdim, a.dtype),
    samples: [{ args: [M([2, 3])] }, { args: [M([2, 3]), 1, 0] }, { args: [M([2, 3, 2]), { f: 0.5 }, [0, 2], true] }],
  },
  {
    name: 'linalg_norm', ns: 'linalg', variants: ['function'],
    sig: [
      'linalg_norm(Tensor self, Scalar? ord=None, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)',
      'linalg_norm(Tensor self, str ord, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None)',
    ],
    doc: 'Vector or matrix norm (the matrix 1/inf norms and Frobenius; 2-norm and nuclear need an SVD).',
    impl: (a) => linalgNorm(a.self, a.ord, a.dim, a.keepdim, a.dtype),
    samples: [{ args: [M([2, 3])] }, { args: [M([3])] }, { args: [M([2, 3]), 1] }, { args: [M([2, 3]), { f: Infinity }], noGradcheck: true }, { args: [M([2, 3]), 'fro'] }],
  },
  {
    name: 'einsum', variants: ['function'],
    sig: ['einsum(str equation, Tensor[] tensors, *, int[]? path=None)',
      ...[1, 2, 3, 4, 5, 6].map((n) => `einsum(str equation, ${Array.from({ length: n }, (_, i) => `Tensor t${i}`).join(', ')})`)],
    doc: 'Einstein summation over the operands, e.g. einsum("ij,jk->ik", a, b).',
    impl: (a, ov) => einsum(a.equation, ov === 0 ? a.tensors : Array.from({ length: ov }, (_, i) => a[`t${i}`] as Tensor)),
    samples: [
      { args: ['ij,jk->ik', M([2, 3]), M([3, 4])] }, { args: ['ij->ji', M([2, 3])] }, { args: ['i,i->', M([3]), M([3])] },
      { args: ['ij->', M([2, 3])] }, { args: ['ii->i', M([3, 3])] }, { args: ['i,j->ij', M([2]), M([3])] },
      { args: ['bij,bjk->bik', M([2, 2, 3]), M([2, 3, 2])] }, { args: ['...ij,...jk', M([2, 2, 3]), M([3, 2])] },
    ],
  },
  {
    name: 'cross', sig: 'cross(Tensor self, Tensor other, int? dim=None)',
    doc: 'Cross product of 3-vectors along dim (default: the first dim of size 3).',
    impl: (a) => linalgCross(a.self, a.other, a.dim ?? defaultCrossDim(a.self)),
    samples: [{ args: [M([3]), M([3])] }, { args: [M([2, 3]), M([1, 3])], kwargs: { dim: 1 } }, { args: [M([3, 2]), M([3, 2])] }, { args: [{ t: [2, 3], dtype: 'int64' }, { t: [2, 3], dtype: 'int64' }, -1] }],
  },
  {
    name: 'linalg_cross', ns: 'linalg', variants: ['function'], sig: 'linalg_cross(Tensor self, Tensor other, *, int dim=-1)',
    doc: 'Cross product of 3-vectors along dim (default -1), broadcasting the other dims.',
    impl: (a) => linalgCross(a.self, a.other, a.dim),
    samples: [{ args: [M([2, 3]), M([2, 3])] }, { args: [M([3, 2], { dtype: 'float64' }), M([3, 1], { dtype: 'float64' })], kwargs: { dim: 0 } }],
  },
  {
    name: 'cdist', variants: ['function'], sig: 'cdist(Tensor x1, Tensor x2, float p=2, str? compute_mode=None)',
    doc: 'p-norm distances between each row of x1 and each row of x2 (batched).',
    impl: (a) => cdist(a.x1, a.x2, pValue(a.p), a.compute_mode),
    samples: [
      { args: [M([3, 2]), M([4, 2])] }, { args: [M([2, 3]), M([2, 3])], kwargs: { p: { f: 1.0 } }, noGradcheck: true },
      { args: [M([2, 2, 3], { dtype: 'float64' }), M([3, 3], { dtype: 'float64' })], kwargs: { p: { f: 3.0 } } },
      { args: [M([2, 3]), M([3, 3])], kwargs: { p: { f: Infinity } }, noGradcheck: true },
      { args: [M([30, 2]), M([3, 2])], noGradcheck: true }, // coinciding sample rows: sqrt(0) is non-smooth
      { args: [M([2, 3, 2]), M([2, 4, 2])], kwargs: { compute_mode: 'use_mm_for_euclid_dist' }, noGradcheck: true },
    ],
  },
]);
