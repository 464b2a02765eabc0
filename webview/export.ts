// Exports of the current view: Graphviz DOT (pure, torchviz's colours), a standalone SVG (the drawn
// graph with the theme's computed colours written in), and PNG (that SVG drawn on a canvas).
import type { ViewGraph, ViewNode } from './graphModel';

const DOT_FILL: Record<ViewNode['kind'], string> = {
  op: 'lightgrey', leaf: 'lightblue', output: 'darkolivegreen1', saved: 'orange', module: 'lavender',
};

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\l')}"`;

/** Graphviz DOT of the view: nodes as torchviz draws them, expanded modules as clusters, edge gradients as labels. */
export function toDot(view: ViewGraph, name = 'autograd', opts: { edgeGrads?: boolean } = {}): string {
  const out: string[] = [`digraph ${q(name)} {`];
  out.push('  graph [rankdir=TB, ranksep=0.3, nodesep=0.25];');
  out.push('  node [style=filled, shape=box, align=left, fontsize=10, height=0.2, fontname=monospace];');
  out.push('  edge [arrowsize=0.6];');
  const children = new Map<string | null, string[]>();
  for (const g of view.groups) children.set(g.parent, [...(children.get(g.parent) ?? []), g.id]);
  const members = new Map<string | null, ViewNode[]>();
  for (const n of view.nodes) members.set(n.group, [...(members.get(n.group) ?? []), n]);
  const label = (n: ViewNode) => {
    const grad = n.gradText.length === 1 ? [`grad ${n.gradText[0]}`] : n.gradText.length ? ['grad', ...n.gradText] : [];
    const lines = [n.title, ...n.lines, ...grad];
    return lines.join('\n') + (lines.length > 1 ? '\n' : '');
  };
  const nodeLine = (n: ViewNode, indent: string) => {
    const bad = n.flags.includes('nonfinite');
    const shape = n.kind === 'module' ? ', shape=box3d' : n.kind === 'op' ? '' : ', shape=box';
    out.push(`${indent}${q(n.id)} [label=${q(label(n))}, fillcolor=${bad ? 'red' : DOT_FILL[n.kind]}${shape}];`);
  };
  const groupsById = new Map(view.groups.map((g) => [g.id, g]));
  let cluster = 0;
  const emit = (group: string | null, indent: string) => {
    for (const n of members.get(group) ?? []) nodeLine(n, indent);
    for (const c of children.get(group) ?? []) {
      out.push(`${indent}subgraph cluster_${cluster++} {`);
      out.push(`${indent}  label=${q(groupsById.get(c)!.label)}; style=dashed;`);
      emit(c, `${indent}  `);
      out.push(`${indent}}`);
    }
  };
  emit(null, '  ');
  for (const e of view.edges) {
    const attrs = e.grad && (opts.edgeGrads ?? true) ? ` [label=${q(e.grad.numel <= 4 && !e.grad.preview.includes('\n') ? e.grad.preview : `|g| ${e.grad.norm.toPrecision(3)}`)}, fontsize=8]` : '';
    out.push(`  ${q(e.from)} -> ${q(e.to)}${attrs};`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}

const STYLE_PROPS = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity', 'font-family', 'font-size', 'font-weight', 'font-style', 'white-space'];

/** The drawn graph as a standalone SVG document: computed styles inlined, viewBox = the whole graph. */
export function svgForExport(live: SVGSVGElement, width: number, height: number, background: string): string {
  const clone = live.cloneNode(true) as SVGSVGElement;
  const src: Element[] = [live, ...Array.from(live.querySelectorAll('*'))];
  const dst: Element[] = [clone, ...Array.from(clone.querySelectorAll('*'))];
  src.forEach((s, i) => {
    const cs = getComputedStyle(s);
    const d = dst[i] as SVGElement;
    const style = STYLE_PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).filter((x) => !x.endsWith(':')).join(';');
    d.setAttribute('style', style);
    d.removeAttribute('class');
    d.removeAttribute('tabindex');
  });
  clone.querySelector('.viewport, g')?.removeAttribute('transform');
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(Math.ceil(width)));
  clone.setAttribute('height', String(Math.ceil(height)));
  clone.setAttribute('viewBox', `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`);
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', background);
  clone.insertBefore(bg, clone.firstChild);
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(clone);
}

/** PNG (base64, no data: prefix) of an SVG document, at `scale` pixels per unit (capped for huge graphs). */
export async function pngBase64(svgText: string, width: number, height: number, scale = 2): Promise<string> {
  const s = Math.min(scale, 16384 / Math.max(width, height, 1), Math.sqrt(1.5e8 / Math.max(width * height, 1)));
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => { img.onload = () => resolve(); img.onerror = () => reject(new Error('the SVG could not be drawn')); img.src = url; });
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * s));
    canvas.height = Math.max(1, Math.round(height * s));
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d canvas');
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  } finally {
    URL.revokeObjectURL(url);
  }
}
