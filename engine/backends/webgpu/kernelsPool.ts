// Pooling kernels of the webgpu device over (planes, H, W) float32 input, in the CPU kernels' order
// (engine/backends/cpu/conv.ts), so results equal them bit for bit: max pooling (windows with stride,
// padding, dilation, ceil mode; NaN wins, ties keep the first; the flat index in the plane as int64 that
// lives on the device as i32 words, storage.ts) and average pooling (padding, count_include_pad,
// divisor_override, ceil mode), each with plain or adaptive windows (floor(o·I/O) to ceil((o+1)·I/O)).
// Forward: one thread per output, visiting its window row-major. Backward: one thread per input element,
// summing the outputs whose window holds it (max: whose index is it) in output order, as the CPU adds them.
// float32 on the GPU only; null otherwise (the op then runs on the CPU).
import { Tensor } from '../../tensor';
import { dtypes } from '../../dtype';
import { Binding, FLAT_MAIN, WGSL_ISNAN, bindings, flatKernel, gpuOut, onGpu, onGpuF32 } from './common';
import { gpuDense } from './kernels';
import { stateOf } from './storage';

/** window kinds: max pooling's (dilated, clipped), avg pooling's (clipped, raw size kept), adaptive */
export type PoolWindows = 'max' | 'avg' | 'adaptive';
/** avg divisors: divisor_override, the window with its padding, the clipped window */
export type AvgDivisor = { override: number } | 'include_pad' | 'exclude_pad';

export interface PoolGeometry {
  planes: number; H: number; W: number; OH: number; OW: number;
  /** kernel, stride, padding, dilation (rows, cols); unused by adaptive windows */
  k: [number, number]; s: [number, number]; p: [number, number]; d: [number, number];
  windows: PoolWindows;
  divisor?: AvgDivisor;
}

const FIELDS = 'n: u32, w: u32, o0: u32, o1: u32, H: u32, W: u32, OH: u32, OW: u32, kH: u32, kW: u32, sH: u32, sW: u32, pH: u32, pW: u32, dH: u32, dW: u32, div: f32';

/** Run a pooling kernel over `n` threads: the uniform block [n, w, o0, o1, the geometry, div]. */
function poolRun(key: string, code: () => string, reads: Tensor[], writes: Tensor[], g: PoolGeometry, o1 = 0): void {
  const d = g.windows === 'adaptive' ? [1, 1] : g.d;
  flatKernel(key, code, reads, writes, writes[0].numel(), [reads[0].offset, o1, g.H, g.W, g.OH, g.OW, g.k[0], g.k[1], g.s[0], g.s[1], g.p[0], g.p[1], d[0], d[1]], 17, (p) => {
    // div: divisor_override, or -inf (the max kernels' start: WGSL has no infinite constants)
    p.f[16] = typeof g.divisor === 'object' ? g.divisor.override : -Infinity;
  });
}

const divisorKey = (g: PoolGeometry) => (g.windows === 'adaptive' ? 'adaptive' : typeof g.divisor === 'object' ? 'override' : g.divisor ?? 'none');

/**
 * WGSL of one kind of windows: win(oh, ow) → the clipped window (h0, h1, w0, w1), span(v, ...) → the
 * range of output positions along one axis whose window may hold input position v (a superset), and for
 * average pooling divide(s, oh, ow, window) → s over the divisors in the CPU's order.
 */
