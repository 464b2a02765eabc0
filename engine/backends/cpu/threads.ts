// Worker threads that share the kernels' WebAssembly memory (the storage arena, alloc.ts), so a large
// matmul runs on every core while the engine's API stays synchronous. A job is cut into chunks (groups
// of row panels, or of column panels when the product has few rows); the calling thread and the workers
// claim chunks one at a time from a shared counter until none is left, so a worker that is slow to wake
// or whose core is busy with other work only takes fewer chunks — the caller never waits for work that
// nobody started. Workers start on the first large op (it still runs on one thread while they load);
// small ops never touch them. GRADSCOPE_THREADS=n sets the thread count (1 = no workers).
import { Worker } from 'node:worker_threads';
import { availableParallelism, cpus } from 'node:os';
import type { WasmKernels, GemmExports } from './wasm/index';
import { THREADS_BYTES } from './alloc';

/** Multiply-adds from which a product is split across threads (below, waking workers costs more). */
export const PARALLEL_MIN_MACS = 1 << 21;
/** Multiply-adds a chunk should at least hold (so claiming and re-reading operands stay cheap). */
const CHUNK_MIN_MACS = 1 << 19;
/** Chunks per thread a job is cut into at most (more balance, more operand re-reads). */
const CHUNKS_PER_THREAD = 4;

// Control block: Int32 words at the start of the shared memory.
//   SEQ    job number (workers wait on it)          CLAIM  (job tag << 16) | next chunk to hand out
//   DONE   chunks finished for the current job      ERR    set when a chunk threw in a worker
//   STOP   set to make the workers exit             P0..   the job's parameters
//   READY + w: worker w has loaded
const SEQ = 0, CLAIM = 1, DONE = 2, ERR = 3, STOP = 4, P0 = 8, NPARAMS = 16, READY = 32;
const CTL_WORDS = 64;
const MAX_WORKERS = 15;
/** Edge-tile scratch (128 bytes) of the calling thread, and of worker w after it. */
export const SCRATCH_MAIN = 4 * CTL_WORDS;
const scratchOf = (w: number) => SCRATCH_MAIN + 128 * (w + 1);
if (scratchOf(MAX_WORKERS) + 128 > THREADS_BYTES) throw new Error('threads: control block overflows its reserved bytes');

/** The job tag kept in the claim word's high bits. */
const tagOf = (seq: number) => seq & 0x7fff;

/**
 * Run chunk `i` of the gemm job whose parameters are ctl[p..]: a range of row panels (split 0) or of
 * 8-column panels (split 1) of C = [C +] A·B over the packed operands. Shared by the calling thread and
 * the workers (whose source embeds this function's text), so it uses nothing but its arguments.
 */
function gemmChunk(g: GemmExports, ctl: Int32Array, p: number, i: number, scratch: number): void {
  const ap = ctl[p], bp = ctl[p + 1], c = ctl[p + 2], m = ctl[p + 3], n = ctl[p + 4], k = ctl[p + 5];
  const ldc = ctl[p + 6], acc = ctl[p + 7], kc = ctl[p + 8], mcp = ctl[p + 9], split = ctl[p + 10], per = ctl[p + 11];
  const rowPanels = (m + 3) >> 2, colPanels = (n + 7) >> 3;
  if (split === 0) {
    const ip0 = i * per, ip1 = Math.min(rowPanels, ip0 + per);
    g.gemm(ap, bp, c, m, n, k, ldc, acc, ip0, ip1, kc, mcp, scratch);
  } else {
    const jp0 = i * per, jp1 = Math.min(colPanels, jp0 + per);
    g.gemm(ap, bp + 32 * jp0 * k, c + 32 * jp0, m, Math.min(n, 8 * jp1) - 8 * jp0, k, ldc, acc, 0, rowPanels, kc, mcp, scratch);
  }
}

/**
 * Claim and run chunks of job `seq` until none is left; returns how many this thread ran. Embedded in
 * the worker source too.
 */
function claimChunks(g: GemmExports, ctl: Int32Array, seq: number, chunks: number, scratch: number,
  run: (g: GemmExports, ctl: Int32Array, p: number, i: number, scratch: number) => void): number {
  const tag = seq & 0x7fff;
  let ran = 0;
  for (;;) {
    const w = Atomics.load(ctl, 1);
    if (w >>> 16 !== tag || (w & 0xffff) >= chunks) return ran;
    if (Atomics.compareExchange(ctl, 1, w, w + 1) !== w) continue;
    run(g, ctl, 8, w & 0xffff, scratch);
    ran++;
    if (Atomics.add(ctl, 2, 1) + 1 === chunks) Atomics.notify(ctl, 2);
  }
}

