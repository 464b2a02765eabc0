// Pure notebook output content (no `vscode` import): what each displayed value becomes as output items
// (mime type → text or bytes), the rich tensor view (an HTML output: shape/dtype header, PyTorch's text,
// a heatmap for small 2-D float tensors; theme colours through VS Code's CSS variables with fallbacks
// for other Jupyter frontends; no scripts), and the metadata VS Code's .ipynb serializer reads back.
import type { DisplayParams, RunError, TensorView } from '../engine/runtime/protocol';

export interface ItemSpec { mime: string; text?: string; bytes?: Uint8Array; json?: unknown }

const BINARY = new Set(['image/png', 'image/jpeg', 'image/gif', 'application/pdf']);
/** the order items are listed in: the richest first */
const ORDER = ['application/vnd.jupyter.widget-view+json', 'application/javascript', 'text/html', 'image/svg+xml', 'image/png',
  'image/jpeg', 'image/gif', 'application/pdf', 'text/markdown', 'text/latex', 'application/json', 'text/plain'];
const rank = (m: string) => { const i = ORDER.indexOf(m); return i < 0 ? ORDER.length - 1 : i; };

export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Output items for a cell's value or display(): its mime bundle, plus the tensor view as text/html. */
export function displayItems(d: DisplayParams): ItemSpec[] {
  const items: ItemSpec[] = [];
  for (const [mime, value] of Object.entries(d.data)) {
    if (BINARY.has(mime) && typeof value === 'string') items.push({ mime, bytes: Uint8Array.from(Buffer.from(value, 'base64')) });
    else if (mime === 'application/json' || mime.endsWith('+json')) items.push({ mime, json: value });
    else items.push({ mime, text: typeof value === 'string' ? value : JSON.stringify(value) });
  }
  const plain = d.data['text/plain'];
  if (d.tensor && !('text/html' in d.data) && typeof plain === 'string') items.push({ mime: 'text/html', text: tensorHtml(d.tensor, plain) });
  return items.sort((a, b) => rank(a.mime) - rank(b.mime));
}

/** Metadata of the output, as the ipynb serializer maps it to execute_result / display_data. */
export function displayMetadata(d: DisplayParams): Record<string, unknown> {
  return d.kind === 'result'
    ? { outputType: 'execute_result', executionCount: d.executionCount, metadata: d.metadata }
    : { outputType: 'display_data', metadata: d.metadata };
}

/** Jupyter's error fields, the text VS Code shows (the traceback), and the metadata saved to .ipynb. */
export function errorOutput(e: RunError): { name: string; message: string; stack: string; metadata: Record<string, unknown> } {
  const traceback = e.tracebackLines ?? e.traceback.replace(/\n$/, '').split('\n');
  return {
    name: e.type, message: e.message, stack: traceback.join('\n'),
    metadata: { outputType: 'error', originalError: { output_type: 'error', ename: e.type, evalue: e.message, traceback } },
  };
}

const shapeText = (shape: readonly number[]) => `torch.Size([${shape.join(', ')}])`;

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}

/** Background of a heatmap cell: diverging (red < 0 < blue) when values straddle zero, else one hue. */
export function heatColor(v: number | null, min: number | null, max: number | null): string {
  if (v === null || min === null || max === null) return 'transparent';
  if (min < 0 && max > 0) {
    const m = Math.max(-min, max);
    const a = Math.min(1, Math.abs(v) / m);
    return v < 0 ? `rgba(214, 69, 65, ${a.toFixed(3)})` : `rgba(51, 122, 214, ${a.toFixed(3)})`;
  }
  const a = max === min ? 0.5 : (v - min) / (max - min);
  const neg = max <= 0;
  // all ≤ 0: strongest colour at the most negative value
  return neg ? `rgba(214, 69, 65, ${(1 - a).toFixed(3)})` : `rgba(51, 122, 214, ${a.toFixed(3)})`;
}

/** The rich tensor output: header, the PyTorch text, and a heatmap when the tensor carries one. */
export function tensorHtml(t: TensorView, text: string): string {
  const flags = [
    t.isParameter ? 'Parameter' : null,
    t.gradFn ? `grad_fn=&lt;${escapeHtml(t.gradFn)}&gt;` : t.requiresGrad ? 'requires_grad=True' : null,
    t.device !== 'cpu' ? escapeHtml(t.device) : null,
  ].filter(Boolean);
  const font = 'font-family: var(--vscode-editor-font-family, ui-monospace, monospace); font-size: var(--vscode-editor-font-size, 13px);';
  const parts = [
    `<div class="gradscope-tensor" style="${font} color: var(--vscode-editor-foreground, inherit);">`,
    `<div class="gradscope-tensor-header" style="margin-bottom: 4px; color: var(--vscode-descriptionForeground, inherit);">`
      + `<b>tensor</b> · ${shapeText(t.shape)} · ${escapeHtml(t.dtype)}${flags.length ? ' · ' + flags.join(' · ') : ''}</div>`,
    `<pre class="gradscope-tensor-text" style="margin: 0; ${font} white-space: pre; background: transparent;">${escapeHtml(text)}</pre>`,
  ];
  const h = t.heatmap;
  if (h) {
    const size = Math.max(4, Math.min(18, Math.floor(480 / Math.max(h.cols, 1))));
    const rows: string[] = [];
    for (let i = 0; i < h.rows; i++) {
      const cells: string[] = [];
      for (let j = 0; j < h.cols; j++) {
        const v = h.values[i * h.cols + j];
        const title = `[${i}, ${j}] = ${v === null ? 'nan/inf' : fmt(v)}`;
        const bg = heatColor(v, h.min, h.max);
        const nonFinite = v === null ? ' outline: 1px dashed var(--vscode-editorWarning-foreground, #c90);' : '';
        cells.push(`<td title="${title}" style="width: ${size}px; height: ${size}px; padding: 0; background: ${bg};${nonFinite}"></td>`);
      }
      rows.push(`<tr>${cells.join('')}</tr>`);
    }
    parts.push(
      `<table class="gradscope-heatmap" role="img" aria-label="heatmap of ${h.rows}×${h.cols} values" `
        + `style="border-collapse: collapse; margin-top: 6px; border: 1px solid var(--vscode-panel-border, rgba(128,128,128,0.4));">`
        + `<tbody>${rows.join('')}</tbody></table>`,
      `<div class="gradscope-heatmap-legend" style="margin-top: 2px; color: var(--vscode-descriptionForeground, inherit);">`
        + `min ${h.min === null ? '—' : fmt(h.min)} · max ${h.max === null ? '—' : fmt(h.max)}</div>`,
    );
  }
  parts.push('</div>');
  return parts.join('');
}
