// webview/protocol.ts: every message validates its whole payload; graph data survives the JSON that
// carries webview messages, NaN and Inf included.
import { describe, expect, it } from 'vitest';
import { torch } from '../../engine/index';
import { toGraph } from '../../engine/graph';
import {
  Busy, Highlight, Ready, Refresh, RevealNode, SaveExport, SelectTarget, ShowEmpty, ShowGraph, WebviewError,
  fromWire, isSnapshot, snapshotOf, toWire,
} from '../../webview/protocol';
import { mlpSnapshot } from './helpers';

/** what VS Code does to a message between host and webview */
const viaJson = (m: unknown) => JSON.parse(JSON.stringify(m));

function nanGraph() {
  const x = torch.tensor([0, 4, -1], { dtype: torch.float32, requires_grad: true });
  const y = x.sqrt().sum();
  y.backward({ retain_graph: true });
  return toGraph(y);
}

describe('webview protocol', () => {
  it('keeps NaN and Inf through the wire format, and checks the snapshot', () => {
    const s = nanGraph();
    const leaf = s.nodes.find((n) => n.kind === 'leaf')!;
    expect(leaf.gradPreview!.flags).toEqual(['nonfinite']);
    const msg = viaJson(ShowGraph.with({ expr: 'y', wire: toWire(s), targets: [], auto: true }));
    expect(ShowGraph.is(msg)).toBe(true);
    const back = snapshotOf(msg.params)!;
    expect(back).toEqual(s);
    expect(back.nodes.find((n) => n.kind === 'leaf')!.gradPreview!.norm).toBeNaN();
    expect(JSON.parse(JSON.stringify(s)).nodes.find((n: { kind: string }) => n.kind === 'leaf').gradPreview.norm).toBeNull();
    expect(fromWire(toWire([Infinity, -Infinity, 1, { $num: 'x', y: 1 }]))).toEqual([Infinity, -Infinity, 1, { $num: 'x', y: 1 }]);
  });

  it('accepts real snapshots and rejects damaged ones', () => {
    const { snapshot } = mlpSnapshot({ retain: true, saved: true });
    expect(isSnapshot(snapshot)).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- damaging a snapshot on purpose
    const bad = (f: (s: any) => void) => { const c = structuredClone(snapshot); f(c); return isSnapshot(c); };
    expect(bad((c) => { c.nodes[0].kind = 'weird'; })).toBe(false);
    expect(bad((c) => { c.nodes[0].shape = ['2']; })).toBe(false);
    expect(bad((c) => { c.edges[0].inputNr = 0.5; })).toBe(false);
    expect(bad((c) => { c.nodes.find((n: { site?: unknown }) => n.site).site = { file: 1, line: 2 }; })).toBe(false);
    expect(bad((c) => { c.nodes.find((n: { gradPreview?: unknown }) => n.gradPreview).gradPreview.flags = ['odd']; })).toBe(false);
    expect(bad((c) => { delete c.modules; })).toBe(false);
    expect(snapshotOf({ expr: 'x', wire: '{not json', targets: [], auto: true })).toBeNull();
  });

  it('checks every message of the webview before the host uses it', () => {
    const ok = [
      Ready.with({}), Refresh.with({}), RevealNode.with({ nodeId: 'op12' }), SelectTarget.with({ expr: 'model.fc1.weight' }),
      SelectTarget.with({ expr: null }), WebviewError.with({ message: 'boom' }),
      SaveExport.with({ format: 'png', data: 'iVBORw0KGgo=', suggestedName: 'loss-graph.png' }),
      SaveExport.with({ format: 'dot', data: 'digraph {}', suggestedName: 'loss-graph.dot' }),
    ];
    const guards = [Ready, Refresh, RevealNode, SelectTarget, SelectTarget, WebviewError, SaveExport, SaveExport];
    ok.forEach((m, i) => expect(guards[i].is(viaJson(m))).toBe(true));
    // other messages' names never match
    expect(Refresh.is(Ready.with({}))).toBe(false);
    const rejected: unknown[] = [
      null, 'ready', { method: 'ready' }, { method: 'node/reveal', params: { nodeId: 12 } },
      { method: 'target/select', params: { expr: '__import__("os").system("x")' } },
      { method: 'target/select', params: { expr: 'a..b' } },
      { method: 'export/save', params: { format: 'exe', data: '', suggestedName: 'x.exe' } },
      { method: 'export/save', params: { format: 'svg', data: '<svg/>', suggestedName: '../../etc/passwd' } },
      { method: 'export/save', params: { format: 'png', data: 'not base64!', suggestedName: 'a.png' } },
      { method: 'webview/error', params: { message: 5 } },
    ];
    const all = [Ready, Refresh, RevealNode, SelectTarget, SaveExport, WebviewError];
    for (const m of rejected) expect(all.some((g) => g.is(m))).toBe(false);
  });

  it('checks the host messages in the webview too', () => {
    expect(ShowEmpty.is(viaJson(ShowEmpty.with({ reason: 'nothing yet', targets: [] })))).toBe(true);
    expect(ShowEmpty.is({ method: 'graph/empty', params: { reason: 'x', targets: [{ expr: 'y' }] } })).toBe(false);
    expect(Highlight.is(viaJson(Highlight.with({ nodeIds: ['op1', 'leaf2'] })))).toBe(true);
    expect(Highlight.is({ method: 'graph/highlight', params: { nodeIds: [1] } })).toBe(false);
    expect(Busy.is(Busy.with({ busy: true }))).toBe(true);
    expect(ShowGraph.is({ method: 'graph/show', params: { expr: 'y', wire: 1, targets: [], auto: true } })).toBe(false);
    const t = { expr: 'loss', gradFn: 'SumBackward0', shape: [], dtype: 'float32', seq: 3 };
    expect(ShowGraph.is(ShowGraph.with({ expr: 'loss', wire: '{}', targets: [t], auto: false }))).toBe(true);
  });
});
