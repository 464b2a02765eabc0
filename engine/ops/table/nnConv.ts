// Op table: torch.conv1d / conv2d (ConvolutionBackward0; stride, padding incl. 'same'/'valid',
// dilation, groups; unbatched input squeezes back with SqueezeBackward1, as PyTorch's batchify does).
// Kernels: engine/backends/cpu/conv.ts; on the webgpu device engine/backends/webgpu/kernelsConv.ts.
import { DType } from '../../dtype';
import { check, runtimeError } from '../../errors';
import { record } from '../../autograd';
import { Tensor } from '../../tensor';
import { warn } from '../../warnings';
import { newTensor } from '../../backends/cpu/elementwise';
import { ConvGeom, conv2dBackwardInput, conv2dBackwardWeight, conv2dForward } from '../../backends/cpu/conv';
import { gpuConv, gpuConvBackwardInput, gpuConvBackwardWeight } from '../../backends/webgpu/kernelsConv';
import { defineOps, OpDef } from '../spec';
import { call } from '../util';
import { checkSupport } from './elementwiseUtil';

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;
export const roundOf = (d: DType) => (d.name === 'float64' ? (x: number) => x : Math.fround);
const cppName: Record<string, string> = { float32: 'float', float64: 'double', float16: 'c10::Half', bfloat16: 'c10::BFloat16', int64: 'long', int32: 'int' };

/** at::convolution for 3-D (as H = 1) and 4-D batched input with explicit symmetric padding. */
function convolution(input: Tensor, weight: Tensor, bias: Tensor | null, stride: number[], padding: number[], dilation: number[], groups: number): Tensor {
  const k = input.ndim, ws = weight.shape;
  check(weight.ndim === k, () => `Expected ${weight.ndim}-dimensional input for ${weight.ndim}-dimensional weight ${fmt(ws)}, but got ${k}-dimensional input of size ${fmt(input.shape)} instead`);
  check(groups > 0, 'non-positive groups is not supported');
  check(ws[0] >= groups, () => `Given groups=${groups}, expected weight to be at least ${groups} at dimension 0, but got weight of size ${fmt(ws)} instead`);
  check(ws[0] % groups === 0, () => `Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [${fmt(ws)}] instead`);
  check(input.shape[1] === ws[1] * groups, () => `Given groups=${groups}, weight of size ${fmt(ws)}, expected input${fmt(input.shape)} to have ${ws[1] * groups} channels, but got ${input.shape[1]} channels instead`);
  check(!bias || (bias.ndim === 1 && bias.shape[0] === ws[0]), () => `Given weight of size ${fmt(ws)}, expected bias to be 1-dimensional with ${ws[0]} elements, but got bias of size ${fmt(bias!.shape)} instead`);
  for (const s of stride) check(s > 0, 'non-positive stride is not supported');
  for (const p of padding) check(p >= 0, 'negative padding is not supported');
  for (const d of dilation) check(d > 0, 'dilation should be greater than zero');
  const spatialIn = input.shape.slice(2).map((s, i) => s + 2 * padding[i]);
  const spatialK = ws.slice(2).map((s, i) => dilation[i] * (s - 1) + 1);
  if (spatialIn.some((s, i) => s < spatialK[i])) {
    throw runtimeError(`Calculated padded input size per channel: (${spatialIn.join(' x ')}). Kernel size: (${spatialK.join(' x ')}). Kernel size can't be greater than actual input size`);
  }
  const cname = (t: Tensor) => (t.dtype.name === 'float32' ? 'Float' : t.dtype.name === 'float64' ? 'Double' : t.dtype.legacyName.replace('Tensor', ''));
  if (weight.dtype !== input.dtype) throw runtimeError(`expected scalar type ${cname(input)} but found ${cname(weight)}`);
  if (bias && bias.dtype !== input.dtype) throw runtimeError(`Input type (${cppName[input.dtype.name] ?? input.dtype.name}) and bias type (${cppName[bias.dtype.name] ?? bias.dtype.name}) should be the same`);
  checkSupport('slow_conv2d_cpu', input.dtype, { bool: false, int: false, half: false });
  const is1d = k === 3;
  const g: ConvGeom = {
    N: input.shape[0], C: input.shape[1], H: is1d ? 1 : input.shape[2], W: input.shape[k - 1],
    OC: ws[0], KH: is1d ? 1 : ws[2], KW: ws[k - 1],
    OH: 0, OW: 0,
    sH: is1d ? 1 : stride[0], sW: stride[stride.length - 1], pH: is1d ? 0 : padding[0], pW: padding[padding.length - 1],
    dH: is1d ? 1 : dilation[0], dW: dilation[dilation.length - 1], groups,
  };
  g.OH = Math.floor((g.H + 2 * g.pH - g.dH * (g.KH - 1) - 1) / g.sH) + 1;
  g.OW = Math.floor((g.W + 2 * g.pW - g.dW * (g.KW - 1) - 1) / g.sW) + 1;
  const outShape = is1d ? [g.N, g.OC, g.OW] : [g.N, g.OC, g.OH, g.OW];
  const r = roundOf(input.dtype);
  const sumDims = is1d ? [0, 2] : [0, 2, 3];
  // on the GPU: direct kernels in the CPU's order of additions (the backward too, each falling back to the CPU)
  const gpu = gpuConv(input, weight, bias, g, outShape);
  if (gpu) {
    record('ConvolutionBackward0', [input, weight, bias], gpu, ([go]) => [
      input.requiresGrad ? gpuConvBackwardInput(weight, go!, g, input.shape) ?? gradInputCpu(weight.contiguousData(), go!, g, r, input) : null,
      weight.requiresGrad ? gpuConvBackwardWeight(input, go!, g, weight.shape) ?? gradWeightCpu(input.contiguousData(), go!, g, r, weight) : null,
      bias?.requiresGrad ? call('sum', go!, sumDims) : null,
    ]);
    return gpu;
  }
  const out = newTensor(outShape, input.dtype);
  const x = input.contiguousData(), w = weight.contiguousData();
  conv2dForward(x, w, bias ? bias.contiguousData() : null, g, r, out.storage.data as Float32Array);
  record('ConvolutionBackward0', [input, weight, bias], out, ([go]) => [
    input.requiresGrad ? gradInputCpu(w, go!, g, r, input) : null,
    weight.requiresGrad ? gradWeightCpu(x, go!, g, r, weight) : null,
    bias?.requiresGrad ? call('sum', go!, sumDims) : null,
  ]);
  return out;
}

