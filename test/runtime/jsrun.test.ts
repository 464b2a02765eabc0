// JavaScript / TypeScript runs in the runtime worker: `torch` is the engine, console.log prints
// PyTorch's text (fixture: test/fixtures/runtime.json `js`, the Python twins run in real PyTorch),
// TS is transpiled, errors carry the engine's Python type and the user's line, loops can be interrupted.
import { webgpuAvailable } from '../../engine/backends/webgpu/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../engine/runtime/session';
import { Built, buildRuntime, fixture, removeBuild } from './helpers';

interface JsCase { id: string; python: string; stdout: string; error: { type: string; message: string; line: number } | null }
const cases = new Map(fixture<{ js: JsCase[] }>('runtime.json').js.map((c) => [c.id, c]));
const get = (id: string) => cases.get(id)!;

let built: Built;
let s: Session;

beforeAll(async () => {
  built = await buildRuntime();
  s = new Session({ workerPath: built.worker, pythonDir: built.python, loadPython: false, hangTimeoutMs: 500 });
  await s.start();
});
afterAll(async () => {
  await s?.dispose();
  removeBuild(built);
});

describe('JavaScript and TypeScript runs', () => {
  it('console.log prints tensors as PyTorch does', async () => {
    const r = await s.run({ code: 'console.log(torch.tensor([[1.5, 2], [3, 4]]))\n', language: 'javascript', fresh: true });
    expect(r.error).toBeNull();
    expect(r.stdout).toBe(get('print-tensor').stdout);
  });

  it('runs TypeScript with imports and types', async () => {
    const code = [
      "import { torch, Tensor } from 'gradscope';",
      'const a: Tensor = torch.arange(6).reshape(2, 3);',
      'console.log(a);',
      '// JS numbers cannot tell 1.0 from 1: the float dtype is explicit',
      'const b = torch.tensor([1.0, 2.0], { dtype: torch.float32, requires_grad: true }) as Tensor;',
      'console.log(b.mul(2));',
      '',
    ].join('\n');
    const r = await s.run({ code, language: 'typescript', file: 'demo.ts', fresh: true });
    expect(r.error).toBeNull();
    expect(r.stdout).toBe(get('print-ints-and-grad').stdout);
  });

  it("reports the engine's Python error type and the user's line (TypeScript, selection at line 10)", async () => {
    const want = get('view-error');
    const code = [
      'interface Shape { n: number }',
      'const s: Shape = { n: 6 };',
      'console.log(`torch.Size([${torch.arange(s.n).shape.join(", ")}])`);',
      'torch.arange(s.n).view(4, 2);',
    ].join('\n');
    const r = await s.run({ code, language: 'typescript', file: '/w/demo.ts', firstLine: 10, fresh: true });
    expect(r.stdout).toBe(want.stdout);
    expect(r.error).toMatchObject({ type: want.error!.type, message: want.error!.message, line: 13 });
    expect(r.error!.traceback).toContain('/w/demo.ts:13');
    expect(r.exitCode).toBe(1);
  });

  it('reports syntax errors with the line', async () => {
    const r = await s.run({ code: 'const a = 1;\nconst b = (;\n', language: 'javascript', file: 'x.js', firstLine: 3 });
    expect(r.error).toMatchObject({ type: 'SyntaxError', line: 4 });
  });

  it('keeps REPL state across runs, and re-running a cell with let/const/class works', async () => {
    await s.run({ code: 'let count = 1;\nconst base = 10;\nclass K { v() { return 2; } }\n', language: 'javascript', fresh: true });
    const cell = 'let count = 5;\nconsole.log(count + base + new K().v());\n';
    expect((await s.run({ code: cell, language: 'javascript' })).stdout).toBe('17\n');
    expect((await s.run({ code: cell, language: 'javascript' })).stdout).toBe('17\n');
    expect(await s.inspect('count')).toMatchObject({ kind: 'value', type: 'number', repr: '5' });
    const fresh = await s.run({ code: 'console.log(typeof base)\n', language: 'javascript', fresh: true });
    expect(fresh.stdout).toBe('undefined\n');
  });

  it('inspects engine tensors in the JS context', async () => {
    await s.run({ code: 'var w = torch.tensor([1.5, 2, 3], { requires_grad: true });\nw.mul(w).sum().backward();\n', language: 'javascript', fresh: true });
    const r = await s.inspect('w');
    expect(r.kind).toBe('tensor');
    if (r.kind !== 'tensor') return;
    expect(r.tensor).toMatchObject({ shape: [3], dtype: 'torch.float32', requiresGrad: true, isLeaf: true });
    expect(r.tensor.grad).toMatchObject({ shape: [3], dtype: 'torch.float32' });
  });

  it('interrupts an endless loop', async () => {
    const run = s.run({ code: 'let i = 0;\nwhile (true) {\n  i++;\n}\n', language: 'javascript', file: 'loop.js', fresh: true });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    s.interrupt();
    const r = await run;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.error?.type).toBe('KeyboardInterrupt');
    expect(r.error?.line).toBe(2);
  });

  it('awaits top-level await', async () => {
    const r = await s.run({ code: 'await new Promise((r) => setTimeout(r, 10));\nconsole.log("after");\n', language: 'typescript', fresh: true });
    expect(r.error).toBeNull();
    expect(r.stdout).toBe('after\n');
  });

  it('makes the webgpu device the default where Dawn finds an adapter (else refuses to start)', async () => {
    const gpu = new Session({ workerPath: built.worker, device: 'webgpu', loadPython: false });
    try {
      if (!webgpuAvailable() && process.env.GRADSCOPE_REQUIRE_WEBGPU !== '1') {
        await expect(gpu.start()).rejects.toThrow(/webgpu device is not available/);
        return;
      }
      await gpu.start();
      const r = await gpu.run({ code: 'console.log(String(torch.ones([2]).device), torch.ones([2]).mul(2).tolist());\n', language: 'javascript' });
      expect(r.error).toBeNull();
      expect(r.stdout).toBe('webgpu:0 [ 2, 2 ]\n');
    } finally {
      await gpu.dispose();
    }
  });

});

