// The webgpu device through the session's caller (what the VS Code extension does with its webview):
// the runtime worker's device messages go to a RelayHost, which forwards them to a GPU side — here a
// GpuServer over Dawn in this thread, standing in for the webview — and writes the answers into the
// worker's reply block. Also: when the GPU side goes away mid-session, runs fail with a clear
// RuntimeError instead of hanging. Needs a WebGPU adapter (skipped without one unless
// GRADSCOPE_REQUIRE_WEBGPU=1).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Session } from '../../engine/runtime/session';
import { GpuSide, RelayHost } from '../../engine/backends/webgpu/relay';
import { GpuServer } from '../../engine/backends/webgpu/server';
import { unavailableReason, webgpuAvailable } from '../../engine/backends/webgpu/index';
import type { GpuHello } from '../../engine/backends/webgpu/protocol';
import { Built, buildRuntime, removeBuild } from './helpers';

const available = webgpuAvailable();
const required = process.env.GRADSCOPE_REQUIRE_WEBGPU === '1';
const keep: unknown[] = [];

/** A GPU side over Dawn in this thread (asynchronous, like a webview). */
function dawnSide(host: () => RelayHost): GpuSide & { opened: number } {
  let server: GpuServer | null = null;
  const side = {
    opened: 0,
    open(hello: (h: GpuHello) => void) {
      side.opened++;
      void (async () => {
        const mod = await import('webgpu');
        Object.assign(globalThis, mod.globals);
        const gpu = mod.create([]);
        keep.push(gpu);
        const adapter = await gpu.requestAdapter();
        if (!adapter) { hello({ kind: 'unavailable', reason: 'no adapter' }); return; }
        const device = await adapter.requestDevice();
        server = new GpuServer(device, (seq, status, bytes) => host().answer(seq, status, bytes.slice()));
        hello({ kind: 'ready', adapter: { vendor: 'test', architecture: 'relay', device: '', description: 'Dawn behind a relay', fallback: true } });
      })();
    },
    post(cmds: Parameters<GpuSide['post']>[0]) { server?.receive({ cmds }); },
    close() { server = null; },
  };
  return side;
}

let built: Built | undefined;
let s: Session | undefined;
let host: RelayHost;
let side: ReturnType<typeof dawnSide>;

beforeAll(async () => {
  if (!available) return;
  built = await buildRuntime();
  side = dawnSide(() => host);
  host = new RelayHost(side);
  s = new Session({ workerPath: built.worker, pythonDir: built.python, device: 'webgpu', gpuHost: host });
  await s.start();
});
afterAll(async () => {
  await s?.dispose();
  removeBuild(built);
});

it('runs a matmul and backward on the relayed device', async () => {
  if (!available) {
    if (required) expect.fail(`no WebGPU adapter: ${unavailableReason()}`);
    return;
  }
  const r = await s!.run({
    code: [
      'import torch',
      'torch.manual_seed(0)',
      'x = torch.randn(64, 32)',
      'w = torch.randn(32, 8, requires_grad=True)',
      'y = (x @ w).sigmoid().sum()',
      'y.backward()',
      'print(x.device, w.grad.device, torch.webgpu.get_device_name())',
      'w2 = w.detach().cpu().requires_grad_()',
      '(x.cpu() @ w2).sigmoid().sum().backward()',
      'print((w.grad.cpu() - w2.grad).abs().max().item() < 1e-4)',
    ].join('\n'),
  });
  expect(r.error).toBeNull();
  expect(r.stdout).toBe('webgpu:0 webgpu:0 Dawn behind a relay\nTrue\n');
  expect(side.opened).toBe(1);
});

it('fails runs with a clear error when the GPU side goes away', async () => {
  if (!available) return;
  host.lost('the Gradscope GPU webview was closed');
  const r = await s!.run({ code: 'import torch\nt = torch.ones(3) * 2\nprint(t)' });
  expect(r.error?.type).toBe('RuntimeError');
  expect(r.error?.message).toContain('the Gradscope GPU webview was closed');
});
