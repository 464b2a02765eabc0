// Core tensor ops the engine itself leans on: clone/detach/contiguous/to, view/reshape, neg, sum.
import { DType, dtypeOf } from '../../dtype';
import { check, runtimeError } from '../../errors';
import { record } from '../../autograd';
import { computeViewStrides, inferSize, numel, wrapDim } from '../../shape';
import { Tensor } from '../../tensor';
import { unaryMap } from '../../backends/cpu/elementwise';
import { defineOps } from '../spec';
import { call, castTensor, contiguous, makeView, newTensor } from '../util';

function toDtype(self: Tensor, dtype: DType, copy: boolean): Tensor {
  if (dtype === self.dtype && !copy) return self;
  const out = castTensor(self, dtype);
  if (dtype.category === 'float') {
    record('ToCopyBackward0', [self], out, ([g]) => [call('to', g!, self.dtype)]);
  }
  return out;
}

function view(self: Tensor, size: number[]): Tensor {
  const shape = inferSize(size, self.numel());
  const strides = computeViewStrides(self.shape, self.strides, shape);
  check(strides !== null, 'view size is not compatible with input tensor\'s size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.');
  const out = makeView(self, shape, strides!, self.offset);
  record('ViewBackward0', [self], out, ([g]) => [call('reshape', g!, self.shape)]);
  return out;
}

function reshape(self: Tensor, size: number[]): Tensor {
  const shape = inferSize(size, self.numel());
  const strides = computeViewStrides(self.shape, self.strides, shape);
  if (strides !== null) {
    const out = makeView(self, shape, strides, self.offset);
    record('ViewBackward0', [self], out, ([g]) => [call('reshape', g!, self.shape)]);
    return out;
  }
  const c = contiguous(self, true);
  const out = new Tensor(c.storage, shape, computeViewStrides(c.shape, c.strides, shape)!, 0, self.dtype);
  record('UnsafeViewBackward0', [self], out, ([g]) => [call('reshape', g!, self.shape)]);
  return out;
}

/** Plain sum over dims (float64 accumulation for floats, exact for ints). */
export function sumKernel(self: Tensor, dims: number[], keepdim: boolean, outDtype: DType): Tensor {
  const nd = self.ndim;
  const red = new Array<boolean>(nd).fill(false);
  for (const d of dims) red[wrapDim(d, nd)] = true;
  const outShape: number[] = [];
  for (let i = 0; i < nd; i++) if (!red[i]) outShape.push(self.shape[i]); else if (keepdim) outShape.push(1);
  const out = newTensor(outShape, outDtype);
  const od = out.storage.data;
  const acc = new Float64Array(od.length);
  const offs = self.offsets();
  const src = self.storage.data;
  // output index of each input element
  const n = self.numel();
  const idx = new Array<number>(nd).fill(0);
  const ostr: number[] = new Array(nd).fill(0);
  let s = 1;
  for (let i = nd - 1; i >= 0; i--) { if (!red[i]) { ostr[i] = s; s *= self.shape[i]; } }
  let o = 0;
  for (let i = 0; i < n; i++) {
    acc[o] += src[offs[i]];
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      o += ostr[d];
      if (idx[d] < self.shape[d]) break;
      o -= ostr[d] * self.shape[d];
      idx[d] = 0;
    }
  }
  for (let i = 0; i < od.length; i++) od[i] = acc[i];
  if (outDtype.needsConvert) for (let i = 0; i < od.length; i++) od[i] = acc[i] === 0 ? 0 : od[i];
  return out;
}

