// The public conformance corpus with webgpu as the default device (`--device webgpu`, Dawn; Mesa's
// software Vulkan in CI): the same results as on the CPU apart from the device. Tensors print with
// `device='webgpu:0'` (which also moves line breaks, as PyTorch's printing of any other device does)
// and `.device` says webgpu, so both sides are compared with the device suffix removed, the device
// names mapped to cpu and whitespace runs collapsed. Float results are not bit for bit the CPU's (the
// GPU's exp, its summation order): the floor in test/conformance.floor.json (`webgpu`) records how
// many programs still print exactly what PyTorch printed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Built, ROOT, buildRuntime, removeBuild } from './runtime/helpers';
import { Item, runCorpus } from './conformanceCompare';
import { unavailableReason, webgpuAvailable } from '../engine/backends/webgpu/index';

const CORPUS = path.resolve(ROOT, '../shared/conformance/public.jsonl');
const FLOOR_FILE = path.join(ROOT, 'test/conformance.floor.json');
const available = webgpuAvailable();
const required = process.env.GRADSCOPE_REQUIRE_WEBGPU === '1';

export const withoutDevice = (s: string): string => s
  .replace(/,\s*device='webgpu:0'/g, '')
  .replaceAll("device(type='webgpu', index=0)", "device(type='cpu')")
  .replaceAll('webgpu:0', 'cpu')
  .replace(/\s+/g, ' ');

let built: Built | undefined;
beforeAll(async () => { if (available) built = await buildRuntime(); });
afterAll(() => removeBuild(built));

it('the public conformance corpus on webgpu gives the CPU results apart from the device', async () => {
  if (!available) {
    if (required) expect.fail(`no WebGPU adapter: ${unavailableReason()}`);
    return;
  }
  const items = fs.readFileSync(CORPUS, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Item);
  const r = await runCorpus(built!, items, { timeoutMs: 170_000, args: ['--device', 'webgpu'], normalize: withoutDevice });
  const floor = (JSON.parse(fs.readFileSync(FLOOR_FILE, 'utf8')) as { webgpu: number }).webgpu;
  console.log(`conformance on webgpu: ${r.ok}/${items.length} (floor ${floor}) in ${(r.ms / 1000).toFixed(1)} s\n${r.report}\nfailing: ${r.fails.join(' ')}`);
  expect(r.got.size, `the batch gave ${r.got.size} results for ${items.length} programs; stderr: ${r.stderr.slice(-500)}`).toBe(items.length);
  expect(r.ok).toBeGreaterThanOrEqual(floor);
}, 200_000);