// The worker: instantiate the kernels on the same memory, then serve jobs until told to stop.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, slot, scratch } = workerData;
const g = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(memory.buffer, 0, ${CTL_WORDS});
const gemmChunk = ${gemmChunk.toString()};
const claimChunks = ${claimChunks.toString()};
let seen = Atomics.load(ctl, ${SEQ});
Atomics.store(ctl, ${READY} + slot, 1);
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  if (Atomics.load(ctl, ${STOP})) break;
  const seq = Atomics.load(ctl, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  const chunks = ctl[${P0} + ${NPARAMS - 1}];
  try { claimChunks(g, ctl, seq, chunks, scratch, gemmChunk); } catch (e) { Atomics.store(ctl, ${ERR}, 1); }
}
`;

interface Pool { workers: Worker[]; ctl: Int32Array; seq: number; broken: boolean }
let pool: Pool | null = null;

/** Threads to use: GRADSCOPE_THREADS (at most 16), else the machine's cores (at most 8). */
export function threadCount(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const n = Number(env?.GRADSCOPE_THREADS);
  if (Number.isInteger(n) && n >= 1) return Math.min(n, MAX_WORKERS + 1);
  let cores = 1;
  try { cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length; } catch { /* one */ }
  return Math.max(1, Math.min(cores, 8));
}

function startPool(K: WasmKernels): Pool {
  const n = threadCount() - 1;
  const ctl = new Int32Array(K.memory.buffer, 0, CTL_WORDS);
  const p: Pool = { workers: [], ctl, seq: Atomics.load(ctl, SEQ), broken: n <= 0 };
  for (let w = 0; w < n && !p.broken; w++) {
    try {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module: K.module, memory: K.memory, slot: w, scratch: scratchOf(w) },
      });
      worker.unref();
      worker.on('error', () => { p.broken = true; });
      worker.on('exit', () => { p.broken = true; });
      p.workers.push(worker);
    } catch {
      p.broken = true;
    }
  }
  return p;
}

/** Workers that have loaded (0 while none can be used). */
function readyWorkers(K: WasmKernels): number {
  pool ??= startPool(K);
  if (pool.broken) return 0;
  let ready = 0;
  for (let w = 0; w < pool.workers.length; w++) if (Atomics.load(pool.ctl, READY + w) === 1) ready++;
  return ready;
}

export interface GemmJob { ap: number; bp: number; c: number; m: number; n: number; k: number; ldc: number; acc: number; kc: number; mcp: number }

/**
 * Run the blocked product of gemm.wat over the calling thread and the ready workers, cut into chunks
 * along the longer side (rows, or columns when the product has fewer row panels than column panels).
 * Returns false (nothing done) when it is too small or no worker is ready.
 */
export function parallelGemm(K: WasmKernels, job: GemmJob): boolean {
  const macs = job.m * job.n * job.k;
  if (macs < PARALLEL_MIN_MACS) return false;
  const ready = readyWorkers(K);
  if (ready === 0) return false;
  const p = pool!, ctl = p.ctl;
  const rowPanels = Math.ceil(job.m / 4), colPanels = Math.ceil(job.n / 8);
  // re-read per chunk: the other operand's packed panels; cut the side whose re-reads cost less
  const split = rowPanels * 4 >= colPanels * 8 ? 0 : 1;
  const panels = split === 0 ? rowPanels : colPanels;
  const maxChunks = Math.min(panels, (ready + 1) * CHUNKS_PER_THREAD, Math.max(2, Math.floor(macs / CHUNK_MIN_MACS)), 0xffff);
  if (maxChunks < 2) return false;
  const per = Math.ceil(panels / maxChunks);
  const chunks = Math.ceil(panels / per);
  const seq = (p.seq + 1) | 0;
  p.seq = seq;
  const params = [job.ap, job.bp, job.c, job.m, job.n, job.k, job.ldc, job.acc, job.kc, job.mcp, split, per];
  for (let i = 0; i < params.length; i++) ctl[P0 + i] = params[i];
  ctl[P0 + NPARAMS - 1] = chunks;
  Atomics.store(ctl, DONE, 0);
  Atomics.store(ctl, CLAIM, tagOf(seq) << 16);
  Atomics.store(ctl, SEQ, seq);
  Atomics.notify(ctl, SEQ);
  claimChunks(K.gemm, ctl, seq, chunks, SCRATCH_MAIN, gemmChunk);
  // every chunk is claimed: wait for those the workers are still running
  for (let d = Atomics.load(ctl, DONE); d < chunks; d = Atomics.load(ctl, DONE)) Atomics.wait(ctl, DONE, d, 50);
  if (Atomics.load(ctl, ERR)) { p.broken = true; throw new Error('gradscope: a matmul worker thread failed'); }
  return true;
}

/** Threads in use now (the caller plus loaded workers), for benchmarks and diagnostics. */
export function threadsReady(K: WasmKernels | null): number {
  return K && pool && !pool.broken ? 1 + readyWorkers(K) : 1;
}
