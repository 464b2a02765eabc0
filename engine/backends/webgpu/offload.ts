// Automatic offload of large CPU float32 matrix products to a hardware GPU (the device setting 'auto').
// A CPU program must print what PyTorch prints, so a product moves only where the GPU's result is the
// CPU's bit for bit. The CPU kernels (../cpu/matmul.ts, the reference BLAS's loops) compute each output as
// a sum from zero, in k order, of products each rounded to float32, with no FMA; gpuMatmul (kernels.ts)
// does the same per output (acc = acc + a*b in k order, then alpha * acc). What WGSL leaves to the
// implementation is whether the compiler fuses that into an FMA, whether subnormals are flushed and what
// happens with infinities and NaN; so:
//   - an exactness probe (once per device, at the first candidate product) runs products whose float32
//     bits change under an FMA, a reordered k sum, flushed subnormals (inputs, products, sums) or a
//     mistreated -0 through the same kernel and compares them with the CPU kernels' bit for bit; any
//     difference keeps offload off for the session, silently (the program's output stays PyTorch's;
//     offloadStats().reason says why);
//   - a product is offloaded only with finite operands, and a result with a non-finite element is
//     thrown away and computed on the CPU (the GPU's inf/NaN handling is not relied on);
//   - only beta == 0 (mm, bmm, matmul, addmm/baddbmm with beta 0) and alpha == 1, CPU float32 operands,
//     at least minMacs multiply-adds (GRADSCOPE_OFFLOAD_MIN_MACS, default 2^26), and an adapter that is
//     hardware (GRADSCOPE_OFFLOAD_SOFTWARE=1 lets a software one qualify, for tests).
// Autograd does not see any of this: the hook sits in the op's values computation (ops/table/linalg.ts).
import { dtypes } from '../../dtype';
import { Storage, Tensor, deviceContext, webgpu } from '../../tensor';
import { Mat, addmmInto, bmmInto } from '../cpu/matmul';
import { newTensor } from '../cpu/elementwise';
import type { GpuClient } from './client';
import { gpuMatmul } from './kernels';
import { client, stateOf } from './storage';

/** The hook's switch: read by ops/table/linalg.ts before anything else (one boolean check when off). */
export const offloadState = { on: false };

const DEFAULT_MIN_MACS = 2 ** 26;
/** the largest operand span / result (bytes) sent in one buffer: WebGPU's default maxStorageBufferBindingSize */
const MAX_BUFFER_BYTES = 2 ** 27;

let minMacs = DEFAULT_MIN_MACS;
let allowSoftware = false;

type ProbeState = 'untested' | 'passed' | 'failed' | 'unavailable';
let probeState: ProbeState = 'untested';
let probeReason: string | null = null;
/** the device the probe ran on (a new transport means a new probe) */
let probedClient: GpuClient | null = null;

const stats = { products: 0, macs: 0, declined: 0 };

/** test-only: make the probe see a mismatch */
let forceProbeMismatch = false;

function readEnv(): void {
  const env = typeof process !== 'undefined' ? process.env : {};
  const m = Number(env.GRADSCOPE_OFFLOAD_MIN_MACS);
  minMacs = env.GRADSCOPE_OFFLOAD_MIN_MACS !== undefined && env.GRADSCOPE_OFFLOAD_MIN_MACS !== '' && Number.isFinite(m) && m >= 0 ? m : DEFAULT_MIN_MACS;
  allowSoftware = env.GRADSCOPE_OFFLOAD_SOFTWARE === '1';
}

/** Turn automatic offload on ('auto' device setting) or off ('cpu', 'webgpu'). Reads the env settings when turned on. */
export function setAutoOffload(on: boolean): void {
  if (on) readEnv();
  offloadState.on = on;
}

export interface OffloadStats {
  on: boolean;
  /** products computed on the GPU */
  products: number;
  /** their multiply-adds */
  macs: number;
  /** candidates the GPU was asked for that went back to the CPU (non-finite values) */
  declined: number;
  probe: ProbeState;
  reason: string | null;
  minMacs: number;
}
export const offloadStats = (): OffloadStats => ({ on: offloadState.on, ...stats, probe: probeState, reason: probeReason, minMacs });

