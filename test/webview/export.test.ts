// webview/export.ts: the Graphviz DOT export (SVG and PNG need a browser: the e2e test saves neither,
// it checks the panel's DOM).
import { describe, expect, it } from 'vitest';
import { toDot } from '../../webview/export';
import { buildView } from '../../webview/graphModel';
import { mlpSnapshot } from './helpers';

/** statements of a DOT text, one per line as toDot writes them */
const lines = (dot: string) => dot.split('\n').map((l) => l.trim()).filter(Boolean);

describe('toDot', () => {
  it('writes every node with torchviz colours, every edge, and clusters for expanded modules', () => {
    const { snapshot } = mlpSnapshot({ retain: true });
    const v = buildView(snapshot, { collapsed: new Set(['model.fc2']), showSaved: true });
    const dot = toDot(v, 'loss');
    const ls = lines(dot);
    expect(ls[0]).toBe('digraph "loss" {');
    expect(ls[ls.length - 1]).toBe('}');
    const fill: Record<string, string> = { op: 'lightgrey', leaf: 'lightblue', output: 'darkolivegreen1', saved: 'orange', module: 'lavender' };
    for (const n of v.nodes) {
      const decl = ls.find((l) => l.startsWith(`"${n.id}" [`));
      expect(decl, n.id).toBeDefined();
      expect(decl).toContain(`label="${n.title.replace(/"/g, '\\"')}`);
      expect(decl).toContain(`fillcolor=${n.flags.includes('nonfinite') ? 'red' : fill[n.kind]}`);
    }
    for (const e of v.edges) expect(ls.some((l) => l.startsWith(`"${e.from}" -> "${e.to}"`))).toBe(true);
    expect(ls.filter((l) => /^subgraph cluster_\d+ \{$/.test(l))).toHaveLength(v.groups.length);
    expect(ls.filter((l) => l === '}')).toHaveLength(v.groups.length + 1);
    // a leaf's gradient is in its label, as PyTorch prints it (lines left-justified with \l)
    const leaf = v.nodes.find((n) => n.kind === 'leaf' && n.gradText.length === 1)!;
    expect(ls.find((l) => l.startsWith(`"${leaf.id}"`))).toContain(`grad ${leaf.gradText[0]}\\l`);
    // braces and quotes balance
    expect((dot.match(/\{/g) ?? []).length).toBe((dot.match(/\}/g) ?? []).length);
    expect(dot.replace(/\\"/g, '').split('"').length % 2).toBe(1);
  });

  it('labels edges with their gradient unless asked not to', () => {
    const v = buildView(mlpSnapshot({ retain: true }).snapshot, { collapsed: new Set(), showSaved: false });
    const labelled = (dot: string) => lines(dot).filter((l) => l.includes(' -> ') && l.includes('label=')).length;
    expect(labelled(toDot(v))).toBe(v.edges.filter((e) => e.grad).length);
    expect(labelled(toDot(v, 'loss', { edgeGrads: false }))).toBe(0);
  });

  it('escapes quotes, backslashes and newlines in labels', () => {
    const dot = toDot({ nodes: [{ id: 'a"b', kind: 'leaf', title: 'we"ird\\name', lines: ['x\ny'], gradText: [], group: null, flags: [], width: 1, height: 1 }], edges: [], groups: [] });
    expect(dot).toContain('"a\\"b" [label="we\\"ird\\\\name\\lx\\ly\\l"');
  });
});
