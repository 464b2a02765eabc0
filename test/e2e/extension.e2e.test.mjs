// The extension in a real VS Code: run a selection and a cell, read the output, an inline hint, a
// hover, an error diagnostic, and interrupt an infinite loop. Expected PyTorch text comes from the
// conformance corpus (real PyTorch's output), not from this file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, norm, sleep, startVSCode } from './harness.mjs';
import { FILES } from '../electron/workspace.mjs';

const corpus = Object.fromEntries(fs.readFileSync(path.resolve('../shared/conformance/public.jsonl'), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l)).map((r) => [r.id, r]));
// seed-tensors prints tensor_0d, tensor_1d, tensor_2d, tensor_3d: its third print is tensor_2d
const tensor2dText = corpus['seed-tensors'].stdout.split('\n').slice(2, 4).join('\n');


let vs;
before(async () => {
  // tutorial.py, broken.py, loop.py: the same workspace as the in-VS Code suite (test/electron/workspace.mjs)
  vs = await startVSCode(FILES);
});

after(async () => {
  if (vs) { await vs.page.screenshot({ path: `${ARTIFACTS}/final.png` }).catch(() => {}); await vs.close(); }
});

test('run a selection: output, then an inline hint', async () => {
  await vs.openFile('tutorial.py', 'tensor_2d');
  await vs.gotoLine(1, 6);
  await vs.command('Gradscope: Run Selection');
  const out = await vs.waitOutput(/^tensor\(\[\[1, 2, 3\],$/m, 90000);
  assert.ok(out.includes(tensor2dText), `output lacks PyTorch's text:\n${out}`);
  for (let i = 0; ; i++) {
    const decos = await vs.decorations();
    if (decos.some((d) => d.includes('→ (2, 3) int64'))) break;
    if (i > 50) assert.fail(`no inline hint; decorations: ${JSON.stringify(decos)}`);
    await sleep(200);
  }
  await vs.page.screenshot({ path: `${ARTIFACTS}/hint.png` });
});

test('hover shows the tensor', async () => {
  const t0 = performance.now();
  const text = await vs.hover('tensor_2d', 'torch.Size');
  // logged, not asserted: mouse move to the rendered hover, with editor.hover.delay (100 ms) and any retries
  console.log(`# hover round trip in the browser: ${(performance.now() - t0).toFixed(0)} ms (includes the 100 ms hover delay)`);
  assert.match(text, /torch\.Size\(\[2, 3\]\)/);
  assert.match(text, /int64/);
  await vs.page.screenshot({ path: `${ARTIFACTS}/hover.png` });
});

test('run a cell', async () => {
  await vs.gotoLine(9);
  await vs.command('Gradscope: Run Cell');
  await vs.waitOutput(/torch\.Size\(\[2, 3\]\)\n/);
  const out = vs.outputText();
  assert.ok(!/^last cell$/m.test(out), 'Run Cell ran past its cell');
});

test('an error becomes a diagnostic on the failing line', async () => {
  await vs.openFile('broken.py', 'view');
  await vs.command('Gradscope: Run File');
  const out = await vs.waitOutput(/RuntimeError: shape '\[4, 2\]' is invalid for input of size 6/);
  assert.ok(!/^unreached$/m.test(out), 'the run went past the error');
  const squiggle = vs.editor().locator('.squiggly-error');
  await squiggle.first().waitFor({ state: 'attached' });
  await vs.command('View: Toggle Problems');
  const problems = vs.page.locator('.markers-panel', { hasText: 'is invalid for input of size 6' });
  await problems.first().waitFor();
  assert.match(norm(await problems.first().innerText()), /\[Ln 3/);
  await vs.page.screenshot({ path: `${ARTIFACTS}/diagnostic.png` });
});

test('interrupt an infinite loop', async () => {
  await vs.openFile('loop.py', 'while True');
  await vs.command('Gradscope: Run File');
  await sleep(1500);
  await vs.command('Gradscope: Interrupt');
  await vs.waitOutput(/KeyboardInterrupt/, 20000);
  // the session is still usable afterwards
  await vs.openFile('tutorial.py', 'tensor_2d');
  await vs.gotoLine(11);
  await vs.command('Gradscope: Run Selection');
  await vs.waitOutput(/^last cell$/m);
});