function windowCode(g: PoolGeometry): string {
  let win: string, span: string;
  if (g.windows === 'max') {
    win = `fn lo1(o: u32, s: u32, pad: u32, d: u32) -> i32 {
  var v = i32(o * s) - i32(pad);
  if (v < 0) { v = v + ((-v + i32(d) - 1) / i32(d)) * i32(d); }
  return v;
}
fn win(oh: u32, ow: u32) -> vec4<i32> {
  let h0 = i32(oh * p.sH) - i32(p.pH);
  let w0 = i32(ow * p.sW) - i32(p.pW);
  return vec4<i32>(lo1(oh, p.sH, p.pH, p.dH), min(h0 + i32((p.kH - 1u) * p.dH + 1u), i32(p.H)), lo1(ow, p.sW, p.pW, p.dW), min(w0 + i32((p.kW - 1u) * p.dW + 1u), i32(p.W)));
}`;
    span = 'vec2<i32>(max(0, (i32(v + pad) - i32((k - 1u) * d)) / i32(s)), min(i32(osize) - 1, i32(v + pad) / i32(s)))';
  } else if (g.windows === 'avg') {
    win = `fn raw(oh: u32, ow: u32) -> vec4<i32> {
  let h0 = i32(oh * p.sH) - i32(p.pH);
  let w0 = i32(ow * p.sW) - i32(p.pW);
  return vec4<i32>(h0, min(h0 + i32(p.kH), i32(p.H + p.pH)), w0, min(w0 + i32(p.kW), i32(p.W + p.pW)));
}
fn win(oh: u32, ow: u32) -> vec4<i32> {
  let r = raw(oh, ow);
  return vec4<i32>(max(r.x, 0), min(r.y, i32(p.H)), max(r.z, 0), min(r.w, i32(p.W)));
}`;
    span = 'vec2<i32>(max(0, (i32(v + pad) - i32(k)) / i32(s)), min(i32(osize) - 1, i32(v + pad) / i32(s)))';
  } else {
    win = `fn win(oh: u32, ow: u32) -> vec4<i32> {
  return vec4<i32>(i32((oh * p.H) / p.OH), i32(((oh + 1u) * p.H + p.OH - 1u) / p.OH), i32((ow * p.W) / p.OW), i32(((ow + 1u) * p.W + p.OW - 1u) / p.OW));
}`;
    span = 'vec2<i32>(i32((v * osize) / size), min(i32(osize) - 1, i32(((v + 1u) * osize + size - 1u) / size) - 1))';
  }
  const div = {
    override: 's / p.div',
    include_pad: '(s / f32((raw(oh, ow).y - raw(oh, ow).x) * (raw(oh, ow).w - raw(oh, ow).z)))',
    exclude_pad: 's / f32((wd.y - wd.x) * (wd.w - wd.z))',
    adaptive: '(s / f32(wd.y - wd.x)) / f32(wd.w - wd.z)',
    none: 's',
  }[divisorKey(g)];
  return `${win}
fn span(v: u32, k: u32, s: u32, pad: u32, d: u32, size: u32, osize: u32) -> vec2<i32> { return ${span}; }
fn divide(s: f32, oh: u32, ow: u32, wd: vec4<i32>) -> f32 { return ${div}; }`;
}

/** A forward kernel's entry: output i at (oh, ow) of its plane, whose input starts at xb, and its window wd. */
const FORWARD_MAIN = `${FLAT_MAIN}
  let ow = i % p.OW;
  let oh = (i / p.OW) % p.OH;
  let xb = p.o0 + (i / (p.OW * p.OH)) * p.H * p.W;
  let wd = win(oh, ow);`;

const kindKey = (g: PoolGeometry) => `${g.windows}:${divisorKey(g)}`;

/** Max pooling of float32 `x` (planes of H×W, contiguous after gpuDense): values and int64 indices shaped `outShape`, or null. */
export function gpuMaxPool(x: Tensor, g: PoolGeometry, outShape: number[]): [Tensor, Tensor] | null {
  if (!onGpuF32(x) || g.H * g.W >= 2 ** 31) return null;
  const xc = gpuDense(x);
  if (!xc) return null;
  const out = gpuOut(outShape, dtypes.float32);
  const idx = gpuOut(outShape, dtypes.int64, Float64Array);
  stateOf(idx.storage).bound = g.H * g.W;
  poolRun(`pool:max:${kindKey(g)}`, () => maxCode(g), [xc], [out, idx], g);
  return [out, idx];
}

function maxCode(g: PoolGeometry): string {
  return `${bindings([['X', 'f32'], ['Y', 'f32', true], ['I', 'i32', true]], FIELDS)}
${WGSL_ISNAN}
${windowCode(g)}
${FORWARD_MAIN}
  var best = p.div;
  var bi = wd.x * i32(p.W) + wd.z;
  var stop = false;
  for (var ih = wd.x; ih < wd.y && !stop; ih += i32(p.dH)) {
    for (var iw = wd.z; iw < wd.w; iw += i32(p.dW)) {
      let v = X[xb + u32(ih) * p.W + u32(iw)];
      if (v > best || isnan(v)) {
        best = v;
        bi = ih * i32(p.W) + iw;
        if (isnan(v)) { stop = true; break; }
      }
    }
  }
  Y[i] = best;
  I[i] = bi;
}`;
}

