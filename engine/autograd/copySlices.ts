// The backward of views whose storage was modified in place: AsStridedBackward0 (a view's rebuilt
// grad_fn) and CopySlices (the base's node), over as_strided's scatter/gather on storage positions,
// each differentiable itself (for create_graph).
import { DType, castValue } from '../dtype';
import type { Tensor } from '../tensor';
import { newTensor } from '../backends/cpu/elementwise';
import { Edge, Node } from './node';
import { gradEdge, record } from './record';

export interface Geometry { shape: number[]; strides: number[]; offset: number }
export const geometry = (t: Tensor): Geometry => ({ shape: t.shape.slice(), strides: t.strides.slice(), offset: t.offset });

/** Storage positions (relative to g.offset) of g's elements in logical order. */
function positions(g: Geometry): number[] {
  const n = g.shape.reduce((a, b) => a * b, 1);
  const out = new Array<number>(n);
  const idx = new Array<number>(g.shape.length).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let d = g.shape.length - 1; d >= 0; d--) {
      idx[d]++;
      off += g.strides[d];
      if (idx[d] < g.shape[d]) break;
      off -= g.strides[d] * g.shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Element positions of the base and of the view, relative to the base's offset, and a buffer spanning both. */
function layout(base: Geometry, view: Geometry) {
  const bpos = positions(base);
  const vpos = positions(view).map((p) => p + view.offset - base.offset);
  let span = 0;
  for (const p of bpos) if (p >= span) span = p + 1;
  for (const p of vpos) if (p >= span) span = p + 1;
  return { bpos, vpos, buf: new Float64Array(span) };
}

/** A new tensor whose element i is buf[pos[i]]. */
function gather(buf: Float64Array, pos: number[], shape: number[], dtype: DType): Tensor {
  const out = newTensor(shape, dtype);
  const od = out.storage.data;
  for (let i = 0; i < pos.length; i++) od[i] = dtype.needsConvert ? castValue(dtype, buf[pos[i]]) : buf[pos[i]];
  return out;
}

/** grad of the base from grad of the view: scatter-add into the base's storage (as_strided_backward). */
function scatterToBase(g: Tensor, base: Geometry, view: Geometry): Tensor {
  const { bpos, vpos, buf } = layout(base, view);
  const gv = g.contiguousData();
  for (let i = 0; i < vpos.length; i++) buf[vpos[i]] += gv[i];
  return gather(buf, bpos, base.shape, g.dtype);
}

/** The view's region of a base-shaped tensor (as_strided). */
function gatherFromBase(g: Tensor, base: Geometry, view: Geometry): Tensor {
  const { bpos, vpos, buf } = layout(base, view);
  const gv = g.contiguousData();
  for (let i = 0; i < bpos.length; i++) buf[bpos[i]] = gv[i];
  return gather(buf, vpos, view.shape, g.dtype);
}

/** A base-shaped copy of g with the view's region replaced by `slice` (CopySlices' grad_slice.copy_(res[0])). */
function replaceRegion(g: Tensor, slice: Tensor, base: Geometry, view: Geometry): Tensor {
  const { bpos, vpos, buf } = layout(base, view);
  const gv = g.contiguousData(), sv = slice.contiguousData();
  for (let i = 0; i < bpos.length; i++) buf[bpos[i]] = gv[i];
  for (let i = 0; i < vpos.length; i++) buf[vpos[i]] = sv[i];
  return gather(buf, bpos, base.shape, g.dtype);
}

/** Differentiable wrappers (for create_graph): each records the node whose backward is the other. */
function scatterOp(g: Tensor, base: Geometry, view: Geometry): Tensor {
  const out = scatterToBase(g, base, view);
  record('AsStridedBackward0', [g], out, ([gg]) => [gatherOp(gg!, base, view)]);
  return out;
}
function gatherOp(g: Tensor, base: Geometry, view: Geometry): Tensor {
  const out = gatherFromBase(g, base, view);
  record('AsStridedBackward0', [g], out, ([gg]) => [scatterOp(gg!, base, view)]);
  return out;
}
function replaceOp(g: Tensor, slice: Tensor, base: Geometry, view: Geometry): Tensor {
  const out = replaceRegion(g, slice, base, view);
  record('CopySlices', [g, slice], out, ([gg]) => {
    const zero = newTensor(view.shape, gg!.dtype);
    return [replaceOp(gg!, zero, base, view), gatherOp(gg!, base, view)];
  });
  return out;
}

/** AsStridedBackward0 for a view whose history went stale: its gradient scattered into the base's. */
export function asStridedNode(view: Tensor, base: Tensor): Node {
  const bg = geometry(base), vg = geometry(view);
  const node = new Node('AsStridedBackward0', ([g]) => [scatterOp(g!, bg, vg)]);
  node.next = [gradEdge(base)];
  node.inputMeta = [{ dtype: base.dtype, shape: base.shape.slice() }];
  node.outputMeta = [{ dtype: view.dtype, shape: view.shape.slice() }];
  return node;
}

/** The base's node after a view of it was modified in place: runs the in-place op's node on the view's region. */
export class CopySlices extends Node {
  constructor(readonly baseGeom: Geometry, readonly viewGeom: Geometry, readonly inner: Node, baseEdge: Edge | null, dtype: DType) {
    super('CopySlices', null);
    this.next = [baseEdge, ...inner.next.slice(1)];
    this.inputMeta = [{ dtype, shape: baseGeom.shape.slice() }, ...inner.inputMeta.slice(1)];
    this.outputMeta = [{ dtype, shape: baseGeom.shape.slice() }];
    // grad of the base: g with the view's region replaced by what the in-place op's node makes of it
    this.fn = ([g]) => {
      const res = this.inner.apply([gatherOp(g!, this.baseGeom, this.viewGeom)]);
      const region = res[0] ?? newTensor(this.viewGeom.shape, g!.dtype);
      return [replaceOp(g!, region, this.baseGeom, this.viewGeom), ...this.next.slice(1).map((_, i) => res[i + 1] ?? null)];
    };
  }
  override get qualifiedName(): string { return 'torch::autograd::CopySlices'; }
  override release(): void { this.inner.release(); this.released = this.inner.released; }
}
