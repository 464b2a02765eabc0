// Shared scaffolding of the webgpu kernels: launch counting, dispatch sizes, the WGSL types of resident
// dtypes, the device buffers of tensors, new output tensors, uniform blocks, and the WGSL declarations
// and entry points every kernel starts with. kernels.ts re-exports the names that were born there.
import { DType, dtypes } from '../../dtype';
import { coalesce, contiguousStrides, numel } from '../../shape';
import { Tensor } from '../../tensor';
import { client, gpuStorage, stateOf } from './storage';

export { coalesce };

export const MAX_DIMS = 8;
export const WG = 256;

/**
 * Kernel launches by kernel family since the last reset (what ran on the GPU; exposed as
 * torch.webgpu.kernel_stats()). Host round trips are what the storages' reads count.
 */
const launches = new Map<string, number>();
export const kernelStats = (): Record<string, number> => Object.fromEntries([...launches].sort());
export const resetKernelStats = (): void => { launches.clear(); };

/** Run a kernel (counted under the part of its key before the first ':' and the next field). */
export function launch(key: string, code: () => string, buffers: number[], params: ArrayBuffer, groups: [number, number, number]): void {
  countLaunch(key.split(':', 2).join(':'));
  client().run(key, code, buffers, params, groups);
}
export function countLaunch(family: string): void { launches.set(family, (launches.get(family) ?? 0) + 1); }

/**
 * Does `t`'s storage live on the GPU (float32/int32, bool/uint8 as u32 words, kernel-made int64 indices
 * as i32 words: see storage.ts)? Kernels check the dtype they take.
 */
export function onGpu(t: unknown): t is Tensor {
  return t instanceof Tensor && t.storage.device.type === 'webgpu' && stateOf(t.storage).resident;
}
/** float32 tensors on the GPU (what the float kernels take; null / undefined pass for optional operands) */
export const onGpuF32 = (...ts: (Tensor | null | undefined)[]): boolean => ts.every((t) => t == null || (onGpu(t) && t.dtype === dtypes.float32));

export const wgslType = (d: DType): 'f32' | 'i32' | null => (d === dtypes.float32 ? 'f32' : d === dtypes.int32 ? 'i32' : null);
/** bool and uint8: stored on the device as one u32 word per element */
export const isWordType = (d: DType): boolean => d === dtypes.bool || d === dtypes.uint8;
/** The WGSL element type of a resident dtype's storage (f32, i32, or u32 for bool/uint8). */
export const storageType = (d: DType): 'f32' | 'i32' | 'u32' | null => wgslType(d) ?? (isWordType(d) ? 'u32' : null);
/** The host array type of a new storage of dtype `d` made by a kernel. */
export const ctorOf = (d: DType): typeof Float32Array | typeof Int32Array | typeof Uint8Array =>
  (d === dtypes.float32 ? Float32Array : d === dtypes.int32 ? Int32Array : Uint8Array);
/** WGSL isnan that no fast-math assumption can fold away. */
export const WGSL_ISNAN = 'fn isnan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }';

/** Workgroups for `n` threads of WG (a 2-D grid past 65535 groups: the thread index is g.x + g.y · gx·WG). */
export function groupsFor(n: number): [number, number, number] {
  const g = Math.max(1, Math.ceil(n / WG));
  if (g <= 65535) return [g, 1, 1];
  const gx = 65535;
  return [gx, Math.ceil(g / gx), 1];
}

/** Workgroups for one workgroup per row (`rows` of them; the row is wg.x + wg.y · gx). */
export function rowGroups(rows: number): [number, number, number] {
  const gx = Math.max(1, Math.min(rows, 65535));
  return [gx, Math.ceil(rows / gx), 1];
}

export function broadcastStridesOf(t: Tensor, shape: readonly number[]): number[] {
  const lead = shape.length - t.ndim;
  return shape.map((s, d) => (d < lead || t.shape[d - lead] === 1 ? 0 : t.strides[d - lead]));
}

/** The device buffer of `t`'s storage with current contents (uploaded first when the host copy is newer). */
export const buf = (t: Tensor): number => stateOf(t.storage).deviceBuffer(t.storage);

/** A new contiguous tensor on the GPU for a kernel to fill (zero until then). */
export function gpuOut(shape: readonly number[], dtype: DType, ctor: typeof Float32Array | typeof Int32Array | typeof Uint8Array | typeof Float64Array = ctorOf(dtype)): Tensor {
  return new Tensor(gpuStorage(numel(shape), ctor), shape.slice(), contiguousStrides(shape), 0, dtype);
}

