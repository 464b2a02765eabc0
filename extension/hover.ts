// Hover inspector: the tensor (or module, or value) bound to the name under the mouse, asked of the
// session without running user code. Silent before the first run.
import * as vscode from 'vscode';
import { exprAt, hoverMarkdown } from './format';
import { SessionManager } from './sessions';

export class TensorHoverProvider implements vscode.HoverProvider {
  constructor(private readonly sessions: SessionManager) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const entry = this.sessions.existing(doc.uri);
    if (!entry || !entry.hasRun || entry.state !== 'idle') return undefined;
    const line = doc.lineAt(pos.line).text;
    const hit = exprAt(line, pos.character);
    if (!hit) return undefined;
    const result = await entry.session.inspect(hit.expr);
    const md = hoverMarkdown(result);
    if (!md) return undefined;
    const m = new vscode.MarkdownString(md);
    m.isTrusted = false;
    return new vscode.Hover(m, new vscode.Range(pos.line, hit.start, pos.line, hit.end));
  }
}
