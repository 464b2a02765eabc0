// DOM/SVG drawing of a laid-out graph, with pan (drag, wheel), zoom (ctrl/⌘ + wheel, buttons) and fit.
// Text goes in through textContent only. Clicks are reported to main.ts through callbacks.
import { LINE_H, ViewEdge, ViewGraph, ViewNode, flagText, fmtNum, heatmapBox } from './graphModel';
import type { Layout, Point } from './graphLayout';

const SVG = 'http://www.w3.org/2000/svg';

export function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, parent?: Element): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

/** Diverging purple–white–orange for a heatmap cell (v / scale in [-1, 1]); red stays for NaN/Inf cells. */
export function heatColor(v: number, scale: number): string {
  const t = Math.max(-1, Math.min(1, scale ? v / scale : 0));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * Math.abs(t));
  return t >= 0 ? `rgb(${mix(247, 179)},${mix(247, 88)},${mix(247, 6)})` : `rgb(${mix(247, 84)},${mix(247, 39)},${mix(247, 136)})`;
}

/** SVG path data: a smooth vertical curve through the points, or right angles with rounded corners. */
export function edgePath(points: Point[], orthogonal: boolean): string {
  const f = (n: number) => Math.round(n * 10) / 10;
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1], b = points[i];
    if (orthogonal) d += ` L${f(b.x)},${f(b.y)}`;
    else { const my = (a.y + b.y) / 2; d += ` C${f(a.x)},${f(my)} ${f(b.x)},${f(my)} ${f(b.x)},${f(b.y)}`; }
  }
  return d;
}

export interface ViewCallbacks {
  onNodeClick(node: ViewNode): void;
  onGroupClick(groupId: string): void;
  onBackgroundClick(): void;
}

export class GraphView {
  readonly svg: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private k = 1;
  private tx = 0;
  private ty = 0;
  private layout: Layout | null = null;
  private nodeEls = new Map<string, SVGGElement>();
  private selected: string | null = null;
  private highlighted = new Set<string>();
  showEdgeGrads = true;

