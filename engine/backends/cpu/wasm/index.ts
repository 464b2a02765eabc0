// The WebAssembly kernels share one memory with the storage arena (../alloc.ts): large float32 tensors
// live in it, so the matmul kernel packs its operands straight from their storage and writes the
// product straight into the result's storage, and worker threads (../threads.ts) run the same kernels
// on the same data. Instantiated on first use from the embedded binaries that build.mjs compiles from
// the .wat sources. Where WebAssembly SIMD or the arena is missing (or GRADSCOPE_WASM=0), kernels() is
// null and callers keep their JavaScript paths.
import { wasmBase64 as gemmBase64 } from './gemm.gen';
import { decodeBase64 } from './base64';
import { arenaKernels } from '../alloc';

export { decodeBase64 };

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

let state: WasmKernels | null | undefined;

/** Instantiate the matmul kernels on `memory` (the arena's, in this thread or a worker). */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): WasmKernels {
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  return { module, memory, gemm: inst.exports as unknown as GemmExports };
}

/** The kernels, or null where this runtime lacks WebAssembly SIMD, shared memory or the arena (or GRADSCOPE_WASM=0). */
export function kernels(): WasmKernels | null {
  if (state !== undefined) return state;
  state = null;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.GRADSCOPE_WASM === '0') return state;
  const arena = arenaKernels();
  if (!arena) return state;
  try {
    state = instantiate(new WebAssembly.Module(decodeBase64(gemmBase64)), arena.memory);
  } catch {
    state = null;
  }
  return state;
}
