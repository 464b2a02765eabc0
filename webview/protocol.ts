// Every message between the extension host (extension/graphPanel.ts) and the graph webview
// (webview/main.ts): a named constant per message carrying its params type and an `is()` guard that
// checks the whole payload, GitLens-style. Both sides switch on the guards and use nothing they did
// not validate. Graph data crosses as plain JSON text (`wire`): NaN and ±Inf survive, which the
// JSON that carries webview messages would turn into null. Types only from engine/.
import type { GradFlag, GraphEdgeSnapshot, GraphModuleSnapshot, GraphNodeSnapshot, GraphSnapshot, Heatmap, SavedSummary, TensorSummary } from '../engine/graph';
import type { GraphTarget } from '../engine/runtime/protocol';

export type { GraphSnapshot, GraphNodeSnapshot, GraphEdgeSnapshot, GraphModuleSnapshot, TensorSummary, GraphTarget, GradFlag, Heatmap };

export interface Envelope<P = unknown> { readonly method: string; readonly params: P }

type Guard<P> = (p: unknown) => p is P;

export class WebviewMessage<P> {
  constructor(readonly method: string, private readonly valid: Guard<P>) {}
  is(msg: unknown): msg is Envelope<P> {
    return isObj(msg) && msg.method === this.method && this.valid(msg.params);
  }
  with(params: P): Envelope<P> { return { method: this.method, params }; }
}

// ---- validators ----------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number';
const isInt = (x: unknown): x is number => Number.isInteger(x);
const isBool = (x: unknown): x is boolean => typeof x === 'boolean';
const arrayOf = <T>(x: unknown, item: (v: unknown) => v is T, max = 1e6): x is T[] => Array.isArray(x) && x.length <= max && x.every(item);
const opt = <T>(x: unknown, g: (v: unknown) => v is T): boolean => x === undefined || g(x);
const isShape = (x: unknown): x is number[] => arrayOf(x, isInt, 64);
const oneOf = <T extends string>(...values: T[]) => (x: unknown): x is T => typeof x === 'string' && (values as string[]).includes(x);
const isFlag = oneOf<GradFlag>('nonfinite', 'vanishing', 'exploding');

function isHeatmap(x: unknown): x is Heatmap {
  return isObj(x) && isInt(x.rows) && isInt(x.cols) && arrayOf(x.values, isNum, 4096) && x.values.length === x.rows * x.cols;
}

export function isSummary(x: unknown): x is TensorSummary {
  return isObj(x) && isShape(x.shape) && isStr(x.dtype) && isInt(x.numel) && isNum(x.norm) && isNum(x.min) && isNum(x.max)
    && isNum(x.absMax) && isInt(x.nanCount) && isInt(x.infCount) && arrayOf(x.flags, isFlag, 3) && isStr(x.preview)
    && opt(x.heatmap, isHeatmap);
}

function isSaved(x: unknown): x is SavedSummary {
  return isObj(x) && isShape(x.shape) && isStr(x.dtype) && isBool(x.isOutput) && isInt(x.savedVersion) && isInt(x.version)
    && isBool(x.released) && opt(x.name, isStr);
}

const isKind = oneOf('op', 'leaf', 'output', 'saved');
const isSite = (x: unknown): x is { file: string; line: number } => isObj(x) && isStr(x.file) && isInt(x.line);

function isNode(x: unknown): x is GraphNodeSnapshot {
  return isObj(x) && isStr(x.id) && isKind(x.kind) && isStr(x.name) && (x.shape === null || isShape(x.shape))
    && (x.dtype === null || isStr(x.dtype)) && opt(x.site, isSite) && opt(x.module, isStr) && opt(x.gradPreview, isSummary)
    && opt(x.savedTensors, (v): v is SavedSummary[] => arrayOf(v, isSaved, 256)) && opt(x.requiresGrad, isBool) && opt(x.released, isBool)
    && opt(x.meta, isObj);
}

const isEdge = (x: unknown): x is GraphEdgeSnapshot => isObj(x) && isStr(x.from) && isStr(x.to) && isInt(x.inputNr) && opt(x.grad, isSummary);
const isModule = (x: unknown): x is GraphModuleSnapshot => isObj(x) && isStr(x.id) && isStr(x.name) && isStr(x.type)
  && (x.parent === null || isStr(x.parent)) && isInt(x.depth);

export function isSnapshot(x: unknown): x is GraphSnapshot {
  return isObj(x) && arrayOf(x.nodes, isNode) && arrayOf(x.edges, isEdge) && arrayOf(x.modules, isModule) && isBool(x.truncated);
}

