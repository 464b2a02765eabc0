// The autograd graph as plain data for the graph panel (micrograd's trace(): nodes + edges). Edges
// follow the forward data flow: `from` feeds input `inputNr` of `to` (the reverse of next_functions).
// Nodes carry where they were created (file, line, the nn.Module forward they ran in), leaves their
// .grad, and edges the gradient that flowed along them when backward retained the graph.
import { AccumulateGrad, CopySlices, Node, NodeSite, gradFnOf } from './autograd';
import { formatTensor } from './format';
import { Tensor } from './tensor';

export type GraphNodeKind = 'op' | 'leaf' | 'output' | 'saved';

/** nonfinite: a NaN or ±Inf; vanishing: every |g| < vanishing threshold; exploding: some |g| ≥ exploding threshold */
export type GradFlag = 'nonfinite' | 'vanishing' | 'exploding';

/** A matrix downsampled to at most HEATMAP_MAX × HEATMAP_MAX cells (block means, row-major). */
export interface Heatmap { rows: number; cols: number; values: number[] }

/** A tensor at a glance: the hover/graph summary of a gradient (or any tensor). */
export interface TensorSummary {
  shape: number[];
  dtype: string;
  numel: number;
  /** L2 norm over all elements (NaN when any is NaN) */
  norm: number;
  min: number;
  max: number;
  /** largest |value| among the finite ones (0 when none) */
  absMax: number;
  nanCount: number;
  infCount: number;
  flags: GradFlag[];
  /** PyTorch's repr: exactly what print() shows for small tensors, summarised (edgeitems 2) for larger ones */
  preview: string;
  /** 2-D tensors: the values as a heatmap grid */
  heatmap?: Heatmap;
}

export interface SavedSummary {
  shape: number[];
  dtype: string;
  /** saved as the node's own output (SigmoidBackward0's result) rather than an input */
  isOutput: boolean;
  /** the version it was saved at, and the tensor's version now (they differ: backward will fail) */
  savedVersion: number;
  version: number;
  /** freed by a backward without retain_graph */
  released: boolean;
  /** 'result' for the node's own output, else the tensor's label */
  name?: string;
}

export interface GraphNodeSnapshot {
  id: string;
  kind: GraphNodeKind;
  /** PyTorch's node class name (MulBackward0, AccumulateGrad, CopySlices) or the tensor's label */
  name: string;
  shape: number[] | null;
  dtype: string | null;
  /** where the op ran, when the runtime recorded it */
  site?: { file: string; line: number };
  /** the innermost nn.Module forward call the op ran in (an id of snapshot.modules); parameters: their module */
  module?: string;
  /** leaves: their .grad; outputs with retain_grad: theirs */
  gradPreview?: TensorSummary;
  /** op nodes: the tensors they saved for backward */
  savedTensors?: SavedSummary[];
  /** op nodes: extra data the op recorded (dims, ...) */
  meta?: Record<string, unknown>;
  /** leaf: requires_grad; op: whether backward already freed it */
  requiresGrad?: boolean;
  released?: boolean;
}

/** `from` feeds input `inputNr` of `to`; into an output node, inputNr is which output of the op it is. */
export interface GraphEdgeSnapshot {
  from: string;
  to: string;
  inputNr: number;
  /** the gradient that flowed backward along this edge in the last backward that retained the graph */
  grad?: TensorSummary;
}

/** One call of an nn.Module's forward: `id` is the path of `name:Type:call` segments from the outermost call. */
export interface GraphModuleSnapshot {
  id: string;
  /** attribute name under its parent (`fc1`), or the Python variable holding it (`model`) */
  name: string;
  /** the Module's class name (`Linear`) */
  type: string;
  parent: string | null;
  depth: number;
}

export interface GraphSnapshot {
  nodes: GraphNodeSnapshot[];
  edges: GraphEdgeSnapshot[];
  modules: GraphModuleSnapshot[];
  /** true when maxNodes cut the walk short */
  truncated: boolean;
}

export interface GraphOptions {
  /** labels for tensors (variable names), else tensor.label, else "tensor<id>" */
  labels?: Map<Tensor, string>;
  /** also emit saved tensors as nodes of kind 'saved' feeding their op (inputNr -1) */
  savedNodes?: boolean;
  /** stop after this many op/leaf nodes (default 500) */
  maxNodes?: number;
  /** edge gradients of a retained graph (default true) */
  edgeGrads?: boolean;
  /** print options for the previews of tensors with more than `threshold` elements (default: threshold 20, edgeitems 2, linewidth 60) */
  preview?: { threshold?: number; edgeitems?: number; linewidth?: number; precision?: number };
  /** flag thresholds: all |g| below `vanishing` (default 1e-7), some |g| at least `exploding` (default 1e3) */
  vanishing?: number;
  exploding?: number;
}

