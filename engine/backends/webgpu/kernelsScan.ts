// Scans of the webgpu device: cumsum / cumprod along a dim (forward, or from the end for cumsum's
// backward), float32 or int32, one thread per line along the dim adding (multiplying) in sequence, and
// cumprod's backward (one thread per line: Σ_{k ≥ j} out_k·g_k / x_j when the line has no zero, else the
// products without the division, as the CPU's two formulas). float32 sums are float32 (the CPU
// accumulates cumsum in double), so values agree within float32 tolerance. null when a kernel does not
// apply; the op then runs on the CPU.
import { Tensor } from '../../tensor';
import { dtypes } from '../../dtype';
import { FLAT_MAIN, around, bindings, flatKernel, gpuOut, onGpu, onGpuF32, wgslType } from './common';
import { gpuDense } from './kernels';

const FIELDS = 'n: u32, w: u32, size: u32, inner: u32, o0: u32, o1: u32, o2: u32, pad: u32';
/** the first element of line i (contiguous offsets), and the k-th element's offset from it */
const LINE = `fn lineBase(i: u32) -> u32 { return (i / p.inner) * p.size * p.inner + i % p.inner; }`;

/** cumsum / cumprod of float32 or int32 `x` along `dim` in x's dtype (from the last element when `reverse`), or null. */
export function gpuScan(x: Tensor, dim: number, op: 'sum' | 'prod', reverse = false): Tensor | null {
  const t = wgslType(x.dtype);
  if (!onGpu(x) || !t) return null;
  const xc = gpuDense(x);
  if (!xc) return null;
  const out = gpuOut(x.shape, x.dtype);
  const [outer, size, inner] = around(x.shape, dim);
  if (x.numel() > 0) flatKernel(`scan:${op}:${t}:${reverse ? 'reverse' : 'forward'}`, () => scanCode(t, op, reverse), [xc], [out], outer * inner, [size, inner, xc.offset]);
  return out;
}

function scanCode(t: string, op: 'sum' | 'prod', reverse: boolean): string {
  return `${bindings([['X', t], ['Y', t, true]], FIELDS)}
${LINE}
${FLAT_MAIN}
  let b = lineBase(i);
  var acc = ${t}(${op === 'sum' ? 0 : 1});
  for (var k = 0u; k < p.size; k++) {
    let at = b + ${reverse ? '(p.size - 1u - k)' : 'k'} * p.inner;
    acc = acc ${op === 'sum' ? '+' : '*'} X[p.o0 + at];
    Y[at] = acc;
  }
}`;
}

/** cumprod's backward along `dim` from the input, the forward's output and the incoming gradient (float32), or null. */
export function gpuCumprodBackward(x: Tensor, out: Tensor, g: Tensor, dim: number): Tensor | null {
  if (!onGpuF32(x, out, g)) return null;
  const [xc, oc, gc] = [x, out, g].map(gpuDense);
  if (!xc || !oc || !gc) return null;
  const res = gpuOut(x.shape, dtypes.float32);
  const [outer, size, inner] = around(x.shape, dim);
  if (x.numel() > 0) flatKernel('scan:prod_backward', cumprodBackwardCode, [xc, oc, gc], [res], outer * inner, [size, inner, xc.offset, oc.offset, gc.offset]);
  return res;
}

function cumprodBackwardCode(): string {
  return `${bindings([['X', 'f32'], ['O', 'f32'], ['G', 'f32'], ['Y', 'f32', true]], FIELDS)}
${LINE}
fn x(b: u32, k: u32) -> f32 { return X[p.o0 + b + k * p.inner]; }
fn g(b: u32, k: u32) -> f32 { return G[p.o2 + b + k * p.inner]; }
${FLAT_MAIN}
  let b = lineBase(i);
  var zero = false;
  for (var k = 0u; k < p.size; k++) { if (x(b, k) == 0.0) { zero = true; } }
  if (!zero) {
    var acc = 0.0;
    for (var k = p.size; k > 0u; k--) {
      acc = acc + O[p.o1 + b + (k - 1u) * p.inner] * g(b, k - 1u);
      Y[b + (k - 1u) * p.inner] = acc / x(b, k - 1u);
    }
    return;
  }
  for (var j = 0u; j < p.size; j++) {
    var run = 1.0;
    for (var q = 0u; q < j; q++) { run = run * x(b, q); }
    var total = g(b, j) * run;
    for (var k = j + 1u; k < p.size; k++) { run = run * x(b, k); total = total + g(b, k) * run; }
    Y[b + j * p.inner] = total;
  }
}`;
}
