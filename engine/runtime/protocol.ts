// Every message between a Session (caller side) and its runtime worker (Pyodide + engine), in one
// place: a named constant per message carrying its params type and an `is()` guard (GitLens-style
// IpcNotification). Both sides switch on the guards, never on a raw method string.
// Interrupts do not travel as messages (the worker is busy while user code runs): the caller writes
// 2 into a shared Int32Array that Pyodide polls (KeyboardInterrupt) and instrumented JS loops check.

import type { GraphSnapshot } from '../graph';
import type { GpuBatch } from '../backends/webgpu/protocol';

export type Language = 'python' | 'javascript' | 'typescript';
export type Stream = 'stdout' | 'stderr';
/** 'auto': new tensors on the CPU, and large CPU float32 matrix products on a hardware GPU where it computes them bit for bit as the CPU does */
export type DeviceName = 'cpu' | 'webgpu' | 'auto';

export interface Envelope<P = unknown> {
  readonly method: string;
  readonly params: P;
}

export class Message<P> {
  constructor(readonly method: string) {}
  is(msg: unknown): msg is Envelope<P> {
    return typeof msg === 'object' && msg !== null && (msg as Envelope).method === this.method;
  }
  with(params: P): Envelope<P> {
    return { method: this.method, params };
  }
}

// ---- payload types ----

export interface InitParams {
  /** Int32Array(1) on a SharedArrayBuffer; 2 = interrupt */
  interruptBuffer: Int32Array;
  /** folder holding the Python `torch` package sources (engine/python or dist/python); default: found beside the worker */
  pythonDir?: string;
  /** load Pyodide now (true) or on the first Python run (false) */
  loadPython: boolean;
  device: DeviceName;
  /** code written for CUDA uses the webgpu device ('cuda' means 'webgpu') */
  cudaAlias?: boolean;
  /**
   * where the webgpu device lives: 'dawn' (default) a thread of the worker running Dawn; 'host' the
   * caller's (GpuOpen/GpuBatch/GpuClose notifications; the VS Code extension relays them to its webview)
   */
  gpu?: 'dawn' | 'host';
  /** per run and per stream, characters forwarded before the rest is dropped */
  maxOutputChars: number;
  /**
   * record the user's source line (and module path) of each autograd node as it is made, for the graph
   * panel (default true). It costs a call into Python per node; a session nothing draws graphs for (the
   * CLI) turns it off.
   */
  sites?: boolean;
}

export interface ReadyParams {
  pythonVersion: string | null;
  /** ms spent loading Pyodide + installing torch (0 when not loaded) */
  loadMs: number;
  /** of which `import torch` */
  torchImportMs: number;
}

export interface RunParams {
  runId: number;
  code: string;
  /** the user's file name as shown in tracebacks */
  file: string;
  /** line of the user's file where `code` starts (1-based) */
  firstLine: number;
  language: Language;
  /** run in a fresh namespace with reset torch state (it then becomes the session namespace) */
  fresh: boolean;
  /** run as a notebook cell (IPython semantics: last value displayed, display(), Jupyter tracebacks) */
  cell?: CellParams;
}

export interface CellParams {
  /** the cell's execution count: Out[n], _n, and `Cell In [n]` in tracebacks */
  executionCount: number;
}

export interface RunError {
  /** the exception class name (Python `type(e).__name__`, or the engine's Python type for JS runs) */
  type: string;
  /** str(exception) */
  message: string;
  /** Python-style traceback text naming the user's file */
  traceback: string;
  /** line in the user's file (firstLine-based) where it was raised, when known */
  line: number | null;
  /** cell runs: Jupyter's `traceback` list (IPython's plain-text structured traceback) */
  tracebackLines?: string[];
}

export interface RunOutcome {
  runId: number;
  error: RunError | null;
  /** process-style exit status: 0, 1 for an uncaught exception, n for sys.exit(n) */
  exitCode: number;
  durationMs: number;
  /** output dropped past maxOutputChars */
  truncated: boolean;
}

export interface OutputParams {
  runId: number;
  stream: Stream;
  text: string;
}

export interface InspectParams {
  requestId: number;
  expr: string;
}

export interface TensorStats {
  min: number | null;
  max: number | null;
  mean: number | null;
  nanCount: number;
  infCount: number;
}

export interface TensorInfo {
  shape: number[];
  dtype: string;
  device: string;
  requiresGrad: boolean;
  gradFn: string | null;
  isLeaf: boolean;
  isParameter: boolean;
  strides: number[];
  isView: boolean;
  numel: number;
  stats: TensorStats;
  /** the engine printer's text (PyTorch's repr) */
  preview: string;
  grad: TensorInfo | null;
}

