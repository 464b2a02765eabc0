// Worker threads that share the kernels' WebAssembly memory (the storage arena, alloc.ts), so large ops
// run on every core while the engine's API stays synchronous. Every worker instantiates each kernel
// module on that memory: the matmul (wasm/gemm.wat), the arena's elementwise / cascade-sum kernels
// (wasm/elementwise.wat) and the SLEEF lanes (wasm/sleef.wat, the same build — relaxed or exact — the
// calling thread uses, checked by the worker with sleef.ts's fma probe). A job is one kernel kind with
// its parameters, cut into chunks (row panels of a product, element ranges, rows, cascade blocks); the
// calling thread and the workers claim chunks one at a time from a shared counter until none is left,
// so a worker that is slow to wake, whose core is busy with other work, or that never starts only
// takes fewer chunks — the caller never waits for work that nobody started, only for chunks already
// claimed. Every chunk writes its own part of the output (or its own state block), so the result is
// bit for bit the one-thread result whatever thread runs which chunk (see each kind below).
// Workers start on the first large op (it still runs on one thread while they load); small ops never
// touch them. GRADSCOPE_THREADS=n sets the thread count (1 = no workers).
import { Worker } from 'node:worker_threads';
import { availableParallelism, cpus } from 'node:os';
import type { GemmExports } from './wasm/index';
import type { SleefExports } from './wasm/sleef';
import { kernels } from './wasm/index';
import { ArenaExports, THREADS_BYTES, arenaKernels } from './alloc';

/** Multiply-adds from which a product is split across threads (below, waking workers costs more). */
export const PARALLEL_MIN_MACS = 1 << 21;
/** Multiply-adds a chunk should at least hold (so claiming and re-reading operands stay cheap). */
const CHUNK_MIN_MACS = 1 << 17;
/** Chunks per thread a product is cut into at most (more balance, more operand re-reads). */
const CHUNKS_PER_THREAD = 16;
/**
 * Chunks per thread an elementwise / rows job is cut into at most: a worker descheduled in the middle of
 * a chunk (a loaded machine) makes the caller wait for at most that chunk, so smaller ones lose less;
 * claiming one costs ≈ 0.1 µs.
 */
const EW_CHUNKS_PER_THREAD = 8;
/** Loads of a control word (≈ 1–2 ns each) a thread spins through before it sleeps on it (≈ 50 µs). */
const SPIN_LOADS = 30000;

/**
 * Elements from which a job is split, and the fewest a chunk holds. Measured on the 2-vCPU machine in
 * idle moments: a job costs ≈ 10 µs (wake a worker, join), but on ops of less than ≈ 150 µs the second
 * core gains little (operands the previous op left in the caller's cache, the worker's wake-up), and at
 * 200 µs and more it ran 1.6–1.9× faster. Arithmetic, relu/threshold and axpy are memory-bound (≈ 0.8
 * ns an element), the cascade sum ≈ 0.17 ns, softmax ≈ 2.4 ns; the SLEEF lanes 2.3 (exp) to 8 ns (tanh)
 * — `map` is only a floor: sleef.ts passes each lane's own threshold (mapSplitAt).
 */
export const PARALLEL_MIN = { arith: 1 << 18, act: 1 << 18, map: 1 << 13, axpy: 1 << 18, softmax: 1 << 16, cascade: 1 << 20 } as const;
const CHUNK_MIN = { arith: 1 << 16, act: 1 << 16, map: 1 << 12, axpy: 1 << 16, softmax: 1 << 13 } as const;

