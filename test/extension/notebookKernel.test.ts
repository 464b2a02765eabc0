// The notebook controller (extension/notebook.ts) against a stand-in `vscode` and a scripted session:
// execution counts (empty cells not counted, back to 1 after a restart), the order of streamed text
// and displayed values, Jupyter's abort of queued cells after an error or an interrupt, the run's file
// being the cell's URI (graph nodes link back to it), preferred affinity for .ipynb notebooks.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DisplayParams, OutputParams, RunError } from '../../engine/runtime/protocol';

// ---- a small stand-in for the parts of the VS Code API the controller uses ----
type Listener<T> = (e: T) => void;
class Emitter<T> {
  private ls: Listener<T>[] = [];
  event = (l: Listener<T>) => { this.ls.push(l); return { dispose: () => { this.ls = this.ls.filter((x) => x !== l); } }; };
  fire(e: T) { for (const l of [...this.ls]) l(e); }
}
class Item { constructor(readonly data: Uint8Array | string, readonly mime: string) {} }
const dec = (d: Uint8Array | string) => (typeof d === 'string' ? d : new TextDecoder().decode(d));
const fake = vi.hoisted(() => ({ controllers: [] as unknown[], affinity: [] as [string, number][], notebooks: [] as unknown[] }));

vi.mock('vscode', () => {
  class NotebookCellOutputItem {
    constructor(readonly data: Uint8Array, readonly mime: string) {}
    static text(v: string, mime = 'text/plain') { return new Item(v, mime); }
    static json(v: unknown, mime = 'application/json') { return new Item(JSON.stringify(v), mime); }
    static stdout(v: string) { return new Item(v, 'application/vnd.code.notebook.stdout'); }
    static stderr(v: string) { return new Item(v, 'application/vnd.code.notebook.stderr'); }
    static error(e: Error) { return new Item(JSON.stringify({ name: e.name, message: e.message, stack: e.stack }), 'application/vnd.code.notebook.error'); }
  }
  class NotebookCellOutput { constructor(public items: Item[], readonly metadata?: Record<string, unknown>) {} }
  class Uri { constructor(private readonly s: string) {} toString() { return this.s; } }
  return {
    NotebookCellOutputItem, NotebookCellOutput, Uri,
    NotebookCellKind: { Markup: 1, Code: 2 },
    NotebookControllerAffinity: { Default: 1, Preferred: 2 },
    notebooks: {
      createNotebookController: (id: string, type: string, label: string) => {
        const c = {
          id, type, label, dispose() {},
          updateNotebookAffinity: (nb: { uri: Uri }, a: number) => fake.affinity.push([nb.uri.toString(), a]),
          createNotebookCellExecution: (cell: unknown) => new Execution(cell),
        } as Record<string, unknown>;
        fake.controllers.push(c);
        return c;
      },
    },
    workspace: {
      get notebookDocuments() { return fake.notebooks; },
      onDidOpenNotebookDocument: () => ({ dispose() {} }),
      onDidCloseNotebookDocument: () => ({ dispose() {} }),
      getConfiguration: () => ({ get: (_k: string, d: unknown) => d }),
    },
    commands: { registerCommand: () => ({ dispose() {} }) },
    window: { showErrorMessage: vi.fn(), showInformationMessage: vi.fn(), activeNotebookEditor: undefined },
  };
});

interface Out { items: Item[]; metadata?: Record<string, unknown> }
class Execution {
  executionOrder: number | undefined;
  started = false;
  result: boolean | undefined | 'pending' = 'pending';
  outputs: Out[] = [];
  token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };
  constructor(readonly cell: unknown) {}
  start() { this.started = true; }
  end(ok: boolean | undefined) { if (this.result !== 'pending') throw new Error('ended twice'); this.result = ok; }
  async clearOutput() { this.outputs = []; }
  async replaceOutput(o: Out) { this.outputs = [o]; }
  async appendOutput(o: Out) { if (this.result !== 'pending') throw new Error('ended'); this.outputs.push(o); }
  async appendOutputItems(items: Item | Item[], o: Out) { o.items.push(...(Array.isArray(items) ? items : [items])); }
}