/**
 * Run a kernel over `reads` then `writes` (bound at 0.. in that order, the uniform block last) and mark
 * the written storages' host copies stale. A storage may not be both read and written by one dispatch.
 */
export function dispatch(key: string, code: () => string, reads: Tensor[], writes: Tensor[], params: ArrayBuffer, groups: [number, number, number]): void {
  launch(key, code, [...reads.map(buf), ...writes.map(buf)], params, groups);
  for (const w of writes) stateOf(w.storage).written();
}

/** A uniform block of `words` 4-byte words (rounded up to 16 bytes), viewed as u32, i32 and f32. */
export interface Uniform { buffer: ArrayBuffer; u: Uint32Array; i: Int32Array; f: Float32Array }
export function uniform(words: number): Uniform {
  const buffer = new ArrayBuffer(Math.max(16, Math.ceil(words / 4) * 16));
  return { buffer, u: new Uint32Array(buffer), i: new Int32Array(buffer), f: new Float32Array(buffer) };
}

/** A storage array binding: [name, element type, writable]. */
export type Binding = [string, string, boolean?];

/**
 * The WGSL declarations of a kernel: its storage arrays at bindings 0..n-1 in order (read-only unless
 * marked writable), then the uniform block `p` of `struct P { fields }` at binding n.
 */
export function bindings(arrays: Binding[], fields: string): string {
  const decl = arrays.map(([name, type, rw], k) => `@group(0) @binding(${k}) var<storage, ${rw ? 'read_write' : 'read'}> ${name}: array<${type}>;`);
  return `${decl.join('\n')}
struct P { ${fields} }
@group(0) @binding(${arrays.length}) var<uniform> p: P;`;
}

/** The entry point of a kernel with one thread per index `i` < p.n (groupsFor(n); p.w = groups[0] · WG). */
export const FLAT_MAIN = `@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.w;
  if (i >= p.n) { return; }`;

/** The entry point of a kernel with one workgroup per row `row` < p.rows (rowGroups(rows); p.gx = groups[0]); thread l.x. */
export const ROW_MAIN = `@compute @workgroup_size(${WG}) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let row = wg.x + wg.y * p.gx;
  if (row >= p.rows) { return; }`;

/** A tree reduction of workgroup array `part` (WG entries) with `op` (over part[l.x] and part[l.x + w]); part[0] holds the result. */
export const treeReduce = (op: string, part = 'part'): string => `
  workgroupBarrier();
  for (var w = ${WG / 2}u; w > 0u; w = w / 2u) {
    if (l.x < w) { ${part}[l.x] = ${op}; }
    workgroupBarrier();
  }`;

/** Flat dispatch of `n` threads: the groups and the grid width p.w. */
export function flatDispatch(n: number): { groups: [number, number, number]; w: number } {
  const groups = groupsFor(n);
  return { groups, w: groups[0] * WG };
}

/**
 * Run a one-thread-per-index kernel over `n` indices (nothing when n is 0): the uniform block of `words`
 * words starts [n, w (the grid width), ...head]; `fill` sets the rest.
 */
export function flatKernel(key: string, code: () => string, reads: Tensor[], writes: Tensor[], n: number, head: number[], words = head.length + 2, fill?: (p: Uniform) => void): void {
  if (n === 0) return;
  const { groups, w } = flatDispatch(n);
  const p = uniform(words);
  p.u.set([n, w, ...head]);
  fill?.(p);
  dispatch(key, code, reads, writes, p.buffer, groups);
}

/** WGSL walk(r, nd, shape, strides): the offset of row-major index r over nd dims (up to MAX_DIMS, packed as vec4s). */
export const WGSL_WALK = `fn walk(r: u32, nd: u32, shape: array<vec4<u32>, 2>, st: array<vec4<u32>, 2>) -> u32 {
  var rem = r;
  var off = 0u;
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let s = shape[d / 4][d % 4];
    off += (rem % s) * st[d / 4][d % 4];
    rem = rem / s;
  }
  return off;
}`;

/** outer × size × inner of a contiguous shape split at `dim` (a 0-dim shape: one line of one). */
export function around(shape: readonly number[], dim: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape.length ? shape[dim] : 1, inner];
}