// Control block: Int32 words at the start of the shared memory.
//   SEQ    job number (workers wait on it)          CLAIM  (job tag << 16) | next chunk to hand out
//   DONE   chunks finished for the current job      ERR    set when a chunk threw in a worker
//   STOP   set to make the workers exit             KIND   the job's kind (K_* below)
//   P0..   the job's integer parameters (the last one: the chunk count); FP: two float64 parameters
//   READY + w: worker w has loaded (1: every module, 2: without the SLEEF module)
const SEQ = 0, CLAIM = 1, DONE = 2, ERR = 3, STOP = 4, KIND = 5, P0 = 8, NPARAMS = 16, FP_BYTES = 4 * (P0 + NPARAMS), READY = 32;
const CTL_WORDS = 64;
const MAX_WORKERS = 15;
/** Edge-tile scratch (128 bytes) of the calling thread, and of worker w after it. */
export const SCRATCH_MAIN = 4 * CTL_WORDS;
const scratchOf = (w: number) => SCRATCH_MAIN + 128 * (w + 1);
if (scratchOf(MAX_WORKERS) + 128 > THREADS_BYTES || FP_BYTES + 16 > 4 * READY) throw new Error('threads: control block overflows its reserved bytes');

/** Job kinds (the chunk runner below switches on the literal numbers). */
const K_GEMM = 0, K_ARITH = 1, K_ACT = 2, K_MAP = 3, K_SAXPY = 4, K_SOFTMAX = 5, K_CASCADE = 6;

/** The job tag kept in the claim word's high bits. */
const tagOf = (seq: number) => seq & 0x7fff;

/** The exports of the SLEEF module (wasm/sleef.wat) the chunks use. */
export type SleefJobExports = SleefExports;

/** The instances one thread runs chunks on. */
interface Inst { g: GemmExports; e: ArenaExports; s: SleefJobExports | null }

/**
 * Run chunk `i` of the current job (kind ctl[5], integer parameters ctl[8..], float ones fp[0..1]) on
 * the instances K. Shared by the calling thread and the workers (whose source embeds this function's
 * text), so it uses nothing but its arguments and literal numbers. Per kind:
 *  0 gemm: a range of row panels (split 0) or of 8-column panels (split 1) of C = [C +] A·B over the
 *    packed operands (each output element is computed by exactly one chunk, in the one-thread order).
 *  1 arith: o[j] = a[j] ∘ b[j] (ops 0–3) or a[j] ∘ s / s ∘ a[j] (ops 4–9: adds subs rsubs muls divs
 *    rdivs) for j in the chunk's range: elementwise, so any split gives the same bits.
 *  2 act: relu (0) / threshold_backward (1) on the chunk's range: elementwise.
 *  3 map: a SLEEF lane over the chunk's range (a multiple of 4 elements: whole vectors, nothing touched
 *    past it), elementwise per lane.
 *  4 saxpy: the SLEEF axpy on the chunk's range (a multiple of 4), elementwise.
 *  5 softmax: rows r0 .. r1-2 of the chunk's rows [r0, r1), each whole on this thread; the kernel's
 *    vectors run past a row into the next one's dst, so the chunk's last row r1-1 is left to the
 *    caller (through its staging area, after the join) and no thread writes another chunk's rows.
 *    Where n % 4 == 0 (ctl[14] = 1) the kernel writes nothing past a row (it still reads up to 8
 *    elements past it, in src): then the chunk runs r1-1 too, except the matrix's last row.
 *  6 cascade: cascade block i (rows [i·B, (i+1)·B), B = step³) from a zeroed state of its own, or (i =
 *    blocks) the rows after the last whole block; see cascadeColumns32 in simd.ts for why this is exact.
 */
