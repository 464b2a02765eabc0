// Convolution kernels of the webgpu device (conv1d/conv2d as NCHW with H = 1 for 1-D: stride, padding,
// dilation, groups, bias), direct rather than im2col so that each output adds its terms in the CPU
// kernel's order (engine/backends/cpu/conv.ts, PyTorch's slow_conv2d): the forward starts at the bias
// and adds w·x over (in channel, kh, kw) one thread per output; grad_input is one thread per input
// element, for each (kh, kw) in order the column Σ_oc w·go (from 0, oc in order) added to the running
// total; grad_weight is one thread per weight element, per sample the dot product over output positions
// (from 0) added to the running total. With no contraction of the multiply-adds (lavapipe does none) the
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

/** grad_weight of the convolution from the input and `gradOut`, shaped `weightShape`, or null. */
export function gpuConvBackwardWeight(input: Tensor, gradOut: Tensor, g: ConvGeom, weightShape: number[]): Tensor | null {
  return convRun('conv:backward_weight', convWeightCode, [input, gradOut], g, weightShape);
}

function convWeightCode(): string {
  return `${HEAD([['X', 'f32'], ['G', 'f32'], ['Y', 'f32', true]])}
${TAP}
${FLAT_MAIN}
  let kw = i % p.KW;
  let kh = (i / p.KW) % p.KH;
  let c = (i / (p.KW * p.KH)) % p.Cg;
  let oc = i / (p.KW * p.KH * p.Cg);
  let grp = oc / p.OCg;
  var acc = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let xb = p.o0 + (n * p.C + grp * p.Cg + c) * p.H * p.W;
    let gb = p.o1 + (n * p.OC + oc) * p.OH * p.OW;
    var dot = 0.0;
    for (var oh = 0u; oh < p.OH; oh++) {
      let ih = tap(oh, kh, p.sH, p.pH, p.dH, p.H);
      for (var ow = 0u; ow < p.OW; ow++) {
        let iw = tap(ow, kw, p.sW, p.pW, p.dW, p.W);
        var xv = 0.0;
        if (ih >= 0 && iw >= 0) { xv = X[xb + u32(ih) * p.W + u32(iw)]; }
        dot = dot + xv * G[gb + oh * p.OW + ow];
      }
    }
    acc = dot + acc;
  }
  Y[i] = acc;
}`;
}
