// Kernels that create and move values on the webgpu device without a host round trip: tensors filled
// with a value (zeros/ones/full: a fresh buffer is already zero, other values take one fill dispatch),
// writes into a strided view (in-place ops, copy_; bool/uint8 words copied as they are), dtype casts
// between float32, int32 and bool (bool/uint8 -> float32/int32, float32/int32/uint8 -> bool), and
// `where` with a bool mask on the GPU (u32 words, storage.ts) or a 0-dim CPU mask, constant padding, and
// gathers through per-dim tables (flip, roll, repeat, diag, reflect/replicate/circular padding) with the
// backward of the padding ones, and tril/triu. Each returns null (or false) when it does not apply; the caller then runs
// on the CPU.
import { DType, castValue, dtypes } from '../../dtype';
import { contiguousStrides, numel } from '../../shape';
import { Tensor, cpu, deviceContext, webgpu } from '../../tensor';
import { FLAT_MAIN, MAX_DIMS, WGSL_ISNAN, WGSL_WALK, bindings, broadcastStridesOf, buf, coalesce, countLaunch, flatKernel, gpuOut, isWordType, onGpu, storageType, wgslType } from './common';
import { gpuMap } from './kernels';
import { client, stateOf } from './storage';

/** Is the running op placed on the webgpu device (so its new storages go there)? */
export const onWebgpuNow = (): boolean => deviceContext.current.type === 'webgpu';

const bits = new DataView(new ArrayBuffer(4));
/** The 32 bits of `v` stored as `d` (f32 or i32), as a u32. */
function bitsOf(v: number, d: DType): number {
  if (d === dtypes.float32) bits.setFloat32(0, v, true);
  else bits.setInt32(0, v, true);
  return bits.getUint32(0, true);
}

/** A new contiguous float32/int32 tensor of `shape` on the GPU, every element `value`; null for other dtypes. */
export function gpuFull(shape: readonly number[], value: number, dtype: DType): Tensor | null {
  const t = wgslType(dtype);
  if (!t) return null;
  const n = numel(shape);
  const res = gpuOut(shape, dtype);
  const b = bitsOf(castValue(dtype, value), dtype);
  // device buffers start zero-filled: +0 needs no kernel
  if (n === 0 || b === 0) return res;
  flatKernel('fill', fillCode, [], [res], n, [b]);
  return res;
}

function fillCode(): string {
  return `${bindings([['y', 'u32', true]], 'n: u32, w: u32, v: u32, pad: u32')}
${FLAT_MAIN}
  y[i] = p.v;
}`;
}

/**
 * dst[...] = src broadcast to dst's shape, cast (float32 <-> int32, bool/uint8 -> float32/int32, any ->
 * bool as x != 0, bool -> uint8), written into the view `dst` on the GPU. A src sharing dst's buffer is
 * copied to a temporary first (a dispatch cannot bind one buffer both read-only and writable). false when
 * it does not apply (then the caller copies on the host).
 */
export function gpuCopyInto(dst: Tensor, src: Tensor): boolean {
  if (!onGpu(dst) || !onGpu(src)) return false;
  const conv = convert(src.dtype, dst.dtype);
  if (!conv) return false;
  const n = dst.numel();
  if (n === 0) return true;
  let s = src;
  if (s.storage === dst.storage) {
    if (s.offset === dst.offset && s.dtype === dst.dtype && sameGeometry(s, dst)) return true;
    const tmp = gpuMap([s], s.shape, s.dtype, s.dtype, 'a');
    if (!tmp) return false;
    s = tmp;
  }
  const co = coalesce(dst.shape, [dst.strides, broadcastStridesOf(s, dst.shape)]);
  if (co.shape.length > MAX_DIMS) return false;
  const dense = co.shape.length <= 1 && (co.shape.length === 0 || (co.strides[0][0] === 1 && co.strides[1][0] === 1));
  if (dense && conv === 'x') {
    const sbuf = buf(s), dbuf = buf(dst);
    client().copy(sbuf, s.offset * 4, dbuf, dst.offset * 4, n * 4);
    countLaunch('copy:buffer');
    stateOf(dst.storage).written();
    return true;
  }
  const st = storageType(s.dtype)!, dt = storageType(dst.dtype)!;
  flatKernel(`copy:${st}:${dt}:${conv}`, () => copyCode(st, dt, conv), [s], [dst], n, [co.shape.length, 0, dst.offset, s.offset], 32, (p) => {
    co.shape.forEach((sz, d) => { p.u[8 + d] = sz; p.u[16 + d] = co.strides[0][d]; p.u[24 + d] = co.strides[1][d]; });
  });
  return true;
}