export type InspectResult =
  | { kind: 'tensor'; expr: string; type: string; tensor: TensorInfo }
  | { kind: 'module'; expr: string; type: string; repr: string; parameterCount: number; trainableCount: number }
  | { kind: 'value'; expr: string; type: string; repr: string }
  | { kind: 'notFound'; expr: string; reason: string };

export interface InspectDoneParams {
  requestId: number;
  result: InspectResult;
}

export interface GraphParams {
  requestId: number;
  /** a name or attribute chain; null: the session's last loss-like tensor */
  expr: string | null;
  /** saved tensors as nodes of their own */
  savedNodes?: boolean;
  maxNodes?: number;
}

/** a tensor with a grad_fn that the session's globals name (the graph panel's picker) */
export interface GraphTarget {
  expr: string;
  gradFn: string;
  shape: number[];
  dtype: string;
  /** the grad_fn's sequence number: larger is more recent */
  seq: number;
}

export type GraphResult =
  | { kind: 'graph'; expr: string; snapshot: GraphSnapshot; targets: GraphTarget[] }
  | { kind: 'notFound'; expr: string | null; reason: string; targets: GraphTarget[] };

export interface GraphDoneParams {
  requestId: number;
  result: GraphResult;
}

/** a tensor shown by a notebook cell (its value or display()), for the rich output view */
export interface TensorView {
  shape: number[];
  dtype: string;
  device: string;
  requiresGrad: boolean;
  gradFn: string | null;
  isParameter: boolean;
  numel: number;
  /** 2-D floating tensors up to a size limit: the values row-major, with their finite min/max */
  heatmap?: { rows: number; cols: number; values: (number | null)[]; min: number | null; max: number | null };
}

/** a notebook cell's output besides stdout/stderr, in order with them */
export interface DisplayParams {
  runId: number;
  /** 'result': the cell's last value (execute_result, Out[n]); 'display': display(obj) (display_data) */
  kind: 'result' | 'display';
  executionCount: number | null;
  /** mime type → text (binary formats base64, application/json a JSON value) */
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** the value was a tensor */
  tensor?: TensorView;
}

/** change the session's default device (tensors already made stay where they are) */
export interface SetDeviceParams {
  requestId: number; device: DeviceName; cudaAlias: boolean; gpu: 'dawn' | 'host';
  /** drop the current webgpu transport (its device was lost): tensors on it fail when read */
  reopen?: boolean;
}
export interface SetDeviceDoneParams { requestId: number; error: string | null; adapter: string | null }

/** the worker opens the webgpu device through its caller: hello and read answers go into `reply` */
export interface GpuOpenParams { reply: SharedArrayBuffer }

export interface FatalParams {
  message: string;
}

// ---- caller → worker ----
export const InitRequest = new Message<InitParams>('init');
export const RunRequest = new Message<RunParams>('run');
export const InspectRequest = new Message<InspectParams>('inspect');
export const GraphRequest = new Message<GraphParams>('graph');
export const SetDeviceRequest = new Message<SetDeviceParams>('setDevice');
/** end the worker: close the webgpu device (its thread finishes what it was sent), then exit */
export const ShutdownRequest = new Message<Record<string, never>>('shutdown');

// ---- worker → caller ----
export const ReadyNotification = new Message<ReadyParams>('ready');
export const OutputNotification = new Message<OutputParams>('output');
export const RunDoneNotification = new Message<RunOutcome>('run/done');
export const InspectDoneNotification = new Message<InspectDoneParams>('inspect/done');
/** a notebook cell displayed a value (its result or display()) */
export const DisplayNotification = new Message<DisplayParams>('display');
export const GraphDoneNotification = new Message<GraphDoneParams>('graph/done');
export const SetDeviceDoneNotification = new Message<SetDeviceDoneParams>('setDevice/done');
/** the webgpu device through the caller (InitParams.gpu = 'host'): open it, run batches, close it */
export const GpuOpenNotification = new Message<GpuOpenParams>('gpu/open');
export const GpuBatchNotification = new Message<GpuBatch>('gpu/batch');
export const GpuCloseNotification = new Message<Record<string, never>>('gpu/close');
/** the interpreter can no longer be used (Pyodide fatal error, failed load): the caller must restart */
export const FatalNotification = new Message<FatalParams>('fatal');