// a session without Python restarts in well under a second, so the lifecycle checks live here
describe('lifecycle', () => {
  it('detects a dead worker and recovers on the next run', async () => {
    let crashed = '';
    const sub = s.onDidCrash((e) => { crashed = e.message; });
    // escape the vm context to the worker's `process` and end the thread
    const r = await s.run({ code: "console.constructor.constructor('return process')().exit(7)", language: 'javascript' });
    sub.dispose();
    expect(r.error?.type).toBe('WorkerCrashed');
    expect(crashed).toContain('exited');
    expect(s.isCrashed).toBe(true);
    const after = await s.run({ code: 'console.log("alive")', language: 'javascript' });
    expect(after.stdout).toBe('alive\n');
  });

  it('reports a run that ignores interrupt() as hung, and restart() recovers', async () => {
    let hung = false;
    const sub = s.onDidHang(() => { hung = true; });
    // Atomics.wait blocks the worker thread where no interrupt check can run
    const run = s.run({ code: 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000)', language: 'javascript' });
    await new Promise((r) => setTimeout(r, 100));
    s.interrupt();
    await new Promise((r) => setTimeout(r, 800));
    expect(hung).toBe(true);
    await s.restart();
    expect((await run).error?.type).toBe('Restarted');
    sub.dispose();
    expect((await s.run({ code: 'console.log("back")', language: 'javascript' })).stdout).toBe('back\n');
  });

  it('times a run out: interrupt first, restart when that does not stop it', async () => {
    const loop = await s.run({ code: 'while (true) {}', language: 'javascript', timeoutMs: 300 });
    expect(loop).toMatchObject({ timedOut: true, error: { type: 'TimeoutError' } });
    const t0 = Date.now();
    const stuck = await s.run({ code: 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000)', language: 'javascript', timeoutMs: 300 });
    expect(stuck).toMatchObject({ timedOut: true, error: { type: 'TimeoutError' } });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await s.run({ code: 'console.log("fine")', language: 'javascript' })).stdout).toBe('fine\n');
  });
});
