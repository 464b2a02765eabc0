// Op table: softmax / log_softmax (single SoftmaxBackward0 / LogSoftmaxBackward0 nodes) and their
// backward kernels, rounding like PyTorch 1.13's CPU kernels: along the last dim the AVX2 kernel
// reduces with vec::reduce_all and multiplies by 1/sum (softmax) or subtracts log(sum) (log_softmax);
// along another dim it loops sequentially, vectorised over 8 inner positions (Sleef exp) with a
// scalar tail (libm exp). F.softmin is -x then softmax.
import { DType } from '../../dtype';
import { record } from '../../autograd';
import { wrapDim } from '../../shape';
import { Tensor } from '../../tensor';
import { warn } from '../../warnings';
import { newTensor } from '../../backends/cpu/elementwise';
import { Bound } from '../schema';
import { defineOps, OpDef } from '../spec';
import { call, callKw } from '../util';
import { checkSupport } from './elementwiseUtil';
import { fma32, fma64 } from '../../random/fma';
import { addD, addF, maxOp, reduceAll, sleefExpf } from './nnMath';
import { recordBackwardOp } from './nnUtil';
import { sleefKernels } from '../../backends/cpu/wasm/sleef';
import { gpuSoftmax, gpuSoftmaxBackward, gpuSoftmaxBackwardDim, gpuSoftmaxDim } from '../../backends/webgpu/kernelsNn';

const fr = Math.fround;
const id = (x: number) => x;

interface Geometry { outer: number; size: number; inner: number; last: boolean }
function geometry(t: Tensor, dim: number): Geometry {
  const shape = t.ndim ? t.shape : [1];
  let outer = 1, inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, size: shape[dim], inner, last: dim === shape.length - 1 };
}

function flavour(d: DType) {
  const f64 = d.name === 'float64';
  return { f64, r: f64 ? id : fr, add: f64 ? addD : addF, expV: f64 ? Math.exp : sleefExpf, expS: f64 ? Math.exp : (x: number) => fr(Math.exp(x)), lanes: f64 ? 4 : 8 };
}

/** softmax / log_softmax of a contiguous float tensor along `dim` (already wrapped). */
export function softmaxKernel(x: Tensor, dim: number, log: boolean): Tensor {
  const g = geometry(x, dim);
  const fl = flavour(x.dtype), r = fl.r;
  const src = x.contiguousData();
  const out = newTensor(x.shape, x.dtype);
  const od = out.storage.data;
  const K = g.last && x.dtype.name === 'float32' && g.size > 0 ? sleefKernels() : null;
  if (K) {
    // the same computation, row by row in WebAssembly SIMD (wasm/sleef.wat softmax_row)
    K.softmaxRows(src as Float32Array, 0, od as Float32Array, 0, g.outer, g.size, log);
  } else if (g.last) {
    const e = new Float64Array(g.size);
    for (let o = 0; o < g.outer; o++) {
      const base = o * g.size;
      const max = reduceAll(src, base, g.size, maxOp, fl.f64);
      for (let i = 0; i < g.size; i++) e[i] = fl.expV(r(src[base + i] - max));
      const sum = reduceAll(e, 0, g.size, fl.add, fl.f64);
      if (log) {
        const ls = r(Math.log(sum));
        for (let i = 0; i < g.size; i++) od[base + i] = r(r(src[base + i] - max) - ls);
      } else {
        const rec = r(1 / sum);
        for (let i = 0; i < g.size; i++) od[base + i] = r(e[i] * rec);
      }
    }
  } else {
    const vecInner = g.inner - (g.inner % fl.lanes);
    for (let o = 0; o < g.outer; o++) {
      for (let j = 0; j < g.inner; j++) {
        const base = o * g.size * g.inner + j;
        const exp = j < vecInner ? fl.expV : fl.expS;
        let max = src[base];
        for (let d = 1; d < g.size; d++) max = maxOp(max, src[base + d * g.inner]);
        let sum = 0;
        for (let d = 0; d < g.size; d++) {
          const z = exp(r(src[base + d * g.inner] - max));
          if (!log) od[base + d * g.inner] = z;
          sum = fl.add(sum, z);
        }
        if (log) {
          const ls = r(Math.log(sum));
          for (let d = 0; d < g.size; d++) od[base + d * g.inner] = r(r(src[base + d * g.inner] - max) - ls);
        } else {
          for (let d = 0; d < g.size; d++) od[base + d * g.inner] = r(od[base + d * g.inner] / sum);
        }
      }
    }
  }
  return out;
}

