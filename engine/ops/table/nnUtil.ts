// Helpers shared by the nn op tables (nn*.ts, losses*.ts): kernels that split a contiguous loop into
// PyTorch's vectorised blocks and scalar tail, in-place wrappers, the loss `reduction` argument and
// PyTorch's size-mismatch warnings.
import { DType, castValue } from '../../dtype';
import { TorchError, check } from '../../errors';
import { isGradEnabled, needsGrad, record } from '../../autograd';
import { broadcastAll } from '../../shape';
import { Tensor } from '../../tensor';
import { broadcastOffsets, newTensor } from '../../backends/cpu/elementwise';
import { warn } from '../../warnings';
import { checkInplaceLeaf, commitInPlace, shadowOf } from '../inplace';
import { call } from '../util';
import { fma32, fma64 } from '../../random/fma';
import { erf, libmLog1pf, libmTanhf } from './elementwiseMath';
import {
  erff, sleefCosf, sleefExpf, sleefExpm1f, sleefLog10f, sleefLog1pf, sleefLog2f, sleefLogf, sleefSigmoidf, sleefSinf,
  sleefTanhf, vecCount, vecErf,
} from './nnMath';
import { LaneName, sleefKernels } from '../../backends/cpu/wasm/sleef';

const fr = Math.fround;
const id = (x: number) => x;

/** The math one loop flavour of a CPU kernel uses (vectorised AVX2 lanes or the scalar libm tail). */
export interface MathSet {
  r: (x: number) => number;
  exp: (x: number) => number;
  erf: (x: number) => number;
  log: (x: number) => number;
  log1p: (x: number) => number;
  tanh: (x: number) => number;
  /** a * b + c as the contracted (FMA) kernel computes it */
  fma: (a: number, b: number, c: number) => number;
}

const F64: MathSet = { r: id, exp: Math.exp, erf, log: Math.log, log1p: Math.log1p, tanh: Math.tanh, fma: fma64 };
// glibc 2.36: expf/logf are (almost always) correctly rounded; tanhf/log1pf/erff are fdlibm float ports
const F32_SCALAR: MathSet = { r: fr, exp: (x) => fr(Math.exp(x)), erf: erff, log: (x) => fr(Math.log(x)), log1p: libmLog1pf, tanh: libmTanhf, fma: fma32 };
const F32_VEC: MathSet = { ...F32_SCALAR, exp: sleefExpf, erf: vecErf, log: sleefLogf, log1p: sleefLog1pf, tanh: sleefTanhf };

/** [vectorised, scalar] math for a kernel computing in `d` */
export function mathFor(d: DType): [MathSet, MathSet] {
  return d.name === 'float32' || d.name === 'bfloat16' || d.name === 'float16' ? [F32_VEC, F32_SCALAR] : [F64, F64];
}

/** How a kernel's loop is vectorised: 'loop' (cpu_kernel_vec: blocks of 16, scalar tail), 'all' (vector ops with partial loads), 'none'. */
export type VecMode = 'loop' | 'all' | 'none';

type Fn = (...xs: number[]) => number;

/**
 * out[i] = f(inputs[0][i], inputs[1][i], ...) over same-shaped (or broadcast) inputs, computed in
 * `d`. When every input is contiguous the first vecCount(n) elements use the vectorised flavour.
 */
export function mapKernel(inputs: Tensor[], d: DType, make: (m: MathSet) => Fn, mode: VecMode = 'loop'): Tensor {
  const shape = broadcastAll(inputs.map((t) => t.shape));
  const out = newTensor(shape, d);
  const od = out.storage.data;
  const n = od.length;
  const [mv, ms] = mathFor(d);
  const fv = make(mv), fs = make(ms);
  const same = inputs.every((t) => t.isContiguous && t.numel() === n);
  const datas = inputs.map((t) => t.storage.data);
  const offs = same ? null : inputs.map((t) => broadcastOffsets(t, shape));
  const bases = inputs.map((t) => t.offset);
  const k = mode === 'all' ? n : same && mode === 'loop' ? vecCount(n) : 0;
  // one strided input: TensorIterator still vectorises its contiguous rows / dense memory order
  const flags = mode === 'loop' && !same && inputs.length === 1 && inputs[0].numel() === n ? loopVecFlags(inputs[0], d.name === 'bfloat16' ? 32 : 16) : null;
  const args = new Array<number>(inputs.length);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < inputs.length; j++) args[j] = offs ? datas[j][offs[j][i]] : datas[j][bases[j] + i];
    od[i] = (flags ? flags[i] : i < k) ? fv(...args) : fs(...args);
  }
  if (d.needsConvert) for (let i = 0; i < n; i++) od[i] = castValue(d, od[i]);
  return out;
}

