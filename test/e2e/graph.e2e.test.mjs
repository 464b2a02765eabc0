// The autograd graph panel in a real VS Code: run the seed's logistic regression, call backward, open
// "Gradscope: Show Autograd Graph" and read the graph from the webview's DOM. Expected text comes from
// real PyTorch: node names from test/fixtures/graph.json (gen_graph.py), the printed gradients of w1
// and b from the conformance corpus; none of it is written here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, norm, sleep, startVSCode } from './harness.mjs';

const corpus = Object.fromEntries(fs.readFileSync(path.resolve('../shared/conformance/public.jsonl'), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l)).map((r) => [r.id, r]));
// its prints: grad(w1), grad(b), w1.grad, b.grad, loss, z a
const printed = corpus['autograd-seed-logistic-regression-grads'].stdout.split('\n');
const W1_GRAD = printed[2];
const B_GRAD = printed[3];
const pytorchGraph = JSON.parse(fs.readFileSync(path.resolve('test/fixtures/graph.json'), 'utf8'))
  .programs.find((p) => p.id === 'logistic-regression');
const NODE_NAMES = [...new Set(pytorchGraph.nodes.map((n) => n.name))];

const SEED = `import torch
import torch.nn.functional as F
x1 = torch.tensor([1.1])
y = torch.tensor([1.0])
w1 = torch.tensor([2.2], requires_grad=True)
b = torch.tensor([0.0], requires_grad=True)
z = x1 * w1 + b
a = torch.sigmoid(z)
loss = F.binary_cross_entropy(a, y)
loss.backward()
print("backward done")
`;
const lineOf = (text) => SEED.split('\n').findIndex((l) => l.startsWith(text)) + 1;

let vs;
before(async () => { vs = await startVSCode({ 'logreg.py': SEED }); });
after(async () => {
  if (vs) { await vs.page.screenshot({ path: `${ARTIFACTS}/graph-final.png` }).catch(() => {}); await vs.close(); }
});

/** The panel's document: the webview iframe of this extension, then its active frame. */
async function panelFrame() {
  const outer = vs.page.frameLocator('iframe.webview.ready[src*="extensionId=gradscope.gradscope"]');
  const inner = outer.frameLocator('#active-frame');
  await inner.locator('body[data-state="graph"]').waitFor({ timeout: 60000 });
  return inner;
}

/** Ln of the editor's cursor, from the status bar. */
async function cursorLine() {
  const item = vs.page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
  const m = /Ln (\d+)/.exec(norm(await item.innerText()));
  return m ? Number(m[1]) : null;
}

test('the graph of the logistic regression, with the gradients of w1 and b as PyTorch prints them', async () => {
  assert.equal(NODE_NAMES.length, 5);
  await vs.openFile('logreg.py', 'binary_cross_entropy');
  await vs.command('Gradscope: Run File');
  await vs.waitOutput(/backward done/, 120000);
  await vs.command('Gradscope: Show Autograd Graph');
  const panel = await panelFrame();
  const titles = await panel.locator('.node .title').allTextContents();
  const metas = await panel.locator('.node .meta').allTextContents();
  for (const name of NODE_NAMES) assert.ok(titles.includes(name) || metas.includes(name), `${name} not in the panel: ${titles.join(', ')}`);
  assert.ok(titles.includes('loss'), 'the output is labelled with its variable');
  const gradOf = async (name) => {
    const leaf = panel.locator('.node.kind-leaf', { has: panel.locator('.title', { hasText: new RegExp(`^${name}$`) }) });
    return (await leaf.locator('.grad-line').allTextContents()).join('\n');
  };
  assert.equal(await gradOf('w1'), W1_GRAD);
  assert.equal(await gradOf('b'), B_GRAD);
  await vs.page.screenshot({ path: `${ARTIFACTS}/graph.png` });
});

test('clicking a node reveals the line that created it; the cursor line highlights its nodes', async () => {
  const panel = await panelFrame();
  await panel.locator('.node.kind-op', { has: panel.locator('.title', { hasText: /^SigmoidBackward0$/ }) }).click();
  for (let i = 0; (await cursorLine()) !== lineOf('a = torch.sigmoid'); i++) {
    if (i > 50) assert.fail(`cursor at line ${await cursorLine()}, expected ${lineOf('a = torch.sigmoid')}`);
    await sleep(200);
  }
  await panel.locator('.node.kind-leaf', { has: panel.locator('.title', { hasText: /^w1$/ }) }).click();
  for (let i = 0; (await cursorLine()) !== lineOf('w1 = '); i++) {
    if (i > 50) assert.fail(`cursor at line ${await cursorLine()}, expected ${lineOf('w1 = ')}`);
    await sleep(200);
  }
  await vs.gotoLine(lineOf('z = x1 * w1 + b'));
  const highlighted = panel.locator('.node.hl .title');
  for (let i = 0; ; i++) {
    const hl = (await highlighted.allTextContents()).sort();
    if (hl.join() === 'AddBackward0,MulBackward0') break;
    if (i > 50) assert.fail(`highlighted: ${hl.join(', ')}`);
    await sleep(200);
  }
  await vs.page.screenshot({ path: `${ARTIFACTS}/graph-highlight.png` });
});

test('the panel follows a hovered tensor, and the picker lists the tensors with a grad_fn', async () => {
  const panel = await panelFrame();
  const hover = await vs.hover('z', 'Show autograd graph');
  assert.match(hover, /grad_fn=<AddBackward0>/);
  const expr = async () => panel.locator('body').getAttribute('data-expr');
  for (let i = 0; (await expr()) !== 'z'; i++) {
    if (i > 50) assert.fail(`the panel shows ${await expr()}, not z`);
    await sleep(200);
  }
  const titles = await panel.locator('.node .title').allTextContents();
  assert.ok(!titles.includes('SigmoidBackward0') && titles.includes('AddBackward0'), titles.join(', '));
  const options = await panel.locator('select option').allTextContents();
  for (const name of ['loss', 'a', 'z']) assert.ok(options.some((o) => o.startsWith(`${name} — `)), options.join(' | '));
  await panel.locator('select').selectOption('');
  for (let i = 0; (await expr()) !== 'loss'; i++) {
    if (i > 50) assert.fail(`the panel shows ${await expr()}, not loss`);
    await sleep(200);
  }
});
