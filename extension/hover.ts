// Hover inspector: the tensor (or module, or value) bound to the name under the mouse, asked of the
// session without running user code. Silent before the first run.
import * as vscode from 'vscode';
import { exprAt, hoverMarkdown } from './format';
import { SessionEntry, SessionManager } from './sessions';

export class TensorHoverProvider implements vscode.HoverProvider {
  /** onGradTensor: a tensor with a grad_fn was hovered (the graph panel follows it) */
  constructor(private readonly sessions: SessionManager, private readonly onGradTensor?: (entry: SessionEntry, expr: string) => void) {}

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
    if (result.kind === 'tensor' && result.tensor.gradFn) {
      // a link to the autograd graph panel: the only command this hover may run
      const args = encodeURIComponent(JSON.stringify([hit.expr, doc.uri.toString()]));
      m.appendMarkdown(`\n\n[Show autograd graph](command:gradscope.showGraph?${args} "Gradscope: Show Autograd Graph")`);
      m.isTrusted = { enabledCommands: ['gradscope.showGraph'] };
      this.onGradTensor?.(entry, hit.expr);
    }
    return new vscode.Hover(m, new vscode.Range(pos.line, hit.start, pos.line, hit.end));
  }
}
