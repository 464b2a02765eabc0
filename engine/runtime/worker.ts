// The runtime worker (a worker_threads Worker started by session.ts): Pyodide with our `torch`, and a
// vm context for JS/TS, both over the one engine in this thread. It answers the requests declared in
// protocol.ts one at a time and streams every write to stdout/stderr to the caller as it happens.
import type { GpuBatch } from '../backends/webgpu/protocol';
import { deviceApi, useDevice } from './bridgeDevice';
import { shutdownClient } from '../backends/webgpu/storage';
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { PyodideAPI } from 'pyodide';
import { Tensor } from '../tensor';
import { setSiteProvider } from '../autograd';
import { formatTensor, type Printable } from '../format';
import { resetWarnOnce } from '../warnings';
import { installTorch, liveHandles, resetTorchState, snapshotCodec, writeTorchFiles } from './bridge';
import { makeSnapshot, readSnapshot, snapshotDeserializer, snapshotPath, writeSnapshot } from './snapshot';
import { JsRunner } from './jsrun';
import { GraphEnv, graphQuery, jsGraphEnv, pythonGraphEnv } from './graphQuery';
import { RUNNER_MODULE, RUNNER_PY, findPythonDir, loadPythonFiles } from './pyfiles';
import { displayEmitter, installCellModules, runCell } from './cellRunner';
import { DisplayNotification } from './protocol';
import {
  Envelope, FatalNotification, SetDeviceDoneNotification, SetDeviceRequest, ShutdownRequest, GpuBatchNotification, GpuCloseNotification, GpuOpenNotification, InitParams, InitRequest, InspectDoneNotification, InspectRequest, InspectResult,
  OutputNotification, ReadyNotification, RunDoneNotification, RunError, RunParams, RunRequest, Stream, TensorInfo,
  GraphDoneNotification, GraphRequest, GraphResult,
} from './protocol';

const port = parentPort!;
const post = (msg: Envelope) => port.postMessage(msg);
/** the webgpu device through the caller (InitParams.gpu = 'host'): the device protocol as notifications */
const relay = {
  open: (reply: SharedArrayBuffer) => post(GpuOpenNotification.with({ reply })),
  batch: (b: GpuBatch) => post(GpuBatchNotification.with(b)),
  close: () => post(GpuCloseNotification.with({})),
};
Error.stackTraceLimit = 50;

interface PyRunner {
  run(code: string, file: string, firstLine: number, fresh: boolean): { error: RunError | null; exit_code: number };
  inspect_value(expr: string): Record<string, unknown>;
  snapshot(): void;
}

let init: InitParams;
let py: PyodideAPI | null = null;
let pyLoading: Promise<PyodideAPI> | null = null;
let runner: PyRunner | null = null;
let fatal = false;
let jsRunner: JsRunner;
let lastLanguage: 'python' | 'js' = 'python';
let torchImportMs = 0;

// ---- output --------------------------------------------------------------------------------------------

let runId = 0;
let written = { stdout: 0, stderr: 0 };
let truncated = false;

function write(stream: Stream, text: string): void {
  if (!text) return;
  const n = written[stream] + text.length;
  if (n > init.maxOutputChars) {
    if (!truncated) post(OutputNotification.with({ runId, stream: 'stderr', text: `\n[gradscope] ${stream} truncated after ${init.maxOutputChars} characters\n` }));
    truncated = true;
    return;
  }
  written[stream] = n;
  post(OutputNotification.with({ runId, stream, text }));
}

function writer(stream: Stream) {
  const decoder = new TextDecoder();
  return { isatty: false, write: (buf: Uint8Array) => { write(stream, decoder.decode(buf, { stream: true })); return buf.length; } };
}

// ---- Python --------------------------------------------------------------------------------------------

const PY_ENV = { PYTHONHASHSEED: '0' };
const debug = (msg: string) => { if (process.env.GRADSCOPE_DEBUG) console.error(`[gradscope worker] ${msg}`); };

