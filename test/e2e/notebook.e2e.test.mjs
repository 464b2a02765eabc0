// The notebook kernel in a real VS Code: open examples/tutorial.ipynb (the seed tutorial's cells, plus
// a tensor-valued cell, an endless loop and one more cell), check the Gradscope kernel is the notebook's
// kernel, Run All, and read every cell's outputs from the notebook's output webview. Expected text:
// each seed cell's stdout is its corpus program's stdout minus the program it extends (real PyTorch,
// ../shared/conformance/public.jsonl); values come from test/fixtures/notebook.json (real IPython +
// PyTorch). Then: interrupt the loop, hover a tensor in a cell, switch editors and back, restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, norm, sleep, startVSCode } from './harness.mjs';

const LABEL = 'Gradscope (PyTorch, no Python install)';
const corpus = Object.fromEntries(fs.readFileSync(path.resolve('../shared/conformance/public.jsonl'), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l)).map((r) => [r.id, r]));
const fx = JSON.parse(fs.readFileSync('test/fixtures/notebook.json', 'utf8'));
const tutorial = JSON.parse(fs.readFileSync('examples/tutorial.ipynb', 'utf8'));

const LOOP = 'import time\nn = 0\nwhile True:\n    n += 1\n    time.sleep(0.01)';
const AFTER = "print('after restart:', 'tensor_2d' in dir())";
const codeCell = (source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [],
  source: source.split('\n').map((l, i, a) => (i < a.length - 1 ? `${l}\n` : l)) });
const notebook = { ...tutorial, cells: [...tutorial.cells, ...fx.tutorial.extra.map((c) => codeCell(c.source)), codeCell(LOOP), codeCell(AFTER)] };

/** What each code cell must show, in order: [{kind: 'stream' | 'result' | 'tensor', text}] */
const expected = fx.tutorial.cells.map((c, k) => {
  const stdout = corpus[c.seed].stdout.slice(c.prefix ? corpus[c.prefix].stdout.length : 0);
  const outs = [];
  if (stdout) outs.push({ kind: 'stream', text: stdout });
  for (const o of fx.tutorial.ran[k].outputs) if (o.type === 'execute_result') outs.push({ kind: 'result', text: o.data['text/plain'] });
  return outs;
});
const extraValue = fx.tutorial.extra[0].outputs[0].data['text/plain'];

let vs;
before(async () => {
  vs = await startVSCode({ 'tutorial.ipynb': JSON.stringify(notebook, null, 1), 'notes.py': 'notes = 1\n' });
});
after(async () => {
  if (vs) { await vs.page.screenshot({ path: `${ARTIFACTS}/notebook-final.png` }).catch(() => {}); await vs.close(); }
});

const outputFrame = () => vs.page.frameLocator('iframe.webview.ready[src*="purpose=notebookRenderer"]').frameLocator('#active-frame');

/** The outputs the webview has rendered now: per cell container (id = cell), its top and outputs. */
async function renderedOutputs() {
  try {
    return await outputFrame().locator('#container').evaluate((c) => [...c.querySelectorAll('.cell_container')].map((el) => ({
      id: el.id,
      top: parseFloat(el.style.top),
      outputs: [...el.querySelectorAll('.output')].map((o) => {
        const tensor = o.querySelector('.gradscope-tensor');
        if (tensor) {
          return { kind: 'tensor', header: tensor.querySelector('.gradscope-tensor-header').textContent,
            text: tensor.querySelector('.gradscope-tensor-text').textContent, cells: tensor.querySelectorAll('.gradscope-heatmap td').length };
        }
        return { kind: o.classList.contains('output-stream') ? 'stream' : 'other', text: o.textContent };
      }),
    })), { timeout: 2000 });
  } catch {
    return [];
  }
}

/**
 * Every cell's outputs: the webview renders a cell's outputs once the cell comes near the view, so walk
 * the cells with the keyboard (command mode: Ctrl+Home, then ArrowDown) and read what has been rendered.
 */
async function allOutputs() {
  const page = vs.page;
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < notebook.cells.length; i++) {
    await page.keyboard.press('ArrowDown');
    await sleep(100);
  }
  await sleep(300);
  return (await renderedOutputs()).sort((a, b) => a.top - b.top);
}

