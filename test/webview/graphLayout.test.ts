// webview/graphLayout.ts and layered.ts: top-down layouts without overlaps, edges from a node's bottom
// to the next one's top, frames around module calls, and 2,000-node graphs in under a second.
import { describe, expect, it } from 'vitest';
import { ELK_MAX_NODES, Layout, layoutElk, layoutGraph, layoutLayered } from '../../webview/graphLayout';
import { buildView, ViewGraph } from '../../webview/graphModel';
import { layered } from '../../webview/layered';
import { deepSnapshot, mlpSnapshot } from './helpers';

const view = (s = mlpSnapshot().snapshot, collapsed: string[] = []) => buildView(s, { collapsed: new Set(collapsed), showSaved: false });

function checkLayout(v: ViewGraph, l: Layout): void {
  const pos = new Map(l.nodes.map((p) => [p.id, p]));
  expect(pos.size).toBe(v.nodes.length);
  for (const n of v.nodes) {
    const p = pos.get(n.id)!;
    expect([p.x, p.y].every(Number.isFinite)).toBe(true);
    expect(p.width).toBe(n.width);
    expect(p.height).toBe(n.height);
    expect(p.x).toBeGreaterThanOrEqual(0);
    expect(p.y).toBeGreaterThanOrEqual(0);
    expect(p.x + p.width).toBeLessThanOrEqual(l.width);
    expect(p.y + p.height).toBeLessThanOrEqual(l.height);
  }
  // no two nodes overlap
  const boxes = [...pos.values()].sort((a, b) => a.x - b.x);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length && boxes[j].x < boxes[i].x + boxes[i].width; j++) {
      const a = boxes[i], b = boxes[j];
      const overlap = a.y < b.y + b.height && b.y < a.y + a.height;
      expect(overlap, `${a.id} overlaps ${b.id}`).toBe(false);
    }
  }
  // every edge is drawn, from its source's bottom side down to its target's top side
  expect(l.edges.length).toBe(v.edges.length);
  for (const e of l.edges) {
    const a = pos.get(e.from)!, b = pos.get(e.to)!;
    const s = e.points[0], t = e.points[e.points.length - 1];
    expect(s.y).toBeCloseTo(a.y + a.height, 0);
    expect(t.y).toBeCloseTo(b.y, 0);
    expect(s.x).toBeGreaterThanOrEqual(a.x - 0.5);
    expect(s.x).toBeLessThanOrEqual(a.x + a.width + 0.5);
    expect(t.x).toBeGreaterThanOrEqual(b.x - 0.5);
    expect(t.x).toBeLessThanOrEqual(b.x + b.width + 0.5);
    expect(b.y).toBeGreaterThan(a.y);
  }
}

describe('layout', () => {
  it('lays out with the fast layered engine', () => {
    const v = view();
    const l = layoutLayered(v);
    expect(l.engine).toBe('layered');
    checkLayout(v, l);
    const collapsed = view(undefined, ['model.fc1', 'model.fc2']);
    checkLayout(collapsed, layoutLayered(collapsed));
  });

  it('lays out small graphs with ELK (auto), the same way', async () => {
    const v = view();
    const l = await layoutGraph(v);
    expect(l.engine).toBe('elk');
    checkLayout(v, l);
    expect(l.edges.every((e) => e.orthogonal)).toBe(true);
  });

  it('frames each expanded module call around its nodes, nested frames inside their parent', async () => {
    const v = view();
    for (const l of [layoutLayered(v), await layoutElk(v)]) {
      const pos = new Map(l.nodes.map((p) => [p.id, p]));
      const frame = new Map(l.groups.map((g) => [g.id, g]));
      expect(frame.size).toBe(v.groups.length);
      const inside = (a: { x: number; y: number; width: number; height: number }, f: { x: number; y: number; width: number; height: number }) =>
        a.x >= f.x && a.y >= f.y && a.x + a.width <= f.x + f.width && a.y + a.height <= f.y + f.height;
      for (const n of v.nodes) if (n.group) expect(inside(pos.get(n.id)!, frame.get(n.group)!)).toBe(true);
      for (const g of v.groups) if (g.parent) expect(inside(frame.get(g.id)!, frame.get(g.parent)!)).toBe(true);
    }
  });

  it('breaks cycles (collapsed modules can make them) and drops self-loops', () => {
    const nodes = ['a', 'b', 'c'].map((id) => ({ id, width: 40, height: 20 }));
    const r = layered(nodes, [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }, { from: 'b', to: 'b' }]);
    expect([...r.x, ...r.y].every(Number.isFinite)).toBe(true);
    expect(r.edges[3]).toBeNull();
    for (const p of r.edges.slice(0, 3)) expect(p!.length).toBeGreaterThanOrEqual(2);
    // the reversed edge still runs from its own source to its own target
    const c = nodes.findIndex((n) => n.id === 'c'), a = 0;
    const back = r.edges[2]!;
    expect(back[0].y === r.y[c] || back[0].y === r.y[c] + 20).toBe(true);
    expect(back[back.length - 1].y === r.y[a] || back[back.length - 1].y === r.y[a] + 20).toBe(true);
  });

  it(`uses layered.ts above ${ELK_MAX_NODES} nodes, and lays out 2,000 nodes in under a second`, async () => {
    layoutLayered(view(deepSnapshot(20))); // warm up the JIT
    const v = view(deepSnapshot(222));
    expect(v.nodes.length).toBeGreaterThanOrEqual(2000);
    // CPU time, not wall time: this machine's two cores are shared by parallel test runs, which
    // stretches wall time several-fold; on an idle machine the two are the same
    const t0 = performance.now(), c0 = process.cpuUsage();
    const l = await layoutGraph(v);
    const c = process.cpuUsage(c0), ms = (c.user + c.system) / 1000;
    console.log(`layout of ${v.nodes.length} nodes / ${v.edges.length} edges: ${ms.toFixed(0)} ms CPU, ${(performance.now() - t0).toFixed(0)} ms wall (${l.engine})`);
    expect(l.engine).toBe('layered');
    expect(ms).toBeLessThan(1000);
    checkLayout(v, l);
  });
});
