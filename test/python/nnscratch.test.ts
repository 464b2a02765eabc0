import { readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, it } from 'vitest';
import { PyRunner, createRunner } from './helpers';
let py: PyRunner;
beforeAll(async () => { py = await createRunner(); });
it('scratch', () => {
  const r = py.run(readFileSync(process.env.PROG ?? '/tmp/xor_dbg.py', 'utf8'));
  writeFileSync('/tmp/scratch_out.txt', r.stdout + (r.error ? JSON.stringify(r.error) + r.stderr : ''));
});
