// Driver of the WebAssembly SIMD float32 transcendental lanes (sleef.wat): bit for bit the
// JavaScript SLEEF models of engine/ops/table/nnMath.ts. The module runs on the storage arena's memory
// (alloc.ts), so tensor data that lives there is read and written in place; other data is copied
// through a staging block (16 KiB at a time, so the copies stay in cache).
//
// Two builds of the same source: 'exact' (sleef.wat: every fused multiply-add emulated on double
// lanes, for any WebAssembly SIMD runtime) and 'relaxed' (sleef.relaxed.wat: each one
// f32x4.relaxed_madd, ~10x faster). The relaxed one is used only where
//  (a) the runtime validates relaxed SIMD: Node 20 needs V8's --experimental-wasm-relaxed-simd, which
//      is set here (v8.setFlagsFromString) when the module does not validate without it; newer V8
//      (Electron, Node 22+) has it on, and
//  (b) a probe of its relaxed_madd on inputs whose fused and unfused (or double-rounded) results differ
//      gives the single-rounding fmaf result in every lane (V8 on x64 fuses where the CPU has FMA3;
//      other CPUs or engines may not, and then the exact build runs).
// GRADSCOPE_RELAXED=0 forces the exact build. GRADSCOPE_WASM=0, or a runtime without WebAssembly SIMD,
// leaves sleefKernels() null and callers keep their JavaScript loops.
import { setFlagsFromString } from 'node:v8';
import { decodeBase64 } from './base64';
import { arenaKernels, arenaOffset, freeScratch, scratch } from '../alloc';
import { wasmBase64 } from './sleef.gen';
import { wasmBase64 as relaxedBase64 } from './sleef.relaxed.gen';
import { parallelSleefAxpy, parallelSleefMap, parallelSoftmaxRows, setSleefSource } from '../threads';

/** The two builds of the kernels. */
export type SleefVariant = 'relaxed' | 'exact';

/** Lane function numbers of sleef.wat's table. */
export const LANE = { exp: 0, expm1: 1, log: 2, log1p: 3, tanh: 4, sigmoid: 5, log2: 6, log10: 7, sin: 8, cos: 9 } as const;
export type LaneName = keyof typeof LANE;

/**
 * Elements from which map() splits a lane over the worker threads (threads.ts): ≈ 150 µs of the
 * relaxed build's work on the 2-vCPU machine (exp and sigmoid ≈ 2.5 ns an element, sin/cos ≈ 3.5, the
 * logs and expm1 5–6, tanh 8); the exact build is several times slower, so a quarter of that.
 */
const SPLIT_AT: Record<LaneName, number> = {
  exp: 1 << 16, sigmoid: 1 << 16, sin: 1 << 16, cos: 1 << 16,
  expm1: 1 << 15, log: 1 << 15, log1p: 1 << 15, log2: 1 << 15, log10: 1 << 15, tanh: 1 << 15,
};
/** The elements from which map() splits `lane` of the `variant` build over the worker threads. */
export const mapSplitAt = (lane: LaneName, variant: SleefVariant): number => (variant === 'relaxed' ? SPLIT_AT[lane] : SPLIT_AT[lane] >> 2);

/** The module's exports (sleef.wat's header lists them). */
export interface SleefExports {
  map(fn: number, src: number, dst: number, n: number): void;
  softmax_row(src: number, dst: number, n: number, log: number): void;
  log_softmax_tail(src: number, dst: number, n: number, max: number, ls: number): void;
  fma3(a: number, b: number, c: number, dst: number, n: number): void;
  axpy(al: number, y: number, x: number, dst: number, n: number): void;
  row_max: WebAssembly.Global;
  row_sum: WebAssembly.Global;
}

const PAGE = 65536;
/** The memory's ceiling in pages, as sleef.wat's import declares it (2 GiB). */
const MAX_PAGES = 32768;
/** Elements per chunk (16 KiB of float32) of data streamed through the staging area. */
export const CHUNK = 4096;
/** Bytes after every staging buffer that whole-vector loops may touch. */
const SLACK = 64;
/** The staging area's first byte in a memory of the driver's own. */
const OWN_STAGE = 64;
/** Bytes of the staging block kept in the arena: room for map's two chunks and fma's four operands. */
const STAGE_BYTES = 4 * (4 * CHUNK + SLACK) + SLACK;

type Dst = { set(a: ArrayLike<number>, off: number): void };

/**
 * The kernels on their memory: the storage arena's (alloc.ts) where there is one, so float32 data
 * that lives there is read and written in place, with no copies; other data (plain arrays) streams
 * through a staging area (a scratch block of the arena, or the start of a memory of the driver's own).
 */
export class SleefKernels {
  private heap: Float32Array;
  /** the arena scratch block kept for staging (-1 until first needed) */
  private kept = -1;

