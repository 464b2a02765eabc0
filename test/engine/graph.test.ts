// engine/graph.ts: the snapshot must mirror the engine's own graph (grad_fn / next_functions, which
// autograd.test.ts checks against PyTorch), survive JSON, and summarise gradients and saved tensors.
import { describe, expect, it } from 'vitest';
import { torch } from '../../engine/index';
import { AccumulateGrad, Node, setSiteProvider } from '../../engine/autograd';
import { formatTensor } from '../../engine/format';
import { GraphSnapshot, heatmapOf, moduleCalls, siteReader, summarize, toGraph } from '../../engine/graph';
import { defaultTarget, graphQuery, graphTargets, jsGraphEnv } from '../../engine/runtime/graphQuery';
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
    expect(xl.gradPreview!.preview).toBe(formatTensor(x.grad!));
    const vals = x.grad!.toFlatArray();
    expect(xl.gradPreview!.min).toBe(Math.min(...vals));
    expect(xl.gradPreview!.max).toBe(Math.max(...vals));
    expect(xl.gradPreview!.norm).toBeCloseTo(Math.hypot(...vals), 12);
    const sig = g.nodes.find((n) => n.name === s.grad_fn!.name)!;
    expect(sig.savedTensors).toEqual(s.grad_fn!.saved.map((t: { isOutput: boolean }) => ({
      shape: [3], dtype: 'float32', isOutput: t.isOutput, savedVersion: 0, version: 0, released: false,
      name: t.isOutput ? 'result' : `tensor${x.id}`,
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

describe('node sites and modules', () => {
  it('asks the site provider once per recorded node (never for AccumulateGrad) and groups by module call', () => {
    const calls: string[] = [];
    let site: { file: string; line: number; module?: string } | null = { file: 'net.py', line: 7, module: 'model:Net:1/fc:Linear:2' };
    setSiteProvider(() => { calls.push('site'); return site; });
    try {
      const w = leaf([[1, 2], [3, 4]]);
      const x = leaf([1, -1]);
      const h = w.matmul(x);
      site = { file: 'net.py', line: 9, module: 'model:Net:1' };
      const y = h.relu();
      site = null;
      const loss = y.sum();
      expect(calls).toHaveLength(3);
      const g = toGraph(loss, { labels: new Map([[w, 'model.fc.weight'], [x, 'x']]) });
      const op = (t: Tensor) => g.nodes.find((n) => n.id === `op${t.grad_fn!.seq}`)!;
      expect(op(h)).toMatchObject({ site: { file: 'net.py', line: 7 }, module: 'model:Net:1/fc:Linear:2' });
      expect(op(y)).toMatchObject({ site: { file: 'net.py', line: 9 }, module: 'model:Net:1' });
      expect(op(loss).site).toBeUndefined();
      expect(op(loss).module).toBeUndefined();
      expect(g.modules).toEqual(moduleCalls('model:Net:1/fc:Linear:2'));
      expect(g.modules).toEqual([
        { id: 'model:Net:1', name: 'model', type: 'Net', parent: null, depth: 0 },
        { id: 'model:Net:1/fc:Linear:2', name: 'fc', type: 'Linear', parent: 'model:Net:1', depth: 1 },
      ]);
      // parameters join the module their dotted name points at; other leaves stay outside
      expect(g.nodes.find((n) => n.name === 'model.fc.weight')!.module).toBe('model:Net:1/fc:Linear:2');
      expect(g.nodes.find((n) => n.name === 'x')!.module).toBeUndefined();
      expect(w.grad_fn).toBeNull();
    } finally {
      setSiteProvider(null);
    }
  });

  it('survives a failing provider, and reads the runtime\'s site strings', () => {
    setSiteProvider(() => { throw new Error('provider broke'); });
    try {
      const y = leaf([1, 2]).mul(2);
      expect(y.grad_fn!.site).toBeNull();
    } finally {
      setSiteProvider(null);
    }
    expect(siteReader(() => '12\t/ws/a b.py\tm:Net:1')()).toEqual({ file: '/ws/a b.py', line: 12, module: 'm:Net:1' });
    expect(siteReader(() => '3\t<stdin>\t')()).toEqual({ file: '<stdin>', line: 3 });
    expect(siteReader(() => undefined)()).toBeNull();
  });
});

describe('gradient summaries and edge gradients', () => {
  it('flags NaN/Inf, vanishing and exploding gradients', () => {
    const f = (v: unknown) => summarize(torch.tensor(v, { dtype: torch.float32 })).flags;
    expect(f([1, NaN])).toEqual(['nonfinite']);
    expect(f([1, -Infinity])).toEqual(['nonfinite']);
    expect(f([1e-9, -3e-8])).toEqual(['vanishing']);
    expect(f([0, 0])).toEqual(['vanishing']);
    expect(f([1, -2e3])).toEqual(['exploding']);
    expect(f([0.5, -2])).toEqual([]);
    expect(summarize(torch.tensor([1, 2]), { exploding: 2 }).flags).toEqual(['exploding']);
    const s = summarize(torch.tensor([3, NaN, -Infinity, 4], { dtype: torch.float32 }));
    expect(s).toMatchObject({ nanCount: 1, infCount: 1, absMax: 4, numel: 4 });
    expect(s.norm).toBeNaN();
  });

  it('previews small tensors as print() does, larger ones summarised, and matrices as a heatmap', () => {
    const small = torch.arange(12, { dtype: torch.float32 }).reshape(3, 4);
    expect(summarize(small).preview).toBe(formatTensor(small));
    const big = torch.arange(48 * 48, { dtype: torch.float32 }).reshape(48, 48);
    const s = summarize(big);
    expect(s.preview).toBe(formatTensor(big, { threshold: 20, edgeitems: 2, linewidth: 60 }));
    expect(s.heatmap!.rows).toBe(24);
    expect(s.heatmap!.cols).toBe(24);
    const v = big.toFlatArray();
    // block (i, j) is the mean of rows 2i..2i+1, columns 2j..2j+1
    for (const [i, j] of [[0, 0], [5, 17], [23, 23]]) {
      const want = (v[2 * i * 48 + 2 * j] + v[2 * i * 48 + 2 * j + 1] + v[(2 * i + 1) * 48 + 2 * j] + v[(2 * i + 1) * 48 + 2 * j + 1]) / 4;
      expect(s.heatmap!.values[i * 24 + j]).toBe(want);
    }
    expect(heatmapOf([1, 2, 3, 4, 5, 6], 2, 3)).toEqual({ rows: 2, cols: 3, values: [1, 2, 3, 4, 5, 6] });
    expect(summarize(torch.tensor([1, 2, 3])).heatmap).toBeUndefined();
  });

  it('shows the gradient on each edge after a backward that retained the graph, and only then', () => {
    const x = leaf([1, -2, 3]);
    const w = leaf([0.5, 0.5, 0.5]);
    const y = x.mul(w).sum();
    y.backward({ retain_graph: true });
    const g = toGraph(y);
    const into = (from: string) => g.edges.find((e) => e.from === from)!;
    // a leaf used once receives exactly its .grad along its edge
    expect(into(`leaf${x.id}`).grad).toEqual(summarize(x.grad!));
    expect(into(`leaf${w.id}`).grad).toEqual(summarize(w.grad!));
    // the output edge carries the implicit ones
    expect(g.edges.find((e) => e.to === `out${y.id}`)!.grad!.preview).toBe(formatTensor(torch.ones_like(y)));
    expect(toGraph(y, { edgeGrads: false }).edges.every((e) => e.grad === undefined)).toBe(true);
    y.backward();
    expect(toGraph(y).edges.every((e) => e.grad === undefined)).toBe(true);
  });
});

describe('graph queries (the worker\'s answer to the panel)', () => {
  it('lists tensors with a grad_fn, picks the latest loss-like one, labels leaves with names', () => {
    const x = leaf([1, 2]);
    const scale = leaf([3]);
    const ctx: Record<string, unknown> = { x, scale, n: 3 };
    ctx.h = x.mul(scale);
    ctx.loss = (ctx.h as Tensor).sum();
    ctx.later = (ctx.h as Tensor).exp();
    const env = jsGraphEnv(ctx);
    const targets = graphTargets(env.names());
    expect(targets.map((t) => t.expr)).toEqual(['later', 'loss', 'h']);
    expect(defaultTarget(targets)!.expr).toBe('loss');
    expect(defaultTarget(targets.filter((t) => t.expr !== 'loss'))!.expr).toBe('later');
    const r = graphQuery({ requestId: 1, expr: null }, env);
    if (r.kind !== 'graph') throw new Error(r.reason);
    expect(r.expr).toBe('loss');
    expect(r.snapshot.nodes.filter((n) => n.kind !== 'op').map((n) => n.name).sort()).toEqual(['loss', 'scale', 'x']);
    expect(graphQuery({ requestId: 1, expr: 'n' }, env)).toMatchObject({ kind: 'notFound', reason: 'n is not a tensor' });
    expect(graphQuery({ requestId: 1, expr: 'nope' }, env).kind).toBe('notFound');
    expect(graphQuery({ requestId: 1, expr: null }, jsGraphEnv({}))).toMatchObject({ kind: 'notFound', expr: null, targets: [] });
  });
});