// ---- reductions: one workgroup per output element -------------------------------------------------

export interface ReduceSplit { nOut: number; nRed: number; params: Uniform; groups: [number, number, number] }

/**
 * The uniform block of a one-workgroup-per-output reduction (gpuReduce and kernelsReduce.ts) of `x` over the dims flagged in `reduced`
 * (kept and reduced dims each coalesced; the reduced index r runs in row-major order over the reduced
 * dims), or null when there are too many dims.
 */
export function reduceSplit(x: Tensor, reduced: readonly boolean[]): ReduceSplit | null {
  const keptShape: number[] = [], keptStrides: number[] = [], redShape: number[] = [], redStrides: number[] = [];
  x.shape.forEach((s, d) => {
    if (reduced[d]) { redShape.push(s); redStrides.push(x.strides[d]); } else { keptShape.push(s); keptStrides.push(x.strides[d]); }
  });
  const ko = coalesce(keptShape, [keptStrides]), ro = coalesce(redShape, [redStrides]);
  if (ko.shape.length > MAX_DIMS || ro.shape.length > MAX_DIMS) return null;
  const nOut = numel(keptShape), nRed = numel(redShape);
  if (nOut > 65535 * 65535) return null;
  const params = uniform(40);
  const u = params.u;
  const gx = Math.max(1, Math.min(nOut, 65535));
  u[0] = nOut; u[1] = nRed; u[2] = ko.shape.length; u[3] = ro.shape.length; u[4] = x.offset; u[5] = gx;
  // f[6]: a kernel's scale; f[7]: +inf (WGSL has no infinite constants)
  params.f[7] = Infinity;
  ko.shape.forEach((s, d) => { u[8 + d] = s; u[16 + d] = ko.strides[0][d]; });
  ro.shape.forEach((s, d) => { u[24 + d] = s; u[32 + d] = ro.strides[0][d]; });
  return { nOut, nRed, params, groups: [gx, Math.ceil(nOut / gx), 1] };
}

/** The WGSL declarations of a reduction over X (into `outs`: Y by default), with baseOf(o) / offOf(base, r) and nan(). */
export const reduceHead = (t: string, outs: Binding[] = [['Y', t, true]]): string => `${bindings([['X', t], ...outs],
  `nout: u32, nred: u32, kd: u32, rd: u32, off: u32, gx: u32, scale: f32, inf: f32,
  ks: array<vec4<u32>, 2>, kst: array<vec4<u32>, 2>, rs: array<vec4<u32>, 2>, rst: array<vec4<u32>, 2>`)}
${WGSL_ISNAN}
${WGSL_WALK}
/** NaN (from the uniform block's +inf: WGSL has no NaN constant) */
fn nan() -> f32 { return bitcast<f32>(bitcast<u32>(p.inf) | 0x400000u); }
fn baseOf(o: u32) -> u32 { return p.off + walk(o, p.kd, p.ks, p.kst); }
fn offOf(base: u32, r: u32) -> u32 { return base + walk(r, p.rd, p.rs, p.rst); }`;

/** One fold of reduceKernel: `step` (over acc and x) from `init`, then a tree reduction with `combine`; the result is `let name`. */
export interface ReducePhase { init: string; step: string; combine: string; name: string }

/**
 * A float32 reduction kernel over reduceHead's operands (X, then `outs`): per output o (one workgroup),
 * the phases in turn (each thread folds its share of the reduced elements, then a tree reduction in
 * workgroup memory; a later phase's step may use the earlier results), then thread 0 runs `final`.
 */
export const reduceKernel = (phases: ReducePhase[], final: string, outs?: Binding[]): string => `${reduceHead('f32', outs)}
var<workgroup> part: array<f32, ${WG}>;
@compute @workgroup_size(${WG}) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let o = wg.x + wg.y * p.gx;
  if (o >= p.nout) { return; }
  let base = baseOf(o);
${phases.map((ph) => `  var acc_${ph.name} = ${ph.init};
  for (var r = l.x; r < p.nred; r += ${WG}u) { let x = X[offOf(base, r)]; let acc = acc_${ph.name}; acc_${ph.name} = ${ph.step}; }
  part[l.x] = acc_${ph.name};${treeReduce(ph.combine)}
  let ${ph.name} = part[0];
  workgroupBarrier();`).join('\n')}
  if (l.x == 0u) { ${final} }
}`;
