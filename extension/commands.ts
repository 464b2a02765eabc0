// Command ids and their handlers (palette category "Gradscope").
import * as vscode from 'vscode';
import type { GpuHello } from '../engine/backends/webgpu/protocol';
import { adapterName, probeDawn } from './deviceProbe';
import { cellAt, delimiterRegex, findCells } from './cells';
import { readConfig, setupCode } from './config';
import { InlineHints } from './hints';
import { Runner } from './runner';
import { SessionManager } from './sessions';

export const Commands = {
  runSelection: 'gradscope.runSelection',
  runFile: 'gradscope.runFile',
  runCell: 'gradscope.runCell',
  runBelow: 'gradscope.runBelow',
  interrupt: 'gradscope.interrupt',
  restartSession: 'gradscope.restartSession',
  selectDevice: 'gradscope.selectDevice',
  showGraph: 'gradscope.showGraph',
} as const;

async function editorFor(uri?: vscode.Uri): Promise<vscode.TextEditor | undefined> {
  if (uri && uri instanceof vscode.Uri) {
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    return visible ?? vscode.window.showTextDocument(uri);
  }
  return vscode.window.activeTextEditor;
}

export function registerCommands(sessions: SessionManager, runner: Runner, hints: InlineHints): vscode.Disposable[] {
  const cellsOf = (doc: vscode.TextDocument) => findCells(doc.getText().split(/\r?\n/), delimiterRegex(readConfig().cellDelimiter));
  const linesText = (doc: vscode.TextDocument, from: number, to: number) =>
    doc.getText(new vscode.Range(from, 0, to, doc.lineAt(to).range.end.character));

  return [
    vscode.commands.registerCommand(Commands.runSelection, async () => {
      const ed = vscode.window.activeTextEditor;
      if (!ed) return;
      const sel = ed.selection;
      if (sel.isEmpty) {
        const line = sel.active.line;
        await runner.run(ed.document, ed.document.lineAt(line).text, line, 'Line');
        // like a REPL: move on to the next line with code
        let next = line + 1;
        while (next < ed.document.lineCount && ed.document.lineAt(next).isEmptyOrWhitespace) next++;
        if (next < ed.document.lineCount) {
          const p = new vscode.Position(next, ed.document.lineAt(next).firstNonWhitespaceCharacterIndex);
          ed.selection = new vscode.Selection(p, p);
          ed.revealRange(new vscode.Range(p, p));
        }
        return;
      }
      const start = sel.start.line;
      const end = sel.end.character === 0 && sel.end.line > start ? sel.end.line - 1 : sel.end.line;
      await runner.run(ed.document, linesText(ed.document, start, end), start, 'Selection');
    }),
    vscode.commands.registerCommand(Commands.runFile, async (uri?: vscode.Uri) => {
      const ed = await editorFor(uri);
      if (!ed) return;
      await runner.run(ed.document, ed.document.getText(), 0, 'File');
    }),
    vscode.commands.registerCommand(Commands.runCell, async (uri?: vscode.Uri, header?: number) => {
      const ed = await editorFor(uri);
      if (!ed) return;
      const cells = cellsOf(ed.document);
      const line = typeof header === 'number' ? header : ed.selection.active.line;
      const cell = cellAt(cells, line);
      if (!cell) {
        // no cells in this file: run the whole file like Jupyter's "run cell" on a plain script
        await runner.run(ed.document, ed.document.getText(), 0, 'File');
        return;
      }
      await runner.run(ed.document, linesText(ed.document, cell.start, cell.end), cell.start, 'Cell');
    }),
    vscode.commands.registerCommand(Commands.runBelow, async (uri?: vscode.Uri, header?: number) => {
      const ed = await editorFor(uri);
      if (!ed) return;
      const cell = cellAt(cellsOf(ed.document), typeof header === 'number' ? header : ed.selection.active.line);
      const start = cell ? cell.start : ed.selection.active.line;
      await runner.run(ed.document, linesText(ed.document, start, ed.document.lineCount - 1), start, 'Cells below');
    }),
    vscode.commands.registerCommand(Commands.interrupt, () => {
      const entry = sessions.existing(vscode.window.activeTextEditor?.document.uri);
      const target = entry ?? sessions.all().find((e) => e.state === 'running');
      target?.session.interrupt();
    }),
    vscode.commands.registerCommand(Commands.restartSession, async () => {
      const entry = sessions.existing(vscode.window.activeTextEditor?.document.uri) ?? sessions.all()[0];
      if (!entry) { void vscode.window.showInformationMessage('Gradscope: no session is running yet.'); return; }
      hints.clear();
      runner.diagnostics.clear();
      await entry.restart(setupCode(readConfig()));
      runner.output.appendLine('# session restarted');
    }),
    vscode.commands.registerCommand(Commands.selectDevice, () => selectDevice(sessions)),
  ];
}

