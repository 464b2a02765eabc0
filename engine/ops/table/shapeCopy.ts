// Op table: shape ops that copy (new storage): repeat/tile, flip/fliplr/flipud, roll, tril/triu,
// diag, diag_embed. Gradients follow derivatives.yaml (repeat_backward's reshape+sum, flip/roll
// inverted, tril/triu masked, diag/diag_embed through diagonal). The gathers (repeat, flip, roll, diag of a
// matrix) run as one table-gather kernel on the webgpu device (kernelsCopy.ts), tril/triu as one masking kernel.
import { record } from '../../autograd';
import { dtypes } from '../../dtype';
import { check } from '../../errors';
import { contiguousStrides, wrapDim } from '../../shape';
import { Tensor } from '../../tensor';
import { copyInto } from '../../backends/cpu/elementwise';
import { gpuGatherTables, gpuTriangle } from '../../backends/webgpu/kernelsCopy';
import { defineOps, OpDef } from '../spec';
import { inplaceVariant } from '../inplace';
import { call, callKw, contiguous, fullTensor, newTensor } from '../util';
import { contiguousGeom, diagonalGeom, wrapDims } from './shapeUtil';

/** out[i] = self[src(i)] where src maps each output multi-index to an input multi-index (per dim). */
function gatherByDims(self: Tensor, outShape: number[], srcIndex: (d: number, i: number) => number): Tensor {
  const tables = outShape.map((s, d) => {
    const t = new Float64Array(s);
    for (let i = 0; i < s; i++) t[i] = srcIndex(d, i) * self.strides[d];
    return t;
  });
  // on the webgpu device: one gather kernel through the same tables
  const gpu = gpuGatherTables(self, outShape, tables);
  if (gpu) return gpu;
  const out = newTensor(outShape, self.dtype);
  const od = out.storage.data, sd = self.storage.data;
  const n = out.numel();
  if (n === 0) return out;
  const nd = outShape.length;
  const idx = new Array<number>(nd).fill(0);
  let off = self.offset;
  for (let d = 0; d < nd; d++) off += tables[d][0];
  for (let k = 0; k < n; k++) {
    od[k] = sd[off];
    for (let d = nd - 1; d >= 0; d--) {
      off -= tables[d][idx[d]];
      idx[d]++;
      if (idx[d] < outShape[d]) { off += tables[d][idx[d]]; break; }
      idx[d] = 0;
      off += tables[d][0];
    }
  }
  return out;
}

function repeat(self: Tensor, repeats: number[]): Tensor {
  check(repeats.length >= self.ndim, 'Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor');
  const lead = repeats.length - self.ndim;
  const padded = [...new Array<number>(lead).fill(1), ...self.shape];
  const outShape = padded.map((s, i) => s * repeats[i]);
  for (const s of outShape) check(s >= 0, () => `Trying to create tensor with negative dimension ${s}: [${outShape.join(', ')}]`);
  const src = new Tensor(self.storage, padded, [...new Array<number>(lead).fill(0), ...self.strides], self.offset, self.dtype);
  const out = gatherByDims(src, outShape, (d, i) => i % padded[d]);
  record('RepeatBackward0', [self], out, ([g]) => [repeatBackward(g!, repeats, self.shape)]);
  return out;
}

/** derivatives.yaml repeat_backward: sum the leading new dims, then one reshape + sum over the repeat dims. */
function repeatBackward(grad: Tensor, repeats: number[], inputShape: number[]): Tensor {
  if (repeats.includes(0)) return callKw('zeros', [inputShape], { dtype: grad.dtype });
  let g = grad;
  const lead = g.ndim - inputShape.length;
  for (let i = 0; i < lead; i++) g = call('sum', g, 0, false);
  const gradSize: number[] = [], sumDims: number[] = [];
  inputShape.forEach((s, d) => {
    const r = repeats[d + lead];
    if (r !== 1) { gradSize.push(r); sumDims.push(gradSize.length - 1); }
    gradSize.push(s);
  });
  if (sumDims.length) g = call('sum', call('reshape', g, gradSize), sumDims);
  return g;
}

function flip(self: Tensor, dims: number[]): Tensor {
  const w = wrapDims(dims, self.ndim);
  const flipped = new Array<boolean>(self.ndim).fill(false);
  if (self.ndim > 0) for (const d of w) flipped[d] = true;
  const out = gatherByDims(self, self.shape.slice(), (d, i) => (flipped[d] ? self.shape[d] - 1 - i : i));
  record('FlipBackward0', [self], out, ([g]) => [call('flip', g!, w)]);
  return out;
}