/**
 * Pyodide with torch imported: restored from this build's memory snapshot when the cache has one
 * (snapshot.ts), else started and set up from scratch, then saved as the snapshot for the next sessions.
 */
async function loadPython(): Promise<PyodideAPI> {
  const { loadPyodide, version } = require('pyodide') as typeof import('pyodide');
  const dir = init.pythonDir ?? findPythonDir();
  if (!dir) throw new Error('cannot find the Python sources of torch (engine/python or dist/python)');
  const files = loadPythonFiles(dir);
  const runtimeModule = {
    is_engine_tensor: (x: unknown) => x instanceof Tensor,
    // notebook cells: a displayed value, in order with the stdout/stderr writes
    emit_display: displayEmitter((d) => post(DisplayNotification.with(d)), () => runId),
  };
  const codec = snapshotCodec({ _gradscope_runtime: runtimeModule });
  const snapFile = snapshotFileFor(version, files);
  const snap = snapFile ? readSnapshot(snapFile) : null;
  let p: PyodideAPI | null = null;
  if (snap) {
    try {
      p = await loadPyodide({ env: PY_ENV, _loadSnapshot: snap, _snapshotDeserializer: snapshotDeserializer(codec) }) as PyodideAPI;
      setStreams(p);
      writeTorchFiles(p, files); // the file system is not in the snapshot: lazy imports and tracebacks read them
      writeRuntimeFiles(p);
      const bridge = p.pyimport('torch._bridge') as unknown as { restored(): void; destroy(): void };
      bridge.restored();
      bridge.destroy();
      runner = p.pyimport(RUNNER_MODULE) as unknown as PyRunner;
      warmInterpreter(p);
    } catch (e) {
      debug(`snapshot ${snapFile} not restored: ${e instanceof Error ? e.stack : String(e)}`);
      p = null;
    }
  }
  if (!p) {
    p = await loadPyodide({ env: PY_ENV, _makeSnapshot: snapFile !== null }) as PyodideAPI;
    setStreams(p);
    p.registerJsModule('_gradscope_runtime', runtimeModule);
    installTorch(p, files);
    writeRuntimeFiles(p);
    p.runPython(`import sys\nsys.path.insert(0, '/gradscope/runtime')`);
    runner = p.pyimport(RUNNER_MODULE) as unknown as PyRunner;
    const t0 = performance.now();
    let imported = false;
    try {
      p.runPython('import torch');
      torchImportMs = performance.now() - t0;
      p.runPython('import torch._sites'); // the graph panel's node sites (engine/graph.ts)
      imported = true;
    } catch (e) {
      write('stderr', `[gradscope] import torch failed at startup:\n${(e as Error).message}\n`);
    }
    runner.snapshot();
    if (snapFile && imported) {
      try {
        // tensors Python holds by handle live in a JS table the snapshot does not keep: there must be none
        const bridge = p.pyimport('torch._bridge') as unknown as { release_pending(): void; destroy(): void };
        bridge.release_pending();
        bridge.destroy();
        if (liveHandles() !== 0) throw new Error(`${liveHandles()} tensor handles are live after import torch`);
        writeSnapshot(snapFile, makeSnapshot(p, codec));
      } catch (e) {
        debug(`no snapshot made: ${e instanceof Error ? e.stack : String(e)}`);
      }
    }
  }
  // the graph panel's node sites (torch/_sites.py installed its provider on import): off when unused
  if (init.sites === false) setSiteProvider(null);
  // only now: an interrupt must not land in the middle of setting up
  p.setInterruptBuffer(init.interruptBuffer);
  return p;
}

/** The warm-up: the interpreter loop and the op call path (tiny ops on a tensor of its own, no autograd). */
const WARM_PY = `import torch
_a = torch.ones(2)
def loop():
    for _ in range(200):
        torch.add(_a, _a)
    for _ in range(3000):
        pass
loop`;

