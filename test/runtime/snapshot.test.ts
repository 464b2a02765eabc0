// Pyodide memory snapshots (engine/runtime/snapshot.ts, used by worker.ts) and tensor handles
// (bridge.ts): a Pyodide restored from a snapshot taken after `import torch` must behave like the one
// that took it, and the handles op calls hand out must be given back when Python drops the tensors.
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { loadPyodide } from 'pyodide';
import type { PyodideAPI } from 'pyodide';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTorch, liveHandles, snapshotCodec, writeTorchFiles } from '../../engine/runtime/bridge';
import { makeSnapshot, snapshotDeserializer } from '../../engine/runtime/snapshot';
import { pythonFiles } from '../python/helpers';

const indexURL = dirname(createRequire(__filename).resolve('pyodide/package.json')) + '/';
const env = { PYTHONHASHSEED: '0' };

interface Py { pyodide: PyodideAPI; run(code: string): { out: string; err: string } }

function capture(pyodide: PyodideAPI): Py {
  let out = '';
  let err = '';
  pyodide.setStdout({ write: (b: Uint8Array) => { out += new TextDecoder().decode(b); return b.length; } });
  pyodide.setStderr({ write: (b: Uint8Array) => { err += new TextDecoder().decode(b); return b.length; } });
  return {
    pyodide,
    run(code: string) {
      // the engine's callbacks into Python (warnings, graph sites) go to the Pyodide that set them last
      pyodide.runPython('import torch._bridge\nfor f in torch._bridge._js_setup: f()', { globals: pyodide.toPy({}) });
      out = '';
      err = '';
      const ns = pyodide.toPy({ __name__: '__main__' });
      try {
        pyodide.runPython(code, { globals: ns, filename: '/tmp/prog.py' });
      } finally {
        ns.destroy();
      }
      return { out, err };
    },
  };
}

const PROGRAM = `
import random, warnings
import torch
import torch._bridge as b
warnings.simplefilter('always')
torch.manual_seed(0)
x = torch.randn(3, 4, requires_grad=True)
w = torch.ones(4, 2) * 0.5
y = (x @ w).relu().sum()
y.backward()
print(y, x.grad, y.grad_fn.name())
print(y.grad)                          # non-leaf .grad: an engine warning through Python's warnings
lin = torch.nn.Linear(4, 2)            # torch.nn is imported now: its files must be there
print(type(lin).__name__, tuple(lin.weight.shape), torch.nn.functional.relu(-x).sum())
print((x + 1)[0], x.t().shape, (x * 2).sum(1))
try:
    torch.ones(2) @ torch.ones(3)
except RuntimeError as e:
    print('error:', e)
print('from snapshot:', b.from_snapshot, 0 <= random.random() < 1)
`;

describe('Pyodide memory snapshot after import torch', () => {
  let first: Py;
  let restored: Py;
  let bytes: Uint8Array;

  beforeAll(async () => {
    const files = pythonFiles();
    const codec = snapshotCodec();
    const p1 = await loadPyodide({ indexURL, env, _makeSnapshot: true });
    installTorch(p1, files);
    p1.runPython('import torch, torch._sites');
    (p1.pyimport('torch._bridge') as unknown as { release_pending(): void }).release_pending();
    expect(liveHandles()).toBe(0);
    bytes = makeSnapshot(p1, codec);
    first = capture(p1);
    const p2 = await loadPyodide({ indexURL, env, _loadSnapshot: bytes, _snapshotDeserializer: snapshotDeserializer(codec) });
    writeTorchFiles(p2, files);
    (p2.pyimport('torch._bridge') as unknown as { restored(): void }).restored();
    restored = capture(p2);
  }, 120_000);

  afterAll(() => { /* the Pyodides go with the worker process */ });

  it('restores to a torch that runs programs as the original does', () => {
    const a = first.run(PROGRAM);
    const r = restored.run(PROGRAM);
    expect(a.out).toContain('from snapshot: False True');
    expect(r.out).toContain('from snapshot: True True');
    expect(r.out.replace('from snapshot: True', '')).toBe(a.out.replace('from snapshot: False', ''));
    expect(r.out).toContain('error: inconsistent tensor size');
    // the engine's warning handler is Python's again after the restore (bridge.js_setup)
    expect(a.err).toContain('UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor');
    expect(r.err).toBe(a.err);
  });

  it('starts with the random module reseeded, not with the snapshot\'s sequence', () => {
    const draw = 'import random\nprint(random.random())';
    expect(restored.run(draw).out).not.toBe(first.run(draw).out);
  });

  it('gives tensor handles back when Python drops the tensors', () => {
    const before = liveHandles();
    first.run('import torch\na = torch.ones(2, 2)\nglobal_keep = [a + a for _ in range(300)]\nimport builtins\nbuiltins._gs_keep = global_keep');
    expect(liveHandles()).toBeGreaterThanOrEqual(before + 300);
    first.run('import builtins, gc\ndel builtins._gs_keep\ngc.collect()');
    expect(liveHandles()).toBeLessThanOrEqual(before + 2);
  });
});
