// The storage arena: large float32 storages live inside one shared, growable WebAssembly memory, so
// the SIMD kernels of wasm/elementwise.wat (add/sub/mul/div, cascade sum) and wasm/gemm.wat (matmul,
// also run by the worker threads of threads.ts) work on them in place with no copies, and memory
// freed by dead tensors is handed out again instead of fresh pages (which cost a page fault each on
// first touch).
//
// - Only float32 arrays of at least ARENA_MIN_ELEMS elements come from here; smaller ones, other
//   dtypes, runtimes without WebAssembly SIMD / shared memory / FinalizationRegistry, GRADSCOPE_WASM=0,
//   and everything past the cap (GRADSCOPE_ARENA_MB, default 256) stay on plain typed arrays.
// - Freeing: a finalizer (../finalization.ts) on the handed-out Float32Array. Its callbacks would run
//   between event-loop tasks only, so inside a synchronous run (a training loop) a request that finds
//   its size class empty first drains what the collector has found dead since (V8 collects on its own,
//   prompted by pressure() below); only then does it take fresh memory, whose pages cost a fault each on
//   first touch. A block is never reused while its array is reachable; a view made with subarray() does
//   not keep the block, so code must not hold a subarray of storage data past the life of the storage's
//   own array.
// - Blocks are 64-byte aligned; sizes round up to size classes (2^k · {4,5,6,7}/4, ≤ 25 % waste) with
//   one free list per class. Views stay valid when the memory grows (shared memory never moves).
import { decodeBase64 } from './wasm/base64';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { wasmBase64 } from './wasm/elementwise.gen';
import { Finalizer } from '../finalization';

export interface ArenaExports {
  add(a: number, b: number, o: number, n: number): void;
  sub(a: number, b: number, o: number, n: number): void;
  mul(a: number, b: number, o: number, n: number): void;
  div(a: number, b: number, o: number, n: number): void;
  adds(a: number, s: number, o: number, n: number): void;
  subs(a: number, s: number, o: number, n: number): void;
  rsubs(a: number, s: number, o: number, n: number): void;
  muls(a: number, s: number, o: number, n: number): void;
  divs(a: number, s: number, o: number, n: number): void;
  rdivs(a: number, s: number, o: number, n: number): void;
  cascade32(src: number, i: number, size: number, lp: number, st: number, rsb: number): void;
  zero(o: number, bytes: number): void;
  copy(src: number, dst: number, bytes: number): void;
  fill(o: number, n: number, v: number): void;
  relu(a: number, o: number, n: number): void;
  threshold_bw(g: number, x: number, o: number, n: number, th: number): void;
  axpy(al: number, y: number, x: number, o: number, n: number): number;
}

export interface Arena {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  k: ArenaExports;
}

/** float32 storages from this many elements (64 KiB) on come from the arena. */
export const ARENA_MIN_ELEMS = 1 << 14;
const PAGE = 65536;
/** The memory's ceiling in pages (as declared by elementwise.wat): 2 GiB. */
const MAX_PAGES = 32768;
/** Grow by at least this much at a time (pages are only committed when touched). */
const GROW_MIN_BYTES = 16 << 20;
// Layout of the memory's first bytes, then the arena's blocks:
/** [0, THREADS_BYTES): threads.ts's control block and the per-thread edge tiles of the matmul kernel. */
export const THREADS_BYTES = 4096;
/** Then kernel state (the cascade sum's partial sums, per thread). */
export const KERNEL_STATE = THREADS_BYTES;
export const ARENA_STATE_BYTES = 4096;
/** Then a staging area that kernels stream plain (non-arena) operands through, outside the cap. */
export const STAGING = KERNEL_STATE + ARENA_STATE_BYTES;
export const STAGING_BYTES = 1 << 20;
const ARENA_RESERVED = STAGING + STAGING_BYTES;

const env = (): Record<string, string | undefined> | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;

// ---- state -------------------------------------------------------------------------------------------

let arena: Arena | null | undefined;
let capBytes = 0;
/** First byte not in a block (the bump region starts here). */
let top = ARENA_RESERVED;
/**
 * First byte never handed out since the memory was made: above it the pages are fresh (zero); below it a
 * block from the bump region may hold old data (coalesce gives a free run at the top back to it).
 */
