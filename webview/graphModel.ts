// Pure: a graph snapshot + the panel's view state → the graph to draw. Collapsed modules become one
// box each (their edges rerouted and merged), saved tensors become nodes when shown, and every node
// gets its text lines and size (a monospace estimate, so layout needs no DOM).
import type { GradFlag, GraphModuleSnapshot, GraphNodeSnapshot, GraphSnapshot, Heatmap, TensorSummary } from './protocol';

export interface ViewState {
  /** dotted module paths shown as one box (`model.encoder`); every call of that module collapses */
  collapsed: ReadonlySet<string>;
  showSaved: boolean;
}

export type ViewKind = 'op' | 'leaf' | 'output' | 'saved' | 'module';

export interface ViewNode {
  id: string;
  kind: ViewKind;
  title: string;
  /** text under the title: shape and dtype, module sizes, saved-tensor state */
  lines: string[];
  /** the gradient as shown: PyTorch's print of it (small), else its norm */
  gradText: string[];
  /** the snapshot node (absent for module boxes) */
  node?: GraphNodeSnapshot;
  /** module boxes: the module call, its dotted path and how many nodes it hides */
  module?: GraphModuleSnapshot;
  path?: string;
  hidden?: number;
  /** innermost expanded module call this node sits in (its frame), or null */
  group: string | null;
  grad?: TensorSummary;
  heatmap?: Heatmap;
  flags: GradFlag[];
  width: number;
  height: number;
}

export interface ViewEdge {
  id: string;
  from: string;
  to: string;
  /** the gradient that flowed along it (single edges of a retained graph) */
  grad?: TensorSummary;
  /** snapshot edges merged into this one (through collapsed modules) */
  count: number;
}

export interface ViewGroup {
  id: string;
  label: string;
  path: string;
  depth: number;
  parent: string | null;
}

export interface ViewGraph {
  nodes: ViewNode[];
  edges: ViewEdge[];
  /** expanded module calls with something visible inside: drawn as frames */
  groups: ViewGroup[];
}

export const CHAR_W = 7.2;
export const LINE_H = 16;
const PAD_X = 10, PAD_Y = 6;
/** tensors up to this many elements show their values as PyTorch prints them */
export const PREVIEW_MAX = 20;

