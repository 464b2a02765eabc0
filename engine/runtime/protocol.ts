// Every message between a Session (caller side) and its runtime worker (Pyodide + engine), in one
// place: a named constant per message carrying its params type and an `is()` guard (GitLens-style
// IpcNotification). Both sides switch on the guards, never on a raw method string.
// Interrupts do not travel as messages (the worker is busy while user code runs): the caller writes
// 2 into a shared Int32Array that Pyodide polls (KeyboardInterrupt) and instrumented JS loops check.

export type Language = 'python' | 'javascript' | 'typescript';
export type Stream = 'stdout' | 'stderr';
export type DeviceName = 'cpu' | 'webgpu';

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
  /** per run and per stream, characters forwarded before the rest is dropped */
  maxOutputChars: number;
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

export interface FatalParams {
  message: string;
}

// ---- caller → worker ----
export const InitRequest = new Message<InitParams>('init');
export const RunRequest = new Message<RunParams>('run');
export const InspectRequest = new Message<InspectParams>('inspect');

// ---- worker → caller ----
export const ReadyNotification = new Message<ReadyParams>('ready');
export const OutputNotification = new Message<OutputParams>('output');
export const RunDoneNotification = new Message<RunOutcome>('run/done');
export const InspectDoneNotification = new Message<InspectDoneParams>('inspect/done');
/** the interpreter can no longer be used (Pyodide fatal error, failed load): the caller must restart */
export const FatalNotification = new Message<FatalParams>('fatal');
