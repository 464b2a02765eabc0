// Pure: the graph to draw (graphModel.ts) → positioned nodes, edges and module frames. Small graphs
// go through ELK's layered algorithm (elkjs, the Eclipse Layout Kernel, bundled: it runs in the
// webview's own thread), expanded module calls as nested compound nodes; big ones through layered.ts,
// which lays out 2,000 nodes well under a second where ELK takes several (its frames are the boxes
// around their nodes and may overlap other nodes). Both are top-down Sugiyama layouts: inputs above,
// the output at the bottom.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { ViewGraph } from './graphModel';
import { Point, layered } from './layered';

export type { Point };
export type LayoutEngine = 'auto' | 'elk' | 'layered';

export interface PlacedNode { id: string; x: number; y: number; width: number; height: number }
export interface PlacedEdge {
  id: string;
  from: string;
  to: string;
  points: Point[];
  /** right-angled (ELK) rather than a smooth curve through the points (layered) */
  orthogonal: boolean;
}
export interface PlacedGroup { id: string; x: number; y: number; width: number; height: number; depth: number }
export interface Layout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  groups: PlacedGroup[];
  width: number;
  height: number;
  engine: 'elk' | 'layered';
  ms: number;
}

/** above this many nodes (or twice as many edges) `auto` uses layered.ts */
export const ELK_MAX_NODES = 150;
const FRAME_PAD = 8, FRAME_HEADER = 18;

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export function layoutGraph(view: ViewGraph, engine: LayoutEngine = 'auto'): Promise<Layout> {
  const useElk = engine === 'elk' || (engine === 'auto' && view.nodes.length <= ELK_MAX_NODES && view.edges.length <= 2 * ELK_MAX_NODES);
  return useElk ? layoutElk(view) : Promise.resolve(layoutLayered(view));
}

export function layoutLayered(view: ViewGraph): Layout {
  const t0 = now();
  const r = layered(view.nodes, view.edges);
  const nodes = view.nodes.map((n, i) => ({ id: n.id, x: r.x[i], y: r.y[i], width: n.width, height: n.height }));
  const edges: PlacedEdge[] = [];
  view.edges.forEach((e, i) => { const p = r.edges[i]; if (p) edges.push({ id: e.id, from: e.from, to: e.to, points: p, orthogonal: false }); });
  return finish(view, nodes, edges, 'layered', t0);
}

let elk: InstanceType<typeof ELK> | null = null;

const ELK_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.spacing.nodeNode': '24',
  'elk.layered.spacing.nodeNodeBetweenLayers': '32',
  'elk.layered.spacing.edgeNodeBetweenLayers': '12',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.padding': '[top=16,left=16,bottom=16,right=16]',
};

