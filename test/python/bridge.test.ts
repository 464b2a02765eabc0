// The bridge's own guarantees, beyond matching PyTorch's stdout: warnings reach Python's warnings
// machinery (stderr, attributed to the user's line), engine errors surface as clean Python
// exceptions, Python drops its hold on engine tensors promptly, state resets between programs, and
// the per-op overhead stays small.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { PyRunner, createRunner } from './helpers';

let py: PyRunner;
beforeAll(async () => { py = await createRunner(); });

describe('python bridge', () => {
  it('forwards engine warnings to Python warnings, on stderr at the user line', () => {
    const r = py.run('import torch\nx = torch.tensor([1.0], requires_grad=True)\ny = x * 2\ng = y.grad\nprint(g)\n');
    expect(r.error).toBeNull();
    expect(r.stdout).toBe('None\n');
    expect(r.stderr).toMatch(/<snippet>:4: UserWarning: The \.grad attribute of a Tensor that is not a leaf Tensor is being accessed/);
  });

  it('raises engine errors as the Python type with a traceback free of JS frames', () => {
    const r = py.run('import torch\ndef f():\n    return torch.ones(2, 3).view(4, 2)\nf()\n');
    expect(r.error).toEqual({ type: 'RuntimeError', message: "shape '[4, 2]' is invalid for input of size 6" });
    expect(r.stderr).toMatch(/File "<snippet>", line 3, in f/);
    expect(r.stderr).not.toMatch(/JsException|\.ts:\d|\.js:\d|at \w+ \(/);
    expect(r.stderr.trimEnd().split('\n').pop()).toBe("RuntimeError: shape '[4, 2]' is invalid for input of size 6");
  });

  it('keeps Python exceptions raised inside hooks as they are', () => {
    const r = py.run([
      'import torch',
      'x = torch.ones(2, requires_grad=True)',
      'def hook(g):',
      '    raise KeyError("from hook")',
      'x.register_hook(hook)',
      '(x * 2).sum().backward()',
    ].join('\n'));
    expect(r.error).toEqual({ type: 'KeyError', message: "'from hook'" });
  });

  it('resets torch state between programs', () => {
    py.run([
      'import torch',
      'torch.set_default_dtype(torch.float64)',
      'torch.set_printoptions(precision=1)',
      'torch.set_grad_enabled(False)',
      'torch.manual_seed(7)',
      'torch.backends.cudnn.deterministic = True',
    ].join('\n'));
    const r = py.run([
      'import torch',
      'print(torch.get_default_dtype(), torch.tensor([1.23456]), torch.is_grad_enabled())',
      'print(torch.initial_seed(), torch.backends.cudnn.deterministic)',
    ].join('\n'));
    expect(r.error).toBeNull();
    expect(r.stdout).toBe('torch.float32 tensor([1.2346]) True\n67280421310721 False\n');
  });

  it('lets V8 collect an engine tensor once Python drops it', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    py.pyodide.runPython('import torch\n_gs_keep = torch.zeros(1000, 1000)\n_gs_view = _gs_keep[0]\n');
    const ref = (() => {
      const proxy = py.pyodide.globals.get('_gs_keep');
      const engineTensor = proxy._t as object;
      proxy.destroy();
      return new WeakRef(engineTensor);
    })();
    py.pyodide.runPython('del _gs_keep, _gs_view\nimport gc\ngc.collect()\n');
    await new Promise((r) => setTimeout(r, 0));
    gc();
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(ref.deref()).toBeUndefined();
  });

  it('adds only a few microseconds per tiny op (x + y on 2x2)', () => {
    py.pyodide.runPython([
      'import torch, time',
      'x = torch.ones(2, 2); y = torch.ones(2, 2)',
      'for _ in range(500): x + y',
      '_gs_best = 1e9',
      'for _ in range(3):',
      '    t = time.perf_counter()',
      '    for _ in range(10000): x + y',
      '    _gs_best = min(_gs_best, (time.perf_counter() - t) / 10000 * 1e6)',
    ].join('\n'));
    const us = py.pyodide.globals.get('_gs_best') as number;
    console.log(`x + y on 2x2 tensors: ${us.toFixed(2)} us per op (10,000 ops, best of 3)`);
    expect(us).toBeLessThan(50);
  });
});