let clean = ARENA_RESERVED;
/** class size → offsets of free blocks of that class */
const free = new Map<number, number[]>();
/** offset → class size, for every block handed out or free */
const blockSize = new Map<number, number>();
/** every ArrayBuffer object this memory has had (views made before a grow keep the old object) */
let buffers = new WeakSet<ArrayBufferLike>();
let registry: Finalizer<number> | null = null;
const stats = { allocs: 0, reuses: 0, frees: 0, fallbacks: 0, grows: 0, coalesces: 0, collects: 0 };

/** The arena and its kernels, or null where it cannot be used. */
export function arenaKernels(): Arena | null {
  if (arena !== undefined) return arena;
  arena = null;
  const e = env();
  if (e?.GRADSCOPE_WASM === '0' || typeof FinalizationRegistry !== 'function') return arena;
  const mb = Number(e?.GRADSCOPE_ARENA_MB);
  capBytes = ARENA_RESERVED + Math.min(MAX_PAGES * PAGE - ARENA_RESERVED, (Number.isFinite(mb) && mb >= 0 ? mb : 256) * (1 << 20));
  try {
    const module = new WebAssembly.Module(decodeBase64(wasmBase64));
    const memory = new WebAssembly.Memory({ initial: Math.ceil(ARENA_RESERVED / PAGE), maximum: MAX_PAGES, shared: true });
    const inst = new WebAssembly.Instance(module, { env: { memory } });
    arena = { module, memory, k: inst.exports as unknown as ArenaExports };
    buffers.add(memory.buffer);
    registry = new Finalizer<number>(release);
  } catch {
    arena = null;
  }
  return arena;
}

/** Size class of a request: the smallest 2^k · {4,5,6,7}/4 that holds it (a multiple of 64 bytes). */
export function sizeClass(bytes: number): number {
  const b = Math.max(64, bytes);
  let p = 2 ** Math.floor(Math.log2(b));
  if (p > b) p /= 2;
  for (const q of [1, 1.25, 1.5, 1.75, 2]) {
    const c = Math.ceil((p * q) / 64) * 64;
    if (c >= b) return c;
  }
  return Math.ceil((2 * p) / 64) * 64;
}

/** The largest size class that fits in `bytes` (a free block is listed under it). */
function floorClass(bytes: number): number {
  const p = 2 ** Math.floor(Math.log2(bytes));
  for (const q of [1.75, 1.5, 1.25, 1]) {
    const c = Math.ceil((p * q) / 64) * 64;
    if (c <= bytes) return c;
  }
  return 64;
}

function pushFree(off: number): void {
  const key = floorClass(blockSize.get(off)!);
  let list = free.get(key);
  if (!list) free.set(key, (list = []));
  list.push(off);
}

function release(off: number): void {
  if (!blockSize.has(off)) return;
  pushFree(off);
  stats.frees++;
}

let freesAtCoalesce = 0;
/** Merge adjacent free blocks; a free run at the top goes back to the bump region. */
function coalesce(): void {
  const offs: number[] = [];
  for (const l of free.values()) offs.push(...l);
  free.clear();
  offs.sort((a, b) => a - b);
  for (let i = 0; i < offs.length;) {
    const start = offs[i];
    let end = start + blockSize.get(start)!;
    let j = i + 1;
    for (; j < offs.length && offs[j] === end; j++) { end += blockSize.get(offs[j])!; blockSize.delete(offs[j]); }
    if (end === top) { top = start; blockSize.delete(start); } else { blockSize.set(start, end - start); pushFree(start); }
    i = j;
  }
  stats.coalesces++;
}

/** The smallest listed free block of at least `cls` bytes, split when the rest is worth keeping; null when none. */
function bestFit(cls: number): number | null {
  let bestKey = -1;
  for (const [key, l] of free) if (l.length && key >= cls && (bestKey < 0 || key < bestKey)) bestKey = key;
  if (bestKey < 0) return null;
  const off = free.get(bestKey)!.pop()!;
  const size = blockSize.get(off)!;
  if (size - cls >= 64 * 1024) {
    blockSize.set(off, cls);
    blockSize.set(off + cls, size - cls);
    pushFree(off + cls);
  }
  return off;
}