/**
 * A restored Pyodide has run almost no Python, so V8 still runs the interpreter loop as baseline
 * (Liftoff) code; and wasm has no on-stack replacement, so a program started now would run its whole
 * length in it (Python ≈ 2.5× slower), where a fresh start's boot has long got the optimized loop. Short
 * separate calls make V8 compile it (in the background) and pick it up: call until three in a row are
 * clearly faster than the first ones, at most maxMs.
 */
function warmInterpreter(p: PyodideAPI, maxMs = 1500): void {
  const ns = p.toPy({});
  const loop = p.runPython(WARM_PY, { globals: ns }) as unknown as (() => void) & { destroy(): void };
  try {
    const t0 = performance.now();
    let base = Infinity;
    let fast = 0;
    for (let i = 0; performance.now() - t0 < maxMs; i++) {
      const a = performance.now();
      loop();
      const ms = performance.now() - a;
      if (i < 3) base = Math.min(base, ms);
      else if (ms >= base * 0.5) fast = 0;
      else if (++fast === 3) { debug(`interpreter warm after ${(performance.now() - t0).toFixed(0)} ms`); return; }
    }
    debug(`interpreter not warm after ${maxMs} ms`);
  } finally {
    loop.destroy();
    ns.destroy();
  }
}

function setStreams(p: PyodideAPI): void {
  p.setStdout(writer('stdout'));
  p.setStderr(writer('stderr'));
  p.setStdin({ stdin: () => null });
}

/** The runner and the notebook cell modules, in /gradscope/runtime. */
function writeRuntimeFiles(p: PyodideAPI): void {
  p.FS.mkdirTree('/gradscope/runtime');
  p.FS.writeFile(`/gradscope/runtime/${RUNNER_MODULE}.py`, RUNNER_PY);
  installCellModules(p, '/gradscope/runtime');
}

/**
 * This build's snapshot file: keyed by Pyodide's version, this worker bundle (the engine, the runner
 * and cell modules), torch's Python files and the device settings; null when snapshots are off.
 */
function snapshotFileFor(pyodideVersion: string, files: Record<string, string>): string | null {
  let bundle: Uint8Array;
  try {
    bundle = readFileSync(__filename);
  } catch {
    return null;
  }
  // the device settings too: what `import torch` reads from the engine may depend on them
  const settings = JSON.stringify({ env: PY_ENV, device: init.device, cudaAlias: (init as { cudaAlias?: unknown }).cudaAlias ?? null, gpu: (init as { gpu?: unknown }).gpu ?? null });
  const parts: (string | Uint8Array)[] = [pyodideVersion, bundle, settings];
  for (const rel of Object.keys(files).sort()) parts.push(rel, files[rel]);
  return snapshotPath(parts);
}

function ensurePython(): Promise<PyodideAPI> {
  return (pyLoading ??= loadPython().then((p) => (py = p)));
}

const isFatal = (e: unknown) => !!(e && typeof e === 'object' && ((e as { pyodide_fatal_error?: boolean }).pyodide_fatal_error
  || /fatally failed/.test(String((e as Error).message))));

async function runPython(p: RunParams): Promise<{ error: RunError | null; exitCode: number }> {
  const pyo = await ensurePython();
  if (p.fresh) { resetWarnOnce(); resetTorchState(pyo); }
  if (p.cell) return runCell(pyo, p.code, p.file, p.cell.executionCount, p.fresh);
  const r = runner!.run(p.code, p.file, p.firstLine, p.fresh);
  return { error: r.error ? { ...r.error, line: r.error.line ?? null } : null, exitCode: r.exit_code };
}

// ---- inspect -------------------------------------------------------------------------------------------

