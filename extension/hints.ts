// Inline hints: after a run, ghost text at the end of each line that assigned a tensor
// (`→ (2, 3) int64 grad_fn=<MulBackward0>`). Hints move with edits above them and disappear when
// their own line is edited; the next run replaces them.
import * as vscode from 'vscode';

interface Hint { line: number; text: string }

export class InlineHints implements vscode.Disposable {
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em', fontStyle: 'italic' },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private readonly hints = new Map<string, Hint[]>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()),
      vscode.workspace.onDidCloseTextDocument((d) => this.hints.delete(d.uri.toString())),
    );
  }

  /** Replace the hints of the lines [from, to] of a document. */
  set(doc: vscode.TextDocument, from: number, to: number, hints: Hint[]): void {
    const key = doc.uri.toString();
    const kept = (this.hints.get(key) ?? []).filter((h) => h.line < from || h.line > to);
    this.hints.set(key, [...kept, ...hints]);
    this.render(doc);
  }

  clear(doc?: vscode.TextDocument): void {
    if (doc) this.hints.delete(doc.uri.toString()); else this.hints.clear();
    this.renderAll();
  }

  /** The hint text on a line (for tests and the hover). */
  get(doc: vscode.TextDocument, line: number): string | undefined {
    return this.hints.get(doc.uri.toString())?.find((h) => h.line === line)?.text;
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    const key = e.document.uri.toString();
    let list = this.hints.get(key);
    if (!list || e.contentChanges.length === 0) return;
    for (const c of e.contentChanges) {
      const added = c.text.split('\n').length - 1;
      const removed = c.range.end.line - c.range.start.line;
      const delta = added - removed;
      list = list
        .filter((h) => h.line < c.range.start.line || h.line > c.range.end.line)
        .map((h) => (h.line > c.range.end.line ? { ...h, line: h.line + delta } : h));
    }
    this.hints.set(key, list);
    this.render(e.document);
  }

  private render(doc: vscode.TextDocument): void {
    for (const ed of vscode.window.visibleTextEditors) if (ed.document === doc) this.apply(ed);
  }

  private renderAll(): void {
    for (const ed of vscode.window.visibleTextEditors) this.apply(ed);
  }

  private apply(ed: vscode.TextEditor): void {
    const list = this.hints.get(ed.document.uri.toString()) ?? [];
    const opts: vscode.DecorationOptions[] = list
      .filter((h) => h.line < ed.document.lineCount)
      .map((h) => {
        const end = ed.document.lineAt(h.line).range.end;
        return { range: new vscode.Range(end, end), renderOptions: { after: { contentText: h.text } } };
      });
    ed.setDecorations(this.decoration, opts);
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.decoration.dispose();
  }
}