/** ELK with expanded module calls as compound nodes (their frames), edges routed across them. */
export async function layoutElk(view: ViewGraph): Promise<Layout> {
  const t0 = now();
  elk ??= new ELK();
  const ids = new Set(view.nodes.map((n) => n.id));
  const root: ElkNode = { id: 'root', layoutOptions: { ...ELK_OPTIONS, 'elk.hierarchyHandling': 'INCLUDE_CHILDREN' }, children: [] };
  const compound = new Map<string, ElkNode>();
  const groupIds = new Set(view.groups.map((g) => g.id));
  const holder = (group: string | null): ElkNode => {
    if (!group || !groupIds.has(group)) return root;
    let c = compound.get(group);
    if (!c) {
      c = { id: `grp:${group}`, children: [], layoutOptions: { 'elk.padding': `[top=${FRAME_PAD + FRAME_HEADER},left=${FRAME_PAD},bottom=${FRAME_PAD},right=${FRAME_PAD}]` } };
      compound.set(group, c);
      holder(view.groups.find((g) => g.id === group)!.parent).children!.push(c);
    }
    return c;
  };
  for (const n of view.nodes) holder(n.group).children!.push({ id: n.id, width: n.width, height: n.height });
  root.edges = view.edges.filter((e) => ids.has(e.from) && ids.has(e.to) && e.from !== e.to)
    .map((e): ElkExtendedEdge => ({ id: e.id, sources: [e.from], targets: [e.to] }));
  const out = await elk.layout(root);
  const nodes: PlacedNode[] = [];
  const groups: PlacedGroup[] = [];
  const origin = new Map<string, { x: number; y: number }>([['root', { x: 0, y: 0 }]]);
  const walk = (c: ElkNode, ox: number, oy: number, depth: number) => {
    for (const k of c.children ?? []) {
      const x = ox + (k.x ?? 0), y = oy + (k.y ?? 0);
      if (k.id.startsWith('grp:')) {
        origin.set(k.id, { x, y });
        groups.push({ id: k.id.slice(4), x, y, width: k.width ?? 0, height: k.height ?? 0, depth });
        walk(k, x, y, depth + 1);
      } else nodes.push({ id: k.id, x, y, width: k.width ?? 0, height: k.height ?? 0 });
    }
  };
  walk(out, 0, 0, 0);
  const ends = new Map(view.edges.map((e) => [e.id, e]));
  const edges: PlacedEdge[] = (out.edges ?? []).flatMap((e) => {
    const s = e.sections?.[0];
    const v = ends.get(e.id);
    if (!s || !v) return [];
    const o = origin.get(e.container ?? 'root') ?? origin.get('root')!;
    const points = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => ({ x: p.x + o.x, y: p.y + o.y }));
    return [{ id: e.id, from: v.from, to: v.to, points, orthogonal: true }];
  });
  const depthOf = new Map(view.groups.map((g) => [g.id, g.depth]));
  for (const g of groups) g.depth = depthOf.get(g.id) ?? g.depth;
  return finish(view, nodes, edges, 'elk', t0, groups);
}

function finish(view: ViewGraph, nodes: PlacedNode[], edges: PlacedEdge[], engine: Layout['engine'], t0: number, placedGroups?: PlacedGroup[]): Layout {
  const groups = placedGroups ?? frames(view, nodes);
  // frames may reach above or left of the margin: shift everything into view
  const dx = groups.length ? Math.max(0, 8 - Math.min(...groups.map((f) => f.x))) : 0;
  const dy = groups.length ? Math.max(0, 8 - Math.min(...groups.map((f) => f.y))) : 0;
  if (dx || dy) {
    for (const b of [...nodes, ...groups]) { b.x += dx; b.y += dy; }
    for (const e of edges) for (const p of e.points) { p.x += dx; p.y += dy; }
  }
  let width = 0, height = 0;
  for (const b of [...nodes, ...groups]) { width = Math.max(width, b.x + b.width); height = Math.max(height, b.y + b.height); }
  return { nodes, edges, groups, width: width + 16, height: height + 16, engine, ms: now() - t0 };
}

/** Frames around expanded module calls: their nodes and inner frames, deepest first. */
export function frames(view: ViewGraph, nodes: PlacedNode[]): PlacedGroup[] {
  const boxes = new Map<string, { x0: number; y0: number; x1: number; y1: number }>();
  const grow = (id: string, x0: number, y0: number, x1: number, y1: number) => {
    const b = boxes.get(id);
    if (!b) boxes.set(id, { x0, y0, x1, y1 });
    else { b.x0 = Math.min(b.x0, x0); b.y0 = Math.min(b.y0, y0); b.x1 = Math.max(b.x1, x1); b.y1 = Math.max(b.y1, y1); }
  };
  const placed = new Map(nodes.map((p) => [p.id, p]));
  for (const n of view.nodes) {
    const p = placed.get(n.id);
    if (p && n.group) grow(n.group, p.x, p.y, p.x + p.width, p.y + p.height);
  }
  const out: PlacedGroup[] = [];
  for (const g of [...view.groups].sort((a, b) => b.depth - a.depth)) {
    const b = boxes.get(g.id);
    if (!b) continue;
    const f = { id: g.id, x: b.x0 - FRAME_PAD, y: b.y0 - FRAME_PAD - FRAME_HEADER, width: b.x1 - b.x0 + 2 * FRAME_PAD, height: b.y1 - b.y0 + 2 * FRAME_PAD + FRAME_HEADER, depth: g.depth };
    out.push(f);
    if (g.parent) grow(g.parent, f.x, f.y, f.x + f.width, f.y + f.height);
  }
  return out.reverse();
}