  constructor(private readonly k: SleefExports, readonly variant: SleefVariant, private readonly memory: WebAssembly.Memory,
    /** whether `memory` is the arena's */ readonly inArena: boolean,
    /** the compiled module (the worker threads instantiate it on the arena's memory too) */ readonly module: WebAssembly.Module | null = null) {
    this.heap = new Float32Array(memory.buffer);
  }

  /** The instance's exports (for the worker threads' jobs, threads.ts). */
  get exports(): SleefExports { return this.k; }

  /** A Float32Array over the whole memory (re-made after it grows). */
  private view(): Float32Array {
    const buf = this.memory.buffer;
    if (this.heap.buffer !== buf || this.heap.byteLength !== buf.byteLength) this.heap = new Float32Array(buf);
    return this.heap;
  }

  /** Byte address of a[off] when `a` is float32 data in this memory (the arena), else -1. */
  private addr(a: ArrayLike<number>, off: number): number {
    if (!this.inArena) return -1;
    const at = arenaOffset(a);
    return at < 0 ? -1 : at + 4 * off;
  }

  /**
   * A staging area of `bytes` bytes (+ SLACK), given back with unstage: in the arena, a scratch block
   * kept for the common sizes (map's chunks, the fma probe) or one taken for this call; throws where
   * memory runs out.
   */
  private stage(bytes: number): number {
    if (!this.inArena) {
      const need = OWN_STAGE + bytes + SLACK, have = this.memory.buffer.byteLength;
      if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
      return OWN_STAGE;
    }
    if (bytes <= STAGE_BYTES && this.kept < 0) this.kept = scratch(STAGE_BYTES + SLACK, true);
    const at = bytes <= STAGE_BYTES && this.kept >= 0 ? this.kept : scratch(bytes + SLACK, true);
    if (at < 0) throw new RangeError('sleef: out of WebAssembly memory');
    return at;
  }

  private unstage(at: number): void {
    if (this.inArena && at !== this.kept) freeScratch(at);
  }

  /**
   * dst[dstOff + i] = lane(src[srcOff + i]) for i < n, each value the float32 result of the
   * nnMath.ts lane function (sin/cos: only for |x| < 125; the caller handles the rest). src and dst
   * may be the same elements, not otherwise overlapping ones.
   */
  map(lane: LaneName, src: ArrayLike<number>, srcOff: number, dst: Dst, dstOff: number, n: number): void {
    if (n <= 0) return;
    const fn = LANE[lane];
    const sa = this.addr(src, srcOff), da = this.addr(dst as unknown as ArrayLike<number>, dstOff);
    // both in the arena: the whole vectors in place (whole vectors only: the kernel touches no byte
    // past the data), the last n % 4 below
    let i = 0;
    if (sa >= 0 && da >= 0) {
      i = n & ~3;
      // large ones over the worker threads (chunks of whole vectors: each lane as on one thread)
      const at = mapSplitAt(lane, this.variant);
      if (i && !(i >= at && this.module && parallelSleefMap(this.module, this.k, fn, sa, da, i, at))) this.k.map(fn, sa, da, i);
      if (i === n) return;
    }
    const len = Math.min(CHUNK, n - i);
    const inB = this.stage(8 * len + SLACK), outB = inB + 4 * len + SLACK;
    try {
      const heap = this.view(), typed = ArrayBuffer.isView(src);
      for (; i < n; i += CHUNK) {
        const m = Math.min(CHUNK, n - i), whole = (m & 3) === 0;
        let s = sa >= 0 && whole ? sa + 4 * i : -1;
        if (s < 0) {
          s = inB;
          if (typed) heap.set((src as Float32Array).subarray(srcOff + i, srcOff + i + m), inB >> 2);
          else for (let j = 0; j < m; j++) heap[(inB >> 2) + j] = src[srcOff + i + j];
        }
        const d = da >= 0 && whole ? da + 4 * i : outB;
        this.k.map(fn, s, d, m);
        if (d === outB) dst.set(heap.subarray(outB >> 2, (outB >> 2) + m), dstOff + i);
      }
    } finally {
      this.unstage(inB);
    }
  }

  /**
   * dst[dOff + i] = fmaf(al, y[yOff + i], x[xOff + i]) for i < n (float32 al): the whole vectors in
   * place when all three are arena data (false, nothing written, otherwise), the last n % 4 by `exact`.
   */
  axpy(al: number, y: ArrayLike<number>, yOff: number, x: ArrayLike<number>, xOff: number, dst: Float32Array, dOff: number, n: number,
    exact: (a: number, b: number, c: number) => number): boolean {
    const ya = this.addr(y, yOff), xa = this.addr(x, xOff), da = this.addr(dst, dOff);
    if (ya < 0 || xa < 0 || da < 0 || Math.fround(al) !== al) return false;
    const whole = n & ~3;
    if (whole && !(this.module && parallelSleefAxpy(this.module, this.k, al, ya, xa, da, whole))) this.k.axpy(al, ya, xa, da, whole);
    for (let i = whole; i < n; i++) dst[dOff + i] = exact(al, y[yOff + i], x[xOff + i]);
    return true;
  }

