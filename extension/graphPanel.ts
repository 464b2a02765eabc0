// The autograd graph panel, host side: one webview panel (dist/webview.js, strict CSP) showing the
// graph behind a tensor of a Gradscope session. It follows runs (refreshes when a run ends), the
// hovered tensor, and the editor's cursor line (highlights the nodes that line created); clicking a
// node reveals its source line. Messages from the webview are checked with webview/protocol.ts's
// guards before use; every listener is owned and disposed here.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GraphSnapshot } from '../engine/graph';
import {
  Busy, Highlight, Ready, Refresh, RevealNode, SaveExport, SelectTarget, ShowEmpty, ShowGraph, WebviewError, toWire,
} from '../webview/protocol';
import { Commands } from './commands';
import { nodesAtLine, sourceOf } from './graphLinks';
import { SessionEntry, SessionManager } from './sessions';

export interface GraphPanelDeps {
  extensionUri: vscode.Uri;
  sessions: SessionManager;
  /** where webview errors are reported (the Gradscope output channel) */
  log(message: string): void;
}

/** The file name a run reports for a document (runner.ts passes the same to the session). */
export const fileKey = (uri: vscode.Uri) => (uri.scheme === 'file' ? uri.fsPath : uri.toString());

const EMPTY_HINT = 'Run some PyTorch code (Gradscope: Run File / Run Selection): the graph of its last loss shows here.';