/** `(2, 3)` like a Python tuple */
export const shapeText = (s: readonly number[]) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`);

export function fmtNum(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-3 || a >= 1e4 ? x.toExponential(2) : x.toPrecision(4).replace(/\.?0+$/, '');
}

/** How a gradient is shown: its printed value (small), a heatmap (matrices), else its norm. */
export function gradLines(g: TensorSummary): { lines: string[]; heatmap?: Heatmap } {
  if (g.numel <= PREVIEW_MAX) return { lines: g.preview.split('\n') };
  const norm = `‖g‖ ${fmtNum(g.norm)}  max|g| ${fmtNum(g.absMax)}`;
  return g.heatmap ? { lines: [norm], heatmap: g.heatmap } : { lines: [norm] };
}

export const flagText: Record<GradFlag, string> = { nonfinite: 'NaN/Inf', vanishing: 'vanishing', exploding: 'exploding' };

/** Cell size and grid size of a heatmap inside a node. */
export function heatmapBox(h: Heatmap): { cell: number; width: number; height: number } {
  const cell = Math.max(3, Math.min(10, Math.floor(168 / Math.max(h.rows, h.cols))));
  return { cell, width: h.cols * cell, height: h.rows * cell };
}

function sized(n: Omit<ViewNode, 'width' | 'height' | 'gradText'> & { gradText?: string[] }): ViewNode {
  const gradText = n.gradText ?? [];
  const texts = [n.title, ...n.lines, ...gradText, n.flags.length ? n.flags.map((f) => flagText[f]).join(' ') : ''];
  const chars = Math.max(...texts.map((t) => t.length));
  const hm = n.heatmap ? heatmapBox(n.heatmap) : null;
  const width = Math.ceil(Math.max(56, chars * CHAR_W + 2 * PAD_X, hm ? hm.width + 2 * PAD_X : 0));
  const rows = 1 + n.lines.length + gradText.length + (n.flags.length ? 1 : 0);
  const height = Math.ceil(rows * LINE_H + 2 * PAD_Y + (hm ? hm.height + 4 : 0));
  return { ...n, gradText, width, height };
}

/** Dotted path of a module call (`model.fc1`), from the snapshot's modules. */
export function modulePaths(modules: readonly GraphModuleSnapshot[]): Map<string, string> {
  const byId = new Map(modules.map((m) => [m.id, m]));
  const out = new Map<string, string>();
  const pathOf = (m: GraphModuleSnapshot): string => {
    const known = out.get(m.id);
    if (known !== undefined) return known;
    const parent = m.parent ? byId.get(m.parent) : undefined;
    const p = parent ? `${pathOf(parent)}.${m.name}` : m.name;
    out.set(m.id, p);
    return p;
  };
  modules.forEach(pathOf);
  return out;
}

/** Modules to collapse when a graph is first shown: none for small graphs, else the root's children. */
export function defaultCollapsed(s: GraphSnapshot, maxOps = 80): Set<string> {
  const ops = s.nodes.filter((n) => n.kind === 'op').length;
  if (ops <= maxOps || s.modules.length === 0) return new Set();
  const paths = modulePaths(s.modules);
  const minDepth = Math.min(...s.modules.map((m) => m.depth));
  // the model itself stays open when it has submodules: its children are the useful boxes
  const hasChildren = s.modules.some((m) => m.depth === minDepth + 1);
  const depth = hasChildren ? minDepth + 1 : minDepth;
  return new Set(s.modules.filter((m) => m.depth === depth).map((m) => paths.get(m.id)!));
}

export function buildView(s: GraphSnapshot, state: ViewState): ViewGraph {
  const modules = new Map(s.modules.map((m) => [m.id, m]));
  const paths = modulePaths(s.modules);
  const chain = (id: string | undefined): GraphModuleSnapshot[] => {
    const out: GraphModuleSnapshot[] = [];
    for (let m = id ? modules.get(id) : undefined; m; m = m.parent ? modules.get(m.parent) : undefined) out.unshift(m);
    return out;
  };
  /** where a node in module call `id` goes: the outermost collapsed call, else itself inside the innermost call */
  const placeCache = new Map<string, { box: GraphModuleSnapshot | null; group: string | null }>();
  const place = (id: string | undefined) => {
    const key = id ?? '';
    let p = placeCache.get(key);
    if (!p) {
      const c = chain(id);
      const box = c.find((m) => state.collapsed.has(paths.get(m.id)!)) ?? null;
      p = { box, group: box ? box.parent : c.length ? c[c.length - 1].id : null };
      placeCache.set(key, p);
    }
    return p;
  };

  const nodes: ViewNode[] = [];
  const rep = new Map<string, string>();
  const boxes = new Map<string, { m: GraphModuleSnapshot; group: string | null; hidden: number }>();
  const hide = (snapId: string, moduleId: string | undefined): boolean => {
    const p = place(moduleId);
    if (!p.box) return false;
    const bid = `mod:${p.box.id}`;
    rep.set(snapId, bid);
    const b = boxes.get(bid);
    if (b) b.hidden++;
    else boxes.set(bid, { m: p.box, group: p.group, hidden: 1 });
    return true;
  };

  for (const n of s.nodes) {
    if (n.kind === 'saved') continue; // built from savedTensors below, when shown
    if (hide(n.id, n.module)) continue;
    rep.set(n.id, n.id);
    // a leaf is drawn as its tensor; AccumulateGrad is PyTorch's name for its node
    const lines: string[] = n.kind === 'leaf' ? ['AccumulateGrad'] : [];
    if (n.shape) lines.push(`${shapeText(n.shape)}${n.kind === 'op' ? '' : ` ${n.dtype ?? ''}`}`.trimEnd());
    const g = n.gradPreview;
    const gl = g ? gradLines(g) : null;
    nodes.push(sized({
      id: n.id, kind: n.kind, title: n.name, lines, gradText: gl?.lines, node: n, group: place(n.module).group,
      grad: g, heatmap: gl?.heatmap, flags: g ? g.flags : [],
    }));
  }

  const edges: ViewEdge[] = [];
  const edgeIndex = new Map<string, ViewEdge>();
  const addEdge = (from: string, to: string, grad?: TensorSummary) => {
    if (from === to) return;
    const key = `${from}->${to}`;
    const e = edgeIndex.get(key);
    if (e) { e.count++; delete e.grad; return; }
    const ne: ViewEdge = { id: `e${edges.length}`, from, to, count: 1, ...(grad ? { grad } : {}) };
    edgeIndex.set(key, ne);
    edges.push(ne);
  };
  for (const e of s.edges) {
    const from = rep.get(e.from), to = rep.get(e.to);
    if (from && to) addEdge(from, to, e.grad);
  }

  if (state.showSaved) {
    for (const n of s.nodes) {
      if (n.kind !== 'op' || !n.savedTensors) continue;
      n.savedTensors.forEach((t, i) => {
        const id = `${n.id}.saved${i}`;
        if (hide(id, n.module)) return;
        const stale = t.version !== t.savedVersion;
        const lines = [`${shapeText(t.shape)} ${t.dtype}`];
        if (t.released) lines.push('freed');
        if (stale) lines.push(`version ${t.version} ≠ saved ${t.savedVersion}`);
        nodes.push(sized({ id, kind: 'saved', title: t.name ?? (t.isOutput ? 'result' : 'saved'), lines, group: place(n.module).group, flags: [] }));
        rep.set(id, id);
        addEdge(id, rep.get(n.id)!);
      });
    }
  }

  for (const [id, b] of boxes) {
    const path = paths.get(b.m.id)!;
    nodes.push(sized({
      id, kind: 'module', title: `${b.m.name}: ${b.m.type}`, lines: [`${b.hidden} node${b.hidden === 1 ? '' : 's'} ▸`],
      module: b.m, path, hidden: b.hidden, group: b.group, flags: [],
    }));
  }

  // frames: expanded calls that hold a visible node (and their expanded ancestors)
  const groupIds = new Set<string>();
  for (const n of nodes) for (const m of chain(n.group ?? undefined)) groupIds.add(m.id);
  const groups: ViewGroup[] = [...groupIds].map((id) => {
    const m = modules.get(id)!;
    return { id, label: `${m.name}: ${m.type}`, path: paths.get(id)!, depth: m.depth, parent: m.parent };
  }).sort((a, b) => a.depth - b.depth);
  return { nodes, edges, groups };
}
