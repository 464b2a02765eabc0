// Worker threads that share the kernels' WebAssembly memory, so a large op runs on every core while
// the engine's API stays synchronous: the calling thread hands each worker a slice (through a control
// block in the shared memory and Atomics.notify), runs its own slice, then Atomics.waits for the
// others. Workers start on the first large op (it still runs on one thread while they load); small
// ops never touch them. GRADSCOPE_THREADS=n sets the thread count (1 = no workers).
import { Worker } from 'node:worker_threads';
import { availableParallelism, cpus } from 'node:os';
import type { WasmKernels } from './wasm/index';

/** Multiply-adds from which a product is split across threads (below, waking workers costs more). */
export const PARALLEL_MIN_MACS = 1 << 21;

// control block: Int32 words at the start of the shared memory (CTL_WORDS), SLOT words per worker.
// A job is claimed with a compare-exchange on CLAIM (0 → 1 by the worker, 0 → 2 by the caller when the
// worker has not started it in time), so a stuck worker can never make the caller wait forever.
const CTL_WORDS = 512;
const SLOT = 32;
const SEQ = 0, DONE = 1, READY = 2, CLAIM = 3, P0 = 4; // P0..: job parameters
const MAX_WORKERS = 15;
/** How long the caller waits for a worker to claim its slice before running it itself. */
const CLAIM_TIMEOUT_MS = 2000;
/** Edge-tile scratch (128 bytes) of the calling thread, and of worker w after it. */
export const SCRATCH_MAIN = 4 * CTL_WORDS;
const scratchOf = (w: number) => SCRATCH_MAIN + 128 * (w + 1);

// The worker: instantiate the same module on the same memory, then serve jobs until told to stop.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, slot, scratch } = workerData;
const g = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(memory.buffer, 0, ${CTL_WORDS});
const S = slot * ${SLOT};
let seen = Atomics.load(ctl, S + ${SEQ});
Atomics.store(ctl, S + ${READY}, 1);
for (;;) {
  Atomics.wait(ctl, S + ${SEQ}, seen);
  const seq = Atomics.load(ctl, S + ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  const p = S + ${P0};
  if (ctl[p] === -1) break;
  if (Atomics.compareExchange(ctl, S + ${CLAIM}, 0, 1) === 0) try {
    g.gemm(ctl[p + 1], ctl[p + 2], ctl[p + 3], ctl[p + 4], ctl[p + 5], ctl[p + 6], ctl[p + 7], ctl[p + 8], ctl[p + 9], ctl[p + 10], ctl[p + 11], ctl[p + 12], scratch);
  } catch (e) {
    ctl[p] = -2;
  }
  Atomics.store(ctl, S + ${DONE}, seq);
  Atomics.notify(ctl, S + ${DONE});
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
  const p: Pool = { workers: [], ctl, seq: 0, broken: n <= 0 };
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

/** The workers that have loaded (null while none can be used). */
function readyWorkers(K: WasmKernels): number {
  pool ??= startPool(K);
  if (pool.broken) return 0;
  let ready = 0;
  for (let w = 0; w < pool.workers.length; w++) if (Atomics.load(pool.ctl, w * SLOT + READY) === 1) ready = w + 1; else break;
  return ready;
}

export interface GemmJob { ap: number; bp: number; c: number; m: number; n: number; k: number; ldc: number; acc: number; panels: number; kc: number; mcp: number }

/**
 * Run the blocked product of gemm.wat split by row panels over the calling thread and the ready
 * workers. Returns false (nothing done) when it is too small or no worker is ready.
 */
export function parallelGemm(K: WasmKernels, job: GemmJob): boolean {
  if (job.m * job.n * job.k < PARALLEL_MIN_MACS || job.panels < 2) return false;
  const ready = readyWorkers(K);
  if (ready === 0) return false;
  const p = pool!;
  const parts = Math.min(ready + 1, job.panels);
  const seq = ++p.seq;
  const bounds = (t: number) => Math.round((job.panels * t) / parts);
  for (let w = 0; w < parts - 1; w++) {
    const b = w * SLOT + P0, c = p.ctl;
    c[b] = 1; c[b + 1] = job.ap; c[b + 2] = job.bp; c[b + 3] = job.c; c[b + 4] = job.m; c[b + 5] = job.n;
    c[b + 6] = job.k; c[b + 7] = job.ldc; c[b + 8] = job.acc; c[b + 9] = bounds(w + 1); c[b + 10] = bounds(w + 2); c[b + 11] = job.kc; c[b + 12] = job.mcp;
    Atomics.store(c, w * SLOT + CLAIM, 0);
    Atomics.store(c, w * SLOT + SEQ, seq);
    Atomics.notify(c, w * SLOT + SEQ);
  }
  // the calling thread takes the first slice
  K.gemm.gemm(job.ap, job.bp, job.c, job.m, job.n, job.k, job.ldc, job.acc, 0, bounds(1), job.kc, job.mcp, SCRATCH_MAIN);
  const t0 = Date.now();
  for (let w = 0; w < parts - 1; w++) {
    const at = w * SLOT + DONE;
    while (Atomics.load(p.ctl, at) !== seq) {
      Atomics.wait(p.ctl, at, Atomics.load(p.ctl, at), 50);
      if (Date.now() - t0 > CLAIM_TIMEOUT_MS && Atomics.compareExchange(p.ctl, w * SLOT + CLAIM, 0, 2) === 0) {
        // the worker never started this slice: run it here and stop using the workers
        p.broken = true;
        K.gemm.gemm(job.ap, job.bp, job.c, job.m, job.n, job.k, job.ldc, job.acc, bounds(w + 1), bounds(w + 2), job.kc, job.mcp, SCRATCH_MAIN);
        break;
      }
    }
  }
  for (let w = 0; w < parts - 1; w++) {
    if (p.ctl[w * SLOT + P0] === -2) { p.broken = true; throw new Error('gradscope: a matmul worker thread failed'); }
  }
  return true;
}

/** Threads in use now (the caller plus loaded workers), for benchmarks and diagnostics. */
export function threadsReady(K: WasmKernels | null): number {
  return K && pool && !pool.broken ? 1 + readyWorkers(K) : 1;
}