function gradInputCpu(w: ArrayLike<number>, go: Tensor, g: ConvGeom, r: (x: number) => number, input: Tensor): Tensor {
  const gi = newTensor(input.shape, input.dtype);
  conv2dBackwardInput(w, go.contiguousData(), g, r, gi.storage.data as Float32Array);
  return gi;
}

function gradWeightCpu(x: ArrayLike<number>, go: Tensor, g: ConvGeom, r: (x: number) => number, weight: Tensor): Tensor {
  const gw = newTensor(weight.shape, weight.dtype);
  conv2dBackwardWeight(x, go.contiguousData(), g, r, gw.storage.data as Float32Array);
  return gw;
}

/** conv{1,2}d: batchify, resolve 'same' / 'valid', convolve, unbatchify. */
function convNd(nd: 1 | 2, input: Tensor, weight: Tensor, bias: Tensor | null, stride: number[], padding: number[] | string, dilation: number[], groups: number): Tensor {
  const name = `conv${nd}d`;
  const batched = input.ndim === nd + 2;
  check(batched || input.ndim === nd + 1, () => `Expected ${nd + 1}D (unbatched) or ${nd + 2}D (batched) input to ${name}, but got input of size: ${fmt(input.shape)}`);
  const x = batched ? input : call('unsqueeze', input, 0);
  const expand = (v: number[]) => (v.length === 1 && nd === 2 ? [v[0], v[0]] : v);
  const st = expand(stride), dl = expand(dilation);
  let pad: number[];
  let xin = x;
  if (typeof padding === 'string') {
    if (padding === 'valid') pad = new Array(nd).fill(0);
    else if (padding === 'same') {
      check(st.every((s) => s === 1), "padding='same' is not supported for strided convolutions");
      pad = [];
      const extra: number[] = [];
      for (let i = 0; i < nd; i++) {
        const total = dl[i] * (weight.shape[i + 2] - 1);
        pad.push(Math.floor(total / 2));
        extra.push(total - 2 * Math.floor(total / 2));
      }
      if (extra.some((e) => e > 0)) {
        warn('UserWarning', "Using padding='same' with even kernel lengths and odd dilation may require a zero-padded copy of the input be created (Triggered internally at  ./aten/src/ATen/native/Convolution.cpp:895.)");
        const padNd: number[] = [];
        for (let i = nd - 1; i >= 0; i--) padNd.push(0, extra[i]);
        xin = call('constant_pad_nd', x, padNd, 0);
      }
    } else {
      throw runtimeError(`Invalid padding string: '${padding}'`);
    }
  } else pad = expand(padding);
  const out = convolution(xin, weight, bias, st, pad, dl, groups);
  return batched ? out : call('squeeze', out, 0);
}

const convDef = (nd: 1 | 2): OpDef => {
  const L = `int[${nd}]`;
  return {
    name: `conv${nd}d`, variants: ['function'],
    sig: [
      `conv${nd}d(Tensor input, Tensor weight, Tensor? bias=None, ${L} stride=1, ${L} padding=0, ${L} dilation=1, int groups=1)`,
      `conv${nd}d(Tensor input, Tensor weight, Tensor? bias=None, ${L} stride=1, str padding="valid", ${L} dilation=1, int groups=1)`,
    ],
    doc: `${nd}-D convolution (cross-correlation) of input (N, C, ${nd === 2 ? 'H, W' : 'L'}) with weight (out, C/groups, ${nd === 2 ? 'kH, kW' : 'k'}).`,
    impl: (a) => convNd(nd, a.input, a.weight, a.bias, a.stride, a.padding, a.dilation, a.groups),
    samples: nd === 2
      ? [
        { args: [{ t: [1, 2, 4, 4], grad: true }, { t: [3, 2, 2, 2], grad: true }, { t: [3], grad: true }] },
        { args: [{ t: [2, 2, 5, 4], dtype: 'float64', grad: true }, { t: [2, 1, 3, 2], dtype: 'float64', grad: true }], kwargs: { stride: 2, padding: 1, groups: 2 } },
        { args: [{ t: [1, 1, 4, 4], grad: true }, { t: [2, 1, 3, 3], grad: true }], kwargs: { padding: 'same', dilation: [1, 1] } },
      ]
      : [
        { args: [{ t: [2, 2, 6], grad: true }, { t: [3, 2, 3], grad: true }, { t: [3], grad: true }] },
        { args: [{ t: [1, 2, 7], dtype: 'float64', grad: true }, { t: [2, 2, 2], dtype: 'float64', grad: true }], kwargs: { stride: 2, dilation: 2 } },
      ],
  };
};

export default defineOps([convDef(1), convDef(2)]);
