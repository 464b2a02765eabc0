// Status bar item: the session state of the active editor's folder and the device; click → Select Device.
import * as vscode from 'vscode';
import { readConfig } from './config';
import { SessionManager, SessionState } from './sessions';

const ICON: Record<SessionState, string> = {
  'not started': '$(circle-outline)', loading: '$(loading~spin)', idle: '$(check)', running: '$(sync~spin)', crashed: '$(error)',
};

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('gradscope.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subs: vscode.Disposable[];

  constructor(private readonly sessions: SessionManager) {
    this.item.name = 'Gradscope';
    this.item.command = 'gradscope.selectDevice';
    this.subs = [
      sessions.onDidChange(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('gradscope')) this.update(); }),
    ];
    this.update();
    this.item.show();
  }

  update(): void {
    const ed = vscode.window.activeTextEditor;
    const entry = this.sessions.existing(ed?.document.uri);
    const state: SessionState = entry?.state ?? 'not started';
    const c = readConfig();
    const device = c.device === 'webgpu' ? (this.sessions.deviceLabel === 'CPU' ? 'WebGPU' : this.sessions.deviceLabel) : c.device === 'auto' ? 'CPU (auto)' : 'CPU';
    this.item.text = `${ICON[state]} Gradscope: ${state} · ${device}`;
    this.item.tooltip = `Gradscope session (${entry?.label ?? 'none yet'}): ${state}. Device: ${device}. Click to select the device.`;
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
