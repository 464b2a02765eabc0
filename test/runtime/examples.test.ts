// The README demo files (examples/*.py) through the built CLI; stdout must be what real PyTorch
// printed for the same file (test/fixtures/examples.json, from test/fixtures/gen_examples.py).
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Built, ROOT, buildRuntime, fixture, removeBuild, runCli } from './helpers';

const expected = fixture<Record<string, { stdout: string; returncode: number }>>('examples.json');

let built: Built;
beforeAll(async () => { built = await buildRuntime(); });
afterAll(() => removeBuild(built));

describe('examples', () => {
  for (const [name, want] of Object.entries(expected)) {
    it(`gradscope run examples/${name} prints what PyTorch prints`, async () => {
      const r = await runCli(built, ['run', path.join(ROOT, 'examples', name)]);
      expect(r.stdout).toBe(want.stdout);
      expect(r.code, r.stderr.slice(-2000)).toBe(want.returncode);
    }, 120_000);
  }
});
