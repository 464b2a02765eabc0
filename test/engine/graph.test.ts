// engine/graph.ts: the snapshot must mirror the engine's own graph (grad_fn / next_functions, which
// autograd.test.ts checks against PyTorch), survive JSON, and summarise gradients and saved tensors.
import { describe, expect, it } from 'vitest';
import { torch } from '../../engine/index';
import { AccumulateGrad, Node } from '../../engine/autograd';
import { formatTensor } from '../../engine/format';
import { GraphSnapshot, summarize, toGraph } from '../../engine/graph';
import { Tensor } from '../../engine/tensor';

const leaf = (v: unknown) => torch.tensor(v, { dtype: torch.float32, requires_grad: true });

/** Every (producer, consumer, consumer's input slot) triple reachable from `t` through next_functions. */
function walk(t: Tensor): Set<string> {
  const out = new Set<string>();
  const seen = new Set<Node>();
  const name = (n: Node) => (n instanceof AccumulateGrad ? `leaf:${n.variable.id}` : `${n.name}:${n.seq}`);
  const go = (n: Node) => {
    if (seen.has(n)) return;
    seen.add(n);
    n.nextFunctions.forEach(([m], slot) => { if (m) { out.add(`${name(m)} -> ${name(n)} @${slot}`); go(m); } });
  };
  go(t.grad_fn!);
  return out;
}

function edgesOf(g: GraphSnapshot): Set<string> {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const key = (id: string) => {
    const n = byId.get(id)!;
    return n.kind === 'leaf' ? `leaf:${id.slice(4)}` : `${n.name}:${id.slice(2)}`;
  };
  return new Set(g.edges.filter((e) => byId.get(e.to)!.kind === 'op').map((e) => `${key(e.from)} -> ${key(e.to)} @${e.inputNr}`));
}

describe('toGraph', () => {
  it('mirrors next_functions, with an output node and leaves', () => {
    const x = leaf([1, 2, 3]);
    const w = leaf([0.5, -1, 2]);
    x.label = 'x';
    const y = x.mul(w).add(x).sigmoid().sum();
    const g = toGraph(y, { labels: new Map([[w, 'w']]) });
    expect(edgesOf(g)).toEqual(walk(y));
    const out = g.nodes.filter((n) => n.kind === 'output');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ shape: [], dtype: 'float32' });
    expect(g.edges.filter((e) => e.to === out[0].id)).toEqual([{ from: `op${y.grad_fn!.seq}`, to: out[0].id, inputNr: 0 }]);
    const leaves = g.nodes.filter((n) => n.kind === 'leaf').map((n) => n.name).sort();
    expect(leaves).toEqual(['w', 'x']);
    const ops = g.nodes.filter((n) => n.kind === 'op');
    const reachable = new Set<Node>();
    const go = (n: Node) => { if (n instanceof AccumulateGrad || reachable.has(n)) return; reachable.add(n); n.nextFunctions.forEach(([m]) => m && go(m)); };
    go(y.grad_fn!);
    expect(new Set(ops.map((n) => n.id))).toEqual(new Set([...reachable].map((n) => `op${n.seq}`)));
    for (const n of reachable) {
      expect(ops.find((o) => o.id === `op${n.seq}`)).toMatchObject({ name: n.name, shape: n.outputMeta[0].shape, dtype: n.outputMeta[0].dtype.name });
    }
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
    expect(g.truncated).toBe(false);
  });

  it('summarises leaf gradients after backward, and saved tensors with their versions', () => {
    const x = leaf([1, -2, 3]);
    const s = x.sigmoid();
    const loss = s.mul(s).sum();
    loss.backward({ retain_graph: true });
    const g = toGraph(loss);
    const xl = g.nodes.find((n) => n.kind === 'leaf')!;
    expect(xl.gradPreview).toEqual(summarize(x.grad!));
    expect(xl.gradPreview!.preview).toBe(formatTensor(x.grad!, { threshold: 20, edgeitems: 2, linewidth: 60 }));
    const vals = x.grad!.toFlatArray();
    expect(xl.gradPreview!.min).toBe(Math.min(...vals));
    expect(xl.gradPreview!.max).toBe(Math.max(...vals));
    expect(xl.gradPreview!.norm).toBeCloseTo(Math.hypot(...vals), 12);
    const sig = g.nodes.find((n) => n.name === s.grad_fn!.name)!;
    expect(sig.savedTensors).toEqual(s.grad_fn!.saved.map((t: { isOutput: boolean }) => ({
      shape: [3], dtype: 'float32', isOutput: t.isOutput, savedVersion: 0, version: 0, released: false,
    })));
    torch.no_grad(() => s.mul_(2));
    const after = toGraph(loss, { savedNodes: true });
    const sig2 = after.nodes.find((n) => n.id === sig.id)!;
    expect(sig2.savedTensors!.some((t) => t.version !== t.savedVersion)).toBe(true);
    const savedNodes = after.nodes.filter((n) => n.kind === 'saved');
    expect(savedNodes.length).toBeGreaterThan(0);
    for (const n of savedNodes) expect(after.edges).toContainEqual({ from: n.id, to: n.id.split('.')[0], inputNr: -1 });
  });

  it('shows freed nodes, leaf roots, several roots, and stops at maxNodes', () => {
    const x = leaf([1, 2]);
    const a = x.mul(x);
    const b = a.mul(3).sum();
    b.backward();
    const g = toGraph([b, a]);
    expect(g.nodes.filter((n) => n.kind === 'output')).toHaveLength(2);
    expect(g.nodes.find((n) => n.id === `op${a.grad_fn!.seq}`)!.released).toBe(true);
    expect(toGraph(x).nodes).toEqual([expect.objectContaining({ kind: 'leaf', shape: [2], requiresGrad: true })]);
    let t = x;
    for (let i = 0; i < 20; i++) t = t.mul(2);
    const cut = toGraph(t, { maxNodes: 5 });
    expect(cut.truncated).toBe(true);
    expect(cut.nodes.filter((n) => n.kind === 'op')).toHaveLength(5);
  });

  it('shows CopySlices for a view modified in place', () => {
    const a = leaf([[1, 2], [3, 4]]);
    const x = a.clone();
    x.select(0, 0).mul_(2);
    const s = x.sum();
    const g = toGraph(s);
    expect(edgesOf(g)).toEqual(walk(s));
    expect(g.nodes.some((n) => n.name === x.grad_fn!.name && n.shape!.join() === '2,2')).toBe(true);
  });
});
