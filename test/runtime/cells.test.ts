// Notebook cells in the runtime Session (cell mode): the last expression's value (Out[n]), `_` and
// friends, `;`, display(), print, IPython's pretty-printing, Jupyter errors (ename/evalue/traceback),
// execution counts, unsupported magics, interrupt. Expected outputs come from test/fixtures/notebook.json
// (gen_notebook.py: real IPython + real PyTorch), except the magic messages, which are Gradscope's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DisplayParams, OutputParams } from '../../engine/runtime/protocol';
import { RunResult, Session } from '../../engine/runtime/session';
import { Built, buildRuntime, fixture, removeBuild } from './helpers';

type Output =
  | { type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { type: 'execute_result'; count: number; data: Record<string, unknown> }
  | { type: 'display_data'; data: Record<string, unknown> }
  | { type: 'error'; ename: string; evalue: string; traceback: string[] };
interface Cell { source: string; count: number | null; outputs: Output[] }
interface Fixture {
  tutorial: { cells: { source: string; seed: string; prefix: string | null }[]; ran: Cell[] };
  cases: { id: string; cells: Cell[] }[];
}

const fx = fixture<Fixture>('notebook.json');

let built: Built;
let s: Session;
let events: Output[] = [];
let displays: DisplayParams[] = [];

beforeAll(async () => {
  built = await buildRuntime();
  s = new Session({ workerPath: built.worker, pythonDir: built.python, hangTimeoutMs: 1000 });
  s.onDidWrite((e: OutputParams) => {
    const last = events[events.length - 1];
    if (last && last.type === 'stream' && last.name === e.stream) last.text += e.text;
    else events.push({ type: 'stream', name: e.stream, text: e.text });
  });
  s.onDidDisplay((d) => {
    displays.push(d);
    events.push(d.kind === 'result'
      ? { type: 'execute_result', count: d.executionCount!, data: d.data }
      : { type: 'display_data', data: d.data });
  });
  await s.start();
});
afterAll(async () => {
  await s?.dispose();
  removeBuild(built);
});

const cellFile = (caseId: string, k: number) => `vscode-notebook-cell:/work/${caseId}.ipynb#C${k}`;

/** Run one cell like the notebook controller does; the outputs as a Jupyter frontend would list them. */
async function runCell(code: string, file: string, count: number, fresh = false): Promise<{ r: RunResult; outputs: Output[] }> {
  events = [];
  displays = [];
  const r = await s.run({ code, file, cell: { executionCount: count }, fresh });
  const outputs = events;
  if (r.error) outputs.push({ type: 'error', ename: r.error.type, evalue: r.error.message, traceback: r.error.tracebackLines ?? [] });
  return { r, outputs };
}

/** Run a fixture case's cells in a fresh namespace, numbering them as Jupyter does (empty cells are skipped). */
async function runCase(id: string, cells: Cell[]): Promise<(Output[] | null)[]> {
  const got: (Output[] | null)[] = [];
  let count = 0;
  for (const [k, cell] of cells.entries()) {
    if (!cell.source.trim()) { got.push(null); continue; }
    count++;
    got.push((await runCell(cell.source, cellFile(id, k), count, count === 1)).outputs);
  }
  return got;
}

/**
 * What real IPython + PyTorch gave, less what cannot be the same here: frames inside torch's own
 * Python files (the engine's ops have none), IPython's own SystemExit warning, and the compiler's
 * file name inside a SyntaxError's str().
 */
function comparable(outputs: Output[]): Output[] {
  return outputs
    .filter((o) => !(o.type === 'stream' && o.name === 'stderr' && o.text.includes('IPython/core/interactiveshell.py')))
    .map((o) => o.type !== 'error' ? o : {
      ...o,
      evalue: o.evalue.replace(/ \([^()]*, line (\d+)\)$/, ' (<cell>, line $1)'),
      traceback: o.traceback.filter((t) => !/^File \/usr\/lib\/python3\/dist-packages\/torch\//.test(t)),
    });
}

describe('cells behave like a Jupyter kernel (real IPython + PyTorch)', () => {
  for (const c of fx.cases) {
    it(c.id, async () => {
      const got = await runCase(c.id, c.cells);
      for (const [k, cell] of c.cells.entries()) {
        if (cell.count === null) { expect(got[k]).toBeNull(); continue; }
        const mine = comparable(got[k]!);
        const theirs = comparable(cell.outputs);
        expect({ cell: cell.source, outputs: mine }).toEqual({ cell: cell.source, outputs: theirs });
      }
    });
  }

  it('runs the seed tutorial: the stdout of each cell is what PyTorch printed', async () => {
    const { cells, ran } = fx.tutorial;
    const got = await runCase('tutorial', ran);
    for (const [k, cell] of ran.entries()) {
      expect({ cell: cells[k].seed, outputs: got[k] }).toEqual({ cell: cells[k].seed, outputs: cell.outputs });
    }
  });
});

describe('rich tensor outputs', () => {
  it('a 2-D float value carries its heatmap; an int tensor only its metadata', async () => {
    await runCell('import torch\nw = torch.tensor([[1.0, -2.0], [float("nan"), 4.0]], requires_grad=True)', cellFile('rich', 0), 1, true);
    const { outputs } = await runCell('w * 1', cellFile('rich', 1), 2);
    expect(outputs).toHaveLength(1);
    const d = displays[0];
    expect(d.kind).toBe('result');
    expect(d.executionCount).toBe(2);
    expect(d.tensor).toMatchObject({ shape: [2, 2], dtype: 'torch.float32', requiresGrad: true, gradFn: 'MulBackward0', numel: 4 });
    expect(d.tensor!.heatmap).toEqual({ rows: 2, cols: 2, values: [1, -2, null, 4], min: -2, max: 4 });
    await runCell('display(torch.arange(6).reshape(2, 3))', cellFile('rich', 2), 3);
    expect(displays[0].kind).toBe('display');
    expect(displays[0].tensor).toMatchObject({ shape: [2, 3], dtype: 'torch.int64' });
    expect(displays[0].tensor!.heatmap).toBeUndefined();
    await runCell('torch.zeros(200, 3)', cellFile('rich', 3), 4);
    expect(displays[0].tensor!.heatmap).toBeUndefined();
  });
});

describe('what IPython would run but this kernel cannot', () => {
  it('a cell magic stops the cell before anything runs', async () => {
    const { outputs } = await runCell('%%time\nprint("ran")\n', cellFile('magic', 0), 1, true);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ type: 'error', ename: 'UsageError' });
    const e = outputs[0] as Extract<Output, { type: 'error' }>;
    expect(e.evalue).toMatch(/^Cell magic %%time is not supported here: /);
    expect(e.traceback).toEqual([`UsageError: ${e.evalue}`]);
  });

  it('a line magic raises where it is: the lines before it ran', async () => {
    const { outputs } = await runCell('print("before")\n%timeit sum(range(10))\nprint("after")\n', cellFile('magic', 1), 2);
    expect(outputs[0]).toEqual({ type: 'stream', name: 'stdout', text: 'before\n' });
    expect(outputs[1]).toMatchObject({ type: 'error', ename: 'UsageError' });
    expect((outputs[1] as { evalue: string }).evalue).toMatch(/^Line magic %timeit is not supported here: /);
    expect(outputs).toHaveLength(2);
  });

  it('pip, shell and help lines say why', async () => {
    for (const [code, re] of [
      ['!pip install torchvision', /^Installing packages \(!pip \.\.\.\) is not supported here/],
      ['%pip install numpy', /^Installing packages \(%pip \.\.\.\) is not supported here/],
      ['!ls -la', /^Shell commands \(!ls -la\) are not supported here/],
      ['len?', /^Help syntax \(len\?\) is not supported here: use help\(len\) instead\./],
      ['if True:\n    !echo hi', /^Shell commands \(!echo hi\) are not supported here/],
    ] as const) {
      const { outputs } = await runCell(code, cellFile('magic', 2), 3);
      expect(outputs).toHaveLength(1);
      expect(outputs[0]).toMatchObject({ type: 'error', ename: 'UsageError' });
      expect((outputs[0] as { evalue: string }).evalue).toMatch(re);
    }
  });

  it('a real syntax error next to a magic is reported as the syntax error', async () => {
    const { outputs } = await runCell('%time x = 1\ny = (\n', cellFile('magic', 3), 4);
    expect(outputs[0]).toMatchObject({ type: 'error', ename: 'SyntaxError' });
  });

  it('the session keeps working after them', async () => {
    const { outputs } = await runCell('40 + 2', cellFile('magic', 4), 5);
    expect(outputs).toEqual([{ type: 'execute_result', count: 5, data: { 'text/plain': '42' } }]);
  });
});

