// The runtime Session with Python: REPL state, streamed output, errors mapped to the user's lines,
// interrupt, fresh runs, inspect, restart, crash and hang recovery. Expected PyTorch text comes from
// test/fixtures/runtime.json (gen_runtime.py, real PyTorch). One session (one Pyodide load) per file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectResult, OutputParams } from '../../engine/runtime/protocol';
import { Session } from '../../engine/runtime/session';
import { Built, buildRuntime, fixture, removeBuild } from './helpers';

interface Cell { code: string; first_line: number; stdout: string; error: { type: string; message: string; line: number | null } | null }
type Num = number | 'nan' | 'inf' | '-inf' | null;
interface Meta {
  shape: number[]; dtype: string; device: string; requiresGrad: boolean; gradFn: string | null; isLeaf: boolean;
  isParameter: boolean; strides: number[]; isView: boolean; numel: number; preview: string;
  stats: { min: Num; max: Num; mean: number | null; nanCount: number; infCount: number }; grad: Meta | null;
}
interface Fixture {
  file: string;
  repl: { id: string; cells: Cell[] }[];
  inspect: { id: string; setup: string; expr: string; expected: { kind: 'tensor'; tensor: Meta } | { kind: 'module'; repr: string; parameterCount: number; trainableCount: number } }[];
}

const fx = fixture<Fixture>('runtime.json');
const num = (v: Num) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);

let built: Built;
let s: Session;

beforeAll(async () => {
  built = await buildRuntime();
  s = new Session({ workerPath: built.worker, pythonDir: built.python, hangTimeoutMs: 500 });
  await s.start();
});
afterAll(async () => {
  await s?.dispose();
  removeBuild(built);
});

describe('runs', () => {
  for (const rc of fx.repl) {
    it(`keeps state across runs and maps error lines: ${rc.id}`, async () => {
      for (const [k, cell] of rc.cells.entries()) {
        const r = await s.run({ code: cell.code, file: fx.file, firstLine: cell.first_line, fresh: k === 0 });
        expect(r.stdout).toBe(cell.stdout);
        if (cell.error) {
          expect(r.error).toMatchObject({ type: cell.error.type, message: cell.error.message, line: cell.error.line });
          expect(r.error!.traceback).toContain(`File "${fx.file}", line ${cell.error.line}`);
          expect(r.error!.traceback.trimEnd().split('\n').pop()).toBe(`${cell.error.type}: ${cell.error.message}`);
          expect(r.exitCode).toBe(1);
        } else {
          expect(r.error).toBeNull();
          expect(r.exitCode).toBe(0);
        }
      }
    });
  }

  it('maps a SyntaxError to the line in the user file', async () => {
    const r = await s.run({ code: 'a = 1\nb = (2,\n', file: fx.file, firstLine: 20 });
    expect(r.error?.type).toBe('SyntaxError');
    expect(r.error?.line).toBe(21);
    expect(r.error?.traceback).toContain(`File "${fx.file}", line 21`);
  });

  it('streams stdout and stderr in order while the run is going', async () => {
    const events: (OutputParams & { t: number })[] = [];
    const sub = s.onDidWrite((e) => events.push({ ...e, t: Date.now() }));
    const r = await s.run({ code: 'import sys, time\nprint("one")\nprint("two", file=sys.stderr)\nprint("three")\ntime.sleep(0.4)\nprint("four")\n' });
    const done = Date.now();
    sub.dispose();
    const mine = events.filter((e) => e.text.trim());
    expect(mine.map((e) => `${e.stream}:${e.text}`)).toEqual(['stdout:one\n', 'stderr:two\n', 'stdout:three\n', 'stdout:four\n']);
    expect(done - mine[0].t).toBeGreaterThanOrEqual(300);
    expect(r.stdout).toBe('one\nthree\nfour\n');
    expect(r.stderr).toBe('two\n');
  });

  it('interrupts `while True: pass` with KeyboardInterrupt in under a second', async () => {
    const run = s.run({ code: 'while True:\n    pass\n', file: fx.file, firstLine: 5 });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    s.interrupt();
    const r = await run;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.interrupted).toBe(true);
    expect(r.error).toMatchObject({ type: 'KeyboardInterrupt', line: 6 });
    expect((await s.run({ code: 'print(1 + 1)\n' })).stdout).toBe('2\n');
  });

  it('fresh runs get a fresh namespace and fresh torch state', async () => {
    const probe = 'import torch\nprint(torch.get_default_dtype(), torch.is_grad_enabled())\nprint(torch.rand(3))\n';
    const first = await s.run({ code: probe, fresh: true });
    expect(first.error).toBeNull();
    await s.run({ code: 'torch.set_default_dtype(torch.float64)\ntorch.set_grad_enabled(False)\ntorch.manual_seed(5)\nsecret = 1\n' });
    const same = await s.run({ code: probe });
    expect(same.stdout).not.toBe(first.stdout);
    const again = await s.run({ code: `${probe}print(secret)\n`, fresh: true });
    expect(again.stdout).toBe(first.stdout);
    expect(again.error).toMatchObject({ type: 'NameError', message: "name 'secret' is not defined" });
  });

  it('survives sys.exit, os._exit and deleted builtins', async () => {
    const exit = await s.run({ code: 'import sys\nprint("bye")\nsys.exit(3)\n', fresh: true });
    expect(exit).toMatchObject({ stdout: 'bye\n', exitCode: 3, error: { type: 'SystemExit', message: '3' } });
    const osExit = await s.run({ code: 'import os\nos._exit(0)\n', fresh: true });
    expect(osExit).toMatchObject({ exitCode: 0, error: null });
    await s.run({ code: 'import builtins\ndel builtins.print\ndel builtins.len\n', fresh: true });
    expect((await s.run({ code: 'print(len([1, 2]))\n', fresh: true })).stdout).toBe('2\n');
  });
});