export class GraphPanel implements vscode.Disposable {
  static readonly viewType = 'gradscope.autogradGraph';
  private static current: GraphPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private entry: SessionEntry | undefined;
  /** the followed tensor; null: the last loss-like output of each run */
  private expr: string | null = null;
  private snapshot: GraphSnapshot | null = null;
  private ready = false;
  private queued = false;
  private refreshing = false;
  private cursorTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  /** Open (or reveal) the panel on `expr` of the session of `uri` (defaults: the last loss, the active editor's session). */
  static show(deps: GraphPanelDeps, expr: string | null = null, uri?: vscode.Uri): GraphPanel {
    const entry = deps.sessions.existing(uri ?? vscode.window.activeTextEditor?.document.uri) ?? GraphPanel.ranSession(deps.sessions);
    let p = GraphPanel.current;
    if (p) {
      p.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(GraphPanel.viewType, 'Autograd Graph', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
        enableScripts: true,
        retainContextWhenHidden: true,
        localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist')],
      });
      p = GraphPanel.current = new GraphPanel(panel, deps);
    }
    p.follow(entry, expr);
    return p;
  }

  /** The hover found a tensor with a grad_fn: an open panel follows it. */
  static followHover(entry: SessionEntry, expr: string): void {
    const p = GraphPanel.current;
    if (p && p.panel.visible && (p.expr !== expr || p.entry !== entry)) p.follow(entry, expr);
  }

  private static ranSession(sessions: SessionManager): SessionEntry | undefined {
    return sessions.all().find((e) => e.hasRun);
  }

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly deps: GraphPanelDeps) {
    panel.webview.html = this.html();
    this.disposables.push(
      panel,
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => { void this.onMessage(m); }),
      deps.sessions.onDidChange((e) => this.onSession(e)),
      vscode.window.onDidChangeTextEditorSelection((e) => this.onCursor(e.textEditor)),
      vscode.window.onDidChangeActiveTextEditor((ed) => { if (ed) this.onCursor(ed); }),
    );
  }

  private follow(entry: SessionEntry | undefined, expr: string | null): void {
    if (entry) this.entry = entry;
    this.expr = expr;
    void this.refresh();
  }

  private onSession(e: SessionEntry | undefined): void {
    if (!e) return;
    if (e.state === 'running') { void this.post(Busy.with({ busy: true })); return; }
    if (e === this.entry && (e.state === 'loading' || e.state === 'crashed')) {
      // a restart: the graph shown belongs to a session that is gone
      this.snapshot = null;
      void this.post(ShowEmpty.with({ reason: e.state === 'crashed' ? 'The session stopped.' : EMPTY_HINT, targets: [] }));
      return;
    }
    if (e.state === 'idle' && e.hasRun && (this.entry === e || !this.entry?.hasRun)) {
      this.entry = e;
      void this.post(Busy.with({ busy: false }));
      void this.refresh();
    }
  }

  private post(msg: { method: string; params: unknown }): Thenable<boolean> | undefined {
    return this.ready ? this.panel.webview.postMessage(msg) : undefined;
  }

  /** Ask the session for the graph and send it; runs once more if asked again meanwhile. */
  private async refresh(): Promise<void> {
    if (!this.ready) return;
    if (this.refreshing) { this.queued = true; return; }
    this.refreshing = true;
    try {
      do {
        this.queued = false;
        await this.refreshOnce();
      } while (this.queued);
    } finally {
      this.refreshing = false;
    }
  }

  private async refreshOnce(): Promise<void> {
    const entry = this.entry?.hasRun ? this.entry : GraphPanel.ranSession(this.deps.sessions);
    if (!entry) { await this.post(ShowEmpty.with({ reason: EMPTY_HINT, targets: [] })); return; }
    this.entry = entry;
    if (entry.state !== 'idle') return; // refreshed when the run ends
    const r = await entry.session.graph(this.expr, { maxNodes: 5000 });
    if (r.kind === 'notFound') {
      if (/busy/.test(r.reason)) return;
      this.snapshot = null;
      await this.post(ShowEmpty.with({ reason: r.expr ? `${r.expr}: ${r.reason}` : EMPTY_HINT, targets: r.targets }));
      return;
    }
    this.snapshot = r.snapshot;
    await this.post(ShowGraph.with({ expr: r.expr, wire: toWire(r.snapshot), targets: r.targets, auto: this.expr === null }));
    const ed = vscode.window.activeTextEditor;
    if (ed) this.sendHighlight(ed);
  }

  private onCursor(ed: vscode.TextEditor): void {
    if (!this.snapshot || !this.ready) return;
    clearTimeout(this.cursorTimer);
    this.cursorTimer = setTimeout(() => this.sendHighlight(ed), 80);
  }

  private sendHighlight(ed: vscode.TextEditor): void {
    if (!this.snapshot || ed.document.isClosed) return;
    const ids = nodesAtLine(this.snapshot, fileKey(ed.document.uri), ed.selection.active.line + 1, ed.document.getText().split(/\r?\n/));
    void this.post(Highlight.with({ nodeIds: ids }));
  }

  private async onMessage(m: unknown): Promise<void> {
    switch (true) {
      case Ready.is(m):
        this.ready = true;
        await this.refresh();
        break;
      case Refresh.is(m):
        await this.refresh();
        break;
      case SelectTarget.is(m):
        this.expr = m.params.expr;
        await this.refresh();
        break;
      case RevealNode.is(m):
        await this.reveal(m.params.nodeId);
        break;
      case SaveExport.is(m):
        await this.save(m.params.format, m.params.data, m.params.suggestedName);
        break;
      case WebviewError.is(m):
        this.deps.log(`[graph panel] ${m.params.message}`);
        break;
      default:
        this.deps.log('[graph panel] ignored an unexpected message from the webview');
    }
  }

  private documentFor(file: string): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => fileKey(d.uri) === file);
  }

  private async reveal(nodeId: string): Promise<void> {
    if (!this.snapshot) return;
    const src = sourceOf(this.snapshot, nodeId, (f) => this.documentFor(f)?.getText().split(/\r?\n/) ?? null);
    if (!src) return;
    const doc = this.documentFor(src.file)
      ?? (path.isAbsolute(src.file) ? await vscode.workspace.openTextDocument(vscode.Uri.file(src.file)).then((d) => d, () => undefined) : undefined);
    if (!doc) { void vscode.window.showInformationMessage(`Gradscope: cannot open ${src.file}`); return; }
    const line = Math.min(Math.max(src.line - 1, 0), doc.lineCount - 1);
    const range = doc.lineAt(line).range;
    const column = vscode.window.visibleTextEditors.find((e) => e.document === doc)?.viewColumn ?? vscode.ViewColumn.One;
    const ed = await vscode.window.showTextDocument(doc, { viewColumn: column, selection: new vscode.Range(range.start, range.start) });
    ed.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async save(format: 'svg' | 'png' | 'dot', data: string, name: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const filters: Record<string, string[]> = { svg: { SVG: ['svg'] }, png: { PNG: ['png'] }, dot: { 'Graphviz DOT': ['dot', 'gv'] } }[format];
    const uri = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, filters, title: 'Export autograd graph' });
    if (!uri) return;
    const bytes = format === 'png' ? Buffer.from(data, 'base64') : Buffer.from(data, 'utf8');
    await vscode.workspace.fs.writeFile(uri, bytes);
  }

  private html(): string {
    const w = this.panel.webview;
    const script = w.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview.js'));
    const nonce = makeNonce();
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      `img-src ${w.cspSource} blob: data:`,
      `font-src ${w.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Autograd Graph</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (GraphPanel.current === this) GraphPanel.current = undefined;
    clearTimeout(this.cursorTimer);
    while (this.disposables.length) this.disposables.pop()!.dispose();
  }

  /** Close the open panel (extension deactivation). */
  static disposeCurrent(): void { GraphPanel.current?.dispose(); }
}

export const makeNonce = (): string => randomBytes(18).toString('base64').replace(/[+/=]/g, '');

const EXPR = /^[A-Za-z_]\w*(\.\w+)*$/;

/** "Gradscope: Show Autograd Graph": (expr?, uri?) from the hover link; no arguments: the last loss. */
export function registerGraphCommands(deps: GraphPanelDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.showGraph, (expr?: unknown, uri?: unknown) => {
      if (expr instanceof vscode.Uri) { uri = expr; expr = undefined; }
      const u = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri instanceof vscode.Uri ? uri : undefined;
      GraphPanel.show(deps, typeof expr === 'string' && EXPR.test(expr) ? expr : null, u);
    }),
    new vscode.Disposable(() => GraphPanel.disposeCurrent()),
  ];
}
