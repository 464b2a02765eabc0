// The webgpu device in a real VS Code, on the GPU of the window: with gradscope.device = webgpu and
// the webview adapter, a run opens the "Gradscope GPU" page, whose navigator.gpu (Chromium's
// SwiftShader here, started with --enable-unsafe-webgpu) runs a matmul and its backward; the program
// checks the GPU results against the same computation on the CPU.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ARTIFACTS, startVSCode } from './harness.mjs';

const PROGRAM = `import torch
torch.manual_seed(0)
a = torch.randn(3, 4, requires_grad=True)
b = torch.randn(4, 2)
c = a @ b
c.sum().backward()
print("devices", c.device, a.grad.device)
print("adapter", torch.webgpu.get_device_name() != "")
print("matmul", torch.allclose(c.detach().cpu(), a.detach().cpu() @ b.cpu(), atol=1e-6))
print("grad", torch.allclose(a.grad.cpu(), b.cpu().sum(1).expand(3, 4), atol=1e-6))
print("gpu done")
`;

let vs;
before(async () => {
  vs = await startVSCode({ 'gpu.py': PROGRAM }, { 'gradscope.device': 'webgpu', 'gradscope.webgpu.adapter': 'webview' });
});
after(async () => {
  if (vs) { await vs.page.screenshot({ path: `${ARTIFACTS}/webgpu-final.png` }).catch(() => {}); await vs.close(); }
});

test('a matmul and its backward run on the webview GPU (SwiftShader)', async () => {
  await vs.openFile('gpu.py', 'gpu done');
  await vs.command('Gradscope: Run File');
  const out = await vs.waitOutput(/^gpu done$/m, 180000);
  await vs.page.screenshot({ path: `${ARTIFACTS}/webgpu-run.png` });
  assert.match(out, /^devices webgpu:0 webgpu:0$/m);
  assert.match(out, /^adapter True$/m);
  assert.match(out, /^matmul True$/m);
  assert.match(out, /^grad True$/m);
  // the GPU page is open (its iframe belongs to this extension)
  assert.ok(await vs.page.locator('iframe.webview[src*="extensionId=gradscope.gradscope"]').count() >= 1);
  // the status bar names the device
  assert.ok(await vs.page.locator('.statusbar-item', { hasText: /WebGPU/ }).count() >= 1);
});