describe('inspect', () => {
  for (const c of fx.inspect) {
    it(`describes ${c.id} (${c.expr})`, async () => {
      const run = await s.run({ code: c.setup, fresh: true });
      expect(run.error).toBeNull();
      const got = await s.inspect(c.expr);
      expect(got.kind).toBe(c.expected.kind);
      if (c.expected.kind === 'module') {
        expect(got).toMatchObject({ repr: c.expected.repr, parameterCount: c.expected.parameterCount, trainableCount: c.expected.trainableCount });
        return;
      }
      const want = c.expected.tensor;
      const t = (got as Extract<InspectResult, { kind: 'tensor' }>).tensor;
      const check = (g: typeof t, w: Meta) => {
        const { stats, grad, ...rest } = w;
        expect(g).toMatchObject(rest);
        expect(g.stats.min).toBe(num(stats.min));
        expect(g.stats.max).toBe(num(stats.max));
        expect(g.stats.nanCount).toBe(stats.nanCount);
        expect(g.stats.infCount).toBe(stats.infCount);
        if (stats.mean === null) expect(g.stats.mean).toBeNull();
        else expect(g.stats.mean).toBeCloseTo(stats.mean, 10);
        if (grad) check(g.grad!, grad);
        else expect(g.grad).toBeNull();
      };
      check(t, want);
    });
  }

  it('reports plain values and names it cannot find, without running user code', async () => {
    await s.run({ code: 'class Box:\n    def __init__(self):\n        self.n = 5\n    @property\n    def p(self):\n        print("property ran")\n        return 1\nbox = Box()\n', fresh: true });
    const writes: string[] = [];
    const sub = s.onDidWrite((e) => writes.push(e.text));
    expect(await s.inspect('box.n')).toMatchObject({ kind: 'value', type: 'int', repr: '5' });
    expect(await s.inspect('box.p')).toMatchObject({ kind: 'notFound' });
    expect(await s.inspect('box.missing')).toMatchObject({ kind: 'notFound' });
    expect(await s.inspect('nothing_here')).toMatchObject({ kind: 'notFound' });
    expect(await s.inspect('box.n + 1')).toMatchObject({ kind: 'notFound' });
    sub.dispose();
    expect(writes).toEqual([]);
  });

  it('shows a user Module without running its extra_repr, __repr__ or parameters()', async () => {
    await s.run({
      code: [
        'import torch.nn as nn',
        'class Net(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.fc = nn.Linear(3, 2)',
        '        self.act = nn.ReLU()',
        '    def extra_repr(self):',
        '        print("extra_repr ran")',
        "        return 'custom'",
        '    def parameters(self, recurse=True):',
        '        print("parameters ran")',
        '        return super().parameters(recurse)',
        'class Loud(nn.Module):',
        '    def __repr__(self):',
        '        print("repr ran")',
        "        return 'Loud!'",
        'net = Net()',
        'net.fc.weight.requires_grad_(False)',
        'loud = Loud()',
      ].join('\n') + '\n',
      fresh: true,
    });
    const writes: string[] = [];
    const sub = s.onDidWrite((e) => writes.push(e.text));
    expect(await s.inspect('net')).toMatchObject({
      kind: 'module', parameterCount: 8, trainableCount: 2,
      repr: 'Net(\n  …  # extra_repr (user code, not run)\n  (fc): Linear(in_features=3, out_features=2, bias=True)\n  (act): ReLU()\n)',
    });
    expect(await s.inspect('loud')).toMatchObject({ kind: 'module', repr: expect.stringContaining('not run') });
    sub.dispose();
    expect(writes).toEqual([]);
  });

  it('answers at once while code is running', async () => {
    const run = s.run({ code: 'import time\ntime.sleep(0.5)\n' });
    await new Promise((r) => setTimeout(r, 100));
    expect(await s.inspect('box')).toMatchObject({ kind: 'notFound', reason: expect.stringContaining('busy') });
    await run;
  });
});

describe('lifecycle', () => {
  it('restart() gives a new interpreter', async () => {
    await s.run({ code: 'kept = 1\n' });
    await s.restart();
    const r = await s.run({ code: 'print(kept)\n' });
    expect(r.error?.type).toBe('NameError');
  });
});

describe('graph sites', () => {
  const CODE = 'import torch\nw = torch.ones(2, requires_grad=True)\nloss = (w * 3).sum()\n';
  const sites = async (session: Session) => {
    const r = await session.run({ code: CODE, file: '/ws/sites.py', firstLine: 1, fresh: true });
    expect(r.error ?? null).toBeNull();
    const g = await session.graph('loss');
    if (g.kind !== 'graph') throw new Error(g.reason);
    return g.snapshot.nodes.filter((n) => n.kind === 'op').map((n) => n.site ? `${n.name}@${n.site.line}` : n.name);
  };
  it('each op node knows its line by default (the graph panel)', async () => {
    expect((await sites(s)).sort()).toEqual(['MulBackward0@3', 'SumBackward0@3']);
  });
  it('sessions nothing draws graphs for (sites: false, the CLI) skip the call into Python per node', async () => {
    const plain = new Session({ workerPath: built.worker, pythonDir: built.python, sites: false });
    try {
      await plain.start();
      expect((await sites(plain)).sort()).toEqual(['MulBackward0', 'SumBackward0']);
    } finally {
      await plain.dispose();
    }
  });
});
