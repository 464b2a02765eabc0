// The notebook kernel: a NotebookController for .ipynb files ("jupyter-notebook", opened by VS Code's
// built-in ipynb support) that runs cells in a Gradscope session, one per notebook. Cells are queued in
// order; each gets Jupyter's execution count, timing, streamed stdout/stderr, its value and display()
// outputs (a tensor also as a rich HTML view), or an error with ename/evalue/traceback, after which the
// rest of a Run All is skipped, as Jupyter does. Interrupt is the controller's; Restart Kernel is a
// notebook toolbar command. Sessions live with the notebook document, not its editor.
import * as vscode from 'vscode';
import type { DisplayParams, ReadyParams } from '../engine/runtime/protocol';
import { readConfig, setupCode } from './config';
import { displayItems, displayMetadata, errorOutput, ItemSpec } from './notebookOutput';
import { SessionEntry, SessionManager } from './sessions';

export const NOTEBOOK_TYPE = 'jupyter-notebook';
export const CONTROLLER_ID = 'gradscope';
export const CONTROLLER_LABEL = 'Gradscope (PyTorch, no Python install)';
export const RESTART_COMMAND = 'gradscope.notebook.restartKernel';

interface NotebookState {
  entry: SessionEntry;
  /** Jupyter's execution counter: 0 after a (re)start */
  count: number;
  /** the session start the counter belongs to (a restart from elsewhere resets the counter) */
  ready: ReadyParams | null;
  queue: Promise<void>;
  /** executions created and not yet ended, in order */
  pending: vscode.NotebookCellExecution[];
  /** the one running now */
  running: vscode.NotebookCellExecution | null;
}

const toItem = (s: ItemSpec): vscode.NotebookCellOutputItem =>
  s.bytes ? new vscode.NotebookCellOutputItem(s.bytes, s.mime)
    : s.json !== undefined ? vscode.NotebookCellOutputItem.json(s.json, s.mime)
      : vscode.NotebookCellOutputItem.text(s.text ?? '', s.mime);

/** Appends a cell's outputs in the order they happened: stream text is batched into the current stream output. */
class CellOutputWriter {
  private chain: Thenable<void> = Promise.resolve();
  private stream: { name: 'stdout' | 'stderr'; output: vscode.NotebookCellOutput } | null = null;
  private pending: { name: 'stdout' | 'stderr'; text: string } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly exec: vscode.NotebookCellExecution) {}

  private then(fn: () => Thenable<void>): void {
    this.chain = this.chain.then(fn, fn);
  }

  write(name: 'stdout' | 'stderr', text: string): void {
    if (this.pending && this.pending.name !== name) this.flush();
    if (this.pending) this.pending.text += text;
    else this.pending = { name, text };
    if (this.pending.text.length > 65536) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), 40);
  }

  private flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    const item = p.name === 'stdout' ? vscode.NotebookCellOutputItem.stdout(p.text) : vscode.NotebookCellOutputItem.stderr(p.text);
    if (this.stream && this.stream.name === p.name) {
      const output = this.stream.output;
      this.then(() => this.exec.appendOutputItems(item, output));
    } else {
      const output = new vscode.NotebookCellOutput([item], { outputType: 'stream' });
      this.stream = { name: p.name, output };
      this.then(() => this.exec.appendOutput(output));
    }
  }

  output(output: vscode.NotebookCellOutput): void {
    this.flush();
    this.stream = null;
    this.then(() => this.exec.appendOutput(output));
  }

  /** Everything appended (an append to an execution a restart ended is dropped). */
  async done(): Promise<void> {
    this.flush();
    await this.chain.then(undefined, () => undefined);
  }
}