function runChunk(K: Inst, ctl: Int32Array, fp: Float64Array, i: number, scratch: number): void {
  const kind = ctl[5];
  if (kind === 0) {
    const ap = ctl[8], bp = ctl[9], c = ctl[10], m = ctl[11], n = ctl[12], k = ctl[13];
    const ldc = ctl[14], acc = ctl[15], kc = ctl[16], mcp = ctl[17], split = ctl[18], per = ctl[19];
    const rowPanels = (m + 3) >> 2, colPanels = (n + 7) >> 3;
    if (split === 0) {
      const ip0 = i * per, ip1 = Math.min(rowPanels, ip0 + per);
      K.g.gemm(ap, bp, c, m, n, k, ldc, acc, ip0, ip1, kc, mcp, scratch);
    } else {
      const jp0 = i * per, jp1 = Math.min(colPanels, jp0 + per);
      K.g.gemm(ap, bp + 32 * jp0 * k, c + 32 * jp0, m, Math.min(n, 8 * jp1) - 8 * jp0, k, ldc, acc, 0, rowPanels, kc, mcp, scratch);
    }
    return;
  }
  if (kind === 6) {
    const src = ctl[8], lp = ctl[9], size = ctl[10], rsb = ctl[11], states = ctl[12], blocks = ctl[13];
    const B = 2 ** (3 * lp), st = states + 512 * i;
    K.e.cascade32(src, i * B, i < blocks ? (i + 1) * B : size, lp, st, rsb);
    return;
  }
  if (kind === 5) {
    const s = K.s!, src = ctl[8], dst = ctl[9], rows = ctl[10], n = ctl[11], log = ctl[12], per = ctl[13];
    const r1 = Math.min(rows, (i + 1) * per), end = ctl[14] ? Math.min(r1, rows - 1) : r1 - 1;
    for (let r = i * per; r < end; r++) {
      const sa = src + 4 * r * n, da = dst + 4 * r * n;
      s.softmax_row(sa, da, n, log);
      if (log) s.log_softmax_tail(sa, da, n, s.row_max.value, Math.fround(Math.log(s.row_sum.value)));
    }
    return;
  }
  // element ranges: [j0, j0 + len) of n, as byte offsets 4·j0
  const n = ctl[12], per = ctl[13], j0 = i * per, len = Math.min(per, n - j0), b0 = 4 * j0;
  if (kind === 1) {
    const op = ctl[8], a = ctl[9] + b0, b = ctl[10] + b0, o = ctl[11] + b0, s = fp[0], e = K.e;
    if (op === 0) e.add(a, b, o, len);
    else if (op === 1) e.sub(a, b, o, len);
    else if (op === 2) e.mul(a, b, o, len);
    else if (op === 3) e.div(a, b, o, len);
    else if (op === 4) e.adds(a, s, o, len);
    else if (op === 5) e.subs(a, s, o, len);
    else if (op === 6) e.rsubs(a, s, o, len);
    else if (op === 7) e.muls(a, s, o, len);
    else if (op === 8) e.divs(a, s, o, len);
    else e.rdivs(a, s, o, len);
  } else if (kind === 2) {
    if (ctl[8] === 0) K.e.relu(ctl[9] + b0, ctl[11] + b0, len);
    else K.e.threshold_bw(ctl[9] + b0, ctl[10] + b0, ctl[11] + b0, len, fp[0]);
  } else if (kind === 3) {
    K.s!.map(ctl[8], ctl[9] + b0, ctl[11] + b0, len);
  } else if (kind === 4) {
    K.s!.axpy(fp[0], ctl[9] + b0, ctl[10] + b0, ctl[11] + b0, len);
  } else {
    throw new Error('threads: unknown job kind ' + kind);
  }
}

/**
 * Claim and run chunks of job `seq` until none is left; returns how many this thread ran. Embedded in
 * the worker source too.
 */
function claimChunks(K: Inst, ctl: Int32Array, fp: Float64Array, seq: number, chunks: number, scratch: number,
  run: (K: Inst, ctl: Int32Array, fp: Float64Array, i: number, scratch: number) => void): number {
  const tag = seq & 0x7fff;
  let ran = 0;
  for (;;) {
    const w = Atomics.load(ctl, 1);
    if (w >>> 16 !== tag || (w & 0xffff) >= chunks) return ran;
    if (Atomics.compareExchange(ctl, 1, w, w + 1) !== w) continue;
    run(K, ctl, fp, w & 0xffff, scratch);
    ran++;
    if (Atomics.add(ctl, 2, 1) + 1 === chunks) Atomics.notify(ctl, 2);
  }
}