/**
 * A block of `bytes` (rounded to its class): a free one of that class, else fresh memory under the cap,
 * else (at the cap) a larger free block, after merging free neighbours if need be; null when none.
 * `reused`: the block may hold old data (a free block, or bump memory below `clean`).
 */
function take(bytes: number, overCap = false): { off: number; reused: boolean } | null {
  const A = arena!;
  const cls = sizeClass(bytes);
  const ofClass = () => { const l = free.get(cls); return l && l.length ? { off: l.pop()!, reused: true } : null; };
  let got = ofClass();
  // else the blocks of arrays the collector has found dead since (inside a synchronous run: see the
  // top); where dead ones are found by polling WeakRefs, also a full collection every
  // POLL_COLLECT_BYTES of arena arrays, for arrays that lived long enough to leave the young generation
  // (scavenges, which V8 runs often, clear the young ones)
  if (!got && registry!.drain()) got = ofClass();
  if (!got && registry!.mode === 'poll' && !overCap && collectNow(POLL_COLLECT_BYTES)) got = ofClass();
  if (got) return got;
  let off: number | null = null;
  /** merge the blocks freed since the last merge, then look for a fit again */
  const merge = () => { if (stats.frees !== freesAtCoalesce) { freesAtCoalesce = stats.frees; coalesce(); off = bestFit(cls); } };
  if (!overCap && cls >= (capBytes - ARENA_RESERVED) / 16 && top + cls > capBytes / 2 && top + cls <= capBytes) {
    // a large request about to take fresh memory in the arena's upper half: first free the dead arrays
    // (collectNow, rate-limited) and merge, so it goes into their room (a free run at the top lowers
    // top) rather than past it — else the next large ones find the cap with the room split in pieces
    collectNow();
    merge();
    if (off !== null) return { off, reused: true };
  }
  if (top + cls > capBytes && !overCap) {
    // at the cap: a larger free block, else merge the known free ones, else find the dead arrays (a
    // full GC, rate-limited) and merge again
    off = bestFit(cls);
    if (off === null) merge();
    if (off === null) { collectNow(); merge(); }
    if (off !== null) return { off, reused: true };
    if (top + cls > capBytes) return null;
  }
  const have = A.memory.buffer.byteLength;
  if (top + cls > have) {
    const need = Math.max(top + cls - have, GROW_MIN_BYTES);
    const pages = Math.min(Math.ceil(need / PAGE), MAX_PAGES - have / PAGE);
    if (have + pages * PAGE < top + cls) return null;
    try { A.memory.grow(pages); } catch { return null; }
    buffers.add(A.memory.buffer);
    stats.grows++;
  }
  const at = top;
  top += cls;
  const reused = at < clean;
  clean = Math.max(clean, top);
  blockSize.set(at, cls);
  return { off: at, reused };
}

/**
 * V8 does not see the arena's memory, so allocating from it never prompts the major GC that finds dead
 * arrays (and so frees their blocks). Every PRESSURE_BYTES of arena arrays, an ArrayBuffer of that size
 * is made and dropped: V8 counts it as external memory, which schedules that GC as plain typed arrays
 * would; it is never written, so it costs an mmap and no page faults.
 */
const PRESSURE_BYTES = 64 << 20;
let pending = 0;
function pressure(bytes: number): void {
  pending += bytes;
  if (pending < PRESSURE_BYTES) return;
  pending = 0;
  void new ArrayBuffer(PRESSURE_BYTES);
}

/**
 * At the cap (or a large request about to go high), a full GC and a drain of the finalizer free every
 * dead block right away, where the finalizer can drain. At most once per `every` bytes (a quarter of the
 * cap) allocated since the last time, so live data filling the arena does not make every allocation a GC.
 */
