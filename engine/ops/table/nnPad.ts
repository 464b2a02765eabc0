// Padding: torch.constant_pad_nd (ConstantPadNdBackward0, negative pads crop) and F.pad's modes
// (reflect / replicate → ReflectionPad{1,2,3}DBackward0 / ReplicationPad{1,2,3}DBackward0, circular →
// CopySlices as PyTorch's slice-copy composite shows it). Non-constant modes gather through an index
// map per padded dim; their backward scatter-adds the gradient through the same map, in order. On the
// webgpu device both run as kernelsCopy.ts's table gathers (constant padding: a fill and a copy).
import { TorchError, check } from '../../errors';
import { isGradEnabled, record } from '../../autograd';
import { scalarValue, Scalar } from '../../scalar';
import { Tensor } from '../../tensor';
import { newTensor } from '../../backends/cpu/elementwise';
import { gpuConstantPad, gpuGatherTables, gpuScatterTables } from '../../backends/webgpu/kernelsCopy';
import { defineOps } from '../spec';
import { call, fullTensor } from '../util';

type Mode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** For each padded trailing dim: output size and the source index of every output position (-1: fill). */
function indexMaps(shape: number[], pad: number[], mode: Mode): { outShape: number[]; maps: Int32Array[] } {
  const nd = shape.length, k = pad.length / 2;
  const outShape = shape.slice();
  const maps: Int32Array[] = shape.map((s) => Int32Array.from({ length: s }, (_, i) => i));
  for (let j = 0; j < k; j++) {
    const d = nd - 1 - j, n = shape[d], lo = pad[2 * j], hi = pad[2 * j + 1];
    const size = n + lo + hi;
    outShape[d] = size;
    const m = new Int32Array(Math.max(size, 0));
    for (let o = 0; o < size; o++) {
      let i = o - lo;
      if (mode === 'constant') { if (i < 0 || i >= n) i = -1; }
      else if (mode === 'replicate') i = Math.min(Math.max(i, 0), n - 1);
      else if (mode === 'reflect') { if (i < 0) i = -i; if (i >= n) i = 2 * (n - 1) - i; }
      else i = ((i % n) + n) % n;
      m[o] = i;
    }
    maps[d] = m;
  }
  return { outShape, maps };
}

/** out[pos] = in[map(pos)] (or `fill` where a map gives -1). */
function gather(x: Tensor, outShape: number[], maps: Int32Array[], fill: number): Tensor {
  const gpu = gpuGatherTables(x, outShape, maps.map((m, d) => Array.from(m, (i) => (i < 0 ? -1 : i * x.strides[d]))), fill);
  if (gpu) return gpu;
  const out = newTensor(outShape, x.dtype);
  const od = out.storage.data, xd = x.storage.data;
  const nd = outShape.length;
  const idx = new Array<number>(nd).fill(0);
  const n = od.length;
  for (let p = 0; p < n; p++) {
    let off = x.offset, ok = true;
    for (let d = 0; d < nd; d++) { const s = maps[d][idx[d]]; if (s < 0) { ok = false; break; } off += s * x.strides[d]; }
    od[p] = ok ? xd[off] : fill;
    for (let d = nd - 1; d >= 0; d--) { if (++idx[d] < outShape[d]) break; idx[d] = 0; }
  }
  return out;
}

/** grad_in[map(pos)] += grad_out[pos], positions in order. */
function scatterBack(g: Tensor, inShape: number[], maps: Int32Array[]): Tensor {
  const gpu = gpuScatterTables(g, inShape, maps);
  if (gpu) return gpu;
  const out = newTensor(inShape, g.dtype);
  const od = out.storage.data, gd = g.contiguousData();
  const nd = g.ndim;
  const st = inShape.map((_, d) => inShape.slice(d + 1).reduce((a, b) => a * b, 1));
  const idx = new Array<number>(nd).fill(0);
  const r = g.dtype.name === 'float64' ? (x: number) => x : Math.fround;
  for (let p = 0; p < gd.length; p++) {
    let off = 0, ok = true;
    for (let d = 0; d < nd; d++) { const s = maps[d][idx[d]]; if (s < 0) { ok = false; break; } off += s * st[d]; }
    if (ok) od[off] = r(od[off] + gd[p]);
    for (let d = nd - 1; d >= 0; d--) { if (++idx[d] < g.shape[d]) break; idx[d] = 0; }
  }
  return out;
}