// The worker: instantiate the kernels on the same memory, check the SLEEF build's fma (the probe lanes
// of sleef.ts, in its edge-tile scratch), then serve jobs until told to stop. `stall` (tests only): be
// ready but never claim a chunk, like a worker whose core never comes free.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { gemm, elem, sleef, probe, memory, slot, scratch, stall } = workerData;
const inst = (m) => new WebAssembly.Instance(m, { env: { memory } }).exports;
const K = { g: inst(gemm), e: inst(elem), s: null };
if (sleef && probe && probe.length === 8) {
  try {
    const s = inst(sleef), h = new Float32Array(memory.buffer, scratch, 32);
    for (let j = 0; j < 8; j++) for (let c = 0; c < 3; c++) h[8 * c + j] = probe[j][c];
    s.fma3(scratch, scratch + 32, scratch + 64, scratch + 96, 8);
    let ok = true;
    for (let j = 0; j < 8; j++) if (!Object.is(h[24 + j], probe[j][3])) ok = false;
    if (ok) K.s = s;
  } catch (e) { K.s = null; }
}
const ctl = new Int32Array(memory.buffer, 0, ${CTL_WORDS});
const fp = new Float64Array(memory.buffer, ${FP_BYTES}, 2);
const runChunk = ${runChunk.toString()};
const claimChunks = ${claimChunks.toString()};
let seen = Atomics.load(ctl, ${SEQ});
Atomics.store(ctl, ${READY} + slot, K.s ? 1 : 2);
if (stall) while (!Atomics.load(ctl, ${STOP})) Atomics.wait(ctl, ${STOP}, 0);
for (;;) {
  // the next job usually follows within microseconds (a step's ops in a row): look for it a while
  // before sleeping, which saves the caller a wake-up (a futex call and a reschedule) per job
  for (let i = 0; i < ${SPIN_LOADS} && Atomics.load(ctl, ${SEQ}) === seen; i++);
  Atomics.wait(ctl, ${SEQ}, seen);
  if (Atomics.load(ctl, ${STOP})) break;
  const seq = Atomics.load(ctl, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  const kind = ctl[${KIND}];
  if (kind >= ${K_MAP} && kind <= ${K_SOFTMAX} && !K.s) continue;
  const chunks = ctl[${P0} + ${NPARAMS - 1}];
  try { claimChunks(K, ctl, fp, seq, chunks, scratch, runChunk); } catch (e) { Atomics.store(ctl, ${ERR}, 1); }
}
`;

/** What a worker needs of the SLEEF build in use (registered by wasm/sleef.ts, which imports this module). */
export interface SleefSource { module: WebAssembly.Module; exports: SleefJobExports; probe: readonly (readonly number[])[] }
let sleefSource: (() => SleefSource | null) | null = null;
/** wasm/sleef.ts: how to get the SLEEF build the engine uses (asked once, when the workers start). */
export function setSleefSource(f: () => SleefSource | null): void { sleefSource = f; }

interface Pool {
  workers: Worker[]; ctl: Int32Array; fp: Float64Array; seq: number; broken: boolean;
  /** the calling thread's instances */
  main: Inst;
  /** the SLEEF module the workers run (null: none; SLEEF jobs stay on one thread) */
  sleef: WebAssembly.Module | null;
}
let pool: Pool | null = null;
/**
 * Tests: the options of the next pool: worker count, workers that stall (ready, never claiming), and
 * whether the calling thread leaves every chunk to the workers (so their instances' results are checked).
 */
let testOptions: { workers: number; stall: readonly number[]; callerIdle: boolean } | null = null;
/** Tests: while > 0, every op runs on the calling thread alone. */
let oneThread = 0;

/** Threads to use: GRADSCOPE_THREADS (at most 16), else the machine's cores (at most 8). */
export function threadCount(): number {
  if (testOptions) return testOptions.workers + 1;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const n = Number(env?.GRADSCOPE_THREADS);
  if (Number.isInteger(n) && n >= 1) return Math.min(n, MAX_WORKERS + 1);
  let cores = 1;
  try { cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length; } catch { /* one */ }
  return Math.max(1, Math.min(cores, 8));
}

function startPool(): Pool | null {
  const A = arenaKernels(), G = kernels();
  if (!A || !G) return null;
  const n = threadCount() - 1;
  const memory = A.memory;
  const ctl = new Int32Array(memory.buffer, 0, CTL_WORDS);
  const fp = new Float64Array(memory.buffer, FP_BYTES, 2);
  let S: SleefSource | null = null;
  if (n > 0) { try { S = sleefSource?.() ?? null; } catch { S = null; } }
  const p: Pool = {
    workers: [], ctl, fp, seq: Atomics.load(ctl, SEQ), broken: n <= 0,
    main: { g: G.gemm, e: A.k, s: S?.exports ?? null }, sleef: S?.module ?? null,
  };
  for (let w = 0; w < n && !p.broken; w++) {
    Atomics.store(ctl, READY + w, 0);
    try {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          gemm: G.module, elem: A.module, sleef: S?.module ?? null, probe: S?.probe ?? null, memory, slot: w,
          scratch: scratchOf(w), stall: !!testOptions?.stall.includes(w),
        },
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

/** Ready workers counted by the last readyPool call that returned a pool. */
let readyCount = 0;
/**
 * The pool (started on first use) when it has ready workers (with the SLEEF module when `sleef`), their
 * number in readyCount; null when none can help.
 */
function readyPool(sleef: boolean): Pool | null {
  if (oneThread > 0) return null;
  if (pool === null) pool = startPool();
  const p = pool;
  if (!p || p.broken) return null;
  let ready = 0;
  for (let w = 0; w < p.workers.length; w++) {
    const r = Atomics.load(p.ctl, READY + w);
    if (r === 1 || (r === 2 && !sleef)) ready++;
  }
  if (ready === 0) return null;
  readyCount = ready;
  return p;
}

/** Jobs run over the threads, per kind (gemm arith act map saxpy softmax cascade): jobs, chunks, chunks the workers ran. */
const jobStats = { jobs: new Array<number>(7).fill(0), chunks: new Array<number>(7).fill(0), byWorkers: new Array<number>(7).fill(0) };
const KIND_NAMES = ['gemm', 'arith', 'act', 'map', 'saxpy', 'softmax', 'cascade'] as const;

/** Counters of the jobs split over the threads so far, by kind (for tests and benchmarks). */
export function threadStats(): Record<(typeof KIND_NAMES)[number], { jobs: number; chunks: number; byWorkers: number }> {
  const out = {} as ReturnType<typeof threadStats>;
  KIND_NAMES.forEach((k, i) => { out[k] = { jobs: jobStats.jobs[i], chunks: jobStats.chunks[i], byWorkers: jobStats.byWorkers[i] }; });
  return out;
}

/** Post a job (its kind, integer and float parameters) and run it with the workers; the caller takes chunks too. */
function runJob(p: Pool, kind: number, params: readonly number[], floats: readonly number[], chunks: number, main: Inst): void {
  const ctl = p.ctl;
  const seq = (p.seq + 1) | 0;
  p.seq = seq;
  ctl[KIND] = kind;
  for (let i = 0; i < params.length; i++) ctl[P0 + i] = params[i];
  for (let i = 0; i < floats.length; i++) p.fp[i] = floats[i];
  ctl[P0 + NPARAMS - 1] = chunks;
  Atomics.store(ctl, DONE, 0);
  Atomics.store(ctl, CLAIM, tagOf(seq) << 16);
  Atomics.store(ctl, SEQ, seq);
  Atomics.notify(ctl, SEQ);
  let ran = 0;
  try {
    if (!testOptions?.callerIdle) ran = claimChunks(main, ctl, p.fp, seq, chunks, SCRATCH_MAIN, runChunk);
  } catch (e) {
    // chunks the workers claimed may still be running: never post another job on this control block
    p.broken = true;
    throw e;
  }
  jobStats.jobs[kind]++;
  jobStats.chunks[kind] += chunks;
  jobStats.byWorkers[kind] += chunks - ran;
  // every chunk is claimed: wait for those the workers are still running (a while spinning: a chunk
  // is tens of microseconds, about what a futex sleep and wake-up costs)
  for (let i = 0; i < SPIN_LOADS && Atomics.load(ctl, DONE) < chunks; i++);
  for (let d = Atomics.load(ctl, DONE); d < chunks; d = Atomics.load(ctl, DONE)) Atomics.wait(ctl, DONE, d, 50);
  if (Atomics.load(ctl, ERR)) { p.broken = true; throw new Error('gradscope: a kernel worker thread failed'); }
}

/** Chunks of `align`-element multiples for n elements, at least `min` each: {per, chunks}, or null when fewer than two. */
function plan(n: number, min: number, align: number, threads: number): { per: number; chunks: number } | null {
  const most = Math.min(threads * EW_CHUNKS_PER_THREAD, Math.floor(n / min), 0xffff);
  if (most < 2) return null;
  const per = Math.ceil(n / most / align) * align;
  const chunks = Math.ceil(n / per);
  return chunks >= 2 ? { per, chunks } : null;
}

export interface GemmJob { ap: number; bp: number; c: number; m: number; n: number; k: number; ldc: number; acc: number; kc: number; mcp: number }

/**
 * Run the blocked product of gemm.wat over the calling thread and the ready workers, cut into chunks
 * along the longer side (rows, or columns when the product has fewer row panels than column panels).
 * Returns false (nothing done) when it is too small or no worker is ready.
 */
export function parallelGemm(_K: unknown, job: GemmJob): boolean {
  const macs = job.m * job.n * job.k;
  if (macs < PARALLEL_MIN_MACS) return false;
  const p = readyPool(false);
  if (!p) return false;
  const rowPanels = Math.ceil(job.m / 4), colPanels = Math.ceil(job.n / 8);
  // re-read per chunk: the other operand's packed panels; cut the side whose re-reads cost less
  const split = rowPanels * 4 >= colPanels * 8 ? 0 : 1;
  const panels = split === 0 ? rowPanels : colPanels;
  const maxChunks = Math.min(panels, (readyCount + 1) * CHUNKS_PER_THREAD, Math.max(2, Math.floor(macs / CHUNK_MIN_MACS)), 0xffff);
  if (maxChunks < 2) return false;
  const per = Math.ceil(panels / maxChunks);
  const chunks = Math.ceil(panels / per);
  runJob(p, K_GEMM, [job.ap, job.bp, job.c, job.m, job.n, job.k, job.ldc, job.acc, job.kc, job.mcp, split, per], [], chunks, p.main);
  return true;
}

/** Whether [x, x + bytes) is `o` itself or does not overlap [o, o + bytes) (so chunks never read what another writes). */
const apart = (x: number, o: number, bytes: number) => x === o || x + bytes <= o || o + bytes <= x;

/** Arithmetic ops of the arith job: 0–3 add sub mul div (tensor ∘ tensor), 4–9 adds subs rsubs muls divs rdivs (one operand a float32 value). */
export type ArithJobOp = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/**
 * o[j] = a[j] ∘ b[j] (op < 4) or with the float32 value s (op ≥ 4), j < n, float32 arrays at byte
 * offsets a, b, o of the arena, split over the threads when n is large enough. False: nothing done.
 */
export function parallelArith(op: ArithJobOp, a: number, b: number, s: number, o: number, n: number): boolean {
  if (n < PARALLEL_MIN.arith || !apart(a, o, 4 * n) || (op < 4 && !apart(b, o, 4 * n))) return false;
  const p = readyPool(false);
  const c = p && plan(n, CHUNK_MIN.arith, 16, readyCount + 1);
  if (!c) return false;
  runJob(p!, K_ARITH, [op, a, op < 4 ? b : 0, o, n, c.per], [s], c.chunks, p!.main);
  return true;
}

/** relu (x = -1) or threshold_backward (g at a, x at x, threshold th) over n elements into o, split over the threads; false: nothing done. */
export function parallelActivation(kind: 'relu' | 'threshold', a: number, x: number, th: number, o: number, n: number): boolean {
  if (n < PARALLEL_MIN.act || !apart(a, o, 4 * n) || (kind === 'threshold' && !apart(x, o, 4 * n))) return false;
  const p = readyPool(false);
  const c = p && plan(n, CHUNK_MIN.act, 16, readyCount + 1);
  if (!c) return false;
  runJob(p!, K_ACT, [kind === 'relu' ? 0 : 1, a, kind === 'relu' ? 0 : x, o, n, c.per], [th], c.chunks, p!.main);
  return true;
}

/**
 * The SLEEF map (lane function fn) of n elements, n a multiple of 4, src and dst arena byte offsets
 * (the same elements or apart), on the module `module` with the caller's instance `exports`; false
 * (nothing done) when smaller than `min` (the lane's threshold, at least PARALLEL_MIN.map), or the
 * workers do not run that same module.
 */
export function parallelSleefMap(module: WebAssembly.Module, exports: SleefJobExports, fn: number, src: number, dst: number, n: number,
  min: number = PARALLEL_MIN.map): boolean {
  if (n < Math.max(min, PARALLEL_MIN.map) || (n & 3) !== 0 || !apart(src, dst, 4 * n)) return false;
  const p = readyPool(true);
  if (!p || p.sleef !== module) return false;
  const c = plan(n, CHUNK_MIN.map, 16, readyCount + 1);
  if (!c) return false;
  runJob(p, K_MAP, [fn, src, 0, dst, n, c.per], [], c.chunks, { ...p.main, s: exports });
  return true;
}

/** The SLEEF axpy dst = fmaf(al, y, x) over n elements (a multiple of 4), split over the threads; false: nothing done. */
export function parallelSleefAxpy(module: WebAssembly.Module, exports: SleefJobExports, al: number, y: number, x: number, dst: number, n: number): boolean {
  if (n < PARALLEL_MIN.axpy || (n & 3) !== 0 || !apart(y, dst, 4 * n) || !apart(x, dst, 4 * n)) return false;
  const p = readyPool(true);
  if (!p || p.sleef !== module) return false;
  const c = plan(n, CHUNK_MIN.axpy, 16, readyCount + 1);
  if (!c) return false;
  runJob(p, K_SAXPY, [0, y, x, dst, n, c.per], [al], c.chunks, { ...p.main, s: exports });
  return true;
}

/**
 * softmax_row over `rows` rows of n (≥ 8) elements in place in the arena (src and dst apart), split by
 * rows: returns the rows e-1 for each e returned that the caller must then run itself (see runChunk):
 * the last row of each chunk (the first row of every chunk after the first, plus `rows`), or where
 * n % 4 == 0 (no write past a row) only the last row, [rows]; or null (nothing done) when too small
 * or the workers do not run `module`.
 */
export function parallelSoftmaxRows(module: WebAssembly.Module, exports: SleefJobExports, src: number, dst: number, rows: number, n: number,
  log: boolean): number[] | null {
  if (rows * n < PARALLEL_MIN.softmax || n < 8 || rows < 8) return null;
  const p = readyPool(true);
  if (!p || p.sleef !== module) return null;
  // at least 4 rows and CHUNK_MIN elements a chunk (its last row runs on the caller, after the join)
  const c = plan(rows, Math.max(4, Math.ceil(CHUNK_MIN.softmax / n)), 1, readyCount + 1);
  if (!c) return null;
  const inPlace = n % 4 === 0;
  runJob(p, K_SOFTMAX, [src, dst, rows, n, log ? 1 : 0, c.per, inPlace ? 1 : 0], [], c.chunks, { ...p.main, s: exports });
  if (inPlace) return [rows];
  const ends: number[] = [];
  for (let k = 1; k <= c.chunks; k++) ends.push(Math.min(rows, k * c.per));
  return ends;
}

/**
 * The cascade blocks of cascade32 over rows [0, size) (lp, row stride rsb bytes) at src: block i < blocks
 * (rows [i·B, (i+1)·B), B = 2^(3·lp)) into the zeroed 512-byte state states + 512·i, the rows after the
 * last whole block (if any) into state states + 512·blocks. False (nothing done) when no worker is ready.
 * The caller allocates and zeroes the states and folds them (simd.ts cascadeColumns32).
 */
export function parallelCascade(src: number, size: number, lp: number, rsb: number, states: number, blocks: number): boolean {
  const chunks = blocks + (size > blocks * 2 ** (3 * lp) ? 1 : 0);
  if (chunks < 2 || chunks > 0xffff) return false;
  const p = readyPool(false);
  if (!p) return false;
  runJob(p, K_CASCADE, [src, lp, size, rsb, states, blocks], [], chunks, p.main);
  return true;
}

/** Threads a job of the non-SLEEF kinds would run on now (1: none would be split); starts the workers if need be. */
export function readyThreads(): number {
  return readyPool(false) ? readyCount + 1 : 1;
}

/** Whether the worker pool has been started (small ops never start it). */
export function poolStarted(): boolean { return pool !== null; }

/** Threads in use now (the caller plus loaded workers), for benchmarks and diagnostics. */
export function threadsReady(_K?: unknown): number {
  if (!pool || pool.broken) return 1;
  let ready = 0;
  for (let w = 0; w < pool.workers.length; w++) if (Atomics.load(pool.ctl, READY + w) !== 0) ready++;
  return 1 + ready;
}

/** Tests: run `f` with every op on the calling thread alone (the one-thread results to compare with). */
export function withOneThread<T>(f: () => T): T {
  oneThread++;
  try { return f(); } finally { oneThread--; }
}

/**
 * Tests: stop the pool (waiting for its workers to exit) so that the next large op starts a new one
 * with `workers` workers, those listed in `stall` ready but never claiming a chunk, and with
 * `callerIdle` the calling thread claiming none (only waiting); null: back to the normal settings.
 */
export async function restartPool(opts: { workers: number; stall?: readonly number[]; callerIdle?: boolean } | null): Promise<void> {
  const p = pool;
  pool = null;
  if (p) {
    Atomics.store(p.ctl, STOP, 1);
    // a new SEQ too: a worker that had not started waiting yet returns from its wait at once (the wait
    // compares SEQ with the value it last saw), so it cannot miss the notify
    Atomics.add(p.ctl, SEQ, 1);
    Atomics.notify(p.ctl, SEQ);
    Atomics.notify(p.ctl, STOP);
    await Promise.all(p.workers.map((w) => new Promise<void>((resolve) => {
      if (w.threadId < 0) resolve(); else { w.once('exit', () => resolve()); }
    })));
    Atomics.store(p.ctl, STOP, 0);
    for (let w = 0; w < MAX_WORKERS; w++) Atomics.store(p.ctl, READY + w, 0);
  }
  testOptions = opts ? { workers: Math.min(opts.workers, MAX_WORKERS), stall: opts.stall ?? [], callerIdle: !!opts.callerIdle } : null;
}

/** Tests: wait until the pool has `n` ready workers (starting it if need be); false after `ms`. */
export async function waitForWorkers(n: number, ms = 10000): Promise<boolean> {
  if (pool === null) pool = startPool();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pool && !pool.broken) {
      let ready = 0;
      for (let w = 0; w < pool.workers.length; w++) if (Atomics.load(pool.ctl, READY + w) !== 0) ready++;
      if (ready >= n) return true;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