type DevicePick = vscode.QuickPickItem & { device: 'auto' | 'cpu' | 'webgpu'; adapter?: 'webview' | 'dawn' };

/** Select Device: what is really there (the webview's adapter, Dawn's adapter, the CPU), probed as the list shows. */
async function selectDevice(sessions: SessionManager): Promise<void> {
  const c = readConfig();
  const qp = vscode.window.createQuickPick<DevicePick>();
  qp.title = 'Gradscope: Select Device';
  qp.placeholder = `current: ${c.device}${c.device === 'webgpu' ? ` (${c.webgpuAdapter})` : ''}`;
  const webview: DevicePick = { label: '$(loading~spin) WebGPU: this window\'s GPU', description: 'through the Gradscope GPU webview', detail: 'looking for an adapter…', device: 'webgpu', adapter: 'webview' };
  const dawn: DevicePick = { label: '$(loading~spin) WebGPU: Dawn', description: 'the npm package webgpu, in the runtime worker', detail: 'looking for an adapter…', device: 'webgpu', adapter: 'dawn' };
  const base: DevicePick[] = [
    { label: 'Auto', description: 'new tensors on the CPU; the WebGPU device for code that asks for it', detail: 'With the Dawn adapter, large float32 matrix products also run on a hardware GPU that computes them bit for bit as the CPU does.', device: 'auto' },
    { label: 'CPU', description: 'the TypeScript engine in the runtime worker', device: 'cpu' },
  ];
  const render = () => { qp.items = [...base, webview, dawn]; };
  render();
  qp.busy = true;
  const dist = vscode.Uri.joinPath(sessions.extensionUri, 'dist').fsPath;
  const describe = (item: DevicePick, label: string, h: GpuHello) => {
    item.label = h.kind === 'ready' ? `WebGPU: ${label}` : `$(circle-slash) WebGPU: ${label}`;
    item.detail = h.kind === 'ready' ? `adapter: ${adapterName(h)}${h.adapter.fallback ? ' (software)' : ''}` : `not available: ${h.reason}`;
    render();
  };
  const probes = [
    probeDawn(dist).then((h) => describe(dawn, 'Dawn', h)),
    // the webview is asked only when it is open already (asking opens it)
    (sessions.gpu.isOpen ? sessions.gpu.probe() : Promise.resolve<GpuHello | null>(null)).then((h) => {
      if (h) describe(webview, 'this window\'s GPU', h);
      else { webview.label = 'WebGPU: this window\'s GPU'; webview.detail = 'opens the Gradscope GPU page, which finds the adapter'; render(); }
    }),
  ];
  void Promise.all(probes).then(() => { qp.busy = false; });
  const pick = await new Promise<DevicePick | undefined>((resolve) => {
    qp.onDidAccept(() => { resolve(qp.selectedItems[0]); qp.hide(); });
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (!pick || pick.label.startsWith('$(circle-slash)')) return;
  const cfg = vscode.workspace.getConfiguration('gradscope');
  if (pick.adapter) await cfg.update('webgpu.adapter', pick.adapter, vscode.ConfigurationTarget.Global);
  await cfg.update('device', pick.device, vscode.ConfigurationTarget.Global);
}