export default defineOps([
  {
    name: 'clone', sig: 'clone(Tensor self, *, MemoryFormat? memory_format=None)',
    doc: 'A copy of input with its own storage; gradients flow back to input.',
    impl: (a) => {
      const self: Tensor = a.self;
      const out = contiguous(self, true);
      record('CloneBackward0', [self], out, ([g]) => [g]);
      return out;
    },
  },
  {
    name: 'detach', sig: 'detach(Tensor self)',
    doc: 'A view of input that is cut from the autograd graph (requires_grad=False).',
    impl: (a) => {
      const self: Tensor = a.self;
      const out = makeView(self, self.shape.slice(), self.strides.slice(), self.offset);
      return out;
    },
  },
  {
    name: 'contiguous', sig: 'contiguous(Tensor self, *, MemoryFormat memory_format=contiguous_format)', variants: ['method'],
    doc: 'input itself if it is contiguous, else a contiguous copy.',
    impl: (a) => {
      const self: Tensor = a.self;
      if (self.isContiguous) return self;
      const out = contiguous(self, true);
      record('CloneBackward0', [self], out, ([g]) => [g]);
      return out;
    },
  },
  {
    name: 'to', variants: ['method'],
    sig: [
      'to(Tensor self, ScalarType dtype, bool non_blocking=False, bool copy=False, *, MemoryFormat? memory_format=None)',
      'to(Tensor self, Device? device=None, ScalarType? dtype=None, bool non_blocking=False, bool copy=False, *, MemoryFormat? memory_format=None)',
      'to(Tensor self, Tensor other, bool non_blocking=False, bool copy=False, *, MemoryFormat? memory_format=None)',
    ],
    doc: 'Converts dtype (and device): returns input itself when nothing changes.',
    impl: (a, ov) => {
      const self: Tensor = a.self;
      if (ov === 2) return toDtype(self, (a.other as Tensor).dtype, a.copy);
      if (ov === 1) {
        const dev = a.device;
        if (dev !== null && typeof dev === 'string' && /^(float|double|half|long|int|bool|torch\.)/.test(dev)) return toDtype(self, dtypeOf(dev), a.copy);
        return toDtype(self, a.dtype ?? self.dtype, a.copy);
      }
      return toDtype(self, a.dtype, a.copy);
    },
  },
  {
    name: 'view', variants: ['method'], sig: ['view(Tensor self, int[] size)', 'view(Tensor self, ScalarType dtype)'],
    doc: 'A view with a new shape sharing input’s storage (one dim may be -1). Fails when the strides do not allow it.',
    impl: (a, ov) => {
      if (ov === 1) throw runtimeError('view(dtype) is not supported yet');
      return view(a.self, a.size);
    },
  },
  {
    name: 'reshape', sig: 'reshape(Tensor self, int[] shape)',
    doc: 'input with a new shape: a view when the strides allow it, otherwise a copy.',
    impl: (a) => reshape(a.self, a.shape),
  },
  {
    name: 'neg', aliases: ['negative'], sig: 'neg(Tensor self)',
    doc: 'Negation, −input.',
    impl: (a) => {
      const self: Tensor = a.self;
      check(self.dtype.category !== 'bool', 'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.');
      const out = unaryMap(self, self.dtype, self.dtype, (x) => -x);
      record('NegBackward0', [self], out, ([g]) => [call('neg', g!)]);
      return out;
    },
  },
  {
    name: 'sum',
    sig: [
      'sum(Tensor self, *, ScalarType? dtype=None)',
      'sum(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None)',
    ],
    doc: 'Sum of all elements, or over dim (int or tuple) with keepdim. Integer inputs sum to int64.',
    impl: (a, ov) => {
      const self: Tensor = a.self;
      const dt: DType = a.dtype ?? (self.dtype.category === 'float' ? self.dtype : dtypeOf('int64'));
      const dims: number[] = ov === 0 || a.dim === null || a.dim.length === 0 ? [...self.shape.keys()] : a.dim;
      const keep = ov === 1 ? a.keepdim : false;
      const out = sumKernel(self, dims, keep, dt);
      record(ov === 0 ? 'SumBackward0' : 'SumBackward1', [self], out, ([g]) => {
        let gg = g!;
        if (!keep && self.ndim > 0) {
          const shape = self.shape.map((s, i) => (dims.map((d) => wrapDim(d, self.ndim)).includes(i) ? 1 : s));
          gg = call('reshape', gg, shape);
        }
        return [call('expand', gg, self.shape)];
      });
      return out;
    },
  },
  {
    name: 'expand', variants: ['method'], sig: 'expand(Tensor self, int[] size, *, bool implicit=False)',
    doc: 'A view broadcasting size-1 dims to a larger size (−1 keeps a dim) without copying.',
    impl: (a) => {
      const self: Tensor = a.self;
      const size: number[] = a.size;
      check(size.length >= self.ndim, () => `expand(torch.${self.dtype.legacyName.replace('Tensor', '')}Tensor{[${self.shape.join(', ')}]}, size=[${size.join(', ')}]): the number of sizes provided (${size.length}) must be greater or equal to the number of dimensions in the tensor (${self.ndim})`);
      const off = size.length - self.ndim;
      const shape: number[] = [], strides: number[] = [];
      for (let i = 0; i < size.length; i++) {
        const j = i - off;
        if (j < 0) {
          check(size[i] >= 0, () => `The expanded size of the tensor (${size[i]}) isn't allowed in a leading, non-existing dimension ${i}`);
          shape.push(size[i]); strides.push(0);
        } else {
          const s = self.shape[j];
          const want = size[i] === -1 ? s : size[i];
          check(s === want || s === 1, () => `The expanded size of the tensor (${want}) must match the existing size (${s}) at non-singleton dimension ${i}.  Target sizes: [${size.join(', ')}].  Tensor sizes: [${self.shape.join(', ')}]`);
          shape.push(want); strides.push(s === want ? self.strides[j] : 0);
        }
      }
      const out = makeView(self, shape, strides, self.offset);
      record('ExpandBackward0', [self], out, ([g]) => [sumToShapeLocal(g!, self.shape)]);
      return out;
    },
  },
]);

function sumToShapeLocal(g: Tensor, shape: number[]): Tensor {
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  let r = dims.length ? (call('sum', g, dims, true) as Tensor) : g;
  if (r.ndim !== shape.length) r = call('reshape', r, shape);
  return r;
}

export { numel };