/** _softmax_backward_data / _log_softmax_backward_data. */
/** fl.expV of the first n values of `x`: the SLEEF SIMD lane for float32 where it runs, else one by one. */
function expAll(x: ArrayLike<number>, n: number, fl: ReturnType<typeof flavour>): Float32Array | Float64Array {
  const S = fl.f64 ? null : sleefKernels();
  const ex = fl.f64 ? new Float64Array(n) : new Float32Array(n);
  if (S) S.map('exp', x, 0, ex as Float32Array, 0, n);
  else for (let i = 0; i < n; i++) ex[i] = fl.expV(x[i]);
  return ex;
}

function softmaxBackwardKernel(grad: Tensor, output: Tensor, dim: number, log: boolean): Tensor {
  const g = geometry(output, dim);
  const fl = flavour(output.dtype), r = fl.r;
  const gd = grad.contiguousData(), od = output.contiguousData();
  const res = newTensor(output.shape, output.dtype);
  const rd = res.storage.data;
  const fma = fl.f64 ? fma64 : fma32;
  if (g.last) {
    const prod = new Float64Array(g.size);
    // log: exp(output) of every row at once, through the SIMD lane where it runs (the same float32
    // values as expV)
    const ex = log ? expAll(od, g.outer * g.size, fl) : null;
    for (let o = 0; o < g.outer; o++) {
      const base = o * g.size;
      if (ex) {
        const sum = reduceAll(gd, base, g.size, fl.add, fl.f64);
        for (let i = 0; i < g.size; i++) rd[base + i] = fma(-ex[base + i], sum, gd[base + i]);
      } else {
        for (let i = 0; i < g.size; i++) prod[i] = r(gd[base + i] * od[base + i]);
        const sum = reduceAll(prod, 0, g.size, fl.add, fl.f64);
        for (let i = 0; i < g.size; i++) rd[base + i] = r(r(gd[base + i] - sum) * od[base + i]);
      }
    }
  } else {
    // vectorised over 8 inner positions (scalar tail): fused float sums along dim, then the same formula
    const vecInner = g.inner - (g.inner % fl.lanes);
    for (let o = 0; o < g.outer; o++) {
      for (let j = 0; j < g.inner; j++) {
        const base = o * g.size * g.inner + j;
        const exp = j < vecInner ? fl.expV : fl.expS;
        let sum = 0;
        for (let d = 0; d < g.size; d++) {
          const k = base + d * g.inner;
          sum = log ? fl.add(sum, gd[k]) : fma(gd[k], od[k], sum);
        }
        for (let d = 0; d < g.size; d++) {
          const k = base + d * g.inner;
          rd[k] = log ? fma(-exp(od[k]), sum, gd[k]) : r(r(gd[k] - sum) * od[k]);
        }
      }
    }
  }
  if (output.dtype.needsConvert) for (let i = 0; i < rd.length; i++) rd[i] = fr(rd[i]);
  return res;
}

function softmaxOp(self: Tensor, dim: number, dtype: DType | null, log: boolean): Tensor {
  const x = dtype ? call('to', self, dtype) : self;
  const d = wrapDim(dim, x.ndim);
  const last = d === Math.max(x.ndim, 1) - 1;
  const kernel = `${log ? 'log_softmax' : 'softmax'}${last ? '_lastdim' : ''}_kernel_impl`;
  checkSupport(kernel, x.dtype, { bool: false, int: false, half: false });
  const out = (last ? gpuSoftmax(x, log) : gpuSoftmaxDim(x, d, log)) ?? softmaxKernel(x, d, log);
  record(log ? 'LogSoftmaxBackward0' : 'SoftmaxBackward0', [x], out, ([g]) => [
    call(log ? '_log_softmax_backward_data' : '_softmax_backward_data', g, out, d, x.dtype),
  ], (n) => n.save(out, true));
  return out;
}

