// The graph panel's webview: receives graph snapshots from the host (extension/graphPanel.ts), lays
// them out and draws them; reports clicks (reveal a node's source line, pick a tensor) and saves
// exports through the host. Every message is checked with the guards of protocol.ts first.
import { pngBase64, svgForExport, toDot } from './export';
import { Layout, layoutGraph } from './graphLayout';
import { ViewGraph, ViewNode, buildView, defaultCollapsed, flagText, fmtNum, modulePaths, shapeText } from './graphModel';
import { GraphView } from './graphView';
import {
  Busy, Envelope, ExportFormat, GraphSnapshot, GraphTarget, Highlight, Ready, Refresh, RevealNode, SaveExport, SelectTarget,
  ShowEmpty, ShowGraph, TensorSummary, WebviewError, snapshotOf,
} from './protocol';
import { CSS } from './styles';

interface VsCodeApi { postMessage(msg: unknown): void; getState(): unknown; setState(s: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();
const post = (m: Envelope) => vscode.postMessage(m);

interface Saved { collapsed: Record<string, string[]>; showSaved: boolean; showEdgeGrads: boolean }
const saved = (vscode.getState() as Saved | undefined) ?? { collapsed: {}, showSaved: false, showEdgeGrads: false };

// ---- DOM ----
const nonce = document.querySelector('script[nonce]')?.getAttribute('nonce') ?? '';
const style = document.createElement('style');
style.setAttribute('nonce', nonce);
style.textContent = CSS;
document.head.appendChild(style);

function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, parent?: Element, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  parent?.appendChild(e);
  return e;
}

const app = document.getElementById('app') ?? h('div', { id: 'app' }, document.body);
const bar = h('div', { class: 'toolbar' }, app);
const picker = h('select', { title: 'tensor whose graph is shown', 'aria-label': 'tensor' }, bar);
const button = (text: string, title: string, fn: () => void) => { const b = h('button', { title }, bar, text); b.addEventListener('click', fn); return b; };
const check = (text: string, title: string, on: boolean, fn: (v: boolean) => void) => {
  const l = h('label', { title }, bar);
  const c = h('input', { type: 'checkbox' }, l);
  c.checked = on;
  l.append(text);
  c.addEventListener('change', () => fn(c.checked));
  return c;
};
button('Fit', 'fit the graph to the view', () => graph.fit());
button('−', 'zoom out', () => graph.zoomBy(1 / 1.25));
button('+', 'zoom in', () => graph.zoomBy(1.25));
check('saved tensors', 'show the tensors each op saved for backward', saved.showSaved, (v) => { saved.showSaved = v; persist(); void render(false); });
check('edge grads', 'show the gradient that flowed along each edge (when backward retained the graph)', saved.showEdgeGrads, (v) => { saved.showEdgeGrads = v; persist(); void render(false); });
const collapseAll = button('Collapse modules', 'one box per module', () => setCollapsed(true));
const expandAll = button('Expand modules', 'show every op', () => setCollapsed(false));
button('Refresh', 'ask the session again', () => post(Refresh.with({})));
for (const f of ['svg', 'png', 'dot'] as ExportFormat[]) button(f.toUpperCase(), `export ${f === 'dot' ? 'Graphviz DOT' : f.toUpperCase()}`, () => void exportAs(f));
const status = h('span', { class: 'status', role: 'status' }, bar);
const main = h('div', { class: 'main' }, app);
const canvas = h('div', { class: 'canvas' }, main);
const message = h('div', { class: 'message' }, canvas, 'Run some PyTorch code: the graph of its last loss shows here.');
const details = h('div', { class: 'details', hidden: '' }, main);

const graph = new GraphView(canvas, {
  onNodeClick: (n) => clickNode(n),
  onGroupClick: (id) => {
    const path = snapshot ? modulePaths(snapshot.modules).get(id) : undefined;
    if (path) { collapsed.add(path); persist(); void render(false); }
  },
  onBackgroundClick: () => { graph.select(null); details.hidden = true; },
});

// ---- state ----
let snapshot: GraphSnapshot | null = null;
let expr = '';
let targets: GraphTarget[] = [];
let auto = true;
let collapsed = new Set<string>();
let current: { view: ViewGraph; layout: Layout } | null = null;
let renderSeq = 0;
let busy = false;

function persist(): void {
  if (expr) saved.collapsed[expr] = [...collapsed];
  vscode.setState(saved);
}

function setStatus(): void {
  const parts: string[] = [];
  if (busy) parts.push('running…');
  if (current) {
    const ops = snapshot?.nodes.filter((n) => n.kind === 'op').length ?? 0;
    parts.push(`${ops} ops · ${current.view.nodes.length} shown · layout ${current.layout.engine} ${Math.round(current.layout.ms)} ms`);
  }
  if (snapshot?.truncated) parts.push('truncated');
  status.textContent = parts.join(' · ');
  status.classList.toggle('busy', busy);
}

function fillPicker(): void {
  picker.replaceChildren();
  const autoOpt = h('option', { value: '' }, picker, 'latest loss (follow runs)');
  autoOpt.selected = auto;
  for (const t of targets) {
    const o = h('option', { value: t.expr }, picker, `${t.expr} — ${t.gradFn} ${shapeText(t.shape)}`);
    o.selected = !auto && t.expr === expr;
  }
  if (!auto && !targets.some((t) => t.expr === expr) && expr) h('option', { value: expr, selected: '' }, picker, expr);
}
picker.addEventListener('change', () => post(SelectTarget.with({ expr: picker.value || null })));

function setCollapsed(on: boolean): void {
  if (!snapshot) return;
  collapsed = on ? new Set(modulePaths(snapshot.modules).values()) : new Set();
  persist();
  void render(false);
}

async function render(fit: boolean): Promise<void> {
  const seq = ++renderSeq;
  if (!snapshot) return;
  const view = buildView(snapshot, { collapsed, showSaved: saved.showSaved });
  const layout = await layoutGraph(view);
  if (seq !== renderSeq) return;
  graph.showEdgeGrads = saved.showEdgeGrads;
  graph.render(view, layout);
  current = { view, layout };
  message.textContent = '';
  if (fit) graph.fit(0.5); // a big graph opens readable, at its output; the Fit button shows all of it
  collapseAll.hidden = expandAll.hidden = snapshot.modules.length === 0;
  document.body.dataset.state = 'graph';
  document.body.dataset.expr = expr;
  setStatus();
}

// ---- details and clicks ----

function summaryBlock(title: string, g: TensorSummary): void {
  h('div', { class: 'k' }, details, title);
  h('pre', {}, details, g.preview);
  const stats = `‖g‖ ${fmtNum(g.norm)} · min ${fmtNum(g.min)} · max ${fmtNum(g.max)}`;
  h('div', {}, details, stats);
  for (const f of g.flags) h('div', { class: f === 'nonfinite' ? 'bad' : 'warn' }, details, `⚠ ${flagText[f]}${f === 'nonfinite' ? ` (${g.nanCount} NaN, ${g.infCount} Inf)` : ''}`);
}

function clickNode(n: ViewNode): void {
  if (n.kind === 'module' && n.path) {
    collapsed.delete(n.path);
    persist();
    void render(false);
    return;
  }
  graph.select(n.id);
  details.replaceChildren();
  details.hidden = false;
  h('h3', {}, details, n.title);
  const s = n.node;
  if (s) {
    h('div', {}, details, `${s.kind}${s.shape ? ` · ${shapeText(s.shape)}` : ''}${s.dtype ? ` · ${s.dtype}` : ''}`);
    if (s.site) {
      const a = h('a', { title: 'show in the editor' }, h('div', {}, details), `${s.site.file.split(/[\\/]/).pop()}:${s.site.line}`);
      a.addEventListener('click', () => post(RevealNode.with({ nodeId: s.id })));
    }
    if (s.module && snapshot) h('div', { class: 'k' }, details, `in ${modulePaths(snapshot.modules).get(s.module) ?? s.module}`);
    if (s.released) h('div', { class: 'k' }, details, 'saved tensors freed by backward()');
    if (s.gradPreview) summaryBlock('.grad', s.gradPreview);
    const nameOf = new Map(snapshot?.nodes.map((x) => [x.id, x.name]));
    for (const e of snapshot?.edges ?? []) if (e.from === s.id && e.grad) summaryBlock(`gradient flowing back from ${nameOf.get(e.to)} (its input ${e.inputNr})`, e.grad);
    for (const t of s.savedTensors ?? []) {
      const stale = t.version !== t.savedVersion ? ` · version ${t.version}, saved at ${t.savedVersion}` : '';
      h('div', { class: stale ? 'bad' : '' }, details, `saved ${t.name ?? ''} ${shapeText(t.shape)} ${t.dtype}${t.released ? ' · freed' : ''}${stale}`);
    }
  }
  if (s && (s.site || s.kind === 'leaf')) post(RevealNode.with({ nodeId: s.id }));
}

// ---- export ----

async function exportAs(format: ExportFormat): Promise<void> {
  if (!current) return;
  const name = `${(expr || 'graph').replace(/[^\w.-]/g, '_')}-graph.${format}`;
  if (format === 'dot') { post(SaveExport.with({ format, data: toDot(current.view, expr || 'autograd', { edgeGrads: saved.showEdgeGrads }), suggestedName: name })); return; }
  const bg = getComputedStyle(document.body).backgroundColor || '#ffffff';
  const svg = svgForExport(graph.svg, current.layout.width, current.layout.height, bg);
  if (format === 'svg') { post(SaveExport.with({ format, data: svg, suggestedName: name })); return; }
  post(SaveExport.with({ format, data: await pngBase64(svg, current.layout.width, current.layout.height), suggestedName: name }));
}

// ---- messages ----

window.addEventListener('message', (ev: MessageEvent) => {
  const msg: unknown = ev.data;
  switch (true) {
    case ShowGraph.is(msg): {
      const s = snapshotOf(msg.params);
      if (!s) { post(WebviewError.with({ message: 'received an invalid graph snapshot' })); return; }
      const fresh = msg.params.expr !== expr || !snapshot;
      snapshot = s;
      expr = msg.params.expr;
      targets = msg.params.targets;
      auto = msg.params.auto;
      if (fresh) {
        const kept = saved.collapsed[expr];
        collapsed = kept ? new Set(kept) : defaultCollapsed(s);
        details.hidden = true;
      }
      fillPicker();
      void render(fresh).catch((e) => post(WebviewError.with({ message: `layout failed: ${String(e)}` })));
      break;
    }
    case ShowEmpty.is(msg):
      snapshot = null;
      current = null;
      expr = '';
      targets = msg.params.targets;
      auto = true;
      renderSeq++;
      graph.render({ nodes: [], edges: [], groups: [] }, { nodes: [], edges: [], groups: [], width: 0, height: 0, engine: 'layered', ms: 0 });
      message.textContent = msg.params.reason;
      details.hidden = true;
      document.body.dataset.state = 'empty';
      fillPicker();
      setStatus();
      break;
    case Highlight.is(msg):
      graph.highlight(msg.params.nodeIds);
      break;
    case Busy.is(msg):
      busy = msg.params.busy;
      setStatus();
      break;
  }
});

window.addEventListener('error', (ev) => post(WebviewError.with({ message: String(ev.message) })));
window.addEventListener('unhandledrejection', (ev) => post(WebviewError.with({ message: String(ev.reason) })));
post(Ready.with({}));
// ELK's first layout compiles its code (most of a second): do it on a one-node graph while waiting
void layoutGraph({ nodes: [{ id: 'warm-up', kind: 'op', title: '', lines: [], gradText: [], group: null, flags: [], width: 10, height: 10 }], edges: [], groups: [] }, 'elk').catch(() => undefined);