  /** fmaf(a[i], b[i], c[i]) for i < n ≤ CHUNK (the load-time probe, and tests: the kernels' fma). */
  fma(a: Float32Array, b: Float32Array, c: Float32Array): Float32Array {
    const n = a.length, size = 4 * n + SLACK;
    if (n > CHUNK) throw new Error('fma: too long');
    const at = this.stage(4 * size);
    try {
      const heap = this.view();
      heap.set(a, at >> 2); heap.set(b, (at + size) >> 2); heap.set(c, (at + 2 * size) >> 2);
      this.k.fma3(at, at + size, at + 2 * size, at + 3 * size, n);
      return heap.slice((at + 3 * size) >> 2, ((at + 3 * size) >> 2) + n);
    } finally {
      this.unstage(at);
    }
  }

  /** One row: softmax_row, then for log_softmax its tail with log(sum) from libm. */
  private row(s: number, d: number, n: number, log: boolean): void {
    this.k.softmax_row(s, d, n, log ? 1 : 0);
    if (log) this.k.log_softmax_tail(s, d, n, this.k.row_max.value, Math.fround(Math.log(this.k.row_sum.value)));
  }

  /**
   * PyTorch's last-dim softmax / log_softmax of `rows` contiguous rows of length n (float32), as
   * nnSoftmax.ts models it: max and sum in reduce_all order, Sleef exp, then * (1/sum) or
   * - log(sum) with log(sum) from libm (JavaScript's Math.log rounded to float32).
   */
  softmaxRows(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number, rows: number, n: number, log: boolean): void {
    if (rows <= 0 || n <= 0) return;
    const sa = this.addr(src, srcOff), da = this.addr(dst, dstOff), bytes = 4 * rows * n;
    let r = 0;
    if (sa >= 0 && da >= 0 && n >= 8 && (sa + bytes <= da || da + bytes <= sa)) {
      // in the arena: every row but the last in place. The kernels' whole vectors run past a row (reads
      // up to 8 elements, writes up to 3), so into the next row (n >= 8): they read the next row of
      // src, and write into the next row of dst, which is computed (so overwritten) after this one.
      // Many rows: split by rows over the worker threads, each chunk's rows but its last in place there
      // (so no thread writes into rows of another's chunk), then the last row of every chunk here.
      const ends = this.module ? parallelSoftmaxRows(this.module, this.k, sa, da, rows, n, log) : null;
      if (ends) {
        for (const e of ends) this.stagedRows(src, srcOff, dst, dstOff, e - 1, e, n, log);
        return;
      }
      for (; r < rows - 1; r++) this.row(sa + 4 * r * n, da + 4 * r * n, n, log);
    }
    this.stagedRows(src, srcOff, dst, dstOff, r, rows, n, log);
  }

  /** Rows [r, rows) of softmaxRows through the staging area, as many at a time as fit in CHUNK elements (at least one). */
  private stagedRows(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number, r: number, rows: number, n: number, log: boolean): void {
    const per = Math.max(1, Math.floor(CHUNK / n)), cap = Math.min(per, rows - r) * n;
    const inB = this.stage(8 * cap + SLACK), outB = inB + 4 * cap + SLACK;
    try {
      const heap = this.view();
      for (; r < rows; r += per) {
        const m = Math.min(per, rows - r), len = m * n, base = r * n;
        heap.set(src.subarray(srcOff + base, srcOff + base + len), inB >> 2);
        for (let j = 0; j < m; j++) this.row(inB + 4 * j * n, outB + 4 * j * n, n, log);
        dst.set(heap.subarray(outB >> 2, (outB >> 2) + len), dstOff + base);
      }
    } finally {
      this.unstage(inB);
    }
  }
}

const env = (): Record<string, string | undefined> | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;

/**
 * fmaf probe lanes [a, b, c, fused a*b + c] (float32 values, exact in hex): a*b is not a float32, and
 * rounding it first (or rounding the exact sum to double first, the last two) gives another result.
 */