let allocatedSinceCollect = 0;
let gcFn: (() => void) | null | undefined;
/** Poll mode: arena bytes handed out between the full collections take() asks for (a few per 100 MB). */
const POLL_COLLECT_BYTES = 128 << 20;
function collectNow(every = (capBytes - ARENA_RESERVED) / 4): boolean {
  if (!registry!.canDrain || allocatedSinceCollect < every) return false;
  if (gcFn === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    } catch { gcFn = null; }
  }
  if (!gcFn) return false;
  allocatedSinceCollect = 0;
  registry!.collect(gcFn);
  stats.collects++;
  return true;
}

// ---- API ---------------------------------------------------------------------------------------------

/**
 * A float32 array of n elements: from the arena when n >= ARENA_MIN_ELEMS and there is room, else a
 * plain Float32Array. Zero-filled unless `zero` is false (for kernels that write every element).
 */
export function allocF32(n: number, zero = true): Float32Array {
  if (n < ARENA_MIN_ELEMS || !arenaKernels()) return new Float32Array(n);
  allocatedSinceCollect += 4 * n;
  const b = take(4 * n);
  if (!b) { stats.fallbacks++; return new Float32Array(n); }
  pressure(4 * n);
  const a = new Float32Array(arena!.memory.buffer, b.off, n);
  if (b.reused) { stats.reuses++; if (zero) arena!.k.zero(b.off, 4 * n); }
  stats.allocs++;
  registry!.register(a, b.off);
  return a;
}

/** A new array of `n` elements of a storage kind: float32 ones through allocF32 (the arena when large). */
export function allocArray<A>(ctor: new (n: number) => A, n: number, zero = true): A {
  return (ctor as unknown) === Float32Array ? allocF32(n, zero) as unknown as A : new ctor(n);
}

/**
 * a[from, to) = v for a float32 arena array (typed-array fill on shared memory goes element by element;
 * the kernel stores vectors); false (nothing done) when `a` is not an arena array.
 */
export function arenaFill(a: ArrayLike<number>, v: number, from = 0, to = a.length): boolean {
  const at = arenaOffset(a);
  if (at < 0) return false;
  if (v === 0 && !Object.is(v, -0)) arena!.k.zero(at + 4 * from, 4 * (to - from));
  else arena!.k.fill(at + 4 * from, to - from, v);
  return true;
}

/** dst[dOff + i] = src[sOff + i], i < n, both float32 arena arrays (memory.copy); false when either is not. */
export function arenaCopy(dst: ArrayLike<number>, dOff: number, src: ArrayLike<number>, sOff: number, n: number): boolean {
  const d = arenaOffset(dst), s = arenaOffset(src);
  if (d < 0 || s < 0) return false;
  arena!.k.copy(s + 4 * sOff, d + 4 * dOff, 4 * n);
  return true;
}

/** Byte offset of `a`'s first element in the arena memory, or -1 when `a` is not an arena view. */
export function arenaOffset(a: ArrayLike<number>): number {
  if (!arena || !(a instanceof Float32Array) || !buffers.has(a.buffer)) return -1;
  return a.byteOffset;
}

/**
 * Scratch memory for a kernel's own use: a block never handed to a tensor, given back with freeScratch;
 * -1 when there is none. `overCap`: past the arena's cap if need be (the memory's own ceiling remains),
 * for work areas that live only during one kernel call (the matmul's packed operands).
 */
export function scratch(bytes: number, overCap = false): number {
  if (!arenaKernels()) return -1;
  const b = take(bytes, overCap);
  return b ? b.off : -1;
}
export function freeScratch(off: number): void { if (off >= 0) release(off); }

let heap: Float32Array | null = null;
/** A Float32Array over the whole memory as it is now. */
export function heapF32(): Float32Array {
  const buf = arena!.memory.buffer;
  if (!heap || heap.buffer !== buf) heap = new Float32Array(buf);
  return heap;
}

/** Counters and sizes, for tests and benchmarks. */
export function arenaStats(): { enabled: boolean; top: number; cap: number; freeBytes: number } & typeof stats {
  let freeBytes = 0;
  for (const l of free.values()) for (const off of l) freeBytes += blockSize.get(off)!;
  return { enabled: !!arenaKernels(), top, cap: capBytes, freeBytes, ...stats };
}