function roll(self: Tensor, shifts: number[], dims: number[]): Tensor {
  check(shifts.length > 0, '`shifts` required');
  let out: Tensor;
  if (dims.length === 0 && shifts.length === 1) {
    const n = self.numel();
    const flat = contiguous(self);
    const s = n === 0 ? 0 : ((shifts[0] % n) + n) % n;
    const src = new Tensor(flat.storage, [n], [1], flat.offset, self.dtype);
    const rolled = gatherByDims(src, [n], (_d, i) => (i - s + n) % n);
    out = new Tensor(rolled.storage, self.shape.slice(), contiguousStrides(self.shape), 0, self.dtype);
  } else {
    check(shifts.length === dims.length, () => `shifts and dimensions must align. shifts: ${shifts.length}, dims:${dims.length}`);
    const w = dims.map((d) => wrapDim(d, self.ndim));
    const shift = new Array<number>(self.ndim).fill(0);
    w.forEach((d, i) => { shift[d] += shifts[i]; });
    out = gatherByDims(self, self.shape.slice(), (d, i) => {
      const n = self.shape[d];
      return (((i - shift[d]) % n) + n) % n;
    });
  }
  record('RollBackward0', [self], out, ([g]) => [call('roll', g!, shifts.map((s) => -s), dims)]);
  return out;
}

function triangle(self: Tensor, k: number, lower: boolean): Tensor {
  const gpu = gpuTriangle(self, k, lower);
  if (gpu) {
    record(lower ? 'TrilBackward0' : 'TriuBackward0', [self], gpu, ([g]) => [call(lower ? 'tril' : 'triu', g!, k)]);
    return gpu;
  }
  const r = wrapDim(-2, self.ndim), c = self.ndim - 1;
  const out = gatherByDims(self, self.shape.slice(), (_d, i) => i);
  const rows = self.shape[r], cols = self.shape[c];
  const od = out.storage.data;
  const mat = rows * cols;
  for (let base = 0; base < od.length; base += mat) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        if (lower ? j - i > k : j - i < k) od[base + i * cols + j] = 0;
      }
    }
  }
  record(lower ? 'TrilBackward0' : 'TriuBackward0', [self], out, ([g]) => [call(lower ? 'tril' : 'triu', g!, k)]);
  return out;
}

function diag(self: Tensor, k: number): Tensor {
  check(self.ndim === 1 || self.ndim === 2, 'matrix or a vector expected');
  let out: Tensor;
  if (self.ndim === 1) {
    const n = self.shape[0] + Math.abs(k);
    out = fullTensor([n, n], 0, self.dtype);
    const dg = diagonalGeom(contiguousGeom([n, n]), k, 0, 1);
    copyInto(new Tensor(out.storage, dg.shape, dg.strides, dg.offset, self.dtype), self);
  } else {
    const dg = diagonalGeom({ shape: self.shape.slice(), strides: self.strides.slice(), offset: self.offset }, k, 0, 1);
    out = gatherByDims(new Tensor(self.storage, dg.shape, dg.strides, dg.offset, self.dtype), dg.shape, (_d, i) => i);
  }
  const sizes = self.shape.slice();
  // derivatives.yaml diag_backward: grad.diag(k) for a vector or square matrix, else diagonal_backward
  record('DiagBackward0', [self], out, ([g]) => [
    sizes.length === 1 || sizes[0] === sizes[1] ? call('diag', g!, k) : call('diagonal_backward', g!, sizes, k, 0, 1),
  ]);
  return out;
}

function diagEmbed(self: Tensor, offset: number, dim1: number, dim2: number): Tensor {
  const nd = self.ndim + 1;
  const d1 = wrapDim(dim1, nd), d2 = wrapDim(dim2, nd);
  check(d1 !== d2, () => `diagonal dimensions cannot be identical ${dim1}, ${dim2}`);
  const n = (self.ndim ? self.shape[self.ndim - 1] : 1) + Math.abs(offset);
  const rest = self.shape.slice(0, -1);
  const outShape: number[] = [];
  let ri = 0;
  for (let i = 0; i < nd; i++) outShape.push(i === d1 || i === d2 ? n : rest[ri++]);
  const out = fullTensor(outShape, 0, self.dtype);
  const dg = diagonalGeom(contiguousGeom(outShape), offset, d1, d2);
  copyInto(new Tensor(out.storage, dg.shape, dg.strides, dg.offset, self.dtype), self);
  record('DiagEmbedBackward0', [self], out, ([g]) => [call('diagonal', g!, offset, d1, d2)]);
  return out;
}