function stats(t: Tensor): TensorInfo['stats'] {
  const data = t.contiguousData(); // no copy for a contiguous tensor
  let min = Infinity, max = -Infinity, sum = 0, finite = 0, nanCount = 0, infCount = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v)) { nanCount++; continue; }
    if (!Number.isFinite(v)) infCount++; else { sum += v; finite++; }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const any = t.numel() > nanCount;
  return { min: any ? min : null, max: any ? max : null, mean: finite ? sum / finite : null, nanCount, infCount };
}

/**
 * The tensor as the printer sees it, reading its elements straight from storage: formatTensor only
 * indexes the values (and prints at most 2·edgeitems per dim of a large tensor), so the same text
 * comes without toFlatArray's copy of every element into a JS array (tens of ms per million elements,
 * which a hover must not spend).
 */
function previewOf(t: Tensor): Printable {
  return {
    shape: t.shape, dtype: t.dtype, requiresGrad: t.requiresGrad, gradFn: t.gradFn, isParameter: t.isParameter,
    device: t.device, isLeaf: t.isLeaf, toFlatArray: () => t.contiguousData() as unknown as number[],
  };
}

function describeTensor(t: Tensor, withGrad = true): TensorInfo {
  return {
    shape: t.shape.slice(), dtype: `torch.${t.dtype.name}`, device: String(t.device), requiresGrad: t.requiresGrad,
    gradFn: t.gradFn ? t.gradFn.name : null, isLeaf: t.isLeaf, isParameter: t.isParameter, strides: t.strides.slice(),
    isView: t.base !== null, numel: t.numel(), stats: stats(t), preview: formatTensor(previewOf(t)),
    grad: withGrad && t.grad ? describeTensor(t.grad, false) : null,
  };
}

function inspectPython(expr: string): InspectResult {
  if (!py || !runner || fatal) return { kind: 'notFound', expr, reason: 'Python is not running' };
  const r = runner.inspect_value(expr) as Record<string, unknown>;
  if (r.kind === 'tensor') return { kind: 'tensor', expr, type: String(r.type), tensor: describeTensor(r.tensor as Tensor) };
  return r as unknown as InspectResult;
}

function inspectJs(expr: string): InspectResult {
  const parts = expr.trim().split('.');
  if (!jsRunner.globals) return { kind: 'notFound', expr, reason: 'no JavaScript run yet' };
  let obj: unknown = jsRunner.globals;
  for (const p of parts) {
    const desc = obj !== null && (typeof obj === 'object' || typeof obj === 'function') ? Object.getOwnPropertyDescriptor(obj, p) : undefined;
    const ok = desc && 'value' in desc;
    if (!ok && !(obj instanceof Tensor && p === 'grad')) return { kind: 'notFound', expr, reason: `${p} is not a plain property` };
    obj = ok ? desc.value : (obj as Tensor).grad;
  }
  if (obj instanceof Tensor) return { kind: 'tensor', expr, type: 'Tensor', tensor: describeTensor(obj) };
  const type = obj === null ? 'null' : typeof obj === 'object' ? (obj.constructor?.name ?? 'Object') : typeof obj;
  return { kind: 'value', expr, type, repr: require('node:util').inspect(obj, { depth: 2, breakLength: 80 }).slice(0, 2000) };
}

// ---- requests ------------------------------------------------------------------------------------------

async function handleRun(p: RunParams): Promise<void> {
  runId = p.runId;
  written = { stdout: 0, stderr: 0 };
  truncated = false;
  const t0 = performance.now();
  let out: { error: RunError | null; exitCode: number };
  try {
    if (fatal) throw new Error('Pyodide already fatally failed and can no longer be used.');
    lastLanguage = p.language === 'python' ? 'python' : 'js';
    out = p.language === 'python' ? await runPython(p) : await jsRunner.run(p);
  } catch (e) {
    fatal ||= isFatal(e);
    const message = e instanceof Error ? e.message : String(e);
    // a PythonError escaping the runner (e.g. a second KeyboardInterrupt while it reported the first)
    const pyType = (e as { type?: unknown }).type;
    const type = fatal ? 'FatalError' : typeof pyType === 'string' ? pyType : 'InternalError';
    out = { error: { type, message, traceback: `${message}\n`, line: null }, exitCode: 1 };
  }
  post(RunDoneNotification.with({ runId: p.runId, error: out.error, exitCode: out.exitCode, durationMs: performance.now() - t0, truncated }));
  runId = 0;
  if (fatal) post(FatalNotification.with({ message: out.error?.message ?? 'fatal error' }));
}

