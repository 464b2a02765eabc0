// VS Code entry: wires the pieces up and hands every registration to the context. No logic here.
import * as vscode from 'vscode';
import { CellCodeLensProvider } from './codelens';
import { registerCommands } from './commands';
import { GraphPanel, registerGraphCommands } from './graphPanel';
import { InlineHints } from './hints';
import { TensorHoverProvider } from './hover';
import { NotebookKernel } from './notebook';
import { Runner } from './runner';
import { SessionManager } from './sessions';
import { StatusBar } from './statusBar';

const LANGS = ['python', 'javascript', 'typescript', 'javascriptreact', 'typescriptreact'];

/** What activate() returns (`vscode.extensions.getExtension('gradscope.gradscope').exports`): read by the in-VS Code tests (test/electron). */
export interface GradscopeApi { readonly sessions: SessionManager; readonly hints: InlineHints }

export function activate(context: vscode.ExtensionContext): GradscopeApi {
  let log: (m: string) => void = () => undefined;
  const sessions = new SessionManager(context.extensionUri, (m) => log(m));
  const hints = new InlineHints();
  const runner = new Runner(sessions, hints);
  log = (m) => runner.output.appendLine(`# ${m}`);
  const lenses = new CellCodeLensProvider();
  context.subscriptions.push(
    sessions, hints, runner, lenses,
    new StatusBar(sessions),
    new NotebookKernel(sessions),
    ...registerCommands(sessions, runner, hints),
    ...registerGraphCommands({ extensionUri: context.extensionUri, sessions, log: (m) => runner.output.appendLine(m) }),
    vscode.languages.registerHoverProvider(LANGS.map((language) => ({ language })), new TensorHoverProvider(sessions, GraphPanel.followHover)),
    vscode.languages.registerCodeLensProvider({ language: 'python' }, lenses),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('gradscope.inlineHints') && !vscode.workspace.getConfiguration('gradscope').get('inlineHints', true)) hints.clear();
      if (e.affectsConfiguration('gradscope.device') || e.affectsConfiguration('gradscope.webgpu.adapter') || e.affectsConfiguration('gradscope.cudaAlias')) {
        void sessions.applyDevice().then((err) => { if (err) void vscode.window.showErrorMessage(`Gradscope: ${err}`); });
      }
    }),
  );
  return { sessions, hints };
}

export function deactivate(): void {}
