// Notebook output content (extension/notebookOutput.ts): output items per displayed value, the rich
// tensor view, Jupyter error fields and the metadata the .ipynb serializer reads. Tensor texts and
// tracebacks come from test/fixtures/notebook.json (real IPython + PyTorch).
import { describe, expect, it } from 'vitest';
import type { DisplayParams, TensorView } from '../../engine/runtime/protocol';
import { displayItems, displayMetadata, errorOutput, heatColor, tensorHtml } from '../../extension/notebookOutput';
import { fixture } from '../runtime/helpers';

interface Out { type: string; data?: Record<string, string>; ename?: string; evalue?: string; traceback?: string[] }
const fx = fixture<{ cases: { id: string; cells: { source: string; outputs: Out[] }[] }[] }>('notebook.json');
const cells = (id: string) => fx.cases.find((c) => c.id === id)!.cells;
// display(torch.ones(2, 2)) in the 'display' case: PyTorch's text of a 2x2 float tensor
const onesText = cells('display')[0].outputs.find((o) => o.type === 'display_data' && o.data!['text/plain'].startsWith('tensor('))!.data!['text/plain'];

const view = (over: Partial<TensorView> = {}): TensorView => ({
  shape: [2, 2], dtype: 'torch.float32', device: 'cpu', requiresGrad: false, gradFn: null, isParameter: false, numel: 4,
  heatmap: { rows: 2, cols: 2, values: [1, 1, 1, 1], min: 1, max: 1 }, ...over,
});
const display = (over: Partial<DisplayParams> = {}): DisplayParams => ({
  runId: 1, kind: 'display', executionCount: null, data: { 'text/plain': onesText }, metadata: {}, ...over,
});

describe('output items', () => {
  it('a tensor gets the HTML view first and keeps its text/plain', () => {
    const items = displayItems(display({ tensor: view() }));
    expect(items.map((i) => i.mime)).toEqual(['text/html', 'text/plain']);
    expect(items[1].text).toBe(onesText);
    const html = items[0].text!;
    expect(html).toContain('torch.Size([2, 2]) · torch.float32');
    expect(html).toContain(`<pre class="gradscope-tensor-text"`);
    expect(html).toContain(onesText.replace(/</g, '&lt;'));
    expect(html.match(/<td /g)).toHaveLength(4);
    expect(html).not.toMatch(/<script|on\w+=/i);
    expect(html).toContain('var(--vscode-editor-foreground');
  });

  it('no heatmap without values; grad_fn and Parameter in the header; text escaped', () => {
    const html = tensorHtml(view({ heatmap: undefined, gradFn: 'MulBackward0', requiresGrad: true, isParameter: true }), 'tensor(<1>)');
    expect(html).not.toContain('<table');
    expect(html).toContain('Parameter · grad_fn=&lt;MulBackward0&gt;');
    expect(html).toContain('tensor(&lt;1&gt;)');
  });

  it('other values: their mime bundle as is, binary formats decoded, JSON as JSON, richest first', () => {
    const items = displayItems(display({
      data: { 'text/plain': 'P', 'image/png': Buffer.from([137, 80, 78, 71]).toString('base64'), 'application/json': { a: 1 }, 'text/html': '<b>x</b>' },
    }));
    expect(items.map((i) => i.mime)).toEqual(['text/html', 'image/png', 'application/json', 'text/plain']);
    expect(Array.from(items[1].bytes!)).toEqual([137, 80, 78, 71]);
    expect(items[2].json).toEqual({ a: 1 });
    // a value with its own HTML keeps it, even a tensor subclass
    expect(displayItems(display({ data: { 'text/plain': 't', 'text/html': '<i>t</i>' }, tensor: view() })).map((i) => i.text))
      .toEqual(['<i>t</i>', 't']);
  });

  it('metadata tells the ipynb serializer execute_result from display_data', () => {
    expect(displayMetadata(display({ kind: 'result', executionCount: 3 }))).toEqual({ outputType: 'execute_result', executionCount: 3, metadata: {} });
    expect(displayMetadata(display())).toEqual({ outputType: 'display_data', metadata: {} });
  });
});

describe('errors', () => {
  it("carry Jupyter's ename, evalue and traceback list", () => {
    const err = cells('errors')[0].outputs[0];
    const e = errorOutput({ type: err.ename!, message: err.evalue!, traceback: err.traceback!.join('\n'), line: 3, tracebackLines: err.traceback });
    expect(e.name).toBe('RuntimeError');
    expect(e.message).toBe("shape '[4, 2]' is invalid for input of size 6");
    expect(e.stack).toBe(err.traceback!.join('\n'));
    expect(e.metadata).toEqual({ outputType: 'error', originalError: { output_type: 'error', ename: err.ename, evalue: err.evalue, traceback: err.traceback } });
  });

  it('a run error without a Jupyter traceback (the worker crashed) still shows its text', () => {
    const e = errorOutput({ type: 'WorkerCrashed', message: 'gone', traceback: 'WorkerCrashed: gone\n', line: null });
    expect(e.stack).toBe('WorkerCrashed: gone');
  });
});

describe('heatmap colours', () => {
  it('diverge around zero, scale by magnitude, leave non-finite cells clear', () => {
    expect(heatColor(2, -4, 2)).toBe('rgba(51, 122, 214, 0.500)');
    expect(heatColor(-4, -4, 2)).toBe('rgba(214, 69, 65, 1.000)');
    expect(heatColor(1, 1, 3)).toBe('rgba(51, 122, 214, 0.000)');
    expect(heatColor(3, 1, 3)).toBe('rgba(51, 122, 214, 1.000)');
    expect(heatColor(-3, -3, -1)).toBe('rgba(214, 69, 65, 1.000)');
    expect(heatColor(5, 5, 5)).toBe('rgba(51, 122, 214, 0.500)');
    expect(heatColor(null, 0, 1)).toBe('transparent');
  });
});