/** Test hooks: counters reset, probe forgotten, settings and a forced probe mismatch. */
export function resetOffloadForTests(opts: { minMacs?: number; allowSoftware?: boolean; forceProbeMismatch?: boolean } = {}): void {
  stats.products = 0; stats.macs = 0; stats.declined = 0;
  probeState = 'untested'; probeReason = null; probedClient = null;
  if (opts.minMacs !== undefined) minMacs = opts.minMacs;
  if (opts.allowSoftware !== undefined) allowSoftware = opts.allowSoftware;
  forceProbeMismatch = opts.forceProbeMismatch ?? false;
}

const isCpuF32 = (t: Tensor) => t.storage.device.type === 'cpu' && t.dtype === dtypes.float32;

/** [lowest, highest] storage index the tensor reads (non-negative strides; null when empty). */
function span(t: Tensor): [number, number] | null {
  let hi = t.offset;
  for (let d = 0; d < t.ndim; d++) {
    if (t.shape[d] === 0) return null;
    if (t.strides[d] < 0) return null;
    hi += (t.shape[d] - 1) * t.strides[d];
  }
  return [t.offset, hi];
}

/** Every element `t` reads is finite (a walk over its elements through the strides). */
function allFinite(t: Tensor): boolean {
  const d = t.storage.data as Float32Array;
  const [s0, s1, s2] = t.ndim === 3 ? t.strides : [0, t.strides[0], t.strides[1]];
  const [b, r, c] = t.ndim === 3 ? t.shape : [1, t.shape[0], t.shape[1]];
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < r; j++) {
      const o = t.offset + i * s0 + j * s1;
      for (let k = 0; k < c; k++) if (!Number.isFinite(d[o + k * s2])) return false;
    }
  }
  return true;
}

/** A webgpu tensor over the elements `t` reads (a copy of that span; strides as they are). */
function upload(t: Tensor, sp: [number, number]): Tensor {
  const data = (t.storage.data as Float32Array).subarray(sp[0], sp[1] + 1);
  return new Tensor(new Storage(data, webgpu), t.shape.slice(), t.strides.slice(), t.offset - sp[0], dtypes.float32);
}

/**
 * alpha*(a @ b) on the GPU (a, b float32 on the CPU, 2-D or 3-D), read back into a new CPU tensor; null
 * when the kernel does not apply or the result has a non-finite element (then the CPU computes it).
 */
function gpuProduct(a: Tensor, b: Tensor, alpha: number): Tensor | null {
  const sa = span(a), sb = span(b);
  if (!sa || !sb) return null;
  const prevActive = deviceContext.active;
  try {
    const g = gpuMatmul(upload(a, sa), upload(b, sb), null, 0, alpha);
    if (!g) return null;
    const n = g.numel();
    const bytes = client().read(stateOf(g.storage).buffer, 0, n * 4);
    const vals = new Float32Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) if (!Number.isFinite(vals[i])) return null;
    const res = newTensor(g.shape, dtypes.float32, false);
    (res.storage.data as Float32Array).set(vals);
    return res;
  } finally {
    // the temporary device storages never reach the program: a CPU-only session stays one
    deviceContext.active = prevActive;
  }
}

// ---- the exactness probe -------------------------------------------------------------------------

/** A deterministic float32 generator (LCG): values of mixed sign and magnitude, few exact products. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const e = (s >>> 28) - 8; // 2^-8 .. 2^7
    return Math.fround((u * 2 - 1) * 2 ** e);
  };
}

/**
 * m×k and k×n values (row-major) with, where the shape allows, rows of A against columns of B whose
 * float32 results change under an FMA, a reordered k sum, flushed subnormals or a wrong -0.
 */
