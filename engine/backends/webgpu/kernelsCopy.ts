// Kernels that create and move values on the webgpu device without a host round trip: tensors filled
// with a value (zeros/ones/full: a fresh buffer is already zero, other values take one fill dispatch),
// writes into a strided view (in-place ops, copy_; bool/uint8 words copied as they are), dtype casts
// between float32, int32 and bool (bool/uint8 -> float32/int32, float32/int32/uint8 -> bool), and
// `where` with a bool mask on the GPU (u32 words, storage.ts) or a 0-dim CPU mask. Each returns null (or
// false) when it does not apply; the caller then runs on the CPU.
import { DType, castValue, dtypes } from '../../dtype';
import { contiguousStrides, numel } from '../../shape';
import { Tensor, cpu, deviceContext } from '../../tensor';
import { MAX_DIMS, WG, WGSL_ISNAN, broadcastStridesOf, coalesce, countLaunch, gpuMap, groupsFor, isWordType, launch, onGpu, storageType, wgslType } from './kernels';
import { client, gpuStorage, stateOf } from './storage';

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
  const out = gpuStorage(n, dtype === dtypes.float32 ? Float32Array : Int32Array);
  const res = new Tensor(out, shape.slice(), contiguousStrides(shape), 0, dtype);
  const b = bitsOf(castValue(dtype, value), dtype);
  // device buffers start zero-filled: +0 needs no kernel
  if (n === 0 || b === 0) return res;
  const params = new ArrayBuffer(16);
  const u = new Uint32Array(params);
  const groups = groupsFor(n);
  u[0] = n; u[1] = groups[0] * WG; u[2] = b;
  launch('fill', fillCode, [stateOf(out).buffer], params, groups);
  return res;
}

function fillCode(): string {
  return `@group(0) @binding(0) var<storage, read_write> y: array<u32>;
struct P { n: u32, w: u32, v: u32, pad: u32 }
@group(0) @binding(1) var<uniform> p: P;
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let i = g.x + g.y * p.w;
  if (i < p.n) { y[i] = p.v; }
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
  const dstState = stateOf(dst.storage);
  const dbuf = dstState.deviceBuffer(dst.storage);
  const sbuf = stateOf(s.storage).deviceBuffer(s.storage);
  const dense = co.shape.length <= 1 && (co.shape.length === 0 || (co.strides[0][0] === 1 && co.strides[1][0] === 1));
  if (dense && conv === 'x') {
    client().copy(sbuf, s.offset * 4, dbuf, dst.offset * 4, n * 4);
    countLaunch('copy:buffer');
  } else {
    const st = storageType(s.dtype)!, dt = storageType(dst.dtype)!;
    const params = new ArrayBuffer(128);
    const u = new Uint32Array(params);
    const groups = groupsFor(n);
    u[0] = n; u[1] = co.shape.length; u[2] = groups[0] * WG; u[4] = dst.offset; u[5] = s.offset;
    co.shape.forEach((sz, d) => { u[8 + d] = sz; u[16 + d] = co.strides[0][d]; u[24 + d] = co.strides[1][d]; });
    launch(`copy:${st}:${dt}:${conv}`, () => copyCode(st, dt, conv), [sbuf, dbuf], params, groups);
  }
  dstState.written();
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
  return `@group(0) @binding(0) var<storage, read> x_in: array<${st}>;
@group(0) @binding(1) var<storage, read_write> y: array<${dt}>;
struct P { n: u32, nd: u32, w: u32, pad: u32, doff: u32, soff: u32, pad2: u32, pad3: u32,
  shape: array<vec4<u32>, 2>, dst: array<vec4<u32>, 2>, sst: array<vec4<u32>, 2> }
@group(0) @binding(2) var<uniform> p: P;
${WGSL_ISNAN}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let i = g.x + g.y * p.w;
  if (i >= p.n) { return; }
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