/** The WGSL of one element's conversion from `from` to `to` (x: the source word), or null. */
function convert(from: DType, to: DType): string | null {
  const st = storageType(from), dt = storageType(to);
  if (!st || !dt) return null;
  if (from === to || (from === dtypes.bool && to === dtypes.uint8)) return 'x';
  if (to === dtypes.bool) return `select(0u, 1u, ${st === 'f32' ? 'isnan(x) || x != 0.0' : `x != ${st}(0)`})`;
  if (dt === 'u32') return null;
  return `${dt}(x)`;
}

function sameGeometry(a: Tensor, b: Tensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((s, d) => s === b.shape[d] && (s === 1 || a.strides[d] === b.strides[d]));
}

function copyCode(st: string, dt: string, conv: string): string {
  return `${bindings([['x_in', st], ['y', dt, true]], `n: u32, w: u32, nd: u32, pad: u32, doff: u32, soff: u32, pad2: u32, pad3: u32,
  shape: array<vec4<u32>, 2>, dst: array<vec4<u32>, 2>, sst: array<vec4<u32>, 2>`)}
${WGSL_ISNAN}
${FLAT_MAIN}
  var rem = i;
  var od = p.doff;
  var os = p.soff;
  for (var d = i32(p.nd) - 1; d >= 0; d--) {
    let s = p.shape[d / 4][d % 4];
    let q = rem % s;
    rem = rem / s;
    od += q * p.dst[d / 4][d % 4];
    os += q * p.sst[d / 4][d % 4];
  }
  let x = x_in[os];
  y[od] = ${conv};
}`;
}

/** A contiguous copy of `t` on the GPU in `dtype` (float32/int32/bool; from float32/int32/bool/uint8), or null. */
export function gpuCast(t: Tensor, dtype: DType): Tensor | null {
  if (!onGpu(t) || !onWebgpuNow()) return null;
  if (dtype === dtypes.bool) {
    // castValue(bool, x): x != 0 (NaN is true)
    if (isWordType(t.dtype)) return gpuMap([t], t.shape, dtypes.int32, dtype, 'a');
    return wgslType(t.dtype) ? gpuMap([t], t.shape, t.dtype, dtype, 'a') : null;
  }
  if (!wgslType(dtype)) return null;
  // bool/uint8 words read as the target type (exact)
  return gpuMap([t], t.shape, isWordType(t.dtype) ? dtype : t.dtype, dtype, 'a');
}

/**
 * where(cond, x, y) for float32/int32 x/y (tensors on the GPU or numbers) with a bool (or uint8) mask on
 * the GPU (u32 words: made there by a comparison, or uploaded from the host, a write) or a 0-dim CPU mask
 * (a uniform). null when it does not apply.
 */
export function gpuWhere(cond: Tensor, x: Tensor | number, y: Tensor | number, shape: readonly number[], d: DType): Tensor | null {
  const t = wgslType(d);
  if (!t || !onWebgpuNow()) return null;
  let c: Tensor | number;
  if (cond.device === cpu && cond.ndim === 0) c = cond.scalarValue();
  else if (onGpu(cond) && isWordType(cond.dtype)) c = cond;
  else return null;
  const xs = [x, y].filter((v): v is Tensor => v instanceof Tensor);
  if (xs.length === 0 || !xs.every((v) => onGpu(v) && v.dtype === d)) return null;
  return gpuMap([c, x, y], shape, d, d, `select(c, b, a != ${t}(0))`);
}

/**
 * constant_pad_nd on the GPU: a new `outShape` tensor filled with `fill` (float32/int32), the part of
 * `self` that survives the pads (negative pads crop; pad = [last_lo, last_hi, ...]) copied into it. null
 * when it does not apply.
 */
