// The generated op suite on the CPU: every `samples` entry of the op table runs here and in real PyTorch
// (test/fixtures/ops.json) and must give the same values, dtype, shape, grad_fn name, requires_grad
// and error, and the same gradients; samples whose output requires grad also pass a float64
// finite-difference gradcheck. The machinery is in opSuiteCore.ts.
//
// Regenerate after adding or changing samples:
//   npx vite-node scripts/dump-op-samples.ts && /usr/bin/python3 test/fixtures/gen_ops.py
import { describe, expect, it } from 'vitest';
import { Jacobian, compare, entries, float64Run, fresh, gradcheck, results, runEngine } from './opSuiteCore';

describe('op suite', () => {
  it('has a PyTorch fixture for every sample', () => {
    const stale = entries.filter((e) => results[e.key]?.canon !== e.canon).map((e) => e.key);
    expect(stale, 'regenerate: npx vite-node scripts/dump-op-samples.ts && /usr/bin/python3 test/fixtures/gen_ops.py').toEqual([]);
  });

  for (const { key, op, s } of fresh) {
    it(`${key} matches PyTorch`, () => {
      const errs = compare(runEngine(op, s), results[key], s);
      if (errs.length) expect.fail(errs.join('\n'));
    });
  }

  for (const { key, op, s } of fresh) {
    const r = results[key];
    if (s.noGradcheck || r.error || r.build_error || !r.grads) continue;
    let run: Jacobian | string; // samples with nothing differentiable in float64 have no gradcheck
    try { run = float64Run(op, s); } catch (e) { run = String(e); }
    if (typeof run === 'string') continue;
    it(`${key} gradcheck`, () => {
      const errs = gradcheck(run);
      if (errs.length) expect.fail(errs.join('\n'));
    });
  }
});