function probeValues(m: number, k: number, n: number, seed: number): [Float32Array, Float32Array] {
  const r = rng(seed);
  const A = new Float32Array(m * k).map(() => r());
  const B = new Float32Array(k * n).map(() => r());
  const setRow = (i: number, vals: number[]) => { for (let l = 0; l < k; l++) A[i * k + l] = l < vals.length ? vals[l] : 0; };
  const setCol = (j: number, vals: number[]) => { for (let l = 0; l < k; l++) B[l * n + j] = l < vals.length ? vals[l] : 0; };
  if (m >= 6 && n >= 6 && k >= 3) {
    // reordering: 1e8 + 1 - 1e8 is 0 in k order, 1 otherwise
    setRow(0, [1e8, 1, -1e8]); setCol(0, [1, 1, 1]);
    // FMA: -1 + (1 + 2^-12)^2 is 2^-11 with the product rounded, 2^-11 + 2^-24 fused
    setRow(1, [-1, 1 + 2 ** -12, 1 + 2 ** -12]); setCol(1, [1, 1 + 2 ** -12, 1 + 2 ** -12]);
    // subnormal products and sums: 2^-140 + 2^-133 + 3·2^-135
    setRow(2, [2 ** -70, 2 ** -130, 3 * 2 ** -75]); setCol(2, [2 ** -70, 2 ** -3, 2 ** -60]);
    // a subnormal input times a large value: 2^-140 · 2^30 = 2^-110 (0 if inputs are flushed)
    setRow(3, [2 ** -140]); setCol(3, [2 ** 30]);
    // a sum of normal products that cancels to a subnormal: 1.25·2^-125 - 2^-125 = 2^-127
    setRow(4, [1.25 * 2 ** -100, -(2 ** -100), 0]); setCol(4, [2 ** -25, 2 ** -25, 0]);
    // -0 products only: the sum from +0 is +0
    setRow(5, [-1, -2, -3]); setCol(5, []);
  }
  return [A, B];
}

interface ProbeCase { bs: number; m: number; k: number; n: number; ta: boolean; tb: boolean }

const PROBE_CASES: ProbeCase[] = [
  { bs: 1, m: 6, k: 3, n: 6, ta: false, tb: false },
  { bs: 1, m: 67, k: 33, n: 70, ta: false, tb: false },
  { bs: 1, m: 64, k: 16, n: 64, ta: false, tb: false },
  { bs: 1, m: 70, k: 50, n: 9, ta: true, tb: false },
  { bs: 1, m: 9, k: 17, n: 130, ta: false, tb: true },
  { bs: 1, m: 130, k: 1, n: 7, ta: true, tb: true },
  { bs: 3, m: 20, k: 19, n: 65, ta: false, tb: true },
  { bs: 2, m: 66, k: 129, n: 31, ta: true, tb: false },
];

/** A CPU tensor of shape [bs,] rows×cols holding `vals` (row-major per batch item), stored transposed when `t`. */
function probeTensor(vals: Float32Array[], rows: number, cols: number, t: boolean, batched: boolean): Tensor {
  const bs = vals.length;
  const data = new Float32Array(bs * rows * cols);
  vals.forEach((v, b) => {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[b * rows * cols + (t ? j * rows + i : i * cols + j)] = v[i * cols + j];
  });
  const st2 = t ? [1, rows] : [cols, 1];
  return batched
    ? new Tensor(new Storage(data), [bs, rows, cols], [rows * cols, ...st2], 0, dtypes.float32)
    : new Tensor(new Storage(data), [rows, cols], st2, 0, dtypes.float32);
}

const matOf = (t: Tensor, b = 0): Mat => {
  const [s0, s1] = t.ndim === 3 ? [t.strides[1], t.strides[2]] : [t.strides[0], t.strides[1]];
  const [rows, cols] = t.ndim === 3 ? [t.shape[1], t.shape[2]] : [t.shape[0], t.shape[1]];
  return { data: t.storage.data, off: t.offset + (t.ndim === 3 ? b * t.strides[0] : 0), rows, cols, s0, s1 };
};

/** The CPU engine's float32 product (what ops/table/linalg.ts computes for mm / bmm with beta 0, alpha 1). */
function cpuProduct(a: Tensor, b: Tensor): Float32Array {
  if (a.ndim === 2) {
    const out = new Float32Array(a.shape[0] * b.shape[1]);
    addmmInto(out, 0, matOf(a), matOf(b), 0, 1, Math.fround);
    return out;
  }
  const bs = a.shape[0];
  const out = new Float32Array(bs * a.shape[1] * b.shape[2]);
  bmmInto(out, Array.from({ length: bs }, (_, i) => matOf(a, i)), Array.from({ length: bs }, (_, i) => matOf(b, i)), 0, 1, true, Math.fround);
  return out;
}