export const HEATMAP_MAX = 24;

/** Block means of a rows × cols matrix (row-major values), at most HEATMAP_MAX cells a side; NaN stays NaN. */
export function heatmapOf(values: ArrayLike<number>, rows: number, cols: number): Heatmap {
  const r = Math.min(rows, HEATMAP_MAX), c = Math.min(cols, HEATMAP_MAX);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const r0 = Math.floor((i * rows) / r), r1 = Math.floor(((i + 1) * rows) / r);
    for (let j = 0; j < c; j++) {
      const c0 = Math.floor((j * cols) / c), c1 = Math.floor(((j + 1) * cols) / c);
      let sum = 0;
      for (let a = r0; a < r1; a++) for (let b = c0; b < c1; b++) sum += values[a * cols + b];
      out.push(sum / ((r1 - r0) * (c1 - c0)));
    }
  }
  return { rows: r, cols: c, values: out };
}

/** Summary of a tensor's values for hovers and the graph panel. */
export function summarize(t: Tensor, opts: Pick<GraphOptions, 'preview' | 'vanishing' | 'exploding'> = {}): TensorSummary {
  const v = t.contiguousData() as ArrayLike<number>;
  const n = v.length;
  let sq = 0, min = Infinity, max = -Infinity, absMax = 0, nanCount = 0, infCount = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (Number.isNaN(x)) { nanCount++; continue; }
    sq += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
    if (!Number.isFinite(x)) infCount++;
    else if (Math.abs(x) > absMax) absMax = Math.abs(x);
  }
  const flags: GradFlag[] = [];
  if (nanCount || infCount) flags.push('nonfinite');
  else if (n > 0 && absMax < (opts.vanishing ?? 1e-7)) flags.push('vanishing');
  else if (absMax >= (opts.exploding ?? 1e3)) flags.push('exploding');
  const small = n <= (opts.preview?.threshold ?? 20);
  const s: TensorSummary = {
    shape: t.shape.slice(),
    dtype: t.dtype.name,
    numel: n,
    norm: nanCount ? NaN : Math.sqrt(sq),
    min: n && !nanCount ? min : NaN,
    max: n && !nanCount ? max : NaN,
    absMax, nanCount, infCount, flags,
    preview: small ? formatTensor(t) : formatTensor(t, { threshold: 20, edgeitems: 2, linewidth: 60, ...opts.preview }),
  };
  if (t.shape.length === 2 && n > 1) s.heatmap = heatmapOf(Array.from(v, Number), t.shape[0], t.shape[1]);
  return s;
}

/** Parse a NodeSite.module path ("model:Net:1/fc1:Linear:2") into its calls, outermost first. */
export function moduleCalls(path: string): GraphModuleSnapshot[] {
  const out: GraphModuleSnapshot[] = [];
  let id = '';
  for (const seg of path.split('/')) {
    if (!seg) continue;
    const [name, type] = seg.split(':');
    const parent = id || null;
    id = id ? `${id}/${seg}` : seg;
    out.push({ id, name, type: type ?? '', parent, depth: out.length });
  }
  return out;
}

/** The engine's site provider over the runtime's (torch/_sites.py's site(): 'line\tfile\tmodules' or None). */
export function siteReader(fn: () => unknown): () => NodeSite | null {
  return () => {
    const s = fn();
    if (typeof s !== 'string') return null;
    const [line, file, module] = s.split('\t');
    return module ? { file, line: Number(line), module } : { file, line: Number(line) };
  };
}

