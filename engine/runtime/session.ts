// A runtime session: one worker thread holding Pyodide + the engine (worker.ts), driven without ever
// blocking the caller. Used by the `gradscope` CLI and by the VS Code extension. Runs are queued and
// executed one at a time; their stdout/stderr stream out through onDidWrite as they are written.
import type { RelayMessages } from '../backends/webgpu/relay';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { enableCleanupSome } from '../backends/finalization';

// FinalizationRegistry.cleanupSome in the workers' isolates (made after this) where this V8 has it: the
// arena and the webgpu device free the memory of dead tensors in the middle of a long run with it
// (engine/backends/finalization.ts; newer V8 polls WeakRefs instead)
enableCleanupSome();
import {
  DeviceName, Envelope, FatalNotification, InitRequest, InspectDoneNotification, InspectRequest, InspectResult, Language,
  OutputNotification, OutputParams, ReadyNotification, ReadyParams, RunDoneNotification, RunError, RunOutcome, RunRequest,
} from './protocol';
import { GpuBatchNotification, GpuCloseNotification, GpuOpenNotification, SetDeviceDoneNotification, SetDeviceDoneParams, SetDeviceRequest, GraphDoneNotification, GraphRequest, GraphResult } from './protocol';
import { CellParams, DisplayNotification, DisplayParams, ShutdownRequest } from './protocol';

/** How long an idle worker may take to close its webgpu device and end before it is terminated. */
const SHUTDOWN_GRACE_MS = 5_000;

export interface SessionOptions {
  /** the built worker script; default: worker.js beside this bundle (dist/worker.js) */
  workerPath?: string;
  /** folder holding torch's Python sources; default: found by the worker (dist/python or engine/python) */
  pythonDir?: string;
  device?: DeviceName;
  /** 'cuda' in user code means the webgpu device (default false) */
  cudaAlias?: boolean;
  /**
   * The webgpu device through this side (e.g. the VS Code extension's webview): the worker's device
   * messages go to it. Without it the worker opens Dawn itself.
   */
  gpuHost?: RelayMessages;
  /** where the webgpu device is opened first: 'host' (gpuHost; the default when given) or 'dawn' */
  gpu?: 'dawn' | 'host';
  /** load Pyodide when the session starts (default true); false loads it on the first Python run */
  loadPython?: boolean;
  /** per run and per stream, characters kept before the rest is dropped (default 16 Mi) */
  maxOutputChars?: number;
  /** after interrupt(), how long a run may take to stop before the session reports it hung (default 3 s) */
  hangTimeoutMs?: number;
  /** record each autograd node's source line for the graph panel (default true; see InitParams.sites) */
  sites?: boolean;
}

export interface RunRequestArgs {
  code: string;
  /** file name shown in tracebacks and error locations (default '<stdin>') */
  file?: string;
  /** line of that file where `code` starts (default 1) */
  firstLine?: number;
  language?: Language;
  /** a fresh namespace and fresh torch state (it then becomes the session namespace) */
  fresh?: boolean;
  /**
   * limit on the run's own time (from when the worker gets it, not counting a worker start): the run is
   * interrupted, the worker restarted when it does not stop within hangTimeoutMs, and the result's
   * error is TimeoutError
   */
  timeoutMs?: number;
  /** run as a notebook cell: the last value and display() outputs come through onDidDisplay */
  cell?: CellParams;
}

export interface RunResult {
  error: RunError | null;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** output past maxOutputChars was dropped */
  truncated: boolean;
  /** interrupt() was called during this run */
  interrupted: boolean;
  /** the run hit its timeoutMs */
  timedOut: boolean;
  /** cell runs: what the cell displayed (its value, display() calls), in order */
  displays?: DisplayParams[];
}

export interface Disposable { dispose(): void }
type Listener<T> = (e: T) => void;

class Emitter<T> {
  private listeners: Listener<T>[] = [];
  event = (fn: Listener<T>): Disposable => {
    this.listeners.push(fn);
    return { dispose: () => { this.listeners = this.listeners.filter((l) => l !== fn); } };
  };
  fire(e: T): void { for (const l of [...this.listeners]) l(e); }
}

interface PendingRun {
  runId: number;
  stdout: string[];
  stderr: string[];
  displays: DisplayParams[];
  interrupted: boolean;
  timedOut: boolean;
  timeoutS: number;
  timers: NodeJS.Timeout[];
  hangTimer: NodeJS.Timeout | null;
  resolve(r: RunResult): void;
}

/** what a start() promise rejects with when restart()/dispose() replaced the worker it was waiting for */
const SUPERSEDED = 'superseded by a restart';

type State = 'idle' | 'starting' | 'ready' | 'crashed' | 'disposed';

