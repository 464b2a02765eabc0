// The extra conformance corpus (test/fixtures/extra_corpus.jsonl, written by real PyTorch 1.13 through
// test/fixtures/gen_extra_corpus.py: ~500 programs next to the public ones) through the built CLI's
// batch mode, compared like the public corpus (test/conformanceCompare.ts). Prints the pass rate per
// category and the failing ids (EXTRA_CORPUS_VERBOSE=1 adds the first differing line of each); fails
// when fewer pass than test/extra_corpus.floor.json says (the floor only goes up).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Built, ROOT, buildRuntime, removeBuild } from './runtime/helpers';
import { Got, Item, runCorpus } from './conformanceCompare';

const CORPUS = path.join(ROOT, 'test/fixtures/extra_corpus.jsonl');
const FLOOR_FILE = path.join(ROOT, 'test/extra_corpus.floor.json');
// full-precision prints of float sums (cascade order) where the README allows ~2 ulps
const LENIENT = new Set(['dtypes-x-float64-sum-precision']);

function firstDiff(exp: Item, got: Got | undefined): string {
  if (!got) return 'no result';
  const a = exp.stdout.split('\n'), b = (got.stdout ?? '').split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: want ${JSON.stringify(a[i] ?? '<end>')} got ${JSON.stringify(b[i] ?? '<end>')}`;
  }
  const fmt = (e: Item['error'] | undefined) => (e ? `${e.type}: ${e.message}` : 'no error');
  return `error: want ${fmt(exp.error)} got ${fmt(got.error)}`;
}

let built: Built;
beforeAll(async () => { built = await buildRuntime(); });
afterAll(() => removeBuild(built));

it('the extra conformance corpus passes at least the recorded floor', async () => {
  const items = fs.readFileSync(CORPUS, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Item);
  const r = await runCorpus(built, items, { timeoutMs: 280_000, lenient: LENIENT });
  const floor = (JSON.parse(fs.readFileSync(FLOOR_FILE, 'utf8')) as { extra: number }).extra;
  const byId = new Map(items.map((i) => [i.id, i]));
  const details = process.env.EXTRA_CORPUS_VERBOSE
    ? '\n' + r.fails.map((id) => `  ${id}: ${firstDiff(byId.get(id)!, r.got.get(id))}`).join('\n')
    : '';
  console.log(`extra corpus: ${r.ok}/${items.length} identical to PyTorch (${((100 * r.ok) / items.length).toFixed(1)}%; floor ${floor}) in ${(r.ms / 1000).toFixed(1)} s\n${r.report}\nfailing: ${r.fails.join(' ')}${details}`);
  expect(r.got.size, `the batch gave ${r.got.size} results for ${items.length} programs; stderr: ${r.stderr.slice(-500)}`).toBe(items.length);
  expect(r.ok).toBeGreaterThanOrEqual(floor);
}, 320_000);