/** Run an out-of-place computation as an in-place op on `self` (PyTorch's checks, history rebased). */
export function runInplace(self: Tensor, others: (Tensor | null | undefined)[], compute: (src: Tensor) => Tensor): Tensor {
  checkInplaceLeaf(self);
  const src = needsGrad([self, ...others]) ? shadowOf(self) : self;
  return commitInPlace(self, compute(src));
}

/** Record a node for a "*_backward" kernel op so double backward (create_graph) works. */
export function recordBackwardOp(name: string, inputs: (Tensor | null)[], out: Tensor, grads: (g: Tensor) => (Tensor | null)[]): void {
  if (!isGradEnabled()) return;
  record(name, inputs, out, ([g]) => grads(g!));
}

export const zerosLike = (t: Tensor) => call('zeros_like', t);

// ---- losses ------------------------------------------------------------------------------------

export type Reduction = 'none' | 'mean' | 'sum';
export const REDUCTION_ENUM: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

/** _Reduction.legacy_get_string / get_enum: the reduction a loss call asks for. */
export function reductionOf(a: { size_average?: boolean | null; reduce?: boolean | null; reduction?: string }): Reduction {
  if ((a.size_average !== undefined && a.size_average !== null) || (a.reduce !== undefined && a.reduce !== null)) {
    const sizeAverage = a.size_average ?? true;
    const reduce = a.reduce ?? true;
    warn('UserWarning', `size_average and reduce args will be deprecated, please use reduction='${!reduce ? 'none' : sizeAverage ? 'mean' : 'sum'}' instead.`);
    return !reduce ? 'none' : sizeAverage ? 'mean' : 'sum';
  }
  const r = a.reduction ?? 'mean';
  if (r === 'elementwise_mean') {
    warn('UserWarning', "reduction='elementwise_mean' is deprecated, please use reduction='mean' instead.");
    return 'mean';
  }
  if (r !== 'none' && r !== 'mean' && r !== 'sum') throw new TorchError('ValueError', `${r} is not a valid value for reduction`);
  return r;
}

/** An int reduction (the ATen-level argument) as its name. */
export function reductionFromEnum(r: number): Reduction {
  check(r >= 0 && r <= 2, `${r} is not a valid value for reduction`);
  return (['none', 'mean', 'sum'] as const)[r];
}

const sizeStr = (t: Tensor) => `torch.Size([${t.shape.join(', ')}])`;
export const sameSize = (a: Tensor, b: Tensor) => a.ndim === b.ndim && a.shape.every((s, i) => s === b.shape[i]);

/** The broadcast UserWarning of F.mse_loss / l1_loss / smooth_l1_loss / huber_loss. */
export function warnTargetSize(input: Tensor, target: Tensor): void {
  if (sameSize(input, target)) return;
  warn('UserWarning', `Using a target size (${sizeStr(target)}) that is different to the input size (${sizeStr(input)}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`);
}

export { sizeStr };

/** Apply a loss reduction to an elementwise loss tensor with engine ops (PyTorch's apply_loss_reduction). */
export function applyReduction(loss: Tensor, r: Reduction): Tensor {
  if (r === 'mean') return call('mean', loss);
  if (r === 'sum') return call('sum', loss);
  return loss;
}

/**
 * Which elements (logical order) of a cpu_kernel_vec loop over `t` take the vectorised lambda.
 * TensorIterator walks memory order: a contiguous or dense permuted input is one loop of n elements
 * (blocks of 16, scalar tail); otherwise the dims are sorted by stride, coalesced, and each inner row
 * is its own loop, vectorised only when its stride is 1. Single-threaded (small tensors) model.
 * `block`: two vectors' worth of elements (16 for float32, 32 for bfloat16).
 */