export function gpuConstantPad(self: Tensor, pad: readonly number[], outShape: readonly number[], fill: number): Tensor | null {
  if (!onGpu(self) || !wgslType(self.dtype) || !onWebgpuNow()) return null;
  const out = gpuFull(outShape, fill, self.dtype);
  if (!out) return null;
  const srcShape = self.shape.slice(), dstShape = self.shape.slice();
  let srcOff = self.offset, dstOff = 0;
  for (let j = 0; j < pad.length / 2; j++) {
    const d = self.ndim - 1 - j, lo = pad[2 * j], hi = pad[2 * j + 1];
    const from = Math.max(0, -lo), len = self.shape[d] - from - Math.max(0, -hi);
    if (len <= 0) return out;
    srcShape[d] = dstShape[d] = len;
    srcOff += from * self.strides[d];
    dstOff += Math.max(0, lo) * out.strides[d];
  }
  if (numel(srcShape) === 0) return out;
  const src = new Tensor(self.storage, srcShape, self.strides.slice(), srcOff, self.dtype);
  const dst = new Tensor(out.storage, dstShape, out.strides.slice(), dstOff, self.dtype);
  return gpuCopyInto(dst, src) ? out : null;
}

// ---- gathers through per-dim tables (flip, roll, repeat, diag, reflect/replicate/circular padding) ----

/** Per-dim int32 tables in one tensor on the GPU (a write), with each table's start. null when a value does not fit. */
function uploadTables(tables: ArrayLike<number>[]): { t: Tensor; starts: number[] } | null {
  const starts: number[] = [];
  let n = 0;
  for (const tb of tables) { starts.push(n); n += tb.length; }
  const all = new Int32Array(Math.max(n, 1));
  for (let d = 0; d < tables.length; d++) {
    const tb = tables[d];
    for (let i = 0; i < tb.length; i++) {
      if (tb[i] >= 2 ** 31) return null;
      all[starts[d] + i] = tb[i];
    }
  }
  return { t: Tensor.fromArray(all, [all.length], dtypes.int32, webgpu), starts };
}

/**
 * out[c] = self's storage at self.offset + Σ_d tables[d][c_d] over `outShape` (`fill` where an entry is
 * negative): every dtype resident on the GPU, a new contiguous tensor. null when it does not apply.
 */
export function gpuGatherTables(self: Tensor, outShape: readonly number[], tables: ArrayLike<number>[], fill = 0): Tensor | null {
  const t = onGpu(self) ? storageType(self.dtype) : null;
  if (!t || outShape.length > MAX_DIMS || tables.length !== outShape.length) return null;
  const out = gpuOut(outShape, self.dtype);
  const n = out.numel();
  if (n === 0) return out;
  const up = uploadTables(tables);
  if (!up) return null;
  const fillBits = t === 'u32' ? fill : bitsOf(castValue(self.dtype, fill), self.dtype);
  flatKernel(`copy:tables:${t}`, () => gatherTablesCode(t), [self, up.t], [out], n, [outShape.length, self.offset, fillBits], 24, (p) => {
    outShape.forEach((s, d) => { p.u[8 + d] = s; p.u[16 + d] = up.starts[d]; });
  });
  return out;
}

function gatherTablesCode(t: string): string {
  return `${bindings([['X', t], ['T', 'i32'], ['Y', t, true]], 'n: u32, w: u32, nd: u32, off: u32, fill: u32, pad0: u32, pad1: u32, pad2: u32, shape: array<vec4<u32>, 2>, start: array<vec4<u32>, 2>')}
${FLAT_MAIN}
  var rem = i;
  var off = p.off;
  for (var d = i32(p.nd) - 1; d >= 0; d--) {
    let s = p.shape[d / 4][d % 4];
    let v = T[p.start[d / 4][d % 4] + rem % s];
    rem = rem / s;
    if (v < 0) { Y[i] = bitcast<${t}>(p.fill); return; }
    off += u32(v);
  }
  Y[i] = X[off];
}`;
}

/**
 * The backward of a gather through per-dim index maps (maps[d][o]: the input index that output position o
 * of dim d reads, -1: none): grad_in[i] = Σ grad_out at every output reading i, added in output order (as
 * the CPU's scatter). `g` float32 on the GPU; one thread per input element walking the product of its
 * per-dim output lists. null when it does not apply.
 */