export class Session {
  private worker: Worker | null = null;
  private readonly interruptBuffer = new Int32Array(new SharedArrayBuffer(4));
  private state: State = 'idle';
  private starting: Promise<ReadyParams> | null = null;
  private abandonStart: ((reason: string) => void) | null = null;
  private current: PendingRun | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private inspects = new Map<number, (r: InspectResult) => void>();
  private graphs = new Map<number, (r: GraphResult) => void>();
  private readonly _onDidWrite = new Emitter<OutputParams>();
  private readonly _onDidCrash = new Emitter<{ message: string }>();
  private readonly _onDidHang = new Emitter<{ runId: number }>();
  private readonly _onDidDisplay = new Emitter<DisplayParams>();
  /** a notebook cell displayed a value (in order with onDidWrite's writes) */
  readonly onDidDisplay = this._onDidDisplay.event;
  /** every write to stdout/stderr of a run, as it happens */
  readonly onDidWrite = this._onDidWrite.event;
  /** the worker died or its interpreter can no longer run (the next run restarts it) */
  readonly onDidCrash = this._onDidCrash.event;
  /** a run did not stop within hangTimeoutMs of interrupt(): restart() recovers */
  readonly onDidHang = this._onDidHang.event;
  readyInfo: ReadyParams | null = null;

  private deviceRequests = new Map<number, (p: SetDeviceDoneParams) => void>();
  /** where the webgpu device lives: through options.gpuHost ('host') when given, else Dawn in the worker */
  private gpuMode: 'dawn' | 'host';
  constructor(private readonly options: SessionOptions = {}) {
    this.gpuMode = options.gpu ?? (options.gpuHost ? 'host' : 'dawn');
  }

  get isRunning(): boolean { return this.current !== null; }
  get isCrashed(): boolean { return this.state === 'crashed'; }

  /** Start the worker (and Pyodide unless loadPython is false). Resolves when it can run code. */
  start(): Promise<ReadyParams> {
    if (this.state === 'disposed') return Promise.reject(new Error('session disposed'));
    if (this.state === 'ready' && this.readyInfo) return Promise.resolve(this.readyInfo);
    return (this.starting ??= this.spawn());
  }

  private spawn(): Promise<ReadyParams> {
    this.state = 'starting';
    Atomics.store(this.interruptBuffer, 0, 0);
    const o = this.options;
    const worker = new Worker(o.workerPath ?? path.join(__dirname, 'worker.js'), {
      // Python's own C-stack guard needs room: with a small thread stack deep recursion kills Pyodide
      resourceLimits: { stackSizeMb: 256 },
      stdout: true, stderr: true,
    });
    this.worker = worker;
    return new Promise<ReadyParams>((resolve, reject) => {
      let settled = false;
      this.abandonStart = (reason) => { if (!settled) { settled = true; reject(new Error(reason)); } };
      const fail = (message: string) => {
        if (this.worker !== worker) return;
        this.crash(message);
        if (!settled) { settled = true; this.starting = null; reject(new Error(message)); }
      };
      worker.on('message', (msg: Envelope) => {
        if (this.worker !== worker) return;
        if (ReadyNotification.is(msg)) {
          this.state = 'ready';
          this.readyInfo = msg.params;
          this.starting = null;
          if (!settled) { settled = true; resolve(msg.params); }
        } else if (FatalNotification.is(msg)) {
          fail(msg.params.message);
        } else {
          this.onMessage(msg);
        }
      });
      worker.on('error', (e) => fail(`runtime worker failed: ${e.stack ?? e.message}`));
      worker.on('exit', (code) => fail(`runtime worker exited (code ${code})`));
      // anything written straight to the worker's process streams (engine debug output, Pyodide internals)
      for (const stream of ['stdout', 'stderr'] as const) {
        worker[stream].setEncoding('utf8');
        worker[stream].on('data', (text: string) => this.output({ runId: this.current?.runId ?? 0, stream, text }));
      }
      worker.postMessage(InitRequest.with({
        interruptBuffer: this.interruptBuffer, pythonDir: o.pythonDir, loadPython: o.loadPython ?? true,
        device: o.device ?? 'cpu', cudaAlias: o.cudaAlias ?? false, gpu: this.gpuMode, maxOutputChars: o.maxOutputChars ?? 16 * 1024 * 1024,
        sites: o.sites ?? true,
      }));
    });
  }

