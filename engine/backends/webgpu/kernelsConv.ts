// Convolution kernels of the webgpu device (conv1d/conv2d as NCHW with H = 1 for 1-D: stride, padding,
// dilation, groups, bias), direct rather than im2col so that each output adds its terms in the CPU
// kernel's order (engine/backends/cpu/conv.ts, PyTorch's slow_conv2d): the forward starts at the bias
// and adds w·x over (in channel, kh, kw) one thread per output; grad_input is one thread per input
// element, for each (kh, kw) in order the column Σ_oc w·go (from 0, oc in order) added to the running
// total; grad_weight is one thread per (sample, weight element) computing that sample's dot product over
// the output positions (from 0), then one thread per weight element adding the samples' dots in order to
// the running total (N times the threads of one per weight element, same sums). With no contraction of the multiply-adds (lavapipe does none) the
// results equal the CPU's bit for bit. float32 operands on the GPU only; null otherwise (the op then runs
// on the CPU). Pooling kernels: kernelsPool.ts.
import type { ConvGeom } from '../cpu/conv';
import { Tensor } from '../../tensor';
import { dtypes } from '../../dtype';
import { Binding, FLAT_MAIN, bindings, flatKernel, gpuOut, onGpuF32 } from './common';
import { gpuDense } from './kernels';

const GEOM = 'N: u32, C: u32, H: u32, W: u32, OC: u32, KH: u32, KW: u32, OH: u32, OW: u32, sH: u32, sW: u32, pH: u32, pW: u32, dH: u32, dW: u32, Cg: u32, OCg: u32';

/**
 * Run a conv kernel over float32 operands on the GPU (null ones skipped; each made dense) into a new
 * `outShape` tensor, one thread per element: the uniform block [n, w, the operands' offsets (3), the
 * geometry]. null when it does not apply.
 */
function convRun(key: string, code: () => string, ins: (Tensor | null)[], g: ConvGeom, outShape: number[]): Tensor | null {
  if (!onGpuF32(...ins)) return null;
  const xs: Tensor[] = [];
  for (const t of ins) {
    if (!t) continue;
    const d = gpuDense(t);
    if (!d) return null;
    xs.push(d);
  }
  const out = gpuOut(outShape, dtypes.float32);
  flatKernel(key, code, xs, [out], out.numel(), [xs[0].offset, xs[1].offset, xs[2]?.offset ?? 0,
    g.N, g.C, g.H, g.W, g.OC, g.KH, g.KW, g.OH, g.OW, g.sH, g.sW, g.pH, g.pW, g.dH, g.dW, g.C / g.groups, g.OC / g.groups]);
  return out;
}

const HEAD = (arrays: Binding[]) => bindings(arrays, `n: u32, w: u32, o0: u32, o1: u32, o2: u32, ${GEOM}`);

/** The input row/column of output position (o, k) along one axis, or -1 outside the input. */
const TAP = `fn tap(o: u32, k: u32, s: u32, pad: u32, d: u32, size: u32) -> i32 {
  let v = i32(o * s + k * d) - i32(pad);
  return select(-1, v, v >= 0 && v < i32(size));
}`;

/** conv forward: out[n, oc, oh, ow] = bias[oc] + Σ_(c, kh, kw) w[oc, c, kh, kw] · x[n, g·Cg + c, ih, iw], or null. */
export function gpuConv(input: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeom, outShape: number[]): Tensor | null {
  const hasBias = bias !== null;
  return convRun(`conv:forward:${hasBias ? 'bias' : 'nobias'}`, () => convForwardCode(hasBias), [input, weight, bias], g, outShape);
}

