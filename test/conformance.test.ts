// The public conformance corpus (../shared/conformance/public.jsonl: PyTorch programs with what real
// PyTorch 1.13 printed or raised) through the built CLI's batch mode, compared exactly as
// /work/shared/hooks/conformance.py compares (test/conformanceCompare.ts). Prints the pass rate
// per category and the failing ids; fails when fewer pass than test/conformance.floor.json says
// (the floor only goes up).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Built, ROOT, buildRuntime, removeBuild } from './runtime/helpers';
import { Item, runCorpus } from './conformanceCompare';

export { same } from './conformanceCompare';

const CORPUS = path.resolve(ROOT, '../shared/conformance/public.jsonl');
const FLOOR_FILE = path.join(ROOT, 'test/conformance.floor.json');

let built: Built;
beforeAll(async () => { built = await buildRuntime(); });
afterAll(() => removeBuild(built));

it('the public conformance corpus passes at least the recorded floor', async () => {
  expect(fs.existsSync(CORPUS), `corpus not found at ${CORPUS} (a copy of shared/ must sit beside the repository)`).toBe(true);
  const items = fs.readFileSync(CORPUS, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Item);
  const r = await runCorpus(built, items, { timeoutMs: 170_000 });
  const floor = (JSON.parse(fs.readFileSync(FLOOR_FILE, 'utf8')) as { public: number }).public;
  console.log(`conformance: ${r.ok}/${items.length} identical to PyTorch (${((100 * r.ok) / items.length).toFixed(1)}%; floor ${floor}) in ${(r.ms / 1000).toFixed(1)} s\n${r.report}\nfailing: ${r.fails.join(' ')}`);
  expect(r.got.size, `the batch gave ${r.got.size} results for ${items.length} programs; stderr: ${r.stderr.slice(-500)}`).toBe(items.length);
  expect(r.ok).toBeGreaterThanOrEqual(floor);
}, 200_000);
