// Writes test/fixtures/op_samples.json: every `samples` entry of the op table (engine/ops/table/*),
// for test/fixtures/gen_ops.py to run in real PyTorch. Run: npx vite-node scripts/dump-op-samples.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '../engine/index';
import { allOps } from '../engine/ops/registry';
import type { SampleCase } from '../engine/ops/spec';
import { canonical } from '../test/engine/sampleValues';

export interface DumpedSample {
  key: string;
  op: string;
  ns: string;
  method: boolean;
  args: SampleCase['args'];
  kwargs: NonNullable<SampleCase['kwargs']>;
  /** the sample as JSON: the fixture echoes it so the suite can tell a stale fixture */
  canon: string;
}

export function dumpSamples(): DumpedSample[] {
  const out: DumpedSample[] = [];
  for (const { def } of allOps()) {
    (def.samples ?? []).forEach((s, i) => {
      const ns = def.ns ?? 'torch';
      out.push({ key: `${def.name}#${i}`, op: def.name, ns, method: !!s.method, args: s.args, kwargs: s.kwargs ?? {}, canon: canonical(def.name, ns, s) });
    });
  }
  return out;
}

const path = fileURLToPath(new URL('../test/fixtures/op_samples.json', import.meta.url));
const samples = dumpSamples();
// non-finite numbers and -0 (in `values` and `f`) travel as "nan" / "inf" / "-inf" / "-0"
const finite = (_k: string, v: unknown) => (typeof v !== 'number' ? v : Number.isNaN(v) ? 'nan' : Object.is(v, -0) ? '-0' : !Number.isFinite(v) ? (v > 0 ? 'inf' : '-inf') : v);
// one sample per line, so regenerating gives readable diffs
writeFileSync(path, `{"samples": [\n${samples.map((s) => JSON.stringify(s, finite)).join(',\n')}\n]}\n`);
console.log(`wrote ${samples.length} samples of ${new Set(samples.map((s) => s.op)).size} ops to ${path}`);
