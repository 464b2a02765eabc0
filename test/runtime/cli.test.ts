// The `gradscope` CLI as built by scripts/build.mjs: run FILE (.py/.ts), exit codes, tracebacks,
// --device, and batch mode surviving timeouts, hangs, sys.exit, os._exit, deleted builtins, endless
// output and deep recursion. These programs check the runtime, not PyTorch: their expected text is
// plain Python's (print of str/int), or compared between two programs of the same batch.
import { webgpuAvailable } from '../../engine/backends/webgpu/index';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const gpuAvailable = webgpuAvailable() || process.env.GRADSCOPE_REQUIRE_WEBGPU === '1';
import { Built, buildRuntime, removeBuild, runCli } from './helpers';

let built: Built;
let tmp: string;

beforeAll(async () => {
  built = await buildRuntime();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-cli-'));
});
afterAll(() => {
  removeBuild(built);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

describe('gradscope run FILE', () => {
  it('prints what the program prints, then a traceback naming the file, exit 1', async () => {
    const p = file('fail.py', 'print("start")\n\ndef inner(v):\n    raise ValueError(f"bad value {v}")\n\ninner(42)\nprint("unreached")\n');
    const r = await runCli(built, ['run', '--device', 'cpu', p]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('start\n');
    expect(r.stderr).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(r.stderr).toContain(`File "${p}", line 6, in <module>`);
    expect(r.stderr).toContain(`File "${p}", line 4, in inner`);
    expect(r.stderr.trimEnd().split('\n').pop()).toBe('ValueError: bad value 42');
  });

  it('exits with the status of sys.exit, printing a non-int status', async () => {
    expect((await runCli(built, ['run', file('exit4.py', 'import sys\nprint("x")\nsys.exit(4)\n')])).code).toBe(4);
    const msg = await runCli(built, ['run', file('exitmsg.py', 'import sys\nsys.exit("giving up")\n')]);
    expect(msg.code).toBe(1);
    expect(msg.stderr).toBe('giving up\n');
  });

  it('runs TypeScript and JavaScript files', async () => {
    const ts = await runCli(built, ['run', file('hello.ts', 'const n: number = 6 * 7;\nconsole.log(`answer ${n}`);\n')]);
    expect(ts).toMatchObject({ code: 0, stdout: 'answer 42\n' });
    const js = await runCli(built, ['run', file('bad.js', 'console.log("a");\nnull.x;\n')]);
    expect(js.code).toBe(1);
    expect(js.stdout).toBe('a\n');
    expect(js.stderr).toContain('TypeError');
    expect(js.stderr).toContain('bad.js:2');
  });

  it('runs on --device webgpu (or GRADSCOPE_DEVICE=webgpu) where Dawn finds an adapter, and refuses unknown devices', async () => {
    const p = file('gpu.py', 'import torch\nprint(torch.ones(2) * 3)\n');
    for (const r of [await runCli(built, ['run', '--device', 'webgpu', p]), await runCli(built, ['run', p], { env: { GRADSCOPE_DEVICE: 'webgpu' } })]) {
      if (gpuAvailable) {
        expect(r).toMatchObject({ code: 0, stdout: "tensor([3., 3.], device='webgpu:0')\n" });
      } else {
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('webgpu device is not available');
      }
    }
    expect((await runCli(built, ['run', '--device=tpu', p])).code).toBe(2);
  });

  it('ends cleanly after GPU work: the device thread finishes what it was sent before the worker ends', async () => {
    if (!gpuAvailable) return;
    // host-memory dtypes and device buffers freed and made at the end of the run: ending the worker in
    // the middle of a Dawn call crashed the process (FATAL ERROR ... napi_throw) about every other run
    const p = file('gpu_end.py', [
      'import torch',
      'a = torch.ones(3, dtype=torch.float64, device="webgpu")',
      'b = torch.ones(3, dtype=torch.int16, device="webgpu")',
      'x = torch.randn(64, 64, device="webgpu")',
      'for _ in range(20): x = (x @ x.t()).tanh()',
      'print((a * 3).sum(), (b + 1).tolist(), x.shape)',
    ].join('\n') + '\n');
    for (let i = 0; i < 3; i++) {
      const r = await runCli(built, ['run', '--device', 'webgpu', p]);
      expect(r.stderr).not.toContain('FATAL');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("tensor(9., device='webgpu:0', dtype=torch.float64) [2, 2, 2] torch.Size([64, 64])\n");
    }
  });

  it('--device auto: new tensors on the CPU, large products on the GPU (a software one allowed here) with the CPU\'s bits', async () => {
    const prog = [
      'import torch',
      'torch.manual_seed(0)',
      'a = torch.randn(70, 50); b = torch.randn(50, 90)',
      'c = a @ b',
      'print(c.device, c.dtype, c.shape)',
      'print([float(v) for v in c.flatten()[::97]])',
      'print(c.sum().item(), (a.t().t() @ b.t().t()).equal(c))',
    ].join('\n') + '\n';
    const p = file('auto.py', prog);
    const env = { GRADSCOPE_OFFLOAD_SOFTWARE: '1', GRADSCOPE_OFFLOAD_MIN_MACS: '1000' };
    const cpu = await runCli(built, ['run', '--device', 'cpu', p], { env });
    expect(cpu.code).toBe(0);
    const auto = await runCli(built, ['run', '--device', 'auto', p], { env });
    expect(auto).toMatchObject({ code: 0, stdout: cpu.stdout });
    // nothing of ours on stderr (Dawn itself prints lavapipe's reduced limits from native code)
    expect(auto.stderr.split('\n').filter((l) => l && !/^Warning: \w+ artificially reduced/.test(l))).toEqual([]);
    expect(cpu.stdout.split('\n')[0]).toBe('cpu torch.float32 torch.Size([70, 90])');
    if (gpuAvailable) {
      // the product went to the GPU: its launches are in the device's kernel counts
      const q = file('auto_stats.py', `${prog}print(sum(n for k, n in torch.webgpu.kernel_stats().items() if k.startswith('matmul')) > 0)\n`);
      const r = await runCli(built, ['run', '--device', 'auto', q], { env });
      expect(r.code).toBe(0);
      expect(r.stdout.trimEnd().split('\n').pop()).toBe('True');
    }
  });

  it('explains usage errors', async () => {
    expect((await runCli(built, ['--help'])).code).toBe(0);
    expect((await runCli(built, ['frobnicate'])).code).toBe(2);
    expect((await runCli(built, ['run'])).code).toBe(2);
    expect((await runCli(built, ['run', path.join(tmp, 'missing.py')])).code).toBe(2);
  });
});

describe('gradscope run --batch', () => {
  it('runs every program fresh as __main__ and survives whatever they do', async () => {
    const probe = 'import torch\nprint(torch.get_default_dtype(), torch.is_grad_enabled(), __name__)\n';
    const programs: [string, string][] = [
      ['probe-first', probe],
      ['prints', 'print("hello")\nprint(1 + 1)\n'],
      ['raises', 'print("before")\nraise KeyError("k")\n'],
      ['exit-0', 'import sys\nprint("a")\nsys.exit(0)\n'],
      ['exit-2', 'import sys\nsys.exit(2)\n'],
      ['changes-state', 'import torch\ntorch.set_default_dtype(torch.float64)\ntorch.set_grad_enabled(False)\nleak = 1\n'],
      ['probe-again', `${probe}print(leak)\n`],
      ['loops', 'while True:\n    pass\n'],
      ['ignores-interrupt', 'while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass\n'],
      ['after-restart', 'print("still here")\n'],
      ['os-exit', 'import os\nprint("x")\nos._exit(1)\n'],
      ['del-builtins', 'import builtins\ndel builtins.print\ndel builtins.len\n'],
      ['builtins-back', 'print(len("abc"))\n'],
      ['endless-output', 'while True:\n    print("spam " * 20)\n'],
      ['deep-c-recursion', 'import sys\nsys.setrecursionlimit(10**6)\nclass A:\n    def __repr__(self):\n        return repr(self)\nrepr(A())\n'],
      ['last', 'print("done")\n'],
    ];
    const input = programs.map(([id, code]) => JSON.stringify({ id, code })).join('\n') + '\nnot json\n';
    const r = await runCli(built, ['run', '--batch', '--timeout', '1'], { input });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string | null; stdout: string; error: { type: string; message: string } | null });
    expect(lines.map((l) => l.id)).toEqual([...programs.map(([id]) => id), null]);
    const by = Object.fromEntries(lines.map((l) => [l.id, l]));
    expect(by['probe-first'].error).toBeNull();
    expect(by['probe-first'].stdout).toMatch(/__main__\n$/);
    expect(by.prints).toEqual({ id: 'prints', stdout: 'hello\n2\n', error: null });
    expect(by.raises).toEqual({ id: 'raises', stdout: 'before\n', error: { type: 'KeyError', message: "'k'" } });
    expect(by['exit-0']).toEqual({ id: 'exit-0', stdout: 'a\n', error: null });
    expect(by['exit-2'].error).toEqual({ type: 'SystemExit', message: '2' });
    expect(by['probe-again'].stdout).toBe(by['probe-first'].stdout);
    expect(by['probe-again'].error).toEqual({ type: 'NameError', message: "name 'leak' is not defined" });
    expect(by.loops.error?.type).toBe('TimeoutError');
    expect(by['ignores-interrupt'].error?.type).toBe('TimeoutError');
    expect(by['after-restart']).toEqual({ id: 'after-restart', stdout: 'still here\n', error: null });
    expect(by['os-exit'].stdout).toBe('x\n');
    expect(by['builtins-back']).toEqual({ id: 'builtins-back', stdout: '3\n', error: null });
    expect(by['endless-output'].error?.type).toBe('TimeoutError');
    // C-level recursion runs until Python's stack guard stops it (seconds in wasm): either outcome,
    // as long as the interpreter survives for the next program
    expect(['RecursionError', 'TimeoutError']).toContain(by['deep-c-recursion'].error?.type);
    expect(by.last).toEqual({ id: 'last', stdout: 'done\n', error: null });
    expect(lines[lines.length - 1].error?.type).toBe('ValueError');
  });

  it('reports Python recursion as RecursionError (with a timeout that load cannot hit)', async () => {
    const input = JSON.stringify({ id: 'recursion', code: 'def f(n):\n    return f(n + 1)\nf(0)\n' }) + '\n';
    const r = await runCli(built, ['run', '--batch', '--timeout', '60'], { input });
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout.trim()) as { error: { type: string; message: string } | null };
    expect(line.error).toEqual({ type: 'RecursionError', message: 'maximum recursion depth exceeded' });
  });
});