/** The probe's products: the operands (CPU float32, in the case's layout), the CPU engine's result, a label. */
export function probeProducts(): { a: Tensor; b: Tensor; want: Float32Array; label: string }[] {
  let seed = 12345;
  return PROBE_CASES.map((c) => {
    const av: Float32Array[] = [], bv: Float32Array[] = [];
    for (let i = 0; i < c.bs; i++) { const [x, y] = probeValues(c.m, c.k, c.n, seed++); av.push(x); bv.push(y); }
    const batched = c.bs > 1;
    const a = probeTensor(av, c.m, c.k, c.ta, batched), b = probeTensor(bv, c.k, c.n, c.tb, batched);
    return { a, b, want: cpuProduct(a, b), label: `${batched ? `${c.bs}×` : ''}${c.m}×${c.k} @ ${c.k}×${c.n}` };
  });
}

/** null when every probe product is the CPU's bit for bit, else what differed. */
function runProbe(): string | null {
  for (const { a, b, want, label } of probeProducts()) {
    const prevActive = deviceContext.active;
    let got: Float32Array;
    try {
      const g = gpuMatmul(upload(a, span(a)!), upload(b, span(b)!), null, 0, 1);
      if (!g) return 'the GPU matrix kernel did not apply';
      const bytes = client().read(stateOf(g.storage).buffer, 0, want.length * 4);
      got = new Float32Array(bytes.buffer, bytes.byteOffset, want.length).slice();
    } finally {
      deviceContext.active = prevActive;
    }
    if (forceProbeMismatch) got[0] = Math.fround(got[0] + 1);
    for (let i = 0; i < want.length; i++) {
      if (!Object.is(got[i], want[i])) return `in a ${label} product, element ${i} is ${got[i]} on the GPU and ${want[i]} on the CPU`;
    }
  }
  return null;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software/i;

/** Is offload usable now: the device opens, its adapter qualifies, the probe passed (run once per device). */
function ready(): boolean {
  let c: GpuClient;
  try {
    c = client();
  } catch {
    probeState = 'unavailable';
    probeReason = 'no WebGPU device';
    return false;
  }
  if (c === probedClient) return probeState === 'passed';
  probedClient = c;
  const a = c.adapter;
  if (!allowSoftware && (a.fallback || SOFTWARE.test(`${a.architecture} ${a.description} ${a.device}`))) {
    probeState = 'unavailable';
    probeReason = `the adapter (${a.description || a.device || a.vendor}) is a software one`;
    return false;
  }
  let why: string | null;
  try {
    why = runProbe();
  } catch (e) {
    why = `the GPU failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (why === null) { probeState = 'passed'; probeReason = null; return true; }
  probeState = 'failed';
  probeReason = why;
  // nothing printed: the program's output stays PyTorch's (offloadStats().reason tells why)
  return false;
}

/**
 * The CPU float32 product m1 @ m2 (2-D, or 3-D batched) computed on the GPU when automatic offload
 * applies (see the top of this file), as a new contiguous CPU tensor bit for bit equal to the CPU
 * kernels' result; null to compute it on the CPU.
 */
export function offloadMatmul(m1: Tensor, m2: Tensor, beta: number, alpha: number): Tensor | null {
  if (!offloadState.on || beta !== 0 || alpha !== 1) return null;
  if (!isCpuF32(m1) || !isCpuF32(m2) || m1.ndim !== m2.ndim || (m1.ndim !== 2 && m1.ndim !== 3)) return null;
  const batched = m1.ndim === 3;
  const [bs, m, k] = batched ? m1.shape : [1, m1.shape[0], m1.shape[1]];
  const n = m2.shape[batched ? 2 : 1];
  const macs = bs * m * n * k;
  if (macs === 0 || macs < minMacs) return null;
  if (bs > 65535 || bs * m * n * 4 > MAX_BUFFER_BYTES) return null;
  const sa = span(m1), sb = span(m2);
  if (!sa || !sb || (sa[1] - sa[0] + 1) * 4 > MAX_BUFFER_BYTES || (sb[1] - sb[0] + 1) * 4 > MAX_BUFFER_BYTES) return null;
  if (!ready()) return null;
  if (!allFinite(m1) || !allFinite(m2)) return null;
  let res: Tensor | null;
  try {
    res = gpuProduct(m1, m2, alpha);
  } catch (e) {
    // a device failure: this product and the rest of the session stay on the CPU
    probeState = 'failed';
    probeReason = `the GPU failed: ${e instanceof Error ? e.message : String(e)}`;
    return null;
  }
  if (!res) { stats.declined++; return null; }
  stats.products++;
  stats.macs += macs;
  return res;
}