const trilDef: OpDef = {
  name: 'tril', sig: 'tril(Tensor self, int diagonal=0)',
  doc: 'The lower triangle of the last two dims (elements above diagonal set to 0).',
  impl: (a) => triangle(a.self, a.diagonal, true),
  samples: [{ args: [{ t: [3, 4], grad: true }] }, { args: [{ t: [2, 3, 3], grad: true }, -1] }, { args: [{ t: [3, 3], dtype: 'int64' }, 1] }],
};
const triuDef: OpDef = {
  name: 'triu', sig: 'triu(Tensor self, int diagonal=0)',
  doc: 'The upper triangle of the last two dims (elements below diagonal set to 0).',
  impl: (a) => triangle(a.self, a.diagonal, false),
  samples: [{ args: [{ t: [3, 4], grad: true }] }, { args: [{ t: [4, 3], grad: true }, 1] }, { args: [{ t: [3, 3], dtype: 'bool' }, -1] }],
};

/** The index list of repeat_interleave(repeats): i repeated repeats[i] times (Repeat.cpp checks). */
function repeatIndex(repeats: Tensor): Tensor {
  check(repeats.dtype.name === 'int64' || repeats.dtype.name === 'int32', 'repeats has to be Long or Int tensor');
  check(repeats.ndim === 1, 'repeats has to be 1D tensor');
  const r = repeats.toFlatArray();
  check(r.every((v) => v >= 0), 'repeats can not be negative');
  const idx: number[] = [];
  r.forEach((v, i) => { for (let k = 0; k < v; k++) idx.push(i); });
  const out = newTensor([idx.length], repeats.dtype);
  idx.forEach((v, k) => { out.storage.data[k] = v; });
  return out;
}

/** repeat_interleave(self, repeats, dim): index_select with the repeated indices (flattened input when dim is None). */
function repeatInterleave(self: Tensor, repeats: Tensor, dim: number | null): Tensor {
  const input = dim === null ? call('flatten', self) : self;
  const d = dim === null ? 0 : wrapDim(dim, input.ndim);
  let reps = repeats;
  if (repeats.ndim === 0 || (repeats.ndim === 1 && repeats.shape[0] === 1)) {
    reps = call('expand', call('reshape', repeats, [1]), [input.shape[d]]);
  } else if (repeats.ndim === 1) {
    check(repeats.shape[0] === input.shape[d], 'repeats must have the same size as input along dim');
  } else {
    check(false, 'repeats must be 0-dim or 1-dim tensor');
  }
  const idx = repeatIndex(reps);
  return call('index_select', input, d, idx.dtype.name === 'int64' ? idx : call('long', idx));
}

/** diff (ReduceOps.cpp diff_helper): n times narrow(1..) - narrow(..-1) (logical_xor for bool) after prepend/append. */
function diff(self: Tensor, n: number, dim: number, prepend: Tensor | null, append: Tensor | null): Tensor {
  check(self.ndim >= 1, 'diff expects input to be at least one-dimensional');
  check(n >= 0, () => `order must be non-negative but got ${n}`);
  const d = wrapDim(dim, self.ndim);
  let result = self;
  if (n > 0 && (prepend || append)) {
    const side = (t: Tensor) => {
      if (t.ndim > 0) return t;
      const shape = self.shape.slice();
      shape[d] = 1;
      return call('expand', t, shape);
    };
    result = call('cat', [...(prepend ? [side(prepend)] : []), self, ...(append ? [side(append)] : [])], d);
  }
  if (n === 0) return call('clone', result);
  let outLen = result.shape[d] - 1;
  const steps = Math.min(n, result.shape[d]);
  for (let i = 0; i < steps; i++) {
    const hi = call('narrow', result, d, 1, outLen), lo = call('narrow', result, d, 0, outLen);
    result = result.dtype.name === 'bool' ? call('logical_xor', hi, lo) : call('sub', hi, lo);
    outLen--;
  }
  return result;
}