function convForwardCode(bias: boolean): string {
  return `${HEAD([['X', 'f32'], ['K', 'f32'], ...(bias ? [['B', 'f32'] as Binding] : []), ['Y', 'f32', true]])}
${TAP}
${FLAT_MAIN}
  let ow = i % p.OW;
  let oh = (i / p.OW) % p.OH;
  let oc = (i / (p.OW * p.OH)) % p.OC;
  let n = i / (p.OW * p.OH * p.OC);
  let grp = oc / p.OCg;
  var acc = ${bias ? 'B[p.o2 + oc]' : '0.0'};
  for (var c = 0u; c < p.Cg; c++) {
    let xb = p.o0 + (n * p.C + grp * p.Cg + c) * p.H * p.W;
    let kb = p.o1 + (oc * p.Cg + c) * p.KH * p.KW;
    for (var kh = 0u; kh < p.KH; kh++) {
      let ih = tap(oh, kh, p.sH, p.pH, p.dH, p.H);
      for (var kw = 0u; kw < p.KW; kw++) {
        let iw = tap(ow, kw, p.sW, p.pW, p.dW, p.W);
        var xv = 0.0;
        if (ih >= 0 && iw >= 0) { xv = X[xb + u32(ih) * p.W + u32(iw)]; }
        acc = acc + K[kb + kh * p.KW + kw] * xv;
      }
    }
  }
  Y[i] = acc;
}`;
}

/** grad_input of the convolution from `gradOut` [N, OC, OH, OW] and the weight, shaped `inShape`, or null. */
export function gpuConvBackwardInput(weight: Tensor, gradOut: Tensor, g: ConvGeom, inShape: number[]): Tensor | null {
  return convRun('conv:backward_input', convInputCode, [weight, gradOut], g, inShape);
}

function convInputCode(): string {
  return `${HEAD([['K', 'f32'], ['G', 'f32'], ['Y', 'f32', true]])}
/** the output position whose tap k reaches input position v along one axis, or -1 */
fn source(v: u32, k: u32, s: u32, pad: u32, d: u32, size: u32) -> i32 {
  let t = i32(v + pad) - i32(k * d);
  if (t < 0 || t % i32(s) != 0) { return -1; }
  let o = t / i32(s);
  return select(-1, o, o < i32(size));
}
${FLAT_MAIN}
  let iw = i % p.W;
  let ih = (i / p.W) % p.H;
  let ic = (i / (p.W * p.H)) % p.C;
  let n = i / (p.W * p.H * p.C);
  let grp = ic / p.Cg;
  let c = ic % p.Cg;
  var acc = 0.0;
  for (var kh = 0u; kh < p.KH; kh++) {
    let oh = source(ih, kh, p.sH, p.pH, p.dH, p.OH);
    if (oh < 0) { continue; }
    for (var kw = 0u; kw < p.KW; kw++) {
      let ow = source(iw, kw, p.sW, p.pW, p.dW, p.OW);
      if (ow < 0) { continue; }
      var col = 0.0;
      for (var o = 0u; o < p.OCg; o++) {
        let oc = grp * p.OCg + o;
        col = col + K[p.o0 + ((oc * p.Cg + c) * p.KH + kh) * p.KW + kw] * G[p.o1 + ((n * p.OC + oc) * p.OH + u32(oh)) * p.OW + u32(ow)];
      }
      acc = acc + col;
    }
  }
  Y[i] = acc;
}`;
}

/** Per-sample partial sums of grad_weight kept at once (floats; more samples are done in turns). */
const PARTIAL_MAX = 1 << 24;

/**
 * grad_weight of the convolution from the input and `gradOut`, shaped `weightShape`, or null. One thread
 * per (sample, weight element) computes that sample's dot product over the output positions (from 0, in
 * order), then one thread per weight element adds the samples' dots in order (dot + total, as the CPU),
 * so the result is the CPU's bit for bit, with N times the threads of one per weight element.
 */
