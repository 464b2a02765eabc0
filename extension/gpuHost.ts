// The GPU webview, host side: a webview panel ("Gradscope GPU", retained when hidden) whose page runs
// the webgpu device of the sessions on its navigator.gpu (webview/gpu.ts). Each session gets a
// channel: its runtime worker's device messages arrive here (Session options.gpuHost), go to the page,
// and the page's answers are written into the worker's shared reply block by the channel's RelayHost
// (engine/backends/webgpu/relay.ts). When the panel closes or the device is lost, every channel is
// told so: a waiting read fails with a clear error instead of hanging, and listeners (the session
// manager) move their sessions back to the CPU.
import * as vscode from 'vscode';
import { RelayHost, RelayMessages } from '../engine/backends/webgpu/relay';
import type { GpuHello } from '../engine/backends/webgpu/protocol';
import {
  GpuAnswer, GpuBatchMsg, GpuCloseChannel, GpuHelloMsg, GpuLost, GpuOpen, GpuProbe, GpuProbeResult, GpuReady, answerBytes,
} from '../webview/gpuProtocol';
import { makeNonce } from './graphPanel';

export class GpuWebview implements vscode.Disposable {
  static readonly viewType = 'gradscope.gpu';
  private panel: vscode.WebviewPanel | null = null;
  private ready: Promise<void> | null = null;
  private readonly channels = new Map<number, RelayHost>();
  private readonly hellos = new Map<number, (h: GpuHello) => void>();
  private probes: ((h: GpuHello) => void)[] = [];
  private nextChannel = 1;
  private readonly lostEmitter = new vscode.EventEmitter<string>();
  /** the page closed or its device was lost (the reason) */
  readonly onDidLose = this.lostEmitter.event;

  constructor(private readonly extensionUri: vscode.Uri, private readonly log: (m: string) => void) {}

  get isOpen(): boolean { return this.panel !== null; }

  /** A session's view of the device: the RelayMessages its Session sends to (a new channel). */
  channel(): RelayMessages {
    const id = this.nextChannel++;
    const host = new RelayHost({
      open: (hello) => {
        this.hellos.set(id, hello);
        this.ensure().then(() => this.post(GpuOpen.with({ channel: id })), (e) => hello({ kind: 'unavailable', reason: String(e) }));
      },
      post: (cmds) => { if (this.panel) this.post(GpuBatchMsg.with({ channel: id, cmds })); },
      close: () => { if (this.panel) this.post(GpuCloseChannel.with({ channel: id })); },
    });
    this.channels.set(id, host);
    return host;
  }

  /** Which adapter the page gets (opens the page when needed). */
  async probe(): Promise<GpuHello> {
    await this.ensure();
    return new Promise((resolve) => {
      this.probes.push(resolve);
      this.post(GpuProbe.with({}));
    });
  }

  private ensure(): Promise<void> {
    if (this.ready) return this.ready;
    const panel = vscode.window.createWebviewPanel(GpuWebview.viewType, 'Gradscope GPU', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')],
    });
    this.panel = panel;
    this.ready = new Promise<void>((resolve) => {
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (GpuReady.is(m)) resolve();
        else if (GpuAnswer.is(m)) this.channels.get(m.params.channel)?.answer(m.params.seq, m.params.status, answerBytes(m.params.bytes));
        else if (GpuHelloMsg.is(m)) { const h = this.hellos.get(m.params.channel); this.hellos.delete(m.params.channel); h?.(m.params.hello); }
        else if (GpuProbeResult.is(m)) { for (const p of this.probes.splice(0)) p(m.params.hello); }
        else if (GpuLost.is(m)) this.lose(m.params.reason);
      });
    });
    panel.onDidDispose(() => {
      this.panel = null;
      this.ready = null;
      this.lose('the Gradscope GPU webview was closed');
    });
    panel.webview.html = this.html(panel.webview);
    return this.ready;
  }

  private lose(reason: string): void {
    this.log(`WebGPU: ${reason}`);
    for (const [id, h] of this.hellos) { this.hellos.delete(id); h({ kind: 'unavailable', reason }); }
    for (const p of this.probes.splice(0)) p({ kind: 'unavailable', reason });
    for (const host of this.channels.values()) host.lost(reason);
    this.lostEmitter.fire(reason);
  }

  private post(m: unknown): void {
    void this.panel?.webview.postMessage(m);
  }

  private html(w: vscode.Webview): string {
    const script = w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'gpu-webview.js'));
    const nonce = makeNonce();
    const csp = ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>Gradscope GPU</title>
<style nonce="${nonce}">body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 1em; }</style>
</head>
<body>
<p><b>Gradscope GPU</b>: this page runs the webgpu device of your Gradscope sessions on this window's WebGPU adapter.
Keep it open while you use <code>device='webgpu'</code>; closing it moves the sessions back to the CPU.</p>
<p id="status">No session uses the device yet.</p>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.panel?.dispose();
    this.lostEmitter.dispose();
  }
}
