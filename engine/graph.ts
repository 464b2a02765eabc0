// The autograd graph as plain data for the graph panel (micrograd's trace(): nodes + edges). Edges
// follow the forward data flow: `from` feeds input `inputNr` of `to` (the reverse of next_functions).
import { AccumulateGrad, CopySlices, Node, gradFnOf } from './autograd';
import { formatTensor } from './format';
import { Tensor } from './tensor';

export type GraphNodeKind = 'op' | 'leaf' | 'output' | 'saved';

/** A tensor at a glance: the hover/graph summary of a gradient (or any tensor). */
export interface TensorSummary {
  shape: number[];
  dtype: string;
  /** L2 norm over all elements (NaN when any is NaN) */
  norm: number;
  min: number;
  max: number;
  /** PyTorch's repr, summarised (engine/format.ts) */
  preview: string;
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
export interface GraphEdgeSnapshot { from: string; to: string; inputNr: number }

export interface GraphSnapshot {
  nodes: GraphNodeSnapshot[];
  edges: GraphEdgeSnapshot[];
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
  /** print options for previews (default: threshold 20, edgeitems 2, linewidth 60) */
  preview?: { threshold?: number; edgeitems?: number; linewidth?: number; precision?: number };
}

/** Summary of a tensor's values for hovers and the graph panel. */
export function summarize(t: Tensor, preview: GraphOptions['preview'] = {}): TensorSummary {
  const v = t.toFlatArray();
  let sq = 0, min = Infinity, max = -Infinity;
  for (const x of v) { sq += x * x; if (x < min) min = x; if (x > max) max = x; }
  if (v.some(Number.isNaN)) { min = NaN; max = NaN; sq = NaN; }
  return {
    shape: t.shape.slice(),
    dtype: t.dtype.name,
    norm: Math.sqrt(sq),
    min: v.length ? min : NaN,
    max: v.length ? max : NaN,
    preview: formatTensor(t, { threshold: 20, edgeitems: 2, linewidth: 60, ...preview }),
  };
}

/** Snapshot the graph behind `root` (its grad_fn and everything reachable through next_functions). */
export function toGraph(root: Tensor | Tensor[], opts: GraphOptions = {}): GraphSnapshot {
  const roots = Array.isArray(root) ? root : [root];
  const maxNodes = opts.maxNodes ?? 500;
  const nodes: GraphNodeSnapshot[] = [];
  const edges: GraphEdgeSnapshot[] = [];
  const ids = new Map<Node, string>();
  const label = (t: Tensor) => opts.labels?.get(t) ?? t.label ?? `tensor${t.id}`;
  const grad = (t: Tensor) => (t.grad ? { gradPreview: summarize(t.grad, opts.preview) } : {});
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
    if (n.site) snap.site = { ...n.site };
    if (n.meta) snap.meta = { ...n.meta };
    const saved = n instanceof CopySlices ? n.inner.saved : n.saved;
    if (saved.length) {
      snap.savedTensors = saved.map((s) => ({
        shape: s.tensor.shape.slice(), dtype: s.tensor.dtype.name, isOutput: s.isOutput,
        savedVersion: s.version, version: s.tensor.version, released: n.released,
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
      if (from) edges.push({ from, to: id, inputNr });
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
      if (from) edges.push({ from, to: oid, inputNr: t.outputNr });
    }
  }
  return { nodes, edges, truncated };
}
