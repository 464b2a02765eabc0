// Driver of the WebAssembly SIMD float32 transcendental lanes (sleef.wat): bit for bit the
// JavaScript SLEEF models of engine/ops/table/nnMath.ts, run on chunks of a tensor's data copied
// into the module's own memory (16 KiB at a time, so the copies stay in cache) and back.
// GRADSCOPE_WASM=0, or a runtime without WebAssembly SIMD, leaves sleefKernels() null and callers
// keep their JavaScript loops.
import { decodeBase64 } from './index';
import { wasmBase64 } from './sleef.gen';

/** Lane function numbers of sleef.wat's table. */
export const LANE = { exp: 0, expm1: 1, log: 2, log1p: 3, tanh: 4, sigmoid: 5, log2: 6, log10: 7, sin: 8, cos: 9 } as const;
export type LaneName = keyof typeof LANE;

interface SleefExports {
  memory: WebAssembly.Memory;
  map(fn: number, src: number, dst: number, n: number): void;
  softmax_row(src: number, dst: number, n: number, log: number): void;
  log_softmax_tail(src: number, dst: number, n: number, max: number, ls: number): void;
  fma3(a: number, b: number, c: number, dst: number, n: number): void;
}

const PAGE = 65536;
/** Elements per chunk (16 KiB of float32). */
export const CHUNK = 4096;
/** Bytes after every buffer that whole-vector loops may touch. */
const SLACK = 64;
/** Input buffer at byte IN (below it: the max/sum words softmax_row stores at 0 and 4). */
const IN = 64;

export class SleefKernels {
  private f32: Float32Array;
  /** element capacity of each of the in/out buffers */
  private cap = CHUNK;

  constructor(private readonly k: SleefExports) {
    this.f32 = new Float32Array(k.memory.buffer);
    this.reserve(CHUNK);
  }

  /** Make room for `n`-element in/out buffers. */
  private reserve(n: number): void {
    if (n > this.cap) this.cap = Math.ceil(n / CHUNK) * CHUNK;
    const bytes = IN + 2 * (4 * this.cap + SLACK);
    const have = this.k.memory.buffer.byteLength;
    if (bytes > have) this.k.memory.grow(Math.ceil((bytes - have) / PAGE));
    if (this.f32.buffer !== this.k.memory.buffer) this.f32 = new Float32Array(this.k.memory.buffer);
  }

  private get out(): number { return IN + 4 * this.cap + SLACK; }

  /**
   * dst[dstOff + i] = lane(src[srcOff + i]) for i < n, each value the float32 result of the
   * nnMath.ts lane function (sin/cos: only for |x| < 125; the caller handles the rest).
   */
  map(lane: LaneName, src: ArrayLike<number>, srcOff: number, dst: { set(a: ArrayLike<number>, off: number): void }, dstOff: number, n: number): void {
    const f32 = this.f32, fn = LANE[lane], out = this.out, outF = out >> 2, inF = IN >> 2;
    const typed = ArrayBuffer.isView(src);
    for (let i = 0; i < n; i += CHUNK) {
      const len = Math.min(CHUNK, n - i);
      if (typed) f32.set((src as Float32Array).subarray(srcOff + i, srcOff + i + len), inF);
      else for (let j = 0; j < len; j++) f32[inF + j] = src[srcOff + i + j];
      this.k.map(fn, IN, out, len);
      dst.set(f32.subarray(outF, outF + len), dstOff + i);
    }
  }

  /** fmaf(a[i], b[i], c[i]) for i < n ≤ CHUNK / 2 (tests: the fast fma and its exact fallback). */
  fma(a: Float32Array, b: Float32Array, c: Float32Array): Float32Array {
    const n = a.length, half = 4 * (CHUNK / 2);
    if (n > CHUNK / 2) throw new Error('fma: too long');
    const f32 = this.f32, out = this.out;
    f32.set(a, IN >> 2); f32.set(b, (IN + half) >> 2); f32.set(c, out >> 2);
    this.k.fma3(IN, IN + half, out, out + half, n);
    return f32.slice((out + half) >> 2, ((out + half) >> 2) + n);
  }

  /**
   * PyTorch's last-dim softmax / log_softmax of `rows` contiguous rows of length n (float32), as
   * nnSoftmax.ts models it: max and sum in reduce_all order, Sleef exp, then * (1/sum) or
   * - log(sum) with log(sum) from libm (JavaScript's Math.log rounded to float32).
   */
  softmaxRows(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number, rows: number, n: number, log: boolean): void {
    this.reserve(n);
    const f32 = this.f32, out = this.out, outF = out >> 2, inF = IN >> 2;
    const per = Math.max(1, Math.floor(this.cap / n));
    for (let r = 0; r < rows; r += per) {
      const m = Math.min(per, rows - r), len = m * n, base = r * n;
      f32.set(src.subarray(srcOff + base, srcOff + base + len), inF);
      for (let j = 0; j < m; j++) {
        const s = IN + 4 * j * n, d = out + 4 * j * n;
        this.k.softmax_row(s, d, n, log ? 1 : 0);
        if (log) this.k.log_softmax_tail(s, d, n, f32[0], Math.fround(Math.log(f32[1])));
      }
      dst.set(f32.subarray(outF, outF + len), dstOff + base);
    }
  }
}

let state: SleefKernels | null | undefined;

/** The kernels, or null without WebAssembly SIMD (or with GRADSCOPE_WASM=0). */
export function sleefKernels(): SleefKernels | null {
  if (state !== undefined) return state;
  state = null;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.GRADSCOPE_WASM === '0') return state;
  try {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(wasmBase64)), {});
    state = new SleefKernels(inst.exports as unknown as SleefExports);
  } catch {
    state = null;
  }
  return state;
}