export function gpuConvBackwardWeight(input: Tensor, gradOut: Tensor, g: ConvGeom, weightShape: number[]): Tensor | null {
  if (!onGpuF32(input, gradOut)) return null;
  const x = gpuDense(input), go = gpuDense(gradOut);
  if (!x || !go) return null;
  const out = gpuOut(weightShape, dtypes.float32);
  const nw = out.numel();
  if (nw === 0 || g.N === 0) return out;
  const per = Math.max(1, Math.min(g.N, Math.floor(PARTIAL_MAX / nw)));
  const geom = [g.N, g.C, g.H, g.W, g.OC, g.KH, g.KW, g.OH, g.OW, g.sH, g.sW, g.pH, g.pW, g.dH, g.dW, g.C / g.groups, g.OC / g.groups];
  for (let n0 = 0; n0 < g.N; n0 += per) {
    const m = Math.min(per, g.N - n0);
    const part = gpuOut([m * nw], dtypes.float32);
    flatKernel('conv:backward_weight', convWeightCode, [x, go], [part], m * nw, [x.offset, go.offset, n0, ...geom]);
    flatKernel('conv:backward_weight_sum', weightSumCode, [part], [out], nw, [m, 0, 0, ...geom]);
  }
  return out;
}

function convWeightCode(): string {
  return `${HEAD([['X', 'f32'], ['G', 'f32'], ['D', 'f32', true]])}
${TAP}
/** the first output position along one axis whose tap k is at or past input position v (clamped to [0, osize]) */
fn firstAt(v: i32, k: u32, s: u32, pad: u32, d: u32, osize: u32) -> u32 {
  let t = v + i32(pad) - i32(k * d);
  return u32(clamp((t + i32(s) - 1) / i32(s), 0, i32(osize)));
}
fn nonfinite(v: f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u; }
${FLAT_MAIN}
  let nw = p.OC * p.Cg * p.KH * p.KW;
  let k = i % nw;
  let n = p.o2 + i / nw;
  let kw = k % p.KW;
  let kh = (k / p.KW) % p.KH;
  let c = (k / (p.KW * p.KH)) % p.Cg;
  let oc = k / (p.KW * p.KH * p.Cg);
  let xb = p.o0 + (n * p.C + (oc / p.OCg) * p.Cg + c) * p.H * p.W;
  let gb = p.o1 + (n * p.OC + oc) * p.OH * p.OW;
  // the output columns whose input column is inside the input: [w0, w1); outside, the terms are 0 · g
  // (nothing, but NaN when g is not finite)
  let w0 = select(firstAt(0, kw, p.sW, p.pW, p.dW, p.OW), 0u, p.pW <= kw * p.dW);
  let w1 = max(w0, firstAt(i32(p.W), kw, p.sW, p.pW, p.dW, p.OW));
  var dot = 0.0;
  var bad = false;
  for (var oh = 0u; oh < p.OH; oh++) {
    let ih = tap(oh, kh, p.sH, p.pH, p.dH, p.H);
    let grow = gb + oh * p.OW;
    let a = select(w0, p.OW, ih < 0);
    let b = select(w1, p.OW, ih < 0);
    for (var ow = 0u; ow < a; ow++) { bad = bad || nonfinite(G[grow + ow]); }
    let xrow = xb + u32(max(ih, 0)) * p.W + kw * p.dW - p.pW;
    for (var ow = a; ow < b; ow++) { dot = dot + X[xrow + ow * p.sW] * G[grow + ow]; }
    for (var ow = b; ow < p.OW; ow++) { bad = bad || nonfinite(G[grow + ow]); }
  }
  D[i] = select(dot, bitcast<f32>(0x7fc00000u | bitcast<u32>(dot)), bad);
}`;
}

/** Y[k] = the samples' dots D added in order to Y[k] (dot + total). */
function weightSumCode(): string {
  return `${HEAD([['D', 'f32'], ['Y', 'f32', true]])}
${FLAT_MAIN}
  var acc = Y[i];
  for (var n = 0u; n < p.o0; n++) { acc = D[n * p.n + i] + acc; }
  Y[i] = acc;
}`;
}