export class NotebookKernel implements vscode.Disposable {
  private readonly controller: vscode.NotebookController;
  private readonly states = new Map<string, NotebookState>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly sessions: SessionManager) {
    const c = this.controller = vscode.notebooks.createNotebookController(CONTROLLER_ID, NOTEBOOK_TYPE, CONTROLLER_LABEL);
    c.supportedLanguages = ['python'];
    c.supportsExecutionOrder = true;
    c.description = 'Gradscope engine';
    c.detail = 'Runs cells with Python in WebAssembly (Pyodide) and Gradscope\'s PyTorch engine: nothing to install.';
    c.executeHandler = (cells, nb) => this.execute(cells, nb);
    c.interruptHandler = (nb) => this.interrupt(nb);
    for (const nb of vscode.workspace.notebookDocuments) this.prefer(nb);
    this.disposables.push(
      c,
      vscode.workspace.onDidOpenNotebookDocument((nb) => this.prefer(nb)),
      vscode.workspace.onDidCloseNotebookDocument((nb) => this.close(nb)),
      vscode.commands.registerCommand(RESTART_COMMAND, (arg?: unknown) => this.restartCommand(arg)),
    );
  }

  /** Offered first for every Jupyter notebook: with no other preferred kernel it is picked without asking. */
  private prefer(nb: vscode.NotebookDocument): void {
    if (nb.notebookType === NOTEBOOK_TYPE) this.controller.updateNotebookAffinity(nb, vscode.NotebookControllerAffinity.Preferred);
  }

  private state(nb: vscode.NotebookDocument): NotebookState {
    const key = nb.uri.toString();
    let st = this.states.get(key);
    if (!st) {
      st = { entry: this.sessions.forNotebook(nb), count: 0, ready: null, queue: Promise.resolve(), pending: [], running: null };
      this.states.set(key, st);
    }
    return st;
  }

  private execute(cells: vscode.NotebookCell[], nb: vscode.NotebookDocument): void {
    const st = this.state(nb);
    const batch: vscode.NotebookCellExecution[] = [];
    for (const cell of cells) {
      if (cell.kind !== vscode.NotebookCellKind.Code) continue;
      try {
        const exec = this.controller.createNotebookCellExecution(cell);
        batch.push(exec);
        st.pending.push(exec);
      } catch {
        // already queued or running
      }
    }
    st.queue = st.queue.then(() => this.runBatch(st, batch)).catch((e) => {
      void vscode.window.showErrorMessage(`Gradscope: ${(e as Error).message}`);
    });
  }

  private ended(st: NotebookState, exec: vscode.NotebookCellExecution): void {
    st.pending = st.pending.filter((e) => e !== exec);
  }

  /** Jupyter aborts what is queued once a cell fails or is interrupted: the cells end without running. */
  private abortQueued(st: NotebookState, except?: vscode.NotebookCellExecution): void {
    for (const exec of st.pending) {
      if (exec === except) continue;
      try { exec.end(undefined); } catch { /* ended already */ }
    }
    st.pending = except && st.pending.includes(except) ? [except] : [];
  }

  private async runBatch(st: NotebookState, batch: vscode.NotebookCellExecution[]): Promise<void> {
    for (const exec of batch) {
      if (!st.pending.includes(exec)) continue; // aborted, or ended by a restart
      let ok = false;
      try {
        ok = await this.runCell(st, exec);
      } catch (e) {
        if (st.pending.includes(exec)) {
          await exec.replaceOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error(e as Error)])).then(undefined, () => undefined);
          exec.end(false, Date.now());
        }
      }
      this.ended(st, exec);
      if (!ok) this.abortQueued(st);
    }
  }

  /** Run one cell; false when it failed or was interrupted (the rest of the batch is skipped). */
  private async runCell(st: NotebookState, exec: vscode.NotebookCellExecution): Promise<boolean> {
    const code = exec.cell.document.getText();
    if (!code.trim()) {
      // Jupyter does not count an empty cell
      exec.start(Date.now());
      await exec.clearOutput();
      exec.end(true, Date.now());
      return true;
    }
    st.running = exec;
    try {
      return await this.runStarted(st, exec, code);
    } finally {
      st.running = null;
    }
  }

  private async runStarted(st: NotebookState, exec: vscode.NotebookCellExecution, code: string): Promise<boolean> {
    const entry = st.entry;
    await entry.ensureStarted(setupCode(readConfig()));
    if (entry.session.readyInfo !== st.ready) {
      // a new kernel: counting starts again
      st.ready = entry.session.readyInfo;
      st.count = 0;
    }
    exec.executionOrder = ++st.count;
    exec.start(Date.now());
    await exec.clearOutput();
    const writer = new CellOutputWriter(exec);
    const subs = [
      entry.session.onDidWrite((e) => { if (entry.silentRuns === 0) writer.write(e.stream, e.text); }),
      entry.session.onDidDisplay((d: DisplayParams) => {
        writer.output(new vscode.NotebookCellOutput(displayItems(d).map(toItem), displayMetadata(d)));
      }),
    ];
    entry.setState('running');
    let ok = false;
    try {
      const r = await entry.session.run({
        code, file: exec.cell.document.uri.toString(), firstLine: 1, language: 'python', cell: { executionCount: st.count },
      });
      entry.hasRun = true;
      if (r.error) {
        const e = errorOutput(r.error);
        const err = new Error(e.message);
        err.name = e.name;
        err.stack = e.stack;
        writer.output(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error(err)], e.metadata));
      }
      ok = !r.error && !r.interrupted;
    } finally {
      subs.forEach((s) => s.dispose());
      await writer.done();
      if (entry.state === 'running') entry.setState('idle');
    }
    if (st.pending.includes(exec)) exec.end(ok, Date.now());
    return ok;
  }

  private interrupt(nb: vscode.NotebookDocument): void {
    const st = this.states.get(nb.uri.toString());
    if (!st) return;
    // Jupyter's interrupt stops the running cell (KeyboardInterrupt) and drops the queued ones
    this.abortQueued(st, st.running ?? undefined);
    st.entry.session.interrupt();
  }

  /** Restart Kernel: a new interpreter, the counter back to 0, queued cells dropped. Outputs stay. */
  async restart(nb: vscode.NotebookDocument): Promise<void> {
    const st = this.state(nb);
    for (const exec of st.pending.splice(0)) {
      try { exec.end(undefined); } catch { /* ended already */ }
    }
    st.count = 0;
    await st.entry.restart(setupCode(readConfig()));
    st.ready = st.entry.session.readyInfo;
  }

  private async restartCommand(arg?: unknown): Promise<void> {
    const uri = notebookUriOf(arg);
    const nb = (uri && vscode.workspace.notebookDocuments.find((d) => d.uri.toString() === uri.toString()))
      ?? vscode.window.activeNotebookEditor?.notebook;
    if (!nb) { void vscode.window.showInformationMessage('Gradscope: open a notebook to restart its kernel.'); return; }
    await this.restart(nb);
  }

  private close(nb: vscode.NotebookDocument): void {
    const key = nb.uri.toString();
    if (!this.states.delete(key)) return;
    this.sessions.closeNotebook(nb);
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.states.clear();
  }
}

/** The notebook a toolbar or palette command was invoked for (`{ notebookEditor: { notebookUri } }`, a Uri, or nothing). */
function notebookUriOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const a = arg as { notebookEditor?: { notebookUri?: vscode.Uri }; notebookUri?: vscode.Uri; uri?: vscode.Uri } | undefined;
  return a?.notebookEditor?.notebookUri ?? a?.notebookUri ?? a?.uri;
}