// ---- a scripted session ----
interface Script { writes?: [('stdout' | 'stderr'), string][]; displays?: Partial<DisplayParams>[]; error?: RunError; wait?: Promise<void> }
class FakeSession {
  readyInfo: object | null = null;
  runs: { code: string; file: string; count: number }[] = [];
  scripts = new Map<string, Script>();
  interrupted = false;
  private writes = new Emitter<OutputParams>();
  private disp = new Emitter<DisplayParams>();
  onDidWrite = this.writes.event;
  onDidDisplay = this.disp.event;
  async start() { this.readyInfo ??= {}; }
  async restart() { this.readyInfo = {}; }
  interrupt() { this.interrupted = true; }
  async run(req: { code: string; file: string; cell: { executionCount: number } }) {
    this.runs.push({ code: req.code, file: req.file, count: req.cell.executionCount });
    const s = this.scripts.get(req.code) ?? {};
    for (const [stream, text] of s.writes ?? []) this.writes.fire({ runId: 1, stream, text });
    for (const d of s.displays ?? []) this.disp.fire({ runId: 1, kind: 'display', executionCount: null, data: {}, metadata: {}, ...d });
    if (s.wait) await s.wait;
    const interrupted = this.interrupted;
    this.interrupted = false;
    const error = interrupted ? { type: 'KeyboardInterrupt', message: '', traceback: '', line: null, tracebackLines: ['KeyboardInterrupt: '] } : s.error ?? null;
    return { error, exitCode: error ? 1 : 0, stdout: '', stderr: '', durationMs: 1, truncated: false, interrupted, timedOut: false };
  }
}
class FakeEntry {
  state = 'not started';
  hasRun = false;
  silentRuns = 0;
  constructor(readonly session: FakeSession) {}
  setState(s: string) { this.state = s; }
  async ensureStarted() { await this.session.start(); if (this.state !== 'running') this.state = 'idle'; }
  async restart() { await this.session.restart(); this.state = 'idle'; }
}

const { NotebookKernel } = await import('../../extension/notebook');

let session: FakeSession;
let kernel: InstanceType<typeof NotebookKernel>;
let controller: { executeHandler: (cells: unknown[], nb: unknown) => void; interruptHandler: (nb: unknown) => void };
const nb = { uri: { toString: () => 'file:///w/a.ipynb' }, notebookType: 'jupyter-notebook' };
const cell = (code: string, i: number) => ({ kind: 2, index: i, document: { getText: () => code, uri: { toString: () => `vscode-notebook-cell:/w/a.ipynb#C${i}` } } });
const created: Execution[] = [];

beforeEach(() => {
  fake.controllers.length = 0;
  fake.affinity.length = 0;
  fake.notebooks.length = 0;
  fake.notebooks.push(nb);
  session = new FakeSession();
  const sessions = { forNotebook: () => new FakeEntry(session), closeNotebook: () => undefined };
  kernel = new NotebookKernel(sessions as never);
  controller = fake.controllers[0] as typeof controller;
  created.length = 0;
  const make = (fake.controllers[0] as { createNotebookCellExecution: (c: unknown) => Execution });
  const orig = make.createNotebookCellExecution;
  make.createNotebookCellExecution = (c: unknown) => { const e = orig(c); created.push(e); return e; };
});

/** Run cells as one Run All and wait for the queue to drain. */
async function runAll(codes: string[]): Promise<Execution[]> {
  const first = created.length;
  controller.executeHandler(codes.map(cell), nb);
  await vi.waitFor(() => { expect(created.slice(first).every((e) => e.result !== 'pending')).toBe(true); });
  return created.slice(first);
}
const texts = (e: Execution) => e.outputs.map((o) => o.items.map((i) => `${i.mime}:${dec(i.data)}`).join(' + '));

