// Op table: pooling. max_pool2d(_with_indices) → MaxPool2DWithIndicesBackward0, avg_pool2d →
// AvgPool2DBackward0, adaptive_avg_pool2d → AdaptiveAvgPool2DBackward0 (a 1×1 output is a mean over
// H, W: MeanBackward1), adaptive_max_pool2d → AdaptiveMaxPool2DBackward0; the 1-D forms unsqueeze to
// 2-D and squeeze back (SqueezeBackward1), as PyTorch does. Kernels: engine/backends/cpu/conv.ts; on the
// webgpu device engine/backends/webgpu/kernelsPool.ts (same order, forward and backward).
import { dtypes } from '../../dtype';
import { check } from '../../errors';
import { record } from '../../autograd';
import { Tensor } from '../../tensor';
import { newTensor } from '../../backends/cpu/elementwise';
import { Window, avgPool, avgPoolBackward, maxPool, maxPoolBackward } from '../../backends/cpu/conv';
import { AvgDivisor, PoolGeometry, gpuAvgPool, gpuAvgPoolBackward, gpuMaxPool, gpuMaxPoolBackward } from '../../backends/webgpu/kernelsPool';
import { defineOps, OpDef } from '../spec';
import { call, callKw } from '../util';
import { checkSupport } from './elementwiseUtil';
import { roundOf } from './nnConv';

const pair = (v: number[] | null | undefined, dflt: number[]): [number, number] => {
  const x = v && v.length ? v : dflt;
  return [x[0], x.length > 1 ? x[1] : x[0]];
};

