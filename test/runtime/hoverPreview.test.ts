// The hover's tensor preview (worker.ts describeTensor) reads large tensors straight from storage
// instead of copying them into a JS array: the text must stay exactly what print(repr(x)) gives in
// the same session (whose printing test/conformance checks against real PyTorch), including the
// summarized form of tensors over the print threshold, views, integer/bool dtypes and Parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../engine/runtime/session';
import { Built, buildRuntime, removeBuild } from './helpers';

let built: Built;
let s: Session;

beforeAll(async () => {
  built = await buildRuntime();
  s = new Session({ workerPath: built.worker, pythonDir: built.python });
  await s.start();
  const r = await s.run({ code: [
    'import torch',
    'torch.manual_seed(0)',
    'big = torch.randn(300, 400)',
    'big_t = big.t()',
    'big_slice = big[::3, 5:]',
    'ints = torch.arange(5000).reshape(50, 100) * 1000003',
    'flags = torch.rand(40, 40) > 0.5',
    'wide = (torch.randn(2000, dtype=torch.float64) * 1e6).requires_grad_()',
    'scaled = wide * 2',
    'lin = torch.nn.Linear(784, 256)',
    'small = torch.tensor([[1.5, 2.25], [3.0, -4.0]])',
  ].join('\n') });
  expect(r.error).toBeNull();
});
afterAll(async () => {
  await s?.dispose();
  removeBuild(built);
});

describe('hover preview equals repr()', () => {
  for (const expr of ['big', 'big_t', 'big_slice', 'ints', 'flags', 'wide', 'scaled', 'lin.weight', 'lin.bias', 'small']) {
    it(expr, async () => {
      const printed = await s.run({ code: `print(repr(${expr}))` });
      expect(printed.error).toBeNull();
      const got = await s.inspect(expr);
      expect(got.kind).toBe('tensor');
      if (got.kind !== 'tensor') return;
      expect(got.tensor.preview + '\n').toBe(printed.stdout);
    });
  }
  it('a summarized tensor is previewed summarized', async () => {
    const got = await s.inspect('big');
    expect(got.kind === 'tensor' && got.tensor.preview.includes('...')).toBe(true);
  });
});
