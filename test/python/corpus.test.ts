// The public conformance corpus run in-process through Python torch (informational: the CLI-level
// conformance test belongs to the runtime). Prints the pass rate per category and each failing id
// with the first differing line or the exception, and guards against regressions with a floor.
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PyRunner, createRunner } from './helpers';

const CORPUS = '/work/shared/conformance/public.jsonl';
/** Programs passing when this floor was last raised; a drop means something regressed. */
const MIN_PASSING = 227;

interface Program { id: string; category: string; code: string; stdout: string; error: { type: string; message: string } | null }

function firstDiff(want: string, got: string): string {
  const a = want.split('\n'), b = got.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: want ${JSON.stringify(a[i] ?? '<end>')} got ${JSON.stringify(b[i] ?? '<end>')}`;
  }
  return '';
}

let py: PyRunner;
beforeAll(async () => { py = await createRunner(); });

describe.skipIf(!existsSync(CORPUS))('conformance corpus in-process', () => {
  it('runs every public program and reports the pass rate per category', () => {
    const programs: Program[] = readFileSync(CORPUS, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const perCat = new Map<string, { pass: number; total: number }>();
    const failures: string[] = [];
    for (const p of programs) {
      const r = py.run(p.code);
      const sameOut = r.stdout === p.stdout;
      const sameErr = JSON.stringify(r.error) === JSON.stringify(p.error);
      const c = perCat.get(p.category) ?? { pass: 0, total: 0 };
      c.total++;
      if (sameOut && sameErr) c.pass++;
      else {
        const why = !sameOut && (!r.error || sameErr) ? firstDiff(p.stdout, r.stdout)
          : r.error ? `${r.error.type}: ${r.error.message}`.slice(0, 200) : `expected ${p.error?.type}: ${p.error?.message}`.slice(0, 200);
        failures.push(`${p.id}: ${why}`);
      }
      perCat.set(p.category, c);
    }
    const total = programs.length;
    const passed = [...perCat.values()].reduce((s, c) => s + c.pass, 0);
    const lines = [...perCat.entries()].map(([k, c]) => `  ${k.padEnd(10)} ${c.pass}/${c.total}`);
    console.log(`corpus: ${passed}/${total} pass\n${lines.join('\n')}\nfailing:\n${failures.map((f) => '  ' + f).join('\n')}`);
    expect(passed).toBeGreaterThanOrEqual(MIN_PASSING);
  });
});