async function handle(msg: unknown): Promise<void> {
  switch (true) {
    case InitRequest.is(msg): {
      init = msg.params;
      const deviceError = useDevice(init.device, init.cudaAlias ?? false, init.gpu === 'host' ? relay : null);
      if (deviceError !== null) {
        fatal = true;
        post(FatalNotification.with({ message: deviceError }));
        return;
      }
      jsRunner = new JsRunner({ write, interrupt: init.interruptBuffer });
      let loadMs = 0;
      if (init.loadPython) {
        const t0 = performance.now();
        try {
          await ensurePython();
        } catch (e) {
          fatal = true;
          post(FatalNotification.with({ message: `could not start Python: ${e instanceof Error ? e.stack ?? e.message : String(e)}` }));
          return;
        }
        loadMs = performance.now() - t0;
      }
      const version = py ? String(py.runPython('import sys; sys.version.split()[0]')) : null;
      post(ReadyNotification.with({ pythonVersion: version, loadMs, torchImportMs }));
      break;
    }
    case RunRequest.is(msg):
      await handleRun(msg.params);
      break;
    case ShutdownRequest.is(msg):
      // the webgpu device's thread finishes what it was sent before this thread ends (ending it in the
      // middle of a Dawn call crashes the process from native code)
      try { await shutdownClient(); } catch { /* ending anyway */ }
      process.exit(0);
      break;
    case SetDeviceRequest.is(msg): {
      const p = msg.params;
      const error = useDevice(p.device, p.cudaAlias, p.gpu === 'host' ? relay : null, p.reopen ?? false);
      post(SetDeviceDoneNotification.with({ requestId: p.requestId, error, adapter: error === null && p.device === 'webgpu' ? deviceApi.webgpuAdapterName() : null }));
      break;
    }
    case InspectRequest.is(msg): {
      let result: InspectResult;
      try {
        // the language of the last run first, then the other one
        const order = lastLanguage === 'js' ? [inspectJs, inspectPython] : [inspectPython, inspectJs];
        result = order[0](msg.params.expr);
        if (result.kind === 'notFound') {
          const other = order[1](msg.params.expr);
          if (other.kind !== 'notFound') result = other;
        }
      } catch (e) {
        result = { kind: 'notFound', expr: msg.params.expr, reason: `inspect failed: ${e instanceof Error ? e.message : String(e)}` };
      }
      post(InspectDoneNotification.with({ requestId: msg.params.requestId, result }));
      break;
    }
    case GraphRequest.is(msg): {
      let result: GraphResult;
      try {
        result = graphQuery(msg.params, graphEnv());
      } catch (e) {
        result = { kind: 'notFound', expr: msg.params.expr, reason: `graph failed: ${e instanceof Error ? e.message : String(e)}`, targets: [] };
      }
      post(GraphDoneNotification.with({ requestId: msg.params.requestId, result }));
      break;
    }
  }
}

/** The graph panel's view of the session: the last run's language (graphQuery.ts). */
function graphEnv(): GraphEnv {
  if (lastLanguage === 'js' || !py || !runner || fatal) return jsGraphEnv(jsRunner.globals);
  const p = py, r = runner;
  return pythonGraphEnv(() => p.runPython('from torch._sites import tensor_names as _gs_names\n_gs_names()'), (e) => r.inspect_value(e));
}

let chain = Promise.resolve();
port.on('message', (msg: unknown) => { chain = chain.then(() => handle(msg)); });