  private onMessage(msg: Envelope): void {
    switch (true) {
      case OutputNotification.is(msg):
        this.output(msg.params);
        break;
      case DisplayNotification.is(msg):
        if (this.current && this.current.runId === msg.params.runId) this.current.displays.push(msg.params);
        this._onDidDisplay.fire(msg.params);
        break;
      case RunDoneNotification.is(msg):
        if (this.current && this.current.runId === msg.params.runId) this.finish(msg.params);
        break;
      case GraphDoneNotification.is(msg): {
        const cb = this.graphs.get(msg.params.requestId);
        this.graphs.delete(msg.params.requestId);
        cb?.(msg.params.result);
        break;
      }
      case SetDeviceDoneNotification.is(msg): {
        const cb = this.deviceRequests.get(msg.params.requestId);
        this.deviceRequests.delete(msg.params.requestId);
        cb?.(msg.params);
        break;
      }
      case GpuOpenNotification.is(msg):
        this.options.gpuHost?.open(msg.params.reply);
        break;
      case GpuBatchNotification.is(msg):
        this.options.gpuHost?.batch(msg.params);
        break;
      case GpuCloseNotification.is(msg):
        this.options.gpuHost?.close();
        break;
      case InspectDoneNotification.is(msg): {
        const cb = this.inspects.get(msg.params.requestId);
        this.inspects.delete(msg.params.requestId);
        cb?.(msg.params.result);
        break;
      }
    }
  }

  private output(e: OutputParams): void {
    const run = this.current;
    if (run && run.runId === e.runId) {
      (e.stream === 'stdout' ? run.stdout : run.stderr).push(e.text);
    }
    this._onDidWrite.fire(e);
  }

  private finish(o: RunOutcome | { runId: number; error: RunError; exitCode: number; durationMs: number; truncated: boolean }): void {
    const run = this.current!;
    this.current = null;
    if (run.hangTimer) clearTimeout(run.hangTimer);
    for (const t of run.timers) clearTimeout(t);
    const error = run.timedOut
      ? { type: 'TimeoutError', message: `the program did not finish within ${run.timeoutS} s`, traceback: o.error?.traceback ?? '', line: o.error?.line ?? null }
      : o.error;
    run.resolve({
      error, exitCode: run.timedOut ? 1 : o.exitCode, stdout: run.stdout.join(''), stderr: run.stderr.join(''),
      durationMs: o.durationMs, truncated: o.truncated, interrupted: run.interrupted, timedOut: run.timedOut,
      displays: run.displays,
    });
  }

  private crash(message: string): void {
    if (this.state === 'disposed') return;
    this.state = 'crashed';
    const w = this.worker;
    this.worker = null;
    void w?.terminate();
    this.failPending('WorkerCrashed', message);
    this._onDidCrash.fire({ message });
  }

  private failPending(type: string, message: string): void {
    if (this.current) {
      this.finish({ runId: this.current.runId, error: { type, message, traceback: `${type}: ${message}\n`, line: null }, exitCode: 1, durationMs: 0, truncated: false });
    }
    for (const [id, cb] of this.inspects) { this.inspects.delete(id); cb({ kind: 'notFound', expr: '', reason: message }); }
    for (const [id, cb] of this.graphs) { this.graphs.delete(id); cb({ kind: 'notFound', expr: null, reason: message, targets: [] }); }
  }