function outSize(n: number, k: number, pl: number, pr: number, s: number, d: number, ceil: boolean): number {
  let o = Math.floor((n + pl + pr - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= n + pl) o--;
  return o;
}

interface PoolGeom { planes: number; H: number; W: number; OH: number; OW: number; lead: number[] }

function poolGeom(x: Tensor, name: string, k: [number, number], s: [number, number], p: [number, number], d: [number, number], ceil: boolean): PoolGeom {
  check(x.ndim === 3 || x.ndim === 4, 'non-empty 3D or 4D (batch mode) tensor expected for input');
  check(k[0] > 0 && k[1] > 0, () => `kernel size should be greater than zero, but got kH: ${k[0]} kW: ${k[1]}`);
  check(s[0] !== 0 && s[1] !== 0, 'stride should not be zero');
  check(d[0] > 0 && d[1] > 0, () => `dilation should be greater than zero, but got dilationH: ${d[0]} dilationW: ${d[1]}`);
  for (let i = 0; i < 2; i++) check(p[i] <= Math.floor(k[i] / 2), () => `pad should be at most half of kernel size, but got pad=${p[i]} and kernel_size=${k[i]}`);
  const H = x.shape[x.ndim - 2], W = x.shape[x.ndim - 1], C = x.shape[x.ndim - 3];
  const OH = outSize(H, k[0], p[0], p[0], s[0], d[0], ceil), OW = outSize(W, k[1], p[1], p[1], s[1], d[1], ceil);
  check(OH >= 1 && OW >= 1, () => `Given input size: (${C}x${H}x${W}). Calculated output size: (${C}x${OH}x${OW}). Output size is too small`);
  void name;
  return { planes: x.numel() / (H * W), H, W, OH, OW, lead: x.shape.slice(0, -2) };
}

function maxPool2d(x: Tensor, ks: number[], st: number[] | null, pd: number[], dl: number[], ceil: boolean): [Tensor, Tensor] {
  check(ks.length === 1 || ks.length === 2, 'max_pool2d: kernel_size must either be a single int, or a tuple of two ints');
  check(!st || st.length <= 2, 'max_pool2d: stride must either be omitted, a single int, or a tuple of two ints');
  check(pd.length === 1 || pd.length === 2, 'max_pool2d: padding must be either be a single int, or a tuple of two ints');
  check(dl.length === 1 || dl.length === 2, 'max_pool2d: dilation must be either a single int, or a tuple of two ints');
  checkSupport('max_pool2d', x.dtype, { bool: false, int: false, half: false });
  const k = pair(ks, ks), s = pair(st, ks), p = pair(pd, pd), d = pair(dl, dl);
  const g = poolGeom(x, 'max_pool2d', k, s, p, d, ceil);
  const win = (oh: number, ow: number): Window => {
    let h0 = oh * s[0] - p[0], w0 = ow * s[1] - p[1];
    const h1 = Math.min(h0 + (k[0] - 1) * d[0] + 1, g.H), w1 = Math.min(w0 + (k[1] - 1) * d[1] + 1, g.W);
    while (h0 < 0) h0 += d[0];
    while (w0 < 0) w0 += d[1];
    return { h0, h1, w0, w1, dh: d[0], dw: d[1] };
  };
  return runMax(x, g, win, 'MaxPool2DWithIndicesBackward0', { ...gpuGeom(g), k, s, p, d, windows: 'max' });
}

/** The geometry of the webgpu pooling kernels (window fields filled in by the caller). */
const gpuGeom = (g: PoolGeom): PoolGeometry => ({ planes: g.planes, H: g.H, W: g.W, OH: g.OH, OW: g.OW, k: [1, 1], s: [1, 1], p: [0, 0], d: [1, 1], windows: 'adaptive' });

function runMax(x: Tensor, g: PoolGeom, win: (oh: number, ow: number) => Window, node: string, gg: PoolGeometry): [Tensor, Tensor] {
  const gpu = gpuMaxPool(x, gg, [...g.lead, g.OH, g.OW]);
  if (gpu) {
    const [out, idx] = gpu;
    record(node, [x], out, ([go]) => [gpuMaxPoolBackward(go!, idx, gg, x.shape) ?? maxBackwardCpu(go!, idx, x, g)]);
    return gpu;
  }
  const out = newTensor([...g.lead, g.OH, g.OW], x.dtype);
  const idx = newTensor([...g.lead, g.OH, g.OW], dtypes.int64);
  maxPool(x.contiguousData(), g.planes, g.H, g.W, g.OH, g.OW, win, out.storage.data as Float32Array, idx.storage.data as Float64Array);
  record(node, [x], out, ([go]) => [maxBackwardCpu(go!, idx, x, g)]);
  return [out, idx];
}

function maxBackwardCpu(go: Tensor, idx: Tensor, x: Tensor, g: PoolGeom): Tensor {
  const gi = newTensor(x.shape, x.dtype);
  maxPoolBackward(go.contiguousData(), idx.contiguousData(), g.planes, g.H * g.W, g.OH * g.OW, roundOf(x.dtype), gi.storage.data as Float32Array);
  return gi;
}

/** Average pooling on the GPU (backward too) or the CPU. */
function runAvg(x: Tensor, g: PoolGeom, win: (oh: number, ow: number) => Window, divs: (oh: number, ow: number) => number[], node: string, gg: PoolGeometry): Tensor {
  const shape = [...g.lead, g.OH, g.OW];
  const r = roundOf(x.dtype);
  const cpuBackward = (go: Tensor) => {
    const gi = newTensor(x.shape, x.dtype);
    avgPoolBackward(go.contiguousData(), g.planes, g.H, g.W, g.OH, g.OW, win, divs, r, gi.storage.data as Float32Array);
    return gi;
  };
  let out = gpuAvgPool(x, gg, shape);
  if (!out) {
    out = newTensor(shape, x.dtype);
    avgPool(x.contiguousData(), g.planes, g.H, g.W, g.OH, g.OW, win, divs, r, out.storage.data as Float32Array);
  }
  record(node, [x], out, ([go]) => [gpuAvgPoolBackward(go!, gg, x.shape) ?? cpuBackward(go!)]);
  return out;
}

function avgPool2d(x: Tensor, ks: number[], st: number[] | null, pd: number[], ceil: boolean, includePad: boolean, divisor: number | null): Tensor {
  check(ks.length === 1 || ks.length === 2, 'avg_pool2d: kernel_size must either be a single int, or a tuple of two ints');
  check(!st || st.length <= 2, 'avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints');
  check(pd.length === 1 || pd.length === 2, 'avg_pool2d: padding must either be a single int, or a tuple of two ints');
  check(divisor === null || divisor !== 0, 'divisor must be not zero');
  checkSupport('avg_pool2d', x.dtype, { bool: false, int: false, half: false });
  const k = pair(ks, ks), s = pair(st, ks), p = pair(pd, pd);
  const g = poolGeom(x, 'avg_pool2d', k, s, p, [1, 1], ceil);
  const raw = (oh: number, ow: number) => {
    const h0 = oh * s[0] - p[0], w0 = ow * s[1] - p[1];
    const h1 = Math.min(h0 + k[0], g.H + p[0]), w1 = Math.min(w0 + k[1], g.W + p[1]);
    return { h0, w0, h1, w1, size: (h1 - h0) * (w1 - w0) };
  };
  const win = (oh: number, ow: number): Window => {
    const w = raw(oh, ow);
    return { h0: Math.max(w.h0, 0), w0: Math.max(w.w0, 0), h1: Math.min(w.h1, g.H), w1: Math.min(w.w1, g.W), dh: 1, dw: 1 };
  };
  const divs = (oh: number, ow: number) => {
    if (divisor !== null) return [divisor];
    if (includePad) return [raw(oh, ow).size];
    const w = win(oh, ow);
    return [(w.h1 - w.h0) * (w.w1 - w.w0)];
  };
  const dv: AvgDivisor = divisor !== null ? { override: divisor } : includePad ? 'include_pad' : 'exclude_pad';
  return runAvg(x, g, win, divs, 'AvgPool2DBackward0', { ...gpuGeom(g), k, s, p, d: [1, 1], windows: 'avg', divisor: dv });
}

const startIdx = (o: number, O: number, I: number) => Math.floor((o * I) / O);
const endIdx = (o: number, O: number, I: number) => Math.ceil(((o + 1) * I) / O);

function adaptiveGeom(x: Tensor, size: number[], name: string): PoolGeom & { win: (oh: number, ow: number) => Window } {
  check(size.length === 2, () => `${name}: output_size must be 2`);
  check(x.ndim === 3 || x.ndim === 4, () => `${name}(): Expected 3D or 4D tensor, but got ${JSON.stringify(x.shape).replace(/,/g, ', ')}`);
  const H = x.shape[x.ndim - 2], W = x.shape[x.ndim - 1], [OH, OW] = size;
  const win = (oh: number, ow: number): Window => ({ h0: startIdx(oh, OH, H), h1: endIdx(oh, OH, H), w0: startIdx(ow, OW, W), w1: endIdx(ow, OW, W), dh: 1, dw: 1 });
  return { planes: x.numel() / (H * W), H, W, OH, OW, lead: x.shape.slice(0, -2), win };
}

function adaptiveAvgPool2d(x: Tensor, size0: number[]): Tensor {
  const size = size0.length === 1 ? [size0[0], size0[0]] : size0;
  if (size.length === 2 && size[0] === 1 && size[1] === 1) return callKw('mean', [x, [-1, -2]], { keepdim: true });
  const g = adaptiveGeom(x, size, 'adaptive_avg_pool2d');
  checkSupport('adaptive_avg_pool2d', x.dtype, { bool: false, int: false, half: false });
  const divs = (oh: number, ow: number) => { const w = g.win(oh, ow); return [w.h1 - w.h0, w.w1 - w.w0]; };
  return runAvg(x, g, g.win, divs, 'AdaptiveAvgPool2DBackward0', gpuGeom(g));
}

/** a 1-D pool as the 2-D one over (N, C, 1, L), squeezed back */
const as1d = (x: Tensor, f: (x4: Tensor) => Tensor) => call('squeeze', f(call('unsqueeze', x, -2)), -2);

const P = (shape: number[], extra: object = {}) => ({ t: shape, grad: true, ...extra });
const maxSamples = [{ args: [P([1, 2, 4, 4]), 2], noGradcheck: true }, { args: [P([2, 5, 5], { dtype: 'float64' }), [3, 2]], kwargs: { stride: [2, 1], padding: 1 }, noGradcheck: true }];

const maxDef = (name: string, withIdx: boolean, ns: 'torch' | 'nn.functional'): OpDef => ({
  name, ns, variants: ['function'],
  sig: `${name}(Tensor self, int[2] kernel_size, int[2]? stride=None, int[2] padding=0, int[2] dilation=1, bool ceil_mode=False)`,
  doc: 'Max over kH×kW windows of (N, C, H, W) input' + (withIdx ? ', with the flat index of each max.' : '.'),
  impl: (a) => { const r = maxPool2d(a.self, a.kernel_size, a.stride, a.padding, a.dilation, a.ceil_mode); return withIdx ? r : r[0]; },
  samples: maxSamples,
});

export default defineOps([
  maxDef('max_pool2d', false, 'torch'),
  maxDef('max_pool2d_with_indices', true, 'nn.functional'),
  {
    name: 'max_pool1d', variants: ['function'],
    sig: 'max_pool1d(Tensor self, int[1] kernel_size, int[1]? stride=None, int[1] padding=0, int[1] dilation=1, bool ceil_mode=False)',
    doc: 'Max over windows of (N, C, L) input.',
    impl: (a) => {
      check(a.self.ndim === 2 || a.self.ndim === 3, () => `max_pool1d() Expected 2D or 3D input tensor, but got ${JSON.stringify(a.self.shape).replace(/,/g, ', ')}`);
      return as1d(a.self, (x) => maxPool2d(x, [1, a.kernel_size[0]], a.stride && a.stride.length ? [1, a.stride[0]] : [1, a.kernel_size[0]], [0, a.padding[0]], [1, a.dilation[0]], a.ceil_mode)[0]);
    },
    samples: [{ args: [P([2, 6]), 2], noGradcheck: true }],
  },
  {
    name: 'avg_pool2d', ns: 'nn.functional', variants: ['function'],
    sig: 'avg_pool2d(Tensor self, int[2] kernel_size, int[2]? stride=None, int[2] padding=0, bool ceil_mode=False, bool count_include_pad=True, int? divisor_override=None)',
    doc: 'Mean over kH×kW windows of (N, C, H, W) input.',
    impl: (a) => avgPool2d(a.self, a.kernel_size, a.stride, a.padding, a.ceil_mode, a.count_include_pad, a.divisor_override),
    samples: [{ args: [P([1, 2, 4, 4]), 2] }, { args: [P([1, 5, 5], { dtype: 'float64' }), 3], kwargs: { stride: 2, padding: 1, count_include_pad: false } }],
  },
  {
    name: 'avg_pool1d', variants: ['function'],
    sig: 'avg_pool1d(Tensor self, int[1] kernel_size, int[1]? stride=None, int[1] padding=0, bool ceil_mode=False, bool count_include_pad=True)',
    doc: 'Mean over windows of (N, C, L) input.',
    impl: (a) => as1d(a.self, (x) => avgPool2d(x, [1, a.kernel_size[0]], a.stride && a.stride.length ? [1, a.stride[0]] : [1, a.kernel_size[0]], [0, a.padding[0]], a.ceil_mode, a.count_include_pad, null)),
    samples: [{ args: [P([2, 7]), 3] }],
  },
  {
    name: 'adaptive_avg_pool2d', ns: 'nn.functional', variants: ['function'], sig: 'adaptive_avg_pool2d(Tensor self, int[2] output_size)',
    doc: 'Mean pooling to a fixed output size (windows from floor(i·H/OH) to ceil((i+1)·H/OH)).',
    impl: (a) => adaptiveAvgPool2d(a.self, a.output_size),
    samples: [{ args: [P([1, 2, 5, 4]), [2, 3]] }, { args: [P([2, 3, 3]), 1] }],
  },
  {
    name: 'adaptive_avg_pool1d', variants: ['function'], sig: 'adaptive_avg_pool1d(Tensor self, int[1] output_size)',
    doc: 'Mean pooling of (N, C, L) input to a fixed length.',
    impl: (a) => as1d(a.self, (x) => adaptiveAvgPool2d(x, [1, a.output_size[0]])),
    samples: [{ args: [P([2, 7]), 3] }],
  },
  {
    name: 'adaptive_max_pool2d', ns: 'nn.functional', variants: ['function'], sig: 'adaptive_max_pool2d(Tensor self, int[2] output_size, bool return_indices=False)',
    doc: 'Max pooling to a fixed output size.',
    impl: (a) => {
      const os: number[] = a.output_size.length === 1 ? [a.output_size[0], a.output_size[0]] : a.output_size;
      const g = adaptiveGeom(a.self, os, 'adaptive_max_pool2d');
      const r = runMax(a.self, g, g.win, 'AdaptiveMaxPool2DBackward0', gpuGeom(g));
      return a.return_indices ? r : r[0];
    },
    samples: [{ args: [P([1, 2, 5, 4]), [2, 3]], noGradcheck: true }],
  },
]);