const softmaxDef = (log: boolean): OpDef => ({
  name: log ? 'log_softmax' : 'softmax',
  sig: `${log ? 'log_softmax' : 'softmax'}(Tensor self, int dim, ScalarType? dtype=None)`,
  doc: log ? 'log(softmax(x)) along dim, computed stably as x − max − log Σ exp(x − max).' : 'exp(x) / Σ exp(x) along dim (rows sum to 1).',
  impl: (a) => softmaxOp(a.self, a.dim, a.dtype, log),
  samples: [
    { args: [{ t: [2, 3], grad: true }, 1] },
    { args: [{ t: [3, 4], grad: true }, 0], method: true },
    { args: [{ t: [2, 3, 2], dtype: 'float64', grad: true }, -2] },
    { args: [{ t: [10], grad: true }, 0], kwargs: { dtype: { dtype: 'float64' } } },
  ],
});

const backwardDef = (log: boolean): OpDef => ({
  name: log ? '_log_softmax_backward_data' : '_softmax_backward_data', ns: 'internal', variants: ['function'],
  sig: `${log ? '_log_softmax_backward_data' : '_softmax_backward_data'}(Tensor grad_output, Tensor output, int dim, ScalarType input_dtype)`,
  doc: `Gradient kernel of ${log ? 'log_softmax' : 'softmax'}.`,
  impl: (a: Bound) => {
    const go: Tensor = a.grad_output, out: Tensor = a.output, dim: number = a.dim;
    const res = (dim === Math.max(out.ndim, 1) - 1 ? gpuSoftmaxBackward(go, out, log) : gpuSoftmaxBackwardDim(go, out, dim, log)) ?? softmaxBackwardKernel(go, out, dim, log);
    recordBackwardOp(log ? 'LogSoftmaxBackwardDataBackward0' : 'SoftmaxBackwardDataBackward0', [go, out], res, (gg) => {
      const sumK = (t: Tensor) => callKw('sum', [t, [dim]], { keepdim: true });
      if (log) {
        const e = call('exp', out);
        return [call('sub', gg, sumK(call('mul', gg, e))), call('mul', call('mul', call('neg', sumK(go)), e), gg)];
      }
      return [
        call('_softmax_backward_data', gg, out, dim, a.input_dtype),
        call('sub', call('sub', call('mul', go, gg), call('mul', sumK(call('mul', out, go)), gg)), call('mul', go, sumK(call('mul', out, gg)))),
      ];
    });
    return res;
  },
});

export default defineOps([
  softmaxDef(false), softmaxDef(true), backwardDef(false), backwardDef(true),
  {
    name: 'softmin', ns: 'nn.functional', variants: ['function'],
    sig: 'softmin(Tensor self, int? dim=None, int _stacklevel=3, ScalarType? dtype=None)',
    doc: 'softmax(−x) along dim.',
    impl: (a) => {
      const self: Tensor = a.self;
      const dim = a.dim ?? implicitSoftmaxDim('softmin', self.ndim);
      return softmaxOp(call('neg', a.dtype ? call('to', self, a.dtype) : self), dim, null, false);
    },
    samples: [{ args: [{ t: [2, 3], grad: true }, 1] }, { args: [{ t: [4], dtype: 'float64', grad: true }], kwargs: { dim: 0 } }],
  },
]);

/** _get_softmax_dim: the dim F.softmax & co. pick when none is given (with PyTorch's warning). */
export function implicitSoftmaxDim(name: string, ndim: number): number {
  warnImplicit(name);
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}
function warnImplicit(name: string): void {
  warn('UserWarning', `Implicit dimension choice for ${name} has been deprecated. Change the call to include dim=X as an argument.`);
}