export default defineOps([
  {
    name: 'repeat', variants: ['method'], sig: 'repeat(Tensor self, SymInt[] repeats)',
    doc: 'input tiled repeats[i] times along each dim (extra leading repeats add dims). Copies.',
    impl: (a) => repeat(a.self, a.repeats),
    samples: [{ args: [{ t: [2, 3], grad: true }, [2, 1]], method: true }, { args: [{ t: [3], grad: true }, [2, 1, 2]], method: true }],
  },
  {
    name: 'tile', sig: 'tile(Tensor self, int[] dims)',
    doc: 'Like repeat, but a dims shorter than input.ndim is padded with leading 1s.',
    impl: (a) => {
      const self: Tensor = a.self;
      const dims: number[] = a.dims;
      const reps = dims.length < self.ndim ? [...new Array<number>(self.ndim - dims.length).fill(1), ...dims] : dims;
      return repeat(self, reps);
    },
    samples: [{ args: [{ t: [2, 3], grad: true }, [2]] }, { args: [{ t: [3], dtype: 'int64' }, [2, 2]] }],
  },
  {
    name: 'flip', sig: 'flip(Tensor self, int[] dims)',
    doc: 'input with the order of elements reversed along dims (a copy).',
    impl: (a) => flip(a.self, a.dims),
    samples: [{ args: [{ t: [2, 3], grad: true }, [0]] }, { args: [{ t: [2, 3, 2], grad: true }, [0, 2]] }],
  },
  {
    name: 'fliplr', sig: 'fliplr(Tensor self)',
    doc: 'Flip left-right: reverses dim 1 (input must be ≥ 2-D).',
    impl: (a) => { check((a.self as Tensor).ndim >= 2, 'Input must be >= 2-d.'); return flip(a.self, [1]); },
    samples: [{ args: [{ t: [2, 3], grad: true }] }, { args: [{ t: [2, 2, 2], dtype: 'int64' }] }],
  },
  {
    name: 'flipud', sig: 'flipud(Tensor self)',
    doc: 'Flip up-down: reverses dim 0 (input must be ≥ 1-D).',
    impl: (a) => { check((a.self as Tensor).ndim >= 1, 'Input must be >= 1-d.'); return flip(a.self, [0]); },
    samples: [{ args: [{ t: [3, 2], grad: true }] }, { args: [{ t: [4], dtype: 'float64', grad: true }] }],
  },
  {
    name: 'roll', sig: 'roll(Tensor self, int[1] shifts, int[1] dims=[])',
    doc: 'Elements shifted cyclically along dims (without dims: over the flattened tensor, shape kept).',
    impl: (a) => roll(a.self, a.shifts, a.dims),
    samples: [{ args: [{ t: [2, 3], grad: true }, 1] }, { args: [{ t: [2, 3], grad: true }, [1, -1], [0, 1]] }, { args: [{ t: [5], dtype: 'int64' }, -2, 0] }],
  },
  trilDef, triuDef,
  inplaceVariant(trilDef), inplaceVariant(triuDef),
  {
    name: 'repeat_interleave',
    sig: [
      'repeat_interleave(Tensor self, int repeats, int? dim=None, *, int? output_size=None)',
      'repeat_interleave(Tensor self, Tensor repeats, int? dim=None, *, int? output_size=None)',
      'repeat_interleave(Tensor repeats, *, int? output_size=None)',
    ],
    doc: 'Each element (or slice along dim) repeated `repeats` times in place order; a flattened input without dim.',
    impl: (a, ov) => {
      if (ov === 2) return repeatIndex(a.repeats);
      const reps: Tensor = ov === 0 ? fullTensor([], a.repeats, dtypes.int64) : a.repeats;
      return repeatInterleave(a.self, reps, a.dim ?? null);
    },
    samples: [
      { args: [{ t: [2, 3], grad: true }, 2] },
      { args: [{ t: [2, 3], grad: true }, 2, 1] },
      { args: [{ t: [3], dtype: 'int64' }, { t: [3], dtype: 'int64', values: [1, 0, 2] }] },
    ],
  },
  {
    name: 'diff', sig: 'diff(Tensor self, int n=1, int dim=-1, Tensor? prepend=None, Tensor? append=None)',
    doc: 'n-th forward difference along dim (after concatenating prepend/append); logical_xor for bool.',
    impl: (a) => diff(a.self, a.n, a.dim, a.prepend ?? null, a.append ?? null),
    samples: [
      { args: [{ t: [2, 4], grad: true }] },
      { args: [{ t: [4, 2], dtype: 'float64', grad: true }, 2, 0] },
      { args: [{ t: [5], dtype: 'int64' }] },
      { args: [{ t: [3], grad: true }], kwargs: { prepend: { t: [2], grad: true } } },
    ],
  },
  {
    name: 'diag', sig: 'diag(Tensor self, int diagonal=0)',
    doc: '1-D input: a square matrix with input on the given diagonal. 2-D input: that diagonal as a 1-D copy.',
    impl: (a) => diag(a.self, a.diagonal),
    samples: [{ args: [{ t: [3], grad: true }] }, { args: [{ t: [3, 4], grad: true }, 1] }, { args: [{ t: [2], grad: true }, -1] }],
  },
  {
    name: 'diag_embed', sig: 'diag_embed(Tensor self, int offset=0, int dim1=-2, int dim2=-1)',
    doc: 'Batched diagonal matrices: the last dim of input placed on the (offset) diagonal of dims dim1, dim2.',
    impl: (a) => diagEmbed(a.self, a.offset, a.dim1, a.dim2),
    samples: [{ args: [{ t: [2, 3], grad: true }] }, { args: [{ t: [2, 3], grad: true }, 1, 0, 2] }],
  },
]);