async function waitFor(what, fn, timeout = 120000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeout) {
      await vs.page.screenshot({ path: `${ARTIFACTS}/notebook-timeout.png` }).catch(() => {});
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(500);
  }
}

const toolbar = () => vs.page.locator('.notebook-toolbar-container').first();
const toolbarButton = (text) => toolbar().locator('.action-item', { hasText: text }).first();

test('open the tutorial notebook: the Gradscope kernel is chosen', async () => {
  const page = vs.page;
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await vs.quickInput().waitFor({ state: 'visible' });
  await vs.quickInput().fill('tutorial.ipynb');
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'tutorial.ipynb' }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.notebook-editor .cell-list-container').first().waitFor({ timeout: 60000 });
  // the controller is the preferred (and here the only) kernel: selected without a picker
  await waitFor('the kernel label', async () => norm(await toolbar().innerText()).includes(LABEL), 60000);
  await page.screenshot({ path: `${ARTIFACTS}/notebook-open.png` });
});

test('Run All: every tutorial cell shows what PyTorch printed', async () => {
  await vs.command('Notebook: Run All');
  // the loop cell (after the last tutorial cell and the tensor cell) keeps running: wait for the tensor's view
  await waitFor('the tensor cell output', async () => (await allOutputs()).some((c) => c.outputs.some((o) => o.kind === 'tensor')), 180000);
  const cells = await allOutputs();
  await vs.page.screenshot({ path: `${ARTIFACTS}/notebook-runall.png` });
  assert.equal(cells.length, expected.length + 1, `cells with outputs: ${JSON.stringify(cells.map((c) => c.outputs), null, 1)}`);
  for (const [k, want] of expected.entries()) {
    const got = cells[k].outputs.map((o) => ({ kind: o.kind === 'other' ? 'result' : o.kind, text: o.text }));
    assert.deepEqual(got.map((o) => ({ ...o, text: o.text.replace(/\n$/, '') })), want.map((o) => ({ ...o, text: o.text.replace(/\n$/, '') })),
      `cell ${k + 1} (${fx.tutorial.cells[k].seed})`);
  }
  const rich = cells[expected.length].outputs;
  assert.equal(rich.length, 1);
  assert.equal(rich[0].kind, 'tensor');
  assert.equal(rich[0].text, extraValue);
  assert.match(norm(rich[0].header), /^tensor · torch\.Size\(\[2, 3\]\) · torch\.float32$/);
  assert.equal(rich[0].cells, 6);
});

test('interrupt stops the running cell with KeyboardInterrupt and skips the rest', async () => {
  await vs.command('Notebook: Interrupt');
  const cells = await waitFor('KeyboardInterrupt', async () => {
    const c = await allOutputs();
    return c.some((x) => x.outputs.some((o) => o.text.includes('KeyboardInterrupt'))) ? c : null;
  }, 30000);
  const loop = cells[cells.length - 1];
  assert.equal(loop.outputs.length, 1);
  assert.match(loop.outputs[0].text, /KeyboardInterrupt/);
  assert.match(loop.outputs[0].text, /Cell In \[15\], line [345]/);
  // the cell after the loop never ran: no outputs for it
  assert.equal(cells.length, expected.length + 2);
  await vs.page.screenshot({ path: `${ARTIFACTS}/notebook-interrupt.png` });
});

test('hover over a tensor in a cell shows it from the notebook session', async () => {
  const page = vs.page;
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
  await sleep(500);
  const hover = page.locator('.monaco-hover', { hasText: 'torch.Size' });
  for (let i = 0; ; i++) {
    const pt = await page.evaluate(() => {
      for (const line of document.querySelectorAll('.notebook-editor .cell-editor-container .view-line')) {
        const w = document.createTreeWalker(line, NodeFilter.SHOW_TEXT); let n;
        while ((n = w.nextNode())) {
          const j = n.data.indexOf('tensor_2d');
          if (j >= 0) { const r = document.createRange(); r.setStart(n, j); r.setEnd(n, j + 9); const b = r.getBoundingClientRect(); return { x: b.x + b.width / 2, y: b.y + b.height / 2 }; }
        }
      }
      return null;
    });
    if (pt) {
      await page.mouse.move(pt.x, pt.y + 30);
      await page.mouse.move(pt.x, pt.y);
      try { await hover.first().waitFor({ timeout: 3000 }); break; } catch (e) { if (i > 8) throw e; }
    } else {
      if (i > 20) throw new Error('tensor_2d is not rendered in any cell');
      await page.keyboard.press('ArrowDown');
      await sleep(300);
    }
  }
  const text = norm(await hover.first().innerText());
  assert.match(text, /tensor_2d/);
  assert.match(text, /torch\.Size\(\[2, 3\]\)/);
  await page.screenshot({ path: `${ARTIFACTS}/notebook-hover.png` });
  await page.mouse.move(5, 5);
});

