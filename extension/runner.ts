// Running code from an editor: echo to the output channel, stream the run's output, show progress
// with Cancel (interrupt) for long runs, turn errors into diagnostics and assignments into hints.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Language } from '../engine/runtime/protocol';
import { dedent, jsAssignments, pythonAssignments } from './cells';
import { readConfig, setupCode } from './config';
import { inlineHint } from './format';
import { InlineHints } from './hints';
import { SessionEntry, SessionManager } from './sessions';

export function languageOf(doc: vscode.TextDocument): Language | null {
  switch (doc.languageId) {
    case 'python': return 'python';
    case 'javascript': case 'javascriptreact': return 'javascript';
    case 'typescript': case 'typescriptreact': return 'typescript';
    default: return path.extname(doc.fileName) === '.py' ? 'python' : null;
  }
}

export class Runner implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Gradscope');
  readonly diagnostics = vscode.languages.createDiagnosticCollection('gradscope');
  private readonly disposables: vscode.Disposable[] = [];
  private listening = new WeakSet<SessionEntry>();

  constructor(private readonly sessions: SessionManager, private readonly hints: InlineHints) {
    this.disposables.push(
      this.output, this.diagnostics,
      vscode.workspace.onDidChangeTextDocument((e) => this.clearEditedDiagnostics(e)),
    );
  }

  private listen(entry: SessionEntry): void {
    if (this.listening.has(entry)) return;
    this.listening.add(entry);
    this.disposables.push(entry.session.onDidWrite((e) => {
      if (entry.silentRuns > 0) return;
      this.output.append(e.text);
    }));
  }

  /** Run `code`, which starts at 0-based `firstLine` of `doc`. */
  async run(doc: vscode.TextDocument, code: string, firstLine: number, what: string): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Gradscope runs code only in trusted workspaces. Trust this workspace to run it.');
      return;
    }
    const language = languageOf(doc);
    if (!language) {
      void vscode.window.showWarningMessage(`Gradscope runs Python, JavaScript and TypeScript, not ${doc.languageId}.`);
      return;
    }
    const entry = this.sessions.for(doc.uri);
    this.listen(entry);
    const cfg = readConfig();
    try {
      await entry.ensureStarted(language === 'python' ? setupCode(cfg) : '');
    } catch (e) {
      void vscode.window.showErrorMessage(`Gradscope could not start its runtime: ${(e as Error).message}`);
      return;
    }
    const runCode = language === 'python' ? dedent(code) : code;
    const file = doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.toString();
    this.output.show(true);
    this.output.appendLine(`# ${what}: ${path.basename(doc.fileName)}:${firstLine + 1}`);
    for (const [i, l] of runCode.replace(/\n$/, '').split('\n').entries()) this.output.appendLine(`${i === 0 ? '>>>' : '...'} ${l}`);
    entry.setState('running');
    const lastLine = firstLine + code.replace(/\n$/, '').split('\n').length - 1;
    this.diagnostics.set(doc.uri, (this.diagnostics.get(doc.uri) ?? []).filter((d) => d.range.start.line < firstLine || d.range.start.line > lastLine));
    let progressDone: (() => void) | null = null;
    const timer = setTimeout(() => {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Gradscope: running ${what.toLowerCase()}…`, cancellable: true },
        (_p, token) => new Promise<void>((resolve) => {
          progressDone = resolve;
          token.onCancellationRequested(() => entry.session.interrupt());
        }),
      );
    }, 1500);
    try {
      const r = await entry.session.run({ code: runCode, file, firstLine: firstLine + 1, language });
      entry.hasRun = true;
      if (r.error) {
        this.output.append(r.error.traceback.endsWith('\n') ? r.error.traceback : `${r.error.traceback}\n`);
        this.reportError(doc, r.error.type, r.error.message, r.error.line);
      }
    } finally {
      clearTimeout(timer);
      (progressDone as (() => void) | null)?.();
      if (entry.state === 'running') entry.setState('idle');
    }
    if (cfg.inlineHints && entry.state === 'idle') await this.updateHints(entry, doc, runCode, firstLine, lastLine, language);
  }

  private reportError(doc: vscode.TextDocument, type: string, message: string, line: number | null): void {
    if (line === null || line < 1 || line > doc.lineCount) return;
    const l = doc.lineAt(line - 1);
    const range = new vscode.Range(line - 1, l.firstNonWhitespaceCharacterIndex, line - 1, l.range.end.character);
    const d = new vscode.Diagnostic(range, `${type}: ${message}`, vscode.DiagnosticSeverity.Error);
    d.source = 'Gradscope';
    this.diagnostics.set(doc.uri, [...(this.diagnostics.get(doc.uri) ?? []), d]);
  }

  private clearEditedDiagnostics(e: vscode.TextDocumentChangeEvent): void {
    const list = this.diagnostics.get(e.document.uri);
    if (!list || list.length === 0 || e.contentChanges.length === 0) return;
    const kept = list.filter((d) => !e.contentChanges.some((c) => c.range.start.line <= d.range.end.line && c.range.end.line >= d.range.start.line));
    if (kept.length !== list.length) this.diagnostics.set(e.document.uri, kept);
  }

  private async updateHints(entry: SessionEntry, doc: vscode.TextDocument, code: string, firstLine: number, lastLine: number, language: Language): Promise<void> {
    const assigns = language === 'python' ? pythonAssignments(code) : jsAssignments(code);
    const hints: { line: number; text: string }[] = [];
    for (const a of assigns) {
      const texts: string[] = [];
      for (const name of a.names) {
        const r = await entry.session.inspect(name);
        const t = inlineHint(r);
        if (t) texts.push(a.names.length > 1 ? `${name} ${t}` : t);
      }
      if (texts.length) hints.push({ line: firstLine + a.line, text: texts.join('  ') });
    }
    this.hints.set(doc, firstLine, lastLine, hints);
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