const A = 8391494 * 2 ** -23, B = 8385723 * 2 ** -47; // A·B = 2^-24 + 62498·2^-70
export const FMA_PROBE: readonly (readonly [number, number, number, number])[] = [
  [1 + 2 ** -12, 1 + 2 ** -12, -1, 2 ** -11 + 2 ** -24], // unfused: 2^-11 (a*b rounds to even)
  [1 + 2 ** -12, -1 - 2 ** -12, 1, -(2 ** -11) - 2 ** -24],
  [1 + 2 ** -23, 1 + 2 ** -23, -1 - 2 ** -22, 2 ** -46], // unfused: 0
  [-1 - 2 ** -23, 1 + 2 ** -23, 1 + 2 ** -22, -(2 ** -46)],
  [1 - 2 ** -24, 1 + 2 ** -23, -1, 2 ** -24 - 2 ** -47], // unfused: 0
  [A, B, 1, 1 + 2 ** -23], // unfused, or rounded to double first: 1 (from a float32 midpoint)
  [-A, B, -1, -1 - 2 ** -23],
  [A, -B, -1, -1 - 2 ** -23],
];

/** Whether `k`'s fma gives the fused result in every probe lane. */
export function probeFused(k: Pick<SleefKernels, 'fma'>): boolean {
  const col = (j: number) => new Float32Array(FMA_PROBE.map((p) => p[j]));
  const got = k.fma(col(0), col(1), col(2));
  return FMA_PROBE.every((p, i) => Object.is(got[i], p[3]));
}

/** The relaxed build's module where this runtime validates relaxed SIMD (enabling it in V8 if need be), else null. */
function relaxedModule(): WebAssembly.Module | null {
  const bytes = decodeBase64(relaxedBase64);
  if (!WebAssembly.validate(bytes)) {
    try { setFlagsFromString('--experimental-wasm-relaxed-simd'); } catch { return null; }
    if (!WebAssembly.validate(bytes)) return null;
  }
  return new WebAssembly.Module(bytes);
}

const built = new Map<SleefVariant, SleefKernels | null>();
/** Why the relaxed build can or cannot run here (set when it is first built). */
let relaxedHere: 'fused' | 'unfused' | 'unsupported' | undefined;

/**
 * The kernels of one build, for tests and benchmarks: null where it cannot run here ('relaxed': no
 * relaxed SIMD, or its madd failed the probe), or without WebAssembly SIMD. Ignores the env settings.
 */
export function sleefBuild(v: SleefVariant): SleefKernels | null {
  if (built.has(v)) return built.get(v)!;
  let k: SleefKernels | null = null;
  try {
    const module = v === 'relaxed' ? relaxedModule() : new WebAssembly.Module(decodeBase64(wasmBase64));
    if (v === 'relaxed') relaxedHere = module ? 'fused' : 'unsupported';
    if (module) {
      const arena = arenaKernels();
      const memory = arena?.memory ?? new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
      k = new SleefKernels(new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SleefExports, v, memory, !!arena, module);
    }
    // the probe runs in V8's baseline tier, the kernels mostly optimised: both emit the same
    // instruction for relaxed_madd (the macro-assembler's F32x4Qfma), fused or not
    if (k && v === 'relaxed' && !probeFused(k)) { k = null; relaxedHere = 'unfused'; }
  } catch {
    k = null;
    if (v === 'relaxed') relaxedHere ??= 'unsupported';
  }
  built.set(v, k);
  return k;
}

let state: SleefKernels | null | undefined;

// the worker threads run the build in use (on the arena's memory), checking its fma with the probe
setSleefSource(() => {
  const k = sleefKernels();
  return k && k.inArena && k.module ? { module: k.module, exports: k.exports, probe: FMA_PROBE } : null;
});

/**
 * The kernels (the relaxed build where it is fused here and GRADSCOPE_RELAXED is not 0, else the exact
 * one; `.variant` tells which), or null without WebAssembly SIMD (or with GRADSCOPE_WASM=0).
 */
export function sleefKernels(): SleefKernels | null {
  if (state !== undefined) return state;
  const e = env();
  if (e?.GRADSCOPE_WASM === '0') return (state = null);
  state = (e?.GRADSCOPE_RELAXED !== '0' ? sleefBuild('relaxed') : null) ?? sleefBuild('exact');
  return state;
}

/**
 * Which build sleefKernels() runs (null: none, JavaScript loops), and what this runtime offers the
 * relaxed one: 'fused' (runs it unless GRADSCOPE_RELAXED=0), 'unfused' (relaxed_madd failed the probe),
 * 'unsupported' (no relaxed SIMD), or 'untried' (GRADSCOPE_RELAXED=0 or GRADSCOPE_WASM=0 kept it unbuilt).
 */
export function sleefStatus(): { variant: SleefVariant | null; relaxed: 'fused' | 'unfused' | 'unsupported' | 'untried'; inArena: boolean } {
  const k = sleefKernels();
  return { variant: k?.variant ?? null, relaxed: relaxedHere ?? 'untried', inArena: k?.inArena ?? false };
}
