// "Run Cell | Run Below" above each `# %%` cell of a Python file.
import * as vscode from 'vscode';
import { delimiterRegex, findCells } from './cells';
import { readConfig } from './config';

export class CellCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub = vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('gradscope')) this.changed.fire(); });

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const lines = doc.getText().split(/\r?\n/);
    const cells = findCells(lines, delimiterRegex(readConfig().cellDelimiter));
    const out: vscode.CodeLens[] = [];
    for (const c of cells) {
      if (c.header < 0) continue;
      const range = new vscode.Range(c.header, 0, c.header, 0);
      out.push(
        new vscode.CodeLens(range, { title: 'Run Cell', command: 'gradscope.runCell', arguments: [doc.uri, c.header] }),
        new vscode.CodeLens(range, { title: 'Run Below', command: 'gradscope.runBelow', arguments: [doc.uri, c.header] }),
      );
    }
    return out;
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}