  constructor(host: HTMLElement, private readonly cb: ViewCallbacks) {
    this.svg = el('svg', { class: 'graph', role: 'img', 'aria-label': 'autograd graph' });
    const defs = el('defs', {}, this.svg);
    for (const [id, cls] of [['gs-arrow', 'arrowhead'], ['gs-arrow-bad', 'arrowhead bad']]) {
      const m = el('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
      el('path', { d: 'M0,0 L10,5 L0,10 z', class: cls }, m);
    }
    this.viewport = el('g', { class: 'viewport' }, this.svg);
    host.appendChild(this.svg);
    this.attachPanZoom();
  }

  get size(): { width: number; height: number } { return { width: this.layout?.width ?? 0, height: this.layout?.height ?? 0 }; }

  render(view: ViewGraph, layout: Layout): void {
    this.layout = layout;
    this.viewport.replaceChildren();
    this.nodeEls.clear();
    const frames = el('g', { class: 'frames' }, this.viewport);
    const edges = el('g', { class: 'edges' }, this.viewport);
    const nodes = el('g', { class: 'nodes' }, this.viewport);
    const groupOf = new Map(view.groups.map((g) => [g.id, g]));
    for (const f of layout.groups) {
      const g = groupOf.get(f.id);
      const fg = el('g', { class: `frame depth-${f.depth % 4}`, 'data-group': f.id }, frames);
      el('rect', { x: f.x, y: f.y, width: f.width, height: f.height, rx: 6 }, fg);
      const label = el('text', { class: 'frame-label', x: f.x + 8, y: f.y + 13 }, fg);
      label.textContent = `${g?.label ?? f.id} ▾`;
      label.addEventListener('click', (ev) => { ev.stopPropagation(); this.cb.onGroupClick(f.id); });
    }
    const edgeById = new Map<string, ViewEdge>(view.edges.map((e) => [e.id, e]));
    for (const pe of layout.edges) {
      const ve = edgeById.get(pe.id);
      const bad = !!ve?.grad?.flags.includes('nonfinite');
      const g = el('g', { class: `edge${bad ? ' nonfinite' : ''}`, 'data-from': pe.from, 'data-to': pe.to }, edges);
      el('path', { d: edgePath(pe.points, pe.orthogonal), 'marker-end': `url(#${bad ? 'gs-arrow-bad' : 'gs-arrow'})` }, g);
      if (ve?.count && ve.count > 1) el('title', {}, g).textContent = `${ve.count} edges`;
      if (ve?.grad && this.showEdgeGrads) {
        const mid = pe.points[Math.floor(pe.points.length / 2)];
        const prev = pe.points[Math.max(0, Math.floor(pe.points.length / 2) - 1)];
        const t = el('text', { class: `edge-grad${ve.grad.flags.length ? ` flag-${ve.grad.flags[0]}` : ''}`, x: (mid.x + prev.x) / 2 + 4, y: (mid.y + prev.y) / 2 }, g);
        t.textContent = ve.grad.numel <= 4 && !ve.grad.preview.includes('\n') ? ve.grad.preview : `‖g‖ ${fmtNum(ve.grad.norm)}`;
        el('title', {}, g).textContent = `gradient flowing back along this edge\n${ve.grad.preview}`;
      }
    }
    const placed = new Map(layout.nodes.map((p) => [p.id, p]));
    for (const n of view.nodes) {
      const p = placed.get(n.id);
      if (p) nodes.appendChild(this.drawNode(n, p.x, p.y));
    }
    this.applySelection();
  }

  private drawNode(n: ViewNode, x: number, y: number): SVGGElement {
    const cls = ['node', `kind-${n.kind}`, ...n.flags.map((f) => `flag-${f}`)];
    if (n.node?.released) cls.push('released');
    if (n.node?.site || n.kind === 'leaf') cls.push('linked');
    const g = el('g', { class: cls.join(' '), 'data-id': n.id, transform: `translate(${x},${y})`, tabindex: 0 });
    el('rect', { class: 'box', width: n.width, height: n.height, rx: n.kind === 'op' ? 4 : n.kind === 'module' ? 8 : 2 }, g);
    let ty = 6 + 12;
    const line = (text: string, klass: string) => {
      const t = el('text', { class: klass, x: 10, y: ty, 'xml:space': 'preserve' }, g);
      t.textContent = text;
      ty += LINE_H;
      return t;
    };
    line(n.title, 'title');
    for (const l of n.lines) line(l, 'meta');
    for (const l of n.gradText) line(l, 'grad-line');
    if (n.heatmap) {
      const hm = heatmapBox(n.heatmap);
      const hg = el('g', { class: 'heatmap', transform: `translate(10,${ty - 10})` }, g);
      const scale = n.grad ? n.grad.absMax : 0;
      n.heatmap.values.forEach((v, i) => {
        const r = Math.floor(i / n.heatmap!.cols), c = i % n.heatmap!.cols;
        const attrs: Record<string, string | number> = { x: c * hm.cell, y: r * hm.cell, width: hm.cell, height: hm.cell };
        if (Number.isFinite(v)) attrs.fill = heatColor(v, scale); else attrs.class = 'cell-bad';
        el('rect', attrs, hg);
      });
      el('title', {}, hg).textContent = n.grad?.preview ?? '';
      ty += hm.height + 4;
    }
    if (n.flags.length) line(n.flags.map((f) => `⚠ ${flagText[f]}`).join(' '), 'flags');
    const tip = [n.title, ...n.lines, ...(n.node?.site ? [`line ${n.node.site.line}`] : [])].join('\n');
    el('title', {}, g).textContent = tip;
    g.addEventListener('click', (ev) => { ev.stopPropagation(); this.cb.onNodeClick(n); });
    g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') this.cb.onNodeClick(n); });
    this.nodeEls.set(n.id, g);
    return g;
  }

  select(id: string | null): void { this.selected = id; this.applySelection(); }
  highlight(ids: Iterable<string>): void { this.highlighted = new Set(ids); this.applySelection(); }

  private applySelection(): void {
    for (const [id, g] of this.nodeEls) {
      g.classList.toggle('selected', id === this.selected);
      g.classList.toggle('hl', this.highlighted.has(id));
    }
  }

  // ---- pan / zoom ----

  private apply(): void { this.viewport.setAttribute('transform', `translate(${this.tx},${this.ty}) scale(${this.k})`); }

  /** The whole graph in view; with `minScale`, no smaller than that, showing the bottom (the output) first. */
  fit(minScale = 0): void {
    const r = this.svg.getBoundingClientRect();
    const { width, height } = this.size;
    if (!width || !height || !r.width || !r.height) return;
    const k = Math.min(r.width / width, r.height / height, 1.5);
    this.k = Math.max(k, minScale);
    if (this.k > k) {
      const out = this.layout!.nodes.reduce((a, b) => (b.y > a.y ? b : a));
      this.tx = r.width / 2 - (out.x + out.width / 2) * this.k;
      this.ty = r.height - (height + 8) * this.k;
    } else {
      this.tx = (r.width - width * this.k) / 2;
      this.ty = Math.max(0, (r.height - height * this.k) / 2);
    }
    this.apply();
  }

  zoomBy(factor: number, cx?: number, cy?: number): void {
    const r = this.svg.getBoundingClientRect();
    const px = cx ?? r.width / 2, py = cy ?? r.height / 2;
    const k = Math.max(0.02, Math.min(8, this.k * factor));
    this.tx = px - ((px - this.tx) * k) / this.k;
    this.ty = py - ((py - this.ty) * k) / this.k;
    this.k = k;
    this.apply();
  }

  private attachPanZoom(): void {
    let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | null = null;
    this.svg.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      if (ev.ctrlKey || ev.metaKey) {
        const r = this.svg.getBoundingClientRect();
        this.zoomBy(Math.exp(-ev.deltaY * 0.002), ev.clientX - r.left, ev.clientY - r.top);
      } else {
        this.tx -= ev.deltaX;
        this.ty -= ev.deltaY;
        this.apply();
      }
    }, { passive: false });
    this.svg.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      drag = { x: ev.clientX, y: ev.clientY, tx: this.tx, ty: this.ty, moved: false };
    });
    this.svg.addEventListener('pointermove', (ev) => {
      if (!drag) return;
      const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 3) return;
      if (!drag.moved) { drag.moved = true; this.svg.setPointerCapture(ev.pointerId); this.svg.classList.add('panning'); }
      this.tx = drag.tx + dx;
      this.ty = drag.ty + dy;
      this.apply();
    });
    const end = (ev: PointerEvent) => {
      if (!drag) return;
      if (drag.moved) {
        this.svg.classList.remove('panning');
        if (this.svg.hasPointerCapture(ev.pointerId)) this.svg.releasePointerCapture(ev.pointerId);
        // a drag is not a click
        const stop = (e: Event) => { e.stopPropagation(); };
        this.svg.addEventListener('click', stop, { capture: true, once: true });
        setTimeout(() => this.svg.removeEventListener('click', stop, { capture: true }), 0);
      }
      drag = null;
    };
    this.svg.addEventListener('pointerup', end);
    this.svg.addEventListener('pointercancel', end);
    this.svg.addEventListener('click', () => this.cb.onBackgroundClick());
  }
}
