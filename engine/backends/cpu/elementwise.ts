// CPU elementwise kernels: contiguous fast paths, broadcasting/strided views through offset tables.
import { DType, StorageArray, castValue } from '../../dtype';
import { broadcastStrides, contiguousStrides, numel } from '../../shape';
import { Storage, Tensor } from '../../tensor';

/** Physical offsets of `t` viewed (broadcast) as `shape`, in logical order. */
export function broadcastOffsets(t: Tensor, shape: readonly number[]): Int32Array | Float64Array {
  if (t.shape.length === shape.length && t.shape.every((s, i) => s === shape[i])) return t.offsets();
  const st = broadcastStrides(t.shape, t.strides, shape);
  const view = new Tensor(t.storage, shape.slice(), st, t.offset, t.dtype);
  return view.offsets();
}

/** Values of `t` read as `compute` dtype would hold them (PyTorch casts operands to the common dtype first). */
function reader(t: Tensor, compute: DType): (v: number) => number {
  if (t.dtype === compute) return (v) => v;
  // opmath: half types compute in float32
  const target = compute.name === 'float16' || compute.name === 'bfloat16' ? null : compute;
  if (!target) return (v) => v;
  if (target.category === 'float' && target.name === 'float64') return (v) => v;
  return (v) => castValue(target, v);
}

export function newTensor(shape: readonly number[], dtype: DType): Tensor {
  const data = new dtype.arrayCtor(numel(shape));
  return new Tensor(new Storage(data), shape.slice(), contiguousStrides(shape), 0, dtype);
}

function finish(out: StorageArray, dtype: DType): void {
  if (!dtype.needsConvert) return;
  for (let i = 0; i < out.length; i++) out[i] = castValue(dtype, out[i]);
}

/** out[i] = f(x[i]) with x read in `compute` dtype; result stored as `outDtype`. */
export function unaryMap(x: Tensor, compute: DType, outDtype: DType, f: (v: number) => number): Tensor {
  const out = newTensor(x.shape, outDtype);
  const od = out.storage.data;
  const xd = x.storage.data;
  const rd = reader(x, compute);
  if (x.isContiguous) {
    const o = x.offset;
    for (let i = 0; i < od.length; i++) od[i] = f(rd(xd[o + i]));
  } else {
    const offs = x.offsets();
    for (let i = 0; i < od.length; i++) od[i] = f(rd(xd[offs[i]]));
  }
  finish(od, outDtype);
  return out;
}

/** out = f(a, b) broadcast, operands read in `compute` dtype; result stored as `outDtype`. */
export function binaryMap(a: Tensor, b: Tensor, shape: readonly number[], compute: DType, outDtype: DType, f: (x: number, y: number) => number): Tensor {
  const out = newTensor(shape, outDtype);
  const od = out.storage.data;
  const ad = a.storage.data, bd = b.storage.data;
  const ra = reader(a, compute), rb = reader(b, compute);
  const n = od.length;
  const sameA = a.isContiguous && a.numel() === n, sameB = b.isContiguous && b.numel() === n;
  if (sameA && sameB) {
    const ao = a.offset, bo = b.offset;
    for (let i = 0; i < n; i++) od[i] = f(ra(ad[ao + i]), rb(bd[bo + i]));
  } else if (sameA && b.numel() === 1) {
    const ao = a.offset, y = rb(bd[b.offset]);
    for (let i = 0; i < n; i++) od[i] = f(ra(ad[ao + i]), y);
  } else if (sameB && a.numel() === 1) {
    const bo = b.offset, x = ra(ad[a.offset]);
    for (let i = 0; i < n; i++) od[i] = f(x, rb(bd[bo + i]));
  } else {
    const oa = broadcastOffsets(a, shape), ob = broadcastOffsets(b, shape);
    for (let i = 0; i < n; i++) od[i] = f(ra(ad[oa[i]]), rb(bd[ob[i]]));
  }
  finish(od, outDtype);
  return out;
}

/** Write `src` (broadcast to dst's shape, cast to dst's dtype) into the view `dst` in place. */
export function copyInto(dst: Tensor, src: Tensor): void {
  const dd = dst.storage.data, sd = src.storage.data;
  const n = dst.numel();
  const offD = dst.offsets();
  const offS = broadcastOffsets(src, dst.shape);
  const conv = dst.dtype.needsConvert || (dst.dtype !== src.dtype && dst.dtype.category !== 'float');
  for (let i = 0; i < n; i++) {
    const v = sd[offS[i]];
    dd[offD[i]] = conv ? castValue(dst.dtype, v) : v;
  }
}

/** Apply f to every element of the view `dst` in place: dst[i] = f(dst[i], i). */
export function mapInPlace(dst: Tensor, f: (v: number, i: number) => number): void {
  const dd = dst.storage.data;
  const offs = dst.offsets();
  const conv = dst.dtype.needsConvert;
  for (let i = 0; i < offs.length; i++) {
    const v = f(dd[offs[i]], i);
    dd[offs[i]] = conv ? castValue(dst.dtype, v) : v;
  }
}
