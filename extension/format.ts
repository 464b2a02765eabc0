// Pure text for hovers and inline hints, from the runtime's inspect results (no `vscode` import).
import type { InspectResult, TensorInfo } from '../engine/runtime/protocol';

/** `(2, 3)`, `(3,)`, `()` like a Python tuple */
export function shapeTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

const fmtNum = (x: number | null) => {
  if (x === null) return '—';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return x.toExponential(4);
  return Number.isInteger(x) ? String(x) : x.toFixed(4);
};

/** Ghost text after an assignment: `→ (2, 3) int64 grad_fn=<MulBackward0>` */
/** `int64` for `torch.int64` */
export const shortDtype = (d: string) => d.replace(/^torch\./, '');

export function inlineHint(r: InspectResult): string | null {
  if (r.kind === 'tensor') {
    const t = r.tensor;
    let s = `→ ${shapeTuple(t.shape)} ${shortDtype(t.dtype)}`;
    if (t.device !== 'cpu') s += ` ${t.device}`;
    if (t.gradFn) s += ` grad_fn=<${t.gradFn}>`;
    else if (t.requiresGrad) s += ' requires_grad';
    return s;
  }
  if (r.kind === 'module') return `→ ${r.type} (${r.parameterCount.toLocaleString('en-US')} params)`;
  return null;
}

function tensorLines(t: TensorInfo, title: string): string[] {
  const lines: string[] = [];
  lines.push(`**${title}** \`torch.Size([${t.shape.join(', ')}])\` · \`${shortDtype(t.dtype)}\` · \`${t.device}\``);
  const flags = [
    `requires_grad=${t.requiresGrad ? 'True' : 'False'}`,
    t.gradFn ? `grad_fn=<${t.gradFn}>` : null,
    `is_leaf=${t.isLeaf ? 'True' : 'False'}`,
    t.isParameter ? 'Parameter' : null,
  ].filter(Boolean);
  lines.push(flags.join(' · '));
  lines.push(`strides (${t.strides.join(', ')})${t.isView ? ' · view' : ''} · ${t.numel.toLocaleString('en-US')} elements`);
  if (t.numel > 0 && t.stats.min !== null) {
    let st = `min ${fmtNum(t.stats.min)} · max ${fmtNum(t.stats.max)}`;
    if (t.stats.mean !== null) st += ` · mean ${fmtNum(t.stats.mean)}`;
    if (t.stats.nanCount) st += ` · **${t.stats.nanCount} NaN**`;
    if (t.stats.infCount) st += ` · **${t.stats.infCount} Inf**`;
    lines.push(st);
  }
  lines.push('```python\n' + t.preview + '\n```');
  return lines;
}

/** Markdown for the hover, or null when the name is not known to the session. */
export function hoverMarkdown(r: InspectResult): string | null {
  switch (r.kind) {
    case 'tensor': {
      const out = tensorLines(r.tensor, r.expr);
      if (r.tensor.grad) out.push('---', ...tensorLines(r.tensor.grad, `${r.expr}.grad`));
      return out.join('\n\n');
    }
    case 'module':
      return [
        `**${r.expr}** · \`${r.type}\` · ${r.parameterCount.toLocaleString('en-US')} parameters (${r.trainableCount.toLocaleString('en-US')} trainable)`,
        '```python\n' + r.repr + '\n```',
      ].join('\n\n');
    case 'value':
      return `**${r.expr}** · \`${r.type}\`\n\n\`\`\`python\n${r.repr}\n\`\`\``;
    default:
      return null;
  }
}

/** The identifier or attribute chain under `col` in `line` (e.g. `model.fc1.weight`). */
export function exprAt(line: string, col: number): { expr: string; start: number; end: number } | null {
  const re = /[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) {
    const start = m.index, end = m.index + m[0].length;
    if (col >= start && col <= end) {
      // keep the chain up to the hovered segment: hovering `fc1` in `model.fc1.weight` gives `model.fc1`
      const parts = m[0].split('.');
      let pos = start;
      const kept: string[] = [];
      for (const p of parts) {
        kept.push(p);
        pos += p.length;
        if (col <= pos) break;
        pos += 1;
      }
      const expr = kept.join('.');
      if (start > 0 && line[start - 1] === '.') return null; // attribute of a call result etc.
      return { expr, start, end: start + expr.length };
    }
  }
  return null;
}