export function loopVecFlags(t: Tensor, block = 16): Uint8Array {
  const vecCount = (m: number) => m - (m % block);
  const n = t.numel();
  const flags = new Uint8Array(n);
  if (t.isContiguous) { flags.fill(1, 0, vecCount(n)); return flags; }
  const offs = t.offsets();
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < n; i++) { const o = offs[i]; if (o < min) min = o; if (o > max) max = o; }
  if (max - min + 1 === n) {
    const seen = new Uint8Array(n);
    let dense = true;
    for (let i = 0; i < n && dense; i++) { const p = offs[i] - min; if (seen[p]) dense = false; seen[p] = 1; }
    if (dense) {
      const k = vecCount(n);
      for (let i = 0; i < n; i++) flags[i] = offs[i] - min < k ? 1 : 0;
      return flags;
    }
  }
  // general strided input: innermost dims by ascending stride, coalesced while they stay contiguous
  const dims = t.shape.map((_, d) => d).filter((d) => t.shape[d] > 1);
  dims.sort((a, b) => t.strides[a] - t.strides[b] || b - a);
  if (dims.length === 0 || t.strides[dims[0]] !== 1) return flags;
  const inner = [dims[0]];
  let k = t.shape[dims[0]];
  for (let j = 1; j < dims.length && t.strides[dims[j]] === k; j++) { inner.push(dims[j]); k *= t.shape[dims[j]]; }
  const kv = vecCount(k);
  if (kv === 0) return flags;
  const nd = t.shape.length;
  const coord = new Array<number>(nd).fill(0);
  const isInner = t.shape.map((_, d) => inner.includes(d));
  for (let i = 0; i < n; i++) {
    let pos = 0;
    for (let d = 0; d < nd; d++) if (isInner[d]) pos += coord[d] * t.strides[d];
    flags[i] = pos < kv ? 1 : 0;
    for (let d = nd - 1; d >= 0; d--) { if (++coord[d] < t.shape[d]) break; coord[d] = 0; }
  }
  return flags;
}

/** The WebAssembly SIMD twin (wasm/sleef.wat) of each SLEEF lane function, bit for bit the same. */
const WASM_LANES = new Map<(x: number) => number, LaneName>([
  [sleefExpf, 'exp'], [sleefExpm1f, 'expm1'], [sleefLogf, 'log'], [sleefLog1pf, 'log1p'], [sleefTanhf, 'tanh'],
  [sleefSigmoidf, 'sigmoid'], [sleefLog2f, 'log2'], [sleefLog10f, 'log10'], [sleefSinf, 'sin'], [sleefCosf, 'cos'],
]);

/**
 * out[i] = f(x[i]) computed in float32 (float32 / bfloat16 results), with `vec` (the AVX2 lane
 * function) on the elements the kernel vectorises and `scalar` (the libm lambda) on the rest.
 * mode 'all': vml-style kernels vectorise every element (partial loads for the tail, buffers for
 * strided inputs); 'loop': cpu_kernel_vec (see loopVecFlags). A lane function with a WebAssembly
 * twin runs there on the vectorised elements (same bits); the scalar ones stay in JavaScript.
 */
export function vecUnaryKernel(x: Tensor, out: DType, vec: (v: number) => number, scalar: (v: number) => number, mode: 'all' | 'loop'): Tensor {
  const res = newTensor(x.shape, out);
  const od = res.storage.data;
  const n = od.length;
  const conv = x.dtype !== out;
  const src = x.contiguousData();
  const block = out.name === 'bfloat16' ? 32 : 16;
  const lane = WASM_LANES.get(vec);
  const K = lane && n > 0 ? sleefKernels() : null;
  if (lane && K) {
    let vals: ArrayLike<number> = src;
    if (conv) {
      const c = new Float32Array(n);
      for (let i = 0; i < n; i++) c[i] = castValue(out, src[i]);
      vals = c;
    }
    // the vectorised range: everything ('all'), the leading whole blocks of a contiguous loop, or
    // (strided 'loop' inputs) everything, with the scalar elements redone below
    const flags = mode === 'loop' && !x.isContiguous ? loopVecFlags(x, block) : null;
    const k = mode === 'loop' && !flags ? n - (n % block) : n;
    K.map(lane, vals, 0, od, 0, k);
    // Sleef sinf/cosf hand |x| >= 125 (and NaN) to libm, which the wasm twin leaves to JavaScript
    if (lane === 'sin' || lane === 'cos') for (let i = 0; i < k; i++) if (!(Math.abs(vals[i]) < 125)) od[i] = vec(vals[i]);
    for (let i = k; i < n; i++) od[i] = scalar(vals[i]);
    if (flags) for (let i = 0; i < n; i++) if (!flags[i]) od[i] = scalar(vals[i]);
  } else {
    const flags = mode === 'loop' ? loopVecFlags(x, block) : null;
    for (let i = 0; i < n; i++) {
      const v = conv ? castValue(out, src[i]) : src[i];
      od[i] = flags === null || flags[i] ? vec(v) : scalar(v);
    }
  }
  if (out.needsConvert) for (let i = 0; i < n; i++) od[i] = castValue(out, od[i]);
  return res;
}