describe('interrupt', () => {
  it('stops a running cell with KeyboardInterrupt and a Jupyter traceback; state survives', async () => {
    await runCell('n = 0', cellFile('intr', 0), 1, true);
    const run = runCell('while True:\n    n += 1\n', cellFile('intr', 1), 2);
    await new Promise((r) => setTimeout(r, 300));
    s.interrupt();
    const { r, outputs } = await run;
    expect(r.interrupted).toBe(true);
    const e = outputs[outputs.length - 1] as Extract<Output, { type: 'error' }>;
    expect(e.ename).toBe('KeyboardInterrupt');
    expect(e.evalue).toBe('');
    expect(e.traceback[0]).toBe('-'.repeat(75));
    expect(e.traceback[1]).toBe(`KeyboardInterrupt${'Traceback (most recent call last)'.padStart(75 - 'KeyboardInterrupt'.length)}`);
    expect(e.traceback[2]).toMatch(/^Cell In \[2\], line [12]\n/);
    expect(e.traceback[e.traceback.length - 1]).toBe('KeyboardInterrupt: ');
    const after = await runCell('n > 0', cellFile('intr', 2), 3);
    expect(after.outputs).toEqual([{ type: 'execute_result', count: 3, data: { 'text/plain': 'True' } }]);
  });
});