  /** Run code (queued behind earlier runs). Never rejects for errors in the user's code: see result.error. */
  run(req: RunRequestArgs): Promise<RunResult> {
    const p = this.queue.then(() => this.runNow(req));
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async runNow(req: RunRequestArgs): Promise<RunResult> {
    for (;;) {
      if (this.state === 'disposed') throw new Error('session disposed');
      try {
        await (this.state === 'crashed' ? this.restart() : this.start());
        if (this.state === 'ready' && this.worker) break;
      } catch (e) {
        if ((e as Error).message !== SUPERSEDED) throw e;
      }
    }
    const runId = this.nextId++;
    Atomics.store(this.interruptBuffer, 0, 0);
    return new Promise<RunResult>((resolve) => {
      const run: PendingRun = {
        runId, stdout: [], stderr: [], displays: [], interrupted: false, timedOut: false, timers: [], hangTimer: null, resolve,
        timeoutS: (req.timeoutMs ?? 0) / 1000,
      };
      this.current = run;
      this.worker!.postMessage(RunRequest.with({
        runId, code: req.code, file: req.file ?? '<stdin>', firstLine: req.firstLine ?? 1,
        language: req.language ?? 'python', fresh: req.fresh ?? false, cell: req.cell,
      }));
      if (req.timeoutMs) {
        // timers run before pending worker messages in Node's loop: after a stall of this thread the run
        // may already be done, so look again once the queued messages are in (setImmediate)
        run.timers.push(setTimeout(() => setImmediate(() => {
          if (this.current !== run) return;
          run.timedOut = true;
          this.interrupt();
          run.timers.push(setTimeout(() => {
            if (this.current === run) this.restart().catch(() => undefined);
          }, this.options.hangTimeoutMs ?? 3000));
        }), req.timeoutMs));
      }
    });
  }

  /** KeyboardInterrupt in the running Python code (or the running JS loop). No-op when idle. */
  interrupt(): void {
    const run = this.current;
    if (!run) return;
    run.interrupted = true;
    Atomics.store(this.interruptBuffer, 0, 2);
    if (!run.hangTimer) {
      run.hangTimer = setTimeout(() => {
        if (this.current === run) this._onDidHang.fire({ runId: run.runId });
      }, this.options.hangTimeoutMs ?? 3000);
    }
  }

  /**
   * End a worker: an idle one is asked to close its webgpu device and end itself (the device's thread
   * finishes what it was sent: a thread ended in the middle of a Dawn call crashes the process), for at
   * most SHUTDOWN_GRACE_MS; then, or at once for a busy one, it is terminated.
   */
  private async endWorker(w: Worker, idle: boolean): Promise<void> {
    if (idle) {
      const exited = new Promise<void>((r) => w.once('exit', () => r()));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((r) => { timer = setTimeout(r, SHUTDOWN_GRACE_MS); });
      try { w.postMessage(ShutdownRequest.with({})); } catch { /* gone already */ }
      await Promise.race([exited, grace]);
      clearTimeout(timer);
    }
    await w.terminate();
  }

  /** Kill the worker (whatever it is doing) and start a fresh one. A pending run ends with error Restarted. */
  async restart(): Promise<ReadyParams> {
    if (this.state === 'disposed') throw new Error('session disposed');
    const idle = this.state === 'ready' && !this.current;
    const w = this.worker;
    this.worker = null;
    this.starting = null;
    this.readyInfo = null;
    this.abandonStart?.(SUPERSEDED);
    this.failPending('Restarted', 'the session was restarted');
    if (w) await this.endWorker(w, idle);
    if (w) this.options.gpuHost?.close();
    this.state = 'idle';
    return this.start();
  }

  /**
   * Look up a name or attribute chain (`model.fc1.weight`) in the session's globals without running
   * user code. Answers at once with notFound while a run is in progress.
   */
  async inspect(expr: string): Promise<InspectResult> {
    if (this.current) return { kind: 'notFound', expr, reason: 'busy: code is running' };
    if (this.state !== 'ready' || !this.worker) return { kind: 'notFound', expr, reason: 'the session is not running' };
    const requestId = this.nextId++;
    return new Promise<InspectResult>((resolve) => {
      this.inspects.set(requestId, resolve);
      this.worker!.postMessage(InspectRequest.with({ requestId, expr }));
    });
  }

  /**
   * The autograd graph behind a name or attribute chain (null: the session's last loss-like tensor),
   * with the session's tensors that have a grad_fn (engine/runtime/graphQuery.ts). Runs no user code;
   * answers at once with notFound while a run is in progress.
   */
  async graph(expr: string | null, opts: { savedNodes?: boolean; maxNodes?: number } = {}): Promise<GraphResult> {
    if (this.current) return { kind: 'notFound', expr, reason: 'busy: code is running', targets: [] };
    if (this.state !== 'ready' || !this.worker) return { kind: 'notFound', expr, reason: 'the session is not running', targets: [] };
    const requestId = this.nextId++;
    return new Promise<GraphResult>((resolve) => {
      this.graphs.set(requestId, resolve);
      this.worker!.postMessage(GraphRequest.with({ requestId, expr, ...opts }));
    });
  }

  /**
   * Change the default device of the running session (new tensors go there; existing ones stay) and,
   * for later starts, of the session. `gpu`: 'host' routes the webgpu device through options.gpuHost.
   */
  async setDevice(device: DeviceName, opts: { cudaAlias?: boolean; gpu?: 'dawn' | 'host'; reopen?: boolean } = {}): Promise<{ error: string | null; adapter: string | null }> {
    const o = this.options as { device?: DeviceName; cudaAlias?: boolean };
    o.device = device;
    if (opts.cudaAlias !== undefined) o.cudaAlias = opts.cudaAlias;
    if (opts.gpu !== undefined) this.gpuMode = opts.gpu;
    if (this.state !== 'ready' || !this.worker) return { error: null, adapter: null };
    const requestId = this.nextId++;
    return new Promise((resolve) => {
      this.deviceRequests.set(requestId, (p) => resolve({ error: p.error, adapter: p.adapter }));
      this.worker!.postMessage(SetDeviceRequest.with({ requestId, device, cudaAlias: o.cudaAlias ?? false, gpu: this.gpuMode, reopen: opts.reopen }));
    });
  }

  async dispose(): Promise<void> {
    if (this.state === 'disposed') return;
    const idle = this.state === 'ready' && !this.current;
    this.failPending('Disposed', 'the session was disposed');
    this.abandonStart?.('session disposed');
    this.state = 'disposed';
    const w = this.worker;
    this.worker = null;
    if (w) await this.endWorker(w, idle);
    this.options.gpuHost?.close();
  }
}