const isTarget = (x: unknown): x is GraphTarget => isObj(x) && isStr(x.expr) && isStr(x.gradFn) && isShape(x.shape) && isStr(x.dtype) && isNum(x.seq);
const isTargets = (x: unknown): x is GraphTarget[] => arrayOf(x, isTarget, 10000);

// ---- the wire format of graph data -----------------------------------------------------------------

/** JSON text in which NaN / Infinity / -Infinity travel as {"$num": "NaN"} etc. */
export function toWire(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v));
}

export function fromWire(text: string): unknown {
  return JSON.parse(text, (_k, v) => (isObj(v) && typeof v.$num === 'string' && Object.keys(v).length === 1 ? Number(v.$num) : v));
}

// ---- host → webview ----------------------------------------------------------------------------------

export interface ShowGraphParams {
  /** the expression whose graph this is (`loss`, `model.fc1.weight`) */
  expr: string;
  /** toWire(GraphSnapshot) */
  wire: string;
  targets: GraphTarget[];
  /** the panel follows the last loss-like output (true) or a picked tensor (false) */
  auto: boolean;
}
export const ShowGraph = new WebviewMessage<ShowGraphParams>('graph/show',
  (p): p is ShowGraphParams => isObj(p) && isStr(p.expr) && isStr(p.wire) && isTargets(p.targets) && isBool(p.auto));

/** Decode and check the snapshot of a ShowGraph message (null when it is not a valid snapshot). */
export function snapshotOf(p: ShowGraphParams): GraphSnapshot | null {
  try {
    const s = fromWire(p.wire);
    return isSnapshot(s) ? s : null;
  } catch {
    return null;
  }
}

export interface ShowEmptyParams { reason: string; targets: GraphTarget[] }
export const ShowEmpty = new WebviewMessage<ShowEmptyParams>('graph/empty',
  (p): p is ShowEmptyParams => isObj(p) && isStr(p.reason) && isTargets(p.targets));

/** the nodes created by the editor's cursor line (empty: none) */
export interface HighlightParams { nodeIds: string[] }
export const Highlight = new WebviewMessage<HighlightParams>('graph/highlight',
  (p): p is HighlightParams => isObj(p) && arrayOf(p.nodeIds, isStr, 100000));

/** a run is in progress (the graph shown is from before it) */
export interface BusyParams { busy: boolean }
export const Busy = new WebviewMessage<BusyParams>('graph/busy', (p): p is BusyParams => isObj(p) && isBool(p.busy));

// ---- webview → host ----------------------------------------------------------------------------------

export type Empty = Record<string, never>;
const isEmpty = (p: unknown): p is Empty => isObj(p);

/** the webview loaded (or reloaded) and wants the current graph */
export const Ready = new WebviewMessage<Empty>('ready', isEmpty);

/** show the source line that created this node */
export interface RevealNodeParams { nodeId: string }
export const RevealNode = new WebviewMessage<RevealNodeParams>('node/reveal',
  (p): p is RevealNodeParams => isObj(p) && isStr(p.nodeId) && p.nodeId.length < 200);

/** follow this tensor (an entry of the picker), or the last loss-like output (expr null) */
export interface SelectTargetParams { expr: string | null }
const EXPR = /^[A-Za-z_]\w*(\.\w+)*$/;
export const SelectTarget = new WebviewMessage<SelectTargetParams>('target/select',
  (p): p is SelectTargetParams => isObj(p) && (p.expr === null || (isStr(p.expr) && p.expr.length < 500 && EXPR.test(p.expr))));

export const Refresh = new WebviewMessage<Empty>('graph/refresh', isEmpty);

export type ExportFormat = 'svg' | 'png' | 'dot';
/** save an export: svg and dot as text, png as base64 */
export interface SaveExportParams { format: ExportFormat; data: string; suggestedName: string }
const MAX_EXPORT = 64 * 1024 * 1024;
const FILE_NAME = /^[\w.-]{1,100}$/;
export const SaveExport = new WebviewMessage<SaveExportParams>('export/save',
  (p): p is SaveExportParams => isObj(p) && oneOf<ExportFormat>('svg', 'png', 'dot')(p.format) && isStr(p.data) && p.data.length <= MAX_EXPORT
    && isStr(p.suggestedName) && FILE_NAME.test(p.suggestedName) && (p.format !== 'png' || /^[A-Za-z0-9+/]*=*$/.test(p.data)));

/** something went wrong inside the webview (shown in the output channel) */
export interface WebviewErrorParams { message: string }
export const WebviewError = new WebviewMessage<WebviewErrorParams>('webview/error',
  (p): p is WebviewErrorParams => isObj(p) && isStr(p.message));
