// LU ops (det, inverse, slogdet), cross, cdist and bincount through Pyodide: each program of
// test/fixtures/gen_linalg_decomp.py must print exactly what real PyTorch printed and raise the same error.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PyRunner, createRunner } from './helpers';

interface Program { code: string; stdout: string; error: { type: string; message: string } | null }
const fixture: Record<string, Program> = JSON.parse(readFileSync(new URL('../fixtures/linalg_decomp.json', import.meta.url), 'utf8')).programs;

let py: PyRunner;
beforeAll(async () => { py = await createRunner(); }, 120_000);

describe('linalg decompositions, cross, cdist, bincount', () => {
  for (const [name, p] of Object.entries(fixture)) {
    it(name, () => {
      const r = py.run(p.code);
      expect(r.error).toEqual(p.error);
      expect(r.stdout).toBe(p.stdout);
    });
  }
});