test('switching editors keeps the outputs; Restart Kernel starts counting again', async () => {
  await vs.openFile('notes.py', 'notes');
  await vs.page.locator('.tabs-container .tab', { hasText: 'tutorial.ipynb' }).first().click();
  await vs.page.locator('.notebook-editor .cell-list-container').first().waitFor();
  const kept = await waitFor('the outputs after switching back', async () => {
    const c = await allOutputs();
    return c.length === expected.length + 2 ? c : null;
  }, 30000);
  assert.equal(kept[0].outputs[0].text.replace(/\n$/, ''), expected[0][0].text.replace(/\n$/, ''));

  await toolbarButton('Restart Kernel').click();
  await sleep(1000);
  // run the last cell alone: its editor, then Shift+Enter
  const page = vs.page;
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+End');
  await sleep(500);
  const line = page.locator('.notebook-editor .cell-editor-container .view-line', { hasText: 'after restart' }).last();
  await line.click();
  await page.keyboard.press('Shift+Enter');
  const cells = await waitFor('the output of the cell run after the restart', async () => {
    const c = await allOutputs();
    return c.some((x) => x.outputs.some((o) => o.text.includes('after restart:'))) ? c : null;
  }, 120000);
  const last = cells[cells.length - 1];
  assert.equal(last.outputs[0].text, 'after restart: False\n');
  const order = await page.locator('.notebook-editor .cell-list-container .monaco-list-row', { hasText: 'after restart' }).last().innerText();
  assert.match(norm(order), /\[1\]/, `execution order after the restart:\n${order}`);
  await page.screenshot({ path: `${ARTIFACTS}/notebook-restart.png` });
});

test('saved, the notebook holds Jupyter outputs: execute_result, stream, error with ename/evalue/traceback', async () => {
  await vs.page.keyboard.press('Escape');
  await vs.page.keyboard.press('Control+S');
  const file = path.join(vs.dirs.ws, 'tutorial.ipynb');
  const saved = await waitFor('the saved notebook', async () => {
    const nbOnDisk = JSON.parse(fs.readFileSync(file, 'utf8'));
    return nbOnDisk.cells.some((c) => c.outputs?.length) ? nbOnDisk : null;
  }, 30000);
  const code = saved.cells.filter((c) => c.cell_type === 'code');
  const join = (t) => (Array.isArray(t) ? t.join('') : t);
  // the matrix literal: its value
  const literal = code[1].outputs;
  assert.equal(literal.length, 1);
  assert.equal(literal[0].output_type, 'execute_result');
  assert.equal(literal[0].execution_count, 2);
  assert.equal(join(literal[0].data['text/plain']), expected[1][0].text);
  // a printing cell: one stdout stream
  assert.deepEqual(code[2].outputs.map((o) => [o.output_type, o.name, join(o.text)]), [['stream', 'stdout', expected[2][0].text]]);
  // the tensor value: rich HTML beside the plain text
  const rich = code[expected.length].outputs[0];
  assert.equal(rich.output_type, 'execute_result');
  assert.equal(join(rich.data['text/plain']), extraValue);
  assert.match(join(rich.data['text/html']), /class="gradscope-tensor"/);
  // the interrupted loop: Jupyter's error fields
  const err = code[expected.length + 1].outputs[0];
  assert.equal(err.output_type, 'error');
  assert.equal(err.ename, 'KeyboardInterrupt');
  assert.equal(err.evalue, '');
  assert.equal(err.traceback[0], '-'.repeat(75));
  assert.equal(err.traceback[err.traceback.length - 1], 'KeyboardInterrupt: ');
});