function constantPad(self: Tensor, pad: number[], value: Scalar): Tensor {
  check(pad.length % 2 === 0, () => `Length of pad must be even but instead it equals ${pad.length}`);
  check(self.ndim >= pad.length / 2, () => `Length of pad should be no more than twice the number of dimensions of the input. Pad length is ${pad.length}while the input has ${self.ndim}dimensions.`);
  const { outShape, maps } = indexMaps(self.shape, pad, 'constant');
  for (let j = 0; j < pad.length / 2; j++) {
    const d = self.ndim - 1 - j;
    check(outShape[d] >= 0, () => `The input size ${self.shape[d]}, plus negative padding ${pad[2 * j]} and ${pad[2 * j + 1]} resulted in a negative output size, which is invalid. Check dimension ${d} of your input.`);
  }
  const fill = fullTensor([], scalarValue(value), self.dtype).scalarValue();
  const out = gpuConstantPad(self, pad, outShape, fill) ?? gather(self, outShape, maps, fill);
  record('ConstantPadNdBackward0', [self], out, ([g]) => [call('constant_pad_nd', g, pad.map((p) => -p), 0)]);
  return out;
}

function modePad(self: Tensor, pad: number[], mode: Mode): Tensor {
  const nd = self.ndim, k = pad.length / 2;
  const kinds: Record<number, number[]> = { 1: [2, 3], 2: [3, 4], 3: [4, 5] };
  if (!kinds[k] || !kinds[k].includes(nd)) {
    throw new TorchError('NotImplementedError', 'Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now');
  }
  if (mode === 'reflect') {
    for (let j = 0; j < k; j++) {
      const d = nd - 1 - j;
      check(pad[2 * j] < self.shape[d] && pad[2 * j + 1] < self.shape[d],
        () => `Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (${pad[2 * j]}, ${pad[2 * j + 1]}) at dimension ${d} of input [${self.shape.join(', ')}]`);
    }
  }
  if (mode === 'circular') {
    check(pad.length + 4 === nd * 2, () => `Expected padding of length ${(nd - 2) * 2}, but got ${pad.length}`);
    for (let j = 0; j < k; j++) {
      const d = nd - 1 - j;
      check(pad[2 * j] <= self.shape[d] && pad[2 * j + 1] <= self.shape[d], 'Padding value causes wrapping around more than once.');
    }
  }
  const { outShape, maps } = indexMaps(self.shape, pad, mode);
  const out = gather(self, outShape, maps, 0);
  const name = mode === 'circular' ? 'CopySlices' : `${mode === 'reflect' ? 'Reflection' : 'Replication'}Pad${k}DBackward0`;
  record(name, [self], out, ([g]) => [padBackward(g!, self.shape, maps, pad, mode)]);
  return out;
}

function padBackward(g: Tensor, inShape: number[], maps: Int32Array[], pad: number[], mode: Mode): Tensor {
  const out = scatterBack(g, inShape, maps);
  if (isGradEnabled()) record('PadBackwardBackward0', [g], out, ([gg]) => [call('pad', gg!, pad, mode)]);
  return out;
}

export default defineOps([
  {
    name: 'constant_pad_nd', variants: ['function'], sig: 'constant_pad_nd(Tensor self, int[] pad, Scalar value=0)',
    doc: 'Pads the trailing dims with a constant (pad = [last_lo, last_hi, ...]); negative pads crop.',
    impl: (a) => constantPad(a.self, a.pad, a.value),
    samples: [{ args: [{ t: [2, 3], grad: true }, [1, 2]] }, { args: [{ t: [2, 3], grad: true }, [1, -1, 0, 1], { f: 1.5 }] }],
  },
  {
    name: 'pad', ns: 'nn.functional', variants: ['function'], sig: 'pad(Tensor input, int[] pad, str mode="constant", float? value=None)',
    doc: "Pads input: mode 'constant' (with value), 'reflect', 'replicate' or 'circular'.",
    impl: (a) => {
      const input: Tensor = a.input, pad: number[] = a.pad, mode: string = a.mode;
      if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) throw new TorchError('NotImplementedError', `Unrecognised padding mode ${mode}`);
      check(pad.length % 2 === 0, 'Padding length must be divisible by 2');
      check(pad.length <= input.ndim * 2, 'Padding length too large');
      if (mode === 'constant') return constantPad(input, pad, a.value ?? 0);
      check(a.value === null || a.value === 0, () => `Padding mode "${mode}" doesn't take in value argument`);
      return modePad(input, pad, mode as Mode);
    },
    samples: [
      { args: [{ t: [1, 2, 3], grad: true }, [1, 2]] },
      { args: [{ t: [1, 2, 3], grad: true }, [2, 1]], kwargs: { mode: 'reflect' } },
      { args: [{ t: [1, 1, 2, 3], grad: true }, [1, 1, 2, 0]], kwargs: { mode: 'replicate' } },
      { args: [{ t: [1, 1, 3], dtype: 'float64', grad: true }, [1, 2]], kwargs: { mode: 'circular' } },
    ],
  },
]);
