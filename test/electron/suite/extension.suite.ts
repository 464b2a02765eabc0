// Runs INSIDE VS Code's extension host (mocha, started by ./index.ts): what a user does, through the
// VS Code API. Run a selection and a cell, read the output, the session state and the inline hint data,
// hover a tensor (and time the hover round trip on the warm session), an error becomes a diagnostic,
// interrupt an infinite loop. Expected PyTorch text comes from the conformance corpus (real PyTorch's
// output, GRADSCOPE_CORPUS), never from this file. Workspace: test/electron/workspace.mjs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { before, describe, it, reporters } from 'mocha';
import type { GradscopeApi } from '../../../extension/extension';
import type { SessionEntry } from '../../../extension/sessions';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, get: () => T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function corpusStdout(id: string): string {
  const file = process.env.GRADSCOPE_CORPUS;
  if (!file || !fs.existsSync(file)) throw new Error(`GRADSCOPE_CORPUS must name the conformance corpus (public.jsonl); got ${file}`);
  for (const l of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!l) continue;
    const r = JSON.parse(l) as { id: string; stdout: string };
    if (r.id === id) return r.stdout;
  }
  throw new Error(`${id} is not in ${file}`);
}

const folder = () => {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('the suite needs the test workspace folder open');
  return f.uri;
};

async function open(name: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder(), name));
  return vscode.window.showTextDocument(doc, { preview: false });
}

/** 0-based number of the first line starting with `prefix` */
function lineOf(doc: vscode.TextDocument, prefix: string): number {
  for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.startsWith(prefix)) return i;
  throw new Error(`no line starts with ${JSON.stringify(prefix)} in ${doc.fileName}`);
}

/** the hover texts at the first occurrence of `word` on `line` */
async function hoverTexts(doc: vscode.TextDocument, line: number, word: string): Promise<string[]> {
  const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf(word) + 1);
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
  return (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)));
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

