// Scans of the webgpu device: cumsum / cumprod along a dim (forward, or from the end for cumsum's
// backward), float32 or int32, one thread per line along the dim adding (multiplying) in sequence (fewer
// than 4 lines of 4096 or more: in chunks, three launches), cummax / cummin (values and int64 indices),
// and cumprod's backward (one thread per line: Σ_{k ≥ j} out_k·g_k / x_j when the line has no zero, else the
// products without the division, as the CPU's two formulas). float32 sums are float32 (the CPU
// accumulates cumsum in double), so values agree within float32 tolerance. null when a kernel does not
// apply; the op then runs on the CPU.
import { Tensor } from '../../tensor';
import { dtypes } from '../../dtype';
import { Binding, FLAT_MAIN, WGSL_ISNAN, around, bindings, flatKernel, gpuOut, onGpu, onGpuF32, wgslType } from './common';
import { gpuDense } from './kernels';
import { stateOf } from './storage';

const FIELDS = 'n: u32, w: u32, size: u32, inner: u32, o0: u32, o1: u32, o2: u32, pad: u32';
/** the first element of line i (contiguous offsets), and the k-th element's offset from it */
const LINE = `fn lineBase(i: u32) -> u32 { return (i / p.inner) * p.size * p.inner + i % p.inner; }`;

/**
 * cumsum / cumprod of float32 or int32 `x` along `dim` in x's dtype (from the last element when `reverse`),
 * or null. Many lines: one thread per line, in sequence. Few long lines: in chunks (chunkedScan).
 */
export function gpuScan(x: Tensor, dim: number, op: 'sum' | 'prod', reverse = false): Tensor | null {
  const t = wgslType(x.dtype);
  if (!onGpu(x) || !t) return null;
  const xc = gpuDense(x);
  if (!xc) return null;
  const out = gpuOut(x.shape, x.dtype);
  const [outer, size, inner] = around(x.shape, dim);
  const lines = outer * inner, dir = reverse ? 'reverse' : 'forward';
  if (x.numel() === 0) return out;
  if (lines < 4 && size >= 4096) chunkedScan(xc, out, t, op, reverse, lines, size, inner);
  else flatKernel(`scan:${op}:${t}:${dir}`, () => scanCode(t, op, reverse), [xc], [out], lines, [size, inner, xc.offset]);
  return out;
}

/**
 * A scan of few long lines in three launches with no barriers: every chunk of about √size elements is
 * folded by one thread (its total), one thread per line turns the totals into exclusive prefixes, and
 * every chunk is scanned again by one thread from its prefix. Float sums and products are rounded in
 * that order (not the sequential one): equal within float32 tolerance.
 */
function chunkedScan(x: Tensor, out: Tensor, t: string, op: 'sum' | 'prod', reverse: boolean, lines: number, size: number, inner: number): void {
  const ch = Math.ceil(Math.sqrt(size)), nch = Math.ceil(size / ch);
  const totals = gpuOut([lines * nch], x.dtype);
  const head = [size, inner, x.offset, ch, nch];
  const key = `scan:chunked:${op}:${t}:${reverse ? 'reverse' : 'forward'}`;
  flatKernel(`${key}:totals`, () => chunkCode(t, op, reverse, 'totals'), [x], [totals], lines * nch, head);
  flatKernel(`${key}:prefixes`, () => chunkCode(t, op, reverse, 'prefixes'), [], [totals], lines, head);
  flatKernel(`${key}:scan`, () => chunkCode(t, op, reverse, 'scan'), [x, totals], [out], lines * nch, head);
}

function chunkCode(t: string, op: 'sum' | 'prod', reverse: boolean, phase: 'totals' | 'prefixes' | 'scan'): string {
  const id = `${t}(${op === 'sum' ? 0 : 1})`, f = op === 'sum' ? '+' : '*';
  const arrays: Binding[] = phase === 'totals' ? [['X', t], ['T', t, true]] : phase === 'prefixes' ? [['T', t, true]] : [['X', t], ['T', t], ['Y', t, true]];
  const body = phase === 'prefixes' ? `var run = ${id};
  for (var c = 0u; c < p.nch; c++) { let v = T[i * p.nch + c]; T[i * p.nch + c] = run; run = run ${f} v; }` : `let b = lineBase(i / p.nch);
  let k0 = (i % p.nch) * p.ch;
  var acc = ${phase === 'totals' ? id : 'T[i]'};
  for (var k = k0; k < min(k0 + p.ch, p.size); k++) {
    let at = b + ${reverse ? '(p.size - 1u - k)' : 'k'} * p.inner;
    acc = acc ${f} X[p.o0 + at];${phase === 'scan' ? '\n    Y[at] = acc;' : ''}
  }${phase === 'totals' ? '\n  T[i] = acc;' : ''}`;
  return `${bindings(arrays, 'n: u32, w: u32, size: u32, inner: u32, o0: u32, ch: u32, nch: u32, pad: u32')}
${LINE}
${FLAT_MAIN}
  ${body}
}`;
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

/**
 * cummax / cummin of float32 or int32 `x` along `dim`: the running extreme (a later equal element takes
 * over; once a NaN is seen only a NaN replaces it) and its index as int64 (i32 words on the device,
 * bounded by the size along dim, like argmax's), or null.
 */
export function gpuCumExtreme(x: Tensor, dim: number, kind: 'max' | 'min'): [Tensor, Tensor] | null {
  const t = wgslType(x.dtype);
  if (!onGpu(x) || !t) return null;
  const xc = gpuDense(x);
  if (!xc) return null;
  const values = gpuOut(x.shape, x.dtype), indices = gpuOut(x.shape, dtypes.int64, Float64Array);
  const [outer, size, inner] = around(x.shape, dim);
  stateOf(indices.storage).bound = size;
  if (x.numel() > 0) flatKernel(`scan:cum${kind}:${t}`, () => cumExtremeCode(t, kind), [xc], [values, indices], outer * inner, [size, inner, xc.offset]);
  return [values, indices];
}

function cumExtremeCode(t: string, kind: 'max' | 'min'): string {
  const nan = t === 'f32';
  return `${bindings([['X', t], ['Y', t, true], ['I', 'i32', true]], FIELDS)}
${LINE}
${nan ? WGSL_ISNAN : ''}
${FLAT_MAIN}
  let b = lineBase(i);
  var best = X[p.o0 + b];
  var bi = 0u;
  for (var k = 0u; k < p.size; k++) {
    let at = b + k * p.inner;
    let v = X[p.o0 + at];
    if (${nan ? 'isnan(v) || (!isnan(best) && ' : '('}v ${kind === 'max' ? '>=' : '<='} best)) { best = v; bi = k; }
    Y[at] = best;
    I[at] = i32(bi);
  }
}`;
}