describe('notebook controller', () => {
  it('is preferred for Jupyter notebooks and runs Python only', () => {
    expect(fake.affinity).toEqual([['file:///w/a.ipynb', 2]]);
    expect((controller as unknown as { supportedLanguages: string[] }).supportedLanguages).toEqual(['python']);
    expect((controller as unknown as { supportsExecutionOrder: boolean }).supportsExecutionOrder).toBe(true);
    kernel.dispose();
  });

  it('numbers cells like Jupyter (empty cells are not counted) and runs each as its cell URI', async () => {
    const ex = await runAll(['a = 1', '   ', 'a']);
    expect(ex.map((e) => e.executionOrder)).toEqual([1, undefined, 2]);
    expect(ex.map((e) => e.result)).toEqual([true, true, true]);
    expect(session.runs).toEqual([
      { code: 'a = 1', file: 'vscode-notebook-cell:/w/a.ipynb#C0', count: 1 },
      { code: 'a', file: 'vscode-notebook-cell:/w/a.ipynb#C2', count: 2 },
    ]);
  });

  it('keeps stream text and displayed values in the order they happened', async () => {
    session.scripts.set('x', {
      writes: [['stdout', 'a\n'], ['stdout', 'b\n']],
      displays: [{ kind: 'result', executionCount: 1, data: { 'text/plain': '42' } }],
    });
    session.scripts.set('y', { writes: [['stdout', 'one\n'], ['stderr', 'warn\n'], ['stdout', 'two\n']] });
    const [x, y] = await runAll(['x', 'y']);
    expect(texts(x)).toEqual(['application/vnd.code.notebook.stdout:a\nb\n', 'text/plain:42']);
    expect(x.outputs[1].metadata).toEqual({ outputType: 'execute_result', executionCount: 1, metadata: {} });
    expect(texts(y)).toEqual([
      'application/vnd.code.notebook.stdout:one\n', 'application/vnd.code.notebook.stderr:warn\n', 'application/vnd.code.notebook.stdout:two\n',
    ]);
  });

  it('an error ends its cell as failed and the queued cells without running', async () => {
    session.scripts.set('bad', { error: { type: 'NameError', message: "name 'q' is not defined", traceback: '', line: 1, tracebackLines: ['tb', "NameError: name 'q' is not defined"] } });
    const ex = await runAll(['ok = 1', 'bad', 'never', 'never2']);
    expect(ex.map((e) => e.result)).toEqual([true, false, undefined, undefined]);
    expect(ex.map((e) => e.started)).toEqual([true, true, false, false]);
    expect(session.runs.map((r) => r.code)).toEqual(['ok = 1', 'bad']);
    const err = JSON.parse(dec(ex[1].outputs[0].items[0].data as Uint8Array | string));
    expect(err).toEqual({ name: 'NameError', message: "name 'q' is not defined", stack: "tb\nNameError: name 'q' is not defined" });
    expect(ex[1].outputs[0].metadata).toMatchObject({ outputType: 'error', originalError: { ename: 'NameError', traceback: ['tb', "NameError: name 'q' is not defined"] } });
  });

  it('interrupt stops the running cell and drops the queued ones, including later Run requests', async () => {
    let release!: () => void;
    session.scripts.set('loop', { wait: new Promise<void>((r) => { release = r; }) });
    controller.executeHandler(['loop', 'next'].map(cell), nb);
    controller.executeHandler([cell('later', 2)], nb);
    await vi.waitFor(() => expect(session.runs.map((r) => r.code)).toEqual(['loop']));
    controller.interruptHandler(nb);
    expect(session.interrupted).toBe(true);
    release();
    await vi.waitFor(() => expect(created.every((e) => e.result !== 'pending')).toBe(true));
    expect(created.map((e) => e.result)).toEqual([false, undefined, undefined]);
    expect(texts(created[0])).toEqual(['application/vnd.code.notebook.error:{"name":"KeyboardInterrupt","message":"","stack":"KeyboardInterrupt: "}']);
    expect(session.runs.map((r) => r.code)).toEqual(['loop']);
  });

  it('restart: counting starts again at 1, also after a restart from elsewhere', async () => {
    await runAll(['a', 'b']);
    await kernel.restart(nb as never);
    const [c] = await runAll(['c']);
    expect(c.executionOrder).toBe(1);
    await session.restart(); // e.g. "Gradscope: Restart Session" or a crash
    const [d, e] = await runAll(['d', 'e']);
    expect([d.executionOrder, e.executionOrder]).toEqual([1, 2]);
  });
});
