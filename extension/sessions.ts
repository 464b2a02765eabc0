// One runtime session per workspace folder, started lazily on the first run, with its state for
// the status bar. Owns the Session objects and disposes them.
import * as vscode from 'vscode';
import { Session } from '../engine/runtime/session';
import { defaultDevice, readConfig } from './config';
import { GpuWebview } from './gpuHost';

export type SessionState = 'not started' | 'loading' | 'idle' | 'running' | 'crashed';

export class SessionEntry implements vscode.Disposable {
  state: SessionState = 'not started';
  /** at least one run finished: hover and hints may ask the session */
  hasRun = false;
  /** outputs of internal runs (settings) are not shown */
  silentRuns = 0;
  private readonly disposables: vscode.Disposable[] = [];
  constructor(readonly key: string, readonly label: string, readonly session: Session, private readonly onChange: () => void) {
    this.disposables.push(
      session.onDidCrash(({ message }) => {
        this.setState('crashed');
        void vscode.window.showErrorMessage(`Gradscope: the runtime stopped (${message.split('\n')[0]}).`, 'Restart Session')
          .then((c) => { if (c) void vscode.commands.executeCommand('gradscope.restartSession'); });
      }),
      session.onDidHang(() => {
        void vscode.window.showWarningMessage('Gradscope: the run does not respond to the interrupt.', 'Restart Session')
          .then((c) => { if (c) void this.restart(); });
      }),
    );
  }

  setState(s: SessionState): void {
    this.state = s;
    this.onChange();
  }

  async ensureStarted(setup: string): Promise<void> {
    if (this.state === 'idle' || this.state === 'running') return;
    this.setState('loading');
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Gradscope: starting Python (Pyodide) and the engine…' },
        () => this.session.start(),
      );
      await this.runSilently(setup);
      this.setState('idle');
    } catch (e) {
      this.setState('crashed');
      throw e;
    }
  }

  async runSilently(code: string): Promise<void> {
    if (!code) return;
    this.silentRuns++;
    try { await this.session.run({ code, file: '<gradscope-settings>' }); } finally { this.silentRuns--; }
  }

  async restart(setup = ''): Promise<void> {
    this.setState('loading');
    this.hasRun = false;
    try {
      await this.session.restart();
      await this.runSilently(setup);
      this.setState('idle');
    } catch {
      this.setState('crashed');
    }
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    void this.session.dispose();
  }
}

export class SessionManager implements vscode.Disposable {
  private readonly entries = new Map<string, SessionEntry>();
  private readonly changed = new vscode.EventEmitter<SessionEntry | undefined>();
  readonly onDidChange = this.changed.event;

  /** the page that runs the webgpu device on this window's GPU (opened on first use) */
  readonly gpu: GpuWebview;
  /** what the sessions use now, for the status bar (adapter name once a webgpu session reported it) */
  deviceLabel = 'CPU';

  constructor(readonly extensionUri: vscode.Uri, log: (m: string) => void = () => undefined) {
    this.gpu = new GpuWebview(extensionUri, log);
    this.gpu.onDidLose((reason) => void this.fallBackToCpu(reason));
  }

  /** Apply the device settings to every session (running ones switch without a restart). */
  async applyDevice(): Promise<string | null> {
    const c = readConfig();
    const device = defaultDevice(c);
    let error: string | null = null;
    for (const e of this.entries.values()) {
      const r = await e.session.setDevice(device, { cudaAlias: c.cudaAlias, gpu: c.webgpuAdapter === 'dawn' ? 'dawn' : 'host' });
      if (r.error) error = r.error;
      else if (r.adapter) this.deviceLabel = `WebGPU (${r.adapter})`;
    }
    if (device !== 'webgpu') this.deviceLabel = 'CPU';
    else if (!error && this.deviceLabel === 'CPU') this.deviceLabel = 'WebGPU';
    this.changed.fire(undefined);
    return error;
  }

  /** The GPU webview went away: sessions using it go back to the CPU (their GPU tensors are gone). */
  private async fallBackToCpu(reason: string): Promise<void> {
    const c = readConfig();
    if (c.webgpuAdapter !== 'webview') return;
    for (const e of this.entries.values()) await e.session.setDevice('cpu', { cudaAlias: c.cudaAlias, gpu: 'host', reopen: true });
    this.deviceLabel = 'CPU';
    this.changed.fire(undefined);
    if (c.device === 'webgpu') {
      void vscode.window.showWarningMessage(`Gradscope: ${reason}. Sessions use the CPU now (tensors that were on the GPU are lost); select the WebGPU device again to reopen it.`);
    }
  }

  private keyFor(uri: vscode.Uri | undefined): { key: string; label: string } {
    // a notebook cell (hover, status bar, commands in a cell editor): its notebook's session
    const nb = uri?.scheme === 'vscode-notebook-cell' ? notebookOfCell(uri) : undefined;
    if (nb) return notebookKey(nb);
    const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
    return folder ? { key: folder.uri.toString(), label: folder.name } : { key: '(no folder)', label: 'no folder' };
  }

  /** The session for a document's workspace folder (created, not started). */
  for(uri: vscode.Uri | undefined): SessionEntry {
    return this.entry(this.keyFor(uri));
  }

  /** The session of a notebook: one per notebook document (created, not started). */
  forNotebook(nb: vscode.NotebookDocument): SessionEntry {
    return this.entry(notebookKey(nb));
  }

  /** A closed notebook's session ends with it. */
  closeNotebook(nb: vscode.NotebookDocument): void {
    const { key } = notebookKey(nb);
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    e.dispose();
    this.changed.fire(undefined);
  }

  private entry({ key, label }: { key: string; label: string }): SessionEntry {
    let e = this.entries.get(key);
    if (!e) {
      const c = readConfig();
      const session = new Session({
        workerPath: vscode.Uri.joinPath(this.extensionUri, 'dist', 'worker.js').fsPath,
        pythonDir: vscode.Uri.joinPath(this.extensionUri, 'dist', 'python').fsPath,
        device: defaultDevice(c),
        cudaAlias: c.cudaAlias,
        gpuHost: this.gpu.channel(),
        gpu: c.webgpuAdapter === 'dawn' ? 'dawn' : 'host',
      });
      e = new SessionEntry(key, label, session, () => this.changed.fire(e));
      this.entries.set(key, e);
    }
    return e;
  }

  /** The session of a document only if it exists already (hover never starts one). */
  existing(uri: vscode.Uri | undefined): SessionEntry | undefined {
    return this.entries.get(this.keyFor(uri).key);
  }

  all(): SessionEntry[] { return [...this.entries.values()]; }

  dispose(): void {
    this.entries.forEach((e) => e.dispose());
    this.gpu.dispose();
    this.entries.clear();
    this.changed.dispose();
  }
}

const notebookKey = (nb: vscode.NotebookDocument) =>
  ({ key: `notebook:${nb.uri.toString()}`, label: nb.uri.path.split('/').pop() || 'notebook' });

/** The open notebook a cell document belongs to. */
export function notebookOfCell(uri: vscode.Uri): vscode.NotebookDocument | undefined {
  const s = uri.toString();
  return vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document.uri.toString() === s));
}
