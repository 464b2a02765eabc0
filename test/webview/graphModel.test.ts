// webview/graphModel.ts: snapshot + view state → what is drawn (module boxes, saved tensors, text).
import { describe, expect, it } from 'vitest';
import { summarize } from '../../engine/graph';
import { torch } from '../../engine/index';
import { buildView, defaultCollapsed, gradLines, modulePaths, PREVIEW_MAX } from '../../webview/graphModel';
import { deepSnapshot, mlpSnapshot } from './helpers';

const none = { collapsed: new Set<string>(), showSaved: false };

describe('buildView', () => {
  it('draws every snapshot node when nothing is collapsed, inside frames of their module calls', () => {
    const { snapshot: s } = mlpSnapshot();
    const v = buildView(s, none);
    expect(v.nodes.map((n) => n.id).sort()).toEqual(s.nodes.map((n) => n.id).sort());
    expect(v.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(s.edges.map((e) => `${e.from}>${e.to}`).sort());
    expect(new Set(v.groups.map((g) => g.id))).toEqual(new Set(s.modules.map((m) => m.id)));
    for (const n of v.nodes) {
      expect(n.group ?? undefined).toBe(n.node!.module);
      expect(n.width).toBeGreaterThan(0);
      expect(n.height).toBeGreaterThan(0);
    }
    // frames come outermost first, each after its parent
    const seen = new Set<string>();
    for (const g of v.groups) { if (g.parent) expect(seen.has(g.parent)).toBe(true); seen.add(g.id); }
  });

  it('collapses every call of a module into its own box, rerouting and merging edges', () => {
    const { snapshot: s } = mlpSnapshot();
    const v = buildView(s, { collapsed: new Set(['model.fc1']), showSaved: false });
    const boxes = v.nodes.filter((n) => n.kind === 'module');
    expect(boxes.map((b) => b.path)).toEqual(['model.fc1', 'model.fc1']);
    const paths = modulePaths(s.modules);
    for (const b of boxes) {
      const inside = s.nodes.filter((n) => n.module === b.module!.id);
      expect(b.hidden).toBe(inside.length);
      expect(b.group).toBe(b.module!.parent);
      expect(paths.get(b.module!.id)).toBe('model.fc1');
      for (const n of inside) expect(v.nodes.find((x) => x.id === n.id)).toBeUndefined();
    }
    const ids = new Set(v.nodes.map((n) => n.id));
    for (const e of v.edges) { expect(ids.has(e.from) && ids.has(e.to)).toBe(true); expect(e.from).not.toBe(e.to); }
    // the second call uses the first call's parameters (they sit in the first box): one merged edge
    const [first, second] = boxes;
    const shared = v.edges.filter((e) => e.from === first.id && e.to === second.id);
    expect(shared).toHaveLength(1);
    expect(shared[0].count).toBe(2);
    // collapsing the model hides everything but the loss ops
    const all = buildView(s, { collapsed: new Set(['model']), showSaved: false });
    expect(all.nodes.filter((n) => n.kind === 'module').map((n) => n.title)).toEqual(['model: Net', 'model: Net']);
    expect(all.groups).toEqual([]);
  });

  it('shows saved tensors as nodes feeding their op when asked', () => {
    const { snapshot: s } = mlpSnapshot();
    const v = buildView(s, { collapsed: new Set(), showSaved: true });
    const saved = v.nodes.filter((n) => n.kind === 'saved');
    const count = s.nodes.reduce((k, n) => k + (n.savedTensors?.length ?? 0), 0);
    expect(count).toBeGreaterThan(0);
    expect(saved).toHaveLength(count);
    for (const n of saved) expect(v.edges.some((e) => e.from === n.id && e.to === n.id.split('.')[0])).toBe(true);
  });

  it('shows leaf gradients as PyTorch prints them, with flags', () => {
    const { snapshot: s } = mlpSnapshot({ retain: true });
    const v = buildView(s, none);
    for (const n of v.nodes.filter((x) => x.kind === 'leaf')) {
      const g = n.node!.gradPreview!;
      expect(n.gradText).toEqual(g.numel <= PREVIEW_MAX ? g.preview.split('\n') : [expect.stringMatching(/^‖g‖ /)]);
    }
    // edges carry the gradient that flowed along them
    expect(v.edges.filter((e) => e.grad).length).toBe(s.edges.filter((e) => e.grad).length);
  });

  it('picks the gradient display by size: print, heatmap, norm', () => {
    const small = summarize(torch.tensor([[1, 2], [3, 4]], { dtype: torch.float32 }));
    expect(gradLines(small)).toEqual({ lines: small.preview.split('\n') });
    const mat = summarize(torch.ones(8, 9));
    expect(gradLines(mat).heatmap).toEqual(mat.heatmap);
    expect(gradLines(mat).lines).toEqual(['‖g‖ 8.485  max|g| 1']);
    const vec = gradLines(summarize(torch.full([100], NaN)));
    expect(vec).toEqual({ lines: ['‖g‖ nan  max|g| 0'] });
  });

  it('collapses nothing in small graphs, and the model\'s children in big ones', () => {
    const { snapshot: s } = mlpSnapshot();
    expect(defaultCollapsed(s)).toEqual(new Set());
    expect(defaultCollapsed(s, 4)).toEqual(new Set(['model.fc1', 'model.act', 'model.fc2']));
    expect(defaultCollapsed(deepSnapshot(20), 4)).toEqual(new Set());
  });
});
