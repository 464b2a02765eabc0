// The WebAssembly kernels: one shared memory (so worker threads can run the same kernels on the same
// data, engine/backends/cpu/threads.ts), instantiated on first use from the embedded binaries that
// build.mjs compiles from the .wat sources. Where WebAssembly SIMD is missing, kernels() is null and
// callers keep their JavaScript paths.
import { wasmBase64 as gemmBase64 } from './gemm.gen';

export interface GemmExports {
  pack_a(src: number, rs: number, cs: number, m: number, k: number, dst: number): void;
  pack_b(src: number, rs: number, cs: number, k: number, n: number, dst: number): void;
  gemm(ap: number, bp: number, c: number, m: number, n: number, k: number, ldc: number, acc: number,
    ip0: number, ip1: number, kcmax: number, mcp: number, scratch: number): void;
}

export interface WasmKernels {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  gemm: GemmExports;
}

const PAGE = 65536;
/** The memory's ceiling in pages (2 GiB), as declared by the .wat imports. */
export const MAX_PAGES = 32768;
/** The first bytes of the memory: the thread control block and per-thread scratch tiles. */
export const RESERVED_BYTES = 4096;

/** The bytes of a kernel binary embedded in a .gen.ts (base64). */
export function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const B = (globalThis as { Buffer?: { from(s: string, e: string): Uint8Array } }).Buffer;
  if (B) return new Uint8Array(B.from(s, 'base64'));
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let state: WasmKernels | null | undefined;

/** Instantiate in this thread: a new shared memory, or the one a worker was handed. */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): WasmKernels {
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  return { module, memory, gemm: inst.exports as unknown as GemmExports };
}

/** The kernels, or null where this runtime lacks WebAssembly SIMD or shared memory (or GRADSCOPE_WASM=0). */
export function kernels(): WasmKernels | null {
  if (state !== undefined) return state;
  state = null;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.GRADSCOPE_WASM === '0') return state;
  try {
    const module = new WebAssembly.Module(decodeBase64(gemmBase64));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    state = instantiate(module, memory);
  } catch {
    state = null;
  }
  return state;
}

/** Make the memory at least `bytes` long; returns false when it cannot grow that far. */
export function ensureBytes(k: WasmKernels, bytes: number): boolean {
  const have = k.memory.buffer.byteLength;
  if (bytes <= have) return true;
  const pages = Math.ceil((bytes - have) / PAGE);
  if (have / PAGE + pages > MAX_PAGES) return false;
  try {
    k.memory.grow(pages);
    return true;
  } catch {
    return false;
  }
}

let f32View: Float32Array | null = null;
/** A Float32Array over the whole memory (re-made after the memory grows). */
export function heapF32(k: WasmKernels): Float32Array {
  const buf = k.memory.buffer;
  if (!f32View || f32View.buffer !== buf || f32View.byteLength !== buf.byteLength) f32View = new Float32Array(buf);
  return f32View;
}