/** The max pooling backward: grad_out added at the forward's indices (int64 on the GPU as i32 words), shaped `inShape`, or null. */
export function gpuMaxPoolBackward(gradOut: Tensor, indices: Tensor, g: PoolGeometry, inShape: number[]): Tensor | null {
  if (!onGpuF32(gradOut) || !onGpu(indices) || indices.dtype !== dtypes.int64 || !indices.isContiguous) return null;
  const st = stateOf(indices.storage);
  if (st.hostValid || st.bound < 0 || st.bound > g.H * g.W) return null;
  const go = gpuDense(gradOut);
  if (!go) return null;
  const out = gpuOut(inShape, dtypes.float32);
  poolRun(`pool:max_backward:${kindKey(g)}`, () => backwardCode(g, true), [go, indices], [out], g, indices.offset);
  return out;
}

/** Average pooling of float32 `x` shaped `outShape`, or null. */
export function gpuAvgPool(x: Tensor, g: PoolGeometry, outShape: number[]): Tensor | null {
  if (!onGpuF32(x)) return null;
  const xc = gpuDense(x);
  if (!xc) return null;
  const out = gpuOut(outShape, dtypes.float32);
  poolRun(`pool:avg:${kindKey(g)}`, () => avgCode(g), [xc], [out], g);
  return out;
}

function avgCode(g: PoolGeometry): string {
  return `${bindings([['X', 'f32'], ['Y', 'f32', true]], FIELDS)}
${windowCode(g)}
${FORWARD_MAIN}
  var s = 0.0;
  for (var ih = wd.x; ih < wd.y; ih++) {
    for (var iw = wd.z; iw < wd.w; iw++) { s = s + X[xb + u32(ih) * p.W + u32(iw)]; }
  }
  s = divide(s, oh, ow, wd);
  Y[i] = select(s, 0.0, wd.x >= wd.y || wd.z >= wd.w);
}`;
}

/** The average pooling backward: each output's gradient over its divisors added over its window, shaped `inShape`, or null. */
export function gpuAvgPoolBackward(gradOut: Tensor, g: PoolGeometry, inShape: number[]): Tensor | null {
  if (!onGpuF32(gradOut)) return null;
  const go = gpuDense(gradOut);
  if (!go) return null;
  const out = gpuOut(inShape, dtypes.float32);
  poolRun(`pool:avg_backward:${kindKey(g)}`, () => backwardCode(g, false), [go], [out], g);
  return out;
}

/** One thread per input element: the outputs that take it, in output order (max: by index; avg: by window). */
function backwardCode(g: PoolGeometry, max: boolean): string {
  const arrays: Binding[] = max ? [['G', 'f32'], ['I', 'i32'], ['Y', 'f32', true]] : [['G', 'f32'], ['Y', 'f32', true]];
  const take = max
    ? 'if (I[p.o1 + o] == at) { acc = acc + G[p.o0 + o]; }'
    : `let wd = win(u32(oh), u32(ow));
        if (i32(ih) >= wd.x && i32(ih) < wd.y && i32(iw) >= wd.z && i32(iw) < wd.w) { acc = acc + divide(G[p.o0 + o], u32(oh), u32(ow), wd); }`;
  return `${bindings(arrays, FIELDS)}
${windowCode(g)}
${FLAT_MAIN}
  let iw = i % p.W;
  let ih = (i / p.W) % p.H;
  let pl = i / (p.W * p.H);
  let at = i32(ih * p.W + iw);
  let rh = span(ih, p.kH, p.sH, p.pH, p.dH, p.H, p.OH);
  let rw = span(iw, p.kW, p.sW, p.pW, p.dW, p.W, p.OW);
  var acc = 0.0;
  for (var oh = rh.x; oh <= rh.y; oh++) {
    for (var ow = rw.x; ow <= rw.y; ow++) {
      let o = (pl * p.OH + u32(oh)) * p.OW + u32(ow);
      ${take}
    }
  }
  Y[i] = acc;
}`;
}
