// The GPU webview: runs the webgpu device of Gradscope sessions on this page's navigator.gpu (the
// machine's GPU in VS Code; Chromium's SwiftShader in the tests). One GPUDevice and GpuServer per
// session channel; answers go back to the extension host, which writes them into the session's
// shared reply block (engine/backends/webgpu/relay.ts).
/// <reference types="@webgpu/types" />
import { GpuServer } from '../engine/backends/webgpu/server';
import type { GpuHello } from '../engine/backends/webgpu/protocol';
import { Envelope } from './protocol';
import { GpuAnswer, GpuBatchMsg, GpuCloseChannel, GpuHelloMsg, GpuLost, GpuOpen, GpuProbe, GpuProbeResult, GpuReady } from './gpuProtocol';

interface VsCodeApi { postMessage(msg: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();
const post = (m: Envelope) => vscode.postMessage(m);

const servers = new Map<number, { server: GpuServer; device: GPUDevice }>();
const status = document.getElementById('status');
const show = (text: string) => { if (status) status.textContent = text; };

async function adapter(): Promise<{ adapter: GPUAdapter } | { reason: string }> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { reason: 'this webview has no WebGPU (navigator.gpu is missing)' };
  const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!a) return { reason: 'the webview found no WebGPU adapter (the GPU may be blocklisted)' };
  return { adapter: a };
}

function summary(a: GPUAdapter): GpuHello {
  const info = a.info ?? ({} as GPUAdapterInfo);
  return {
    kind: 'ready',
    adapter: {
      vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '',
      fallback: (a as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    },
  };
}

async function open(channel: number): Promise<GpuHello> {
  const r = await adapter();
  if ('reason' in r) return { kind: 'unavailable', reason: r.reason };
  const a = r.adapter;
  const device = await a.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
      maxBufferSize: a.limits.maxBufferSize,
    },
  });
  const server = new GpuServer(device, (seq, st, bytes) => post(GpuAnswer.with({ channel, seq, status: st, bytes: bytes.slice() })));
  servers.set(channel, { server, device });
  void device.lost.then((info) => {
    if (servers.get(channel)?.device !== device) return;
    post(GpuLost.with({ reason: `the WebGPU device was lost (${info.reason}): ${info.message}` }));
  });
  show(`WebGPU device for ${servers.size} session(s): ${a.info?.description || a.info?.vendor || 'adapter'}`);
  return summary(a);
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = e.data;
  if (GpuBatchMsg.is(m)) {
    servers.get(m.params.channel)?.server.receive({ cmds: m.params.cmds });
  } else if (GpuOpen.is(m)) {
    const { channel } = m.params;
    void open(channel)
      .catch((err): GpuHello => ({ kind: 'unavailable', reason: `the webview could not open WebGPU: ${err instanceof Error ? err.message : String(err)}` }))
      .then((hello) => post(GpuHelloMsg.with({ channel, hello })));
  } else if (GpuCloseChannel.is(m)) {
    const s = servers.get(m.params.channel);
    servers.delete(m.params.channel);
    s?.device.destroy();
  } else if (GpuProbe.is(m)) {
    void adapter().then((r) => post(GpuProbeResult.with({ hello: 'reason' in r ? { kind: 'unavailable', reason: r.reason } : summary(r.adapter) })));
  }
});

post(GpuReady.with({}));