describe('Gradscope in VS Code', function () {
  this.timeout(180_000);
  let api: GradscopeApi;
  let entry: SessionEntry;
  let tutorial: vscode.TextEditor;
  /** everything the session's runs wrote to stdout/stderr (what the Output channel streams) */
  let written = '';
  const writtenSince = (mark: number) => written.slice(mark);

  before(async () => {
    const ext = vscode.extensions.getExtension<GradscopeApi>('gradscope.gradscope');
    assert.ok(ext, 'the Gradscope extension is not loaded (extensionDevelopmentPath)');
    tutorial = await open('tutorial.py');
    api = await ext.activate();
    assert.ok(api?.sessions && api.hints, 'activate() returns { sessions, hints }');
    assert.equal(api.sessions.existing(tutorial.document.uri), undefined, 'no session before the first run');
    entry = api.sessions.for(tutorial.document.uri);
    entry.session.onDidWrite((e) => { written += e.text; });
  });

  it('runs a selection: PyTorch\'s output, the session state, an inline hint', async () => {
    const doc = tutorial.document;
    const last = lineOf(doc, 'print(tensor_2d)');
    tutorial.selection = new vscode.Selection(0, 0, last, doc.lineAt(last).text.length);
    const mark = written.length;
    await vscode.commands.executeCommand('gradscope.runSelection');
    // seed-tensors prints tensor_0d, tensor_1d, tensor_2d, tensor_3d: its third print is tensor_2d
    const tensor2d = corpusStdout('seed-tensors').split('\n').slice(2, 4).join('\n') + '\n';
    assert.equal(writtenSince(mark), tensor2d);
    assert.equal(entry.state, 'idle');
    assert.equal(entry.hasRun, true);
    assert.equal(entry.session.isRunning, false);
    assert.equal(api.hints.get(doc, lineOf(doc, 'tensor_2d =')), '→ (2, 3) int64');
    assert.equal(api.hints.get(doc, lineOf(doc, 'tensor_0d =')), '→ () int64');
    assert.equal(api.hints.get(doc, lineOf(doc, 'import torch')), undefined, 'a module is not a tensor: no hint');
  });

  it('hover on tensor_2d shows torch.Size([2, 3]) and int64', async () => {
    const doc = tutorial.document;
    const texts = await hoverTexts(doc, lineOf(doc, 'tensor_2d ='), 'tensor_2d');
    const ours = texts.find((t) => t.includes('**tensor_2d**'));
    assert.ok(ours, `no Gradscope hover: ${JSON.stringify(texts)}`);
    assert.match(ours, /torch\.Size\(\[2, 3\]\)/);
    assert.match(ours, /`int64`/);
    // a name the session does not know: no hover from Gradscope
    const none = await hoverTexts(doc, lineOf(doc, 'doubled ='), 'doubled');
    assert.ok(!none.some((t) => t.includes('**doubled**')), `hover for a name not yet run: ${JSON.stringify(none)}`);
  });

  it('runs a cell, and only that cell', async () => {
    const doc = tutorial.document;
    const at = new vscode.Position(lineOf(doc, 'print(tensor_2d.shape)'), 0);
    tutorial.selection = new vscode.Selection(at, at);
    const mark = written.length;
    await vscode.commands.executeCommand('gradscope.runCell');
    assert.equal(writtenSince(mark), 'torch.Size([2, 3])\n');
    assert.equal(api.hints.get(doc, lineOf(doc, 'doubled =')), '→ (2, 3) float32');
    // the earlier selection's hints stay
    assert.equal(api.hints.get(doc, lineOf(doc, 'tensor_2d =')), '→ (2, 3) int64');
  });

  it('hover latency on the warm session (printed, not asserted)', async () => {
    const doc = tutorial.document;
    const cases: [string, number, string][] = [
      ['tensor_2d', lineOf(doc, 'tensor_2d ='), '**tensor_2d**'],
      ['doubled', lineOf(doc, 'doubled ='), '**doubled**'],
      ['torch (a module object)', lineOf(doc, 'import torch'), '**torch**'],
    ];
    const N = 40;
    for (const [label, line, expect] of cases) {
      const word = label.split(' ')[0];
      for (let i = 0; i < 3; i++) await hoverTexts(doc, line, word); // warm-up
      const ms: number[] = [];
      for (let i = 0; i < N; i++) {
        const t0 = performance.now();
        const texts = await hoverTexts(doc, line, word);
        ms.push(performance.now() - t0);
        if (i === 0) assert.ok(texts.some((t) => t.includes(expect)), `${label}: ${JSON.stringify(texts)}`);
      }
      ms.sort((a, b) => a - b);
      // through mocha's reporter output (index.ts may copy it to a file for the runner)
      reporters.Base.consoleLog(`    hover round trip (vscode.executeHoverProvider), ${label}: p50 ${quantile(ms, 0.5).toFixed(1)} ms, `
        + `p95 ${quantile(ms, 0.95).toFixed(1)} ms, max ${ms[ms.length - 1].toFixed(1)} ms (${N} hovers)`);
    }
  });

  it('an error becomes a diagnostic on the failing line', async () => {
    const ed = await open('broken.py');
    const mark = written.length;
    await vscode.commands.executeCommand('gradscope.runFile');
    assert.ok(!writtenSince(mark).includes('unreached'), 'the run went past the error');
    const diags = vscode.languages.getDiagnostics(ed.document.uri).filter((d) => d.source === 'Gradscope');
    assert.equal(diags.length, 1, JSON.stringify(diags));
    assert.equal(diags[0].range.start.line, lineOf(ed.document, 'bad ='));
    assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diags[0].message, "RuntimeError: shape '[4, 2]' is invalid for input of size 6");
    assert.equal(entry.state, 'idle');
  });

  it('interrupts an infinite loop, and the session stays usable', async () => {
    const ed = await open('loop.py');
    const run = vscode.commands.executeCommand('gradscope.runFile');
    await waitFor('the loop to run', () => entry.state === 'running' && entry.session.isRunning, 30_000);
    await sleep(1000);
    assert.equal(entry.state, 'running', 'the loop ended by itself');
    await vscode.commands.executeCommand('gradscope.interrupt');
    await Promise.race([run, sleep(20_000).then(() => { throw new Error('the run did not stop within 20 s of the interrupt'); })]);
    assert.equal(entry.state, 'idle');
    const diags = vscode.languages.getDiagnostics(ed.document.uri).filter((d) => d.source === 'Gradscope');
    assert.equal(diags.length, 1, JSON.stringify(diags));
    assert.match(diags[0].message, /^KeyboardInterrupt/);
    assert.ok(diags[0].range.start.line >= lineOf(ed.document, 'while True'), `interrupt reported on line ${diags[0].range.start.line + 1}`);

    const tut = await open('tutorial.py');
    const at = new vscode.Position(lineOf(tut.document, 'print("last cell")'), 0);
    tut.selection = new vscode.Selection(at, at);
    const mark = written.length;
    await vscode.commands.executeCommand('gradscope.runSelection');
    assert.equal(writtenSince(mark), 'last cell\n');
    // the namespace survived the interrupt
    const texts = await hoverTexts(tut.document, lineOf(tut.document, 'tensor_2d ='), 'tensor_2d');
    assert.ok(texts.some((t) => t.includes('torch.Size([2, 3])')), JSON.stringify(texts));
  });
});
