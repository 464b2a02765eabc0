// The Python `torch` package over the engine, run in Pyodide: each snippet's stdout and uncaught
// exception must equal what real PyTorch 1.13 gave (test/fixtures/gen_python.py -> python.json).
import { beforeAll, describe, expect, it } from 'vitest';
import cases from '../fixtures/python.json';
import { PyRunner, createRunner } from './helpers';

interface Case { name: string; code: string; stdout: string; error: { type: string; message: string } | null }

let py: PyRunner;
beforeAll(async () => { py = await createRunner(); });

describe('python torch (fixtures from real PyTorch)', () => {
  for (const c of cases as Case[]) {
    it(c.name, () => {
      const r = py.run(c.code);
      expect(r.stdout, r.stderr).toBe(c.stdout);
      expect(r.error, r.stderr).toEqual(c.error);
    });
  }
});