/** Snapshot the graph behind `root` (its grad_fn and everything reachable through next_functions). */
export function toGraph(root: Tensor | Tensor[], opts: GraphOptions = {}): GraphSnapshot {
  const roots = Array.isArray(root) ? root : [root];
  const maxNodes = opts.maxNodes ?? 500;
  const withEdgeGrads = opts.edgeGrads ?? true;
  const nodes: GraphNodeSnapshot[] = [];
  const edges: GraphEdgeSnapshot[] = [];
  const modules = new Map<string, GraphModuleSnapshot>();
  const ids = new Map<Node, string>();
  const label = (t: Tensor) => opts.labels?.get(t) ?? t.label ?? `tensor${t.id}`;
  const grad = (t: Tensor) => (t.grad ? { gradPreview: summarize(t.grad, opts) } : {});
  const edgeGrad = (g: Tensor | null | undefined) => (withEdgeGrads && g ? { grad: summarize(g, opts) } : {});
  let truncated = false;

  const visit = (n: Node): string | null => {
    const known = ids.get(n);
    if (known) return known;
    if (ids.size >= maxNodes) { truncated = true; return null; }
    const id = n instanceof AccumulateGrad ? `leaf${n.variable.id}` : `op${n.seq}`;
    ids.set(n, id);
    if (n instanceof AccumulateGrad) {
      const v = n.variable;
      nodes.push({ id, kind: 'leaf', name: label(v), shape: v.shape.slice(), dtype: v.dtype.name, requiresGrad: v.requiresGrad, ...grad(v) });
      return id;
    }
    const out = n.outputMeta[0] ?? null;
    const snap: GraphNodeSnapshot = { id, kind: 'op', name: n.name, shape: out ? out.shape.slice() : null, dtype: out ? out.dtype.name : null, released: n.released };
    if (n.site) {
      snap.site = { file: n.site.file, line: n.site.line };
      if (n.site.module) {
        const calls = moduleCalls(n.site.module);
        for (const c of calls) if (!modules.has(c.id)) modules.set(c.id, c);
        if (calls.length) snap.module = calls[calls.length - 1].id;
      }
    }
    if (n.meta) snap.meta = { ...n.meta };
    const saved = n instanceof CopySlices ? n.inner.saved : n.saved;
    if (saved.length) {
      snap.savedTensors = saved.map((s) => ({
        shape: s.tensor.shape.slice(), dtype: s.tensor.dtype.name, isOutput: s.isOutput,
        savedVersion: s.version, version: s.tensor.version, released: n.released, name: s.isOutput ? 'result' : label(s.tensor),
      }));
    }
    nodes.push(snap);
    if (opts.savedNodes) {
      saved.forEach((s, i) => {
        const sid = `${id}.saved${i}`;
        nodes.push({ id: sid, kind: 'saved', name: s.isOutput ? 'result' : label(s.tensor), shape: s.tensor.shape.slice(), dtype: s.tensor.dtype.name });
        edges.push({ from: sid, to: id, inputNr: -1 });
      });
    }
    n.next.forEach((e, inputNr) => {
      if (!e) return;
      const from = visit(e.node);
      if (from) edges.push({ from, to: id, inputNr, ...edgeGrad(n.lastGradInputs?.[inputNr]) });
    });
    return id;
  };

  for (const t of roots) {
    const fn = gradFnOf(t);
    const oid = `out${t.id}`;
    if (fn === null && t.requiresGrad) {
      // a leaf given as a root: show it as a leaf
      nodes.push({ id: `leaf${t.id}`, kind: 'leaf', name: label(t), shape: t.shape.slice(), dtype: t.dtype.name, requiresGrad: true, ...grad(t) });
      continue;
    }
    nodes.push({ id: oid, kind: 'output', name: label(t), shape: t.shape.slice(), dtype: t.dtype.name, ...(t.retainsGrad ? grad(t) : {}) });
    if (fn) {
      const from = visit(fn);
      if (from) edges.push({ from, to: oid, inputNr: t.outputNr, ...edgeGrad(fn.lastGradOutputs?.[t.outputNr]) });
    }
  }

  // parameters belong to the module whose dotted name prefixes theirs (model.fc1.weight → model/fc1)
  if (modules.size) {
    const byDotted = new Map<string, string>();
    for (const m of modules.values()) {
      const names: string[] = [];
      for (let c: GraphModuleSnapshot | undefined = m; c; c = c.parent ? modules.get(c.parent) : undefined) names.unshift(c.name);
      const key = names.join('.');
      if (!byDotted.has(key)) byDotted.set(key, m.id);
    }
    for (const n of nodes) {
      if (n.kind !== 'leaf') continue;
      const dot = n.name.lastIndexOf('.');
      const owner = dot > 0 ? byDotted.get(n.name.slice(0, dot)) : undefined;
      if (owner) n.module = owner;
    }
  }
  return { nodes, edges, modules: [...modules.values()], truncated };
}