export function gpuScatterTables(g: Tensor, inShape: readonly number[], maps: ArrayLike<number>[]): Tensor | null {
  if (!onGpu(g) || g.dtype !== dtypes.float32 || inShape.length > MAX_DIMS || maps.length !== inShape.length) return null;
  const gc = g.isContiguous ? g : gpuMap([g], g.shape, g.dtype, g.dtype, 'a');
  if (!gc) return null;
  // per dim: starts[size + 1], then the outputs reading each input index, ascending
  const tables = maps.map((m, d) => {
    const size = inShape[d], tb = new Int32Array(size + 1 + m.length);
    for (let o = 0; o < m.length; o++) if (m[o] >= 0) tb[m[o] + 1]++;
    for (let i = 0; i < size; i++) tb[i + 1] += tb[i];
    const fillAt = tb.slice(0, size);
    for (let o = 0; o < m.length; o++) if (m[o] >= 0) tb[size + 1 + fillAt[m[o]]++] = o;
    return tb;
  });
  const up = uploadTables(tables);
  if (!up) return null;
  const out = gpuOut(inShape, dtypes.float32);
  const gst = contiguousStrides(g.shape);
  flatKernel('copy:tables_backward', scatterTablesCode, [gc, up.t], [out], out.numel(), [inShape.length, gc.offset], 32, (p) => {
    inShape.forEach((s, d) => { p.u[8 + d] = s; p.u[16 + d] = up.starts[d]; p.u[24 + d] = gst[d]; });
  });
  return out;
}

function scatterTablesCode(): string {
  return `${bindings([['G', 'f32'], ['T', 'i32'], ['Y', 'f32', true]], 'n: u32, w: u32, nd: u32, off: u32, pad0: u32, pad1: u32, pad2: u32, pad3: u32, shape: array<vec4<u32>, 2>, start: array<vec4<u32>, 2>, gst: array<vec4<u32>, 2>')}
${FLAT_MAIN}
  var a: array<u32, ${MAX_DIMS}>;
  var len: array<u32, ${MAX_DIMS}>;
  var total = 1u;
  var rem = i;
  for (var d = i32(p.nd) - 1; d >= 0; d--) {
    let s = p.shape[d / 4][d % 4];
    let c = rem % s;
    rem = rem / s;
    let st = p.start[d / 4][d % 4];
    a[d] = st + s + 1u + u32(T[st + c]);
    len[d] = u32(T[st + c + 1u] - T[st + c]);
    total = total * len[d];
  }
  var acc = 0.0;
  for (var k = 0u; k < total; k++) {
    var q = k;
    var off = p.off;
    for (var d = i32(p.nd) - 1; d >= 0; d--) {
      off += u32(T[a[d] + q % len[d]]) * p.gst[d / 4][d % 4];
      q = q / len[d];
    }
    acc = acc + G[off];
  }
  Y[i] = acc;
}`;
}

/**
 * tril (`lower`) / triu of `self` (float32/int32 or a mask, ≥ 2 dims, any strides) on the GPU: a new
 * contiguous tensor, zero where column − row > k (tril) or < k (triu). null when it does not apply.
 */
export function gpuTriangle(self: Tensor, k: number, lower: boolean): Tensor | null {
  const t = onGpu(self) ? storageType(self.dtype) : null;
  if (!t || self.ndim < 2 || self.ndim > MAX_DIMS || Math.abs(k) >= 2 ** 31) return null;
  const out = gpuOut(self.shape, self.dtype);
  const rows = self.shape[self.ndim - 2], cols = self.shape[self.ndim - 1];
  flatKernel(`copy:triangle:${t}:${lower ? 'lower' : 'upper'}`, () => `${bindings([['X', t], ['Y', t, true]], 'n: u32, w: u32, nd: u32, off: u32, rows: u32, cols: u32, k: i32, pad: u32, shape: array<vec4<u32>, 2>, st: array<vec4<u32>, 2>')}
${WGSL_WALK}
${FLAT_MAIN}
  let d = i32(i % p.cols) - i32((i / p.cols) % p.rows);
  Y[i] = select(X[p.off + walk(i, p.nd, p.shape, p.st)], ${t}(0), ${lower ? 'd > p.k' : 'd < p.k'});
}`, [self], [out], out.numel(), [self.ndim, self.offset, rows, cols], 24, (p) => {
    p.i[6] = k;
    self.shape.forEach((s, d) => { p.u[8 + d] = s; p.u[16 + d] = self.strides[d]; });
  });
  return out;
}
