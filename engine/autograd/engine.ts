// The backward engine (torch/csrc/autograd/engine.cpp): runBackward counts dependencies over the
// reachable graph, runs nodes from a ready queue ordered by sequence number (each on its incoming
// gradient's device), validates and sums gradients, limits the run to the inputs' paths (exec_info),
// runs hooks and accumulates into leaves' .grad (AccumulateGrad).
import type { DType } from '../dtype';
import { check, runtimeError, valueError } from '../errors';
import { Tensor, deviceContext } from '../tensor';
import { warnOnce } from '../warnings';
import { dispatch } from '../ops/registry';
import { call, engineOps, expandable, sameShape } from './engineOps';
import { noGrad, withGradMode } from './gradMode';
import { retainGrad, runTensorHooks } from './hooks';
import { AccumulateGrad, Edge, Node } from './node';
import { gradEdge, record } from './record';
import { gradFnOf } from './views';

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
  /** backward(inputs=) with accumulate, or autograd.grad's inputs (captured, nothing accumulated) */
  inputs?: Tensor[];
  accumulate?: boolean;
  allowUnused?: boolean;
}

/** Sum a broadcast gradient back to `shape` (autograd's sum_to). */
function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  const r = dims.length ? (dispatch('sum', [g, dims], { keepdim: true }) as Tensor) : g;
  return r.ndim === shape.length ? r : call('reshape', r, [...shape]);
}

/** validate_outputs for one gradient: reduce a broadcast shape, cast to the input's dtype. */
function validateGrad(g: Tensor, meta: { dtype: DType; shape: number[] }, i: number, fmt: (m: string) => string): Tensor {
  if (!sameShape(g.shape, meta.shape)) {
    if (!expandable(meta.shape, g.shape)) {
      throw runtimeError(fmt(`invalid gradient at index ${i} - got [${g.shape.join(', ')}] but expected shape compatible with [${meta.shape.join(', ')}]`));
    }
    g = sumToShape(g, meta.shape);
  }
  return g.dtype === meta.dtype ? g : call('to', g, meta.dtype);
}

/** The ready queue: a binary max-heap on priority with libstdc++'s push_heap/pop_heap, so ties pop in PyTorch's order. */
class ReadyQueue {
  private h: Node[] = [];
  get size(): number { return this.h.length; }
  push(n: Node): void { this.h.push(n); this.up(this.h.length - 1, 0, n); }
  pop(): Node {
    const h = this.h, top = h[0], last = h.pop()!;
    if (h.length > 0) this.adjust(0, h.length, last);
    return top;
  }
  private up(hole: number, top: number, v: Node): void {
    const h = this.h;
    let parent = Math.floor((hole - 1) / 2);
    while (hole > top && h[parent].priority < v.priority) { h[hole] = h[parent]; hole = parent; parent = Math.floor((hole - 1) / 2); }
    h[hole] = v;
  }
  private adjust(hole: number, len: number, v: Node): void {
    const h = this.h, top = hole;
    let second = hole;
    while (second < Math.floor((len - 1) / 2)) {
      second = 2 * (second + 1);
      if (h[second].priority < h[second - 1].priority) second--;
      h[hole] = h[second]; hole = second;
    }
    if ((len & 1) === 0 && second === Math.floor((len - 2) / 2)) {
      second = 2 * (second + 1);
      h[hole] = h[second - 1]; hole = second - 1;
    }
    this.up(hole, top, v);
  }
}

const CREATE_GRAPH_WARNING = 'Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters to None after use to break the cycle and avoid the leak. (Triggered internally at  ./torch/csrc/autograd/engine.cpp:1059.)';

/**
 * Run a node's backward on the device of its incoming gradient (as PyTorch's engine runs each node on
 * its device's thread): tensors the formula makes directly go there, not to the default device.
 */
function withGradDevice<T>(grads: (Tensor | null)[], fn: () => T): T {
  if (!deviceContext.active) return fn();
  const g = grads.find((x) => x !== null && x !== undefined);
  if (!g) return fn();
  const prev = deviceContext.current;
  deviceContext.current = g.device;
  try {
    return fn();
  } finally {
    deviceContext.current = prev;
  }
}

/**
 * Run backward from `roots` with `grads` (one per root; null for none). Accumulates into leaves' .grad,
 * or, with `opts.inputs` and accumulate=false (autograd.grad), returns the gradients flowing into those
 * inputs. Only nodes on a path to an input run when inputs are given (PyTorch's exec_info).
 */
export function runBackward(roots: Tensor[], grads: (Tensor | null)[], opts: BackwardOptions = {}): (Tensor | null)[] {
  const createGraph = opts.createGraph ?? false;
  const retain = opts.retainGraph ?? createGraph;
  const accumulate = opts.accumulate ?? true;
  const rootEdges = roots.map((r, i) => {
    const e = gradEdge(r);
    if (!e) throw runtimeError(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    return e;
  });
  const targets = opts.inputs?.map((t) => {
    const fn = gradFnOf(t);
    const e: Edge | null = fn ? { node: fn, inputNr: t.outputNr } : t.accNode ? { node: t.accNode, inputNr: 0 } : null;
    if (accumulate) retainGrad(t);
    check(t.requiresGrad, 'One of the differentiated Tensors does not require grad');
    return e;
  }) ?? null;
  const rootGrads = rootEdges.map((_, i) => {
    const g = grads[i];
    return g ? validateGrad(g, { dtype: roots[i].dtype, shape: roots[i].shape }, i, (m) => m) : null;
  });
  if (accumulate && createGraph) warnOnce('UserWarning', CREATE_GRAPH_WARNING);
  if (!accumulate && (!targets || targets.length === 0)) throw valueError('grad requires non-empty inputs.');

  // dependencies over the reachable graph, and a topological order (parents first)
  const deps = new Map<Node, number>();
  const stack: Node[] = [];
  const seen = new Set<Node>();
  for (const e of rootEdges) if (!seen.has(e.node)) { seen.add(e.node); stack.push(e.node); }
  while (stack.length) {
    const n = stack.pop()!;
    for (const e of n.next) {
      if (!e) continue;
      deps.set(e.node, (deps.get(e.node) ?? 0) + 1);
      if (!seen.has(e.node)) { seen.add(e.node); stack.push(e.node); }
    }
  }
  // edge gradients of an earlier backward would be stale now (the graph view shows this run's)
  for (const n of seen) { n.lastGradInputs = null; n.lastGradOutputs = null; }

  // exec_info: with inputs, only nodes leading to an input run; autograd.grad captures at the inputs
  let needed: Set<Node> | null = null;
  const captures = new Map<Node, { slot: number; inputNr: number }[]>();
  const captured: (Tensor | null)[] = (targets ?? []).map(() => null);
  if (targets) {
    needed = new Set();
    targets.forEach((e, slot) => {
      if (!e) return;
      if (accumulate) needed!.add(e.node);
      else captures.set(e.node, [...(captures.get(e.node) ?? []), { slot, inputNr: e.inputNr }]);
    });
    markNeeded(rootEdges, deps, needed, captures);
  }
  const shouldRun = (n: Node) => !needed || needed.has(n) || captures.has(n);

  const buffers = new Map<Node, (Tensor | null)[]>();
  const owners = new GradOwners();
  const addTo = (node: Node, inputNr: number, g: Tensor) => {
    let buf = buffers.get(node);
    if (!buf) { buf = new Array(node.numOutputs).fill(null); buffers.set(node, buf); }
    const prev = buf[inputNr];
    owners.hold(g);
    if (prev) { buf[inputNr] = engineOps().add(prev, g); owners.drop(prev); owners.drop(g); owners.hold(buf[inputNr]!); }
    else buf[inputNr] = g;
  };

  withGradMode(createGraph, () => {
    rootEdges.forEach((e, i) => { if (rootGrads[i]) { owners.escape(rootGrads[i]); addTo(e.node, e.inputNr, rootGrads[i]!); } });
    const queue = new ReadyQueue();
    const queued = new Set<Node>();
    for (const e of rootEdges) {
      if (!deps.get(e.node) && !queued.has(e.node) && shouldRun(e.node)) { queued.add(e.node); queue.push(e.node); }
    }
    while (queue.size) {
      const node = queue.pop();
      const inGrads = buffers.get(node) ?? new Array(node.numOutputs).fill(null);
      buffers.delete(node);
      for (const c of captures.get(node) ?? []) { captured[c.slot] = inGrads[c.inputNr] ?? null; owners.escape(captured[c.slot]); }
      if (needed && !needed.has(node)) continue;
      if (node.preHooks) { inGrads.forEach((g) => owners.escape(g)); for (const h of node.preHooks.slice()) h(inGrads); }
      let outGrads: (Tensor | null)[] = [];
      if (node instanceof AccumulateGrad) {
        const g = inGrads[0] ?? null;
        accumulateGrad(node.variable, g, createGraph, !!g && owners.sole(g));
        owners.drop(g);
      } else {
        const raw = withGradDevice(inGrads, () => node.apply(inGrads));
        outGrads = node.next.map((e, i) => {
          const g = raw[i] ?? null, meta = node.inputMeta[i];
          return g && e && meta ? validateGrad(g, meta, i, (m) => `Function ${node.name} returned an ${m}`) : g;
        });
        for (const h of node.postHooks ?? []) {
          const r = h(outGrads, inGrads);
          if (r) outGrads = node.next.map((_, i) => r[i] ?? null);
        }
        if (!retain) node.release();
        else { node.lastGradOutputs = inGrads; node.lastGradInputs = outGrads; }
        // grads that something outside this pass may hold are never taken as a leaf's .grad
        if (retain || node.postHooks || node.userBackward) for (const g of [...inGrads, ...outGrads]) owners.escape(g);
        for (const g of inGrads) owners.drop(g);
      }
      node.next.forEach((e, i) => {
        if (!e) return;
        const left = deps.get(e.node)! - 1;
        deps.set(e.node, left);
        if (!shouldRun(e.node)) return;
        const g = outGrads[i];
        if (g) addTo(e.node, e.inputNr, g);
        if (left === 0) queue.push(e.node);
      });
    }
  });
  return captured;
}

/** init_to_execute: a node is needed when a node after it is needed or captures an input's gradient. */
function markNeeded(rootEdges: Edge[], deps: Map<Node, number>, needed: Set<Node>, captures: Map<Node, unknown>): void {
  const left = new Map(deps);
  const order: Node[] = [];
  const ready = [...new Set(rootEdges.map((e) => e.node))].filter((n) => !left.get(n));
  while (ready.length) {
    const n = ready.pop()!;
    order.push(n);
    for (const e of n.next) {
      if (!e) continue;
      const k = left.get(e.node)! - 1;
      left.set(e.node, k);
      if (k === 0) ready.push(e.node);
    }
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    if (n.next.some((e) => e && (needed.has(e.node) || captures.has(e.node)))) needed.add(n);
  }
}

/**
 * Which storages the gradients buffered in one backward pass use, and how many buffered gradients use
 * each: a leaf may take its incoming gradient as its .grad without a copy (PyTorch steals it when its
 * use count says nothing else holds it) only when no other buffered gradient shares its storage and no
 * one outside the pass (the caller's root gradient, hooks, autograd.grad, a retained graph, a custom
 * Function's backward) may hold it.
 */
class GradOwners {
  private count = new Map<object, number>();
  private escaped = new Set<object>();
  hold(g: Tensor): void { this.count.set(g.storage, (this.count.get(g.storage) ?? 0) + 1); }
  drop(g: Tensor | null): void {
    if (!g) return;
    const k = this.count.get(g.storage);
    if (k === undefined) return;
    if (k <= 1) this.count.delete(g.storage); else this.count.set(g.storage, k - 1);
  }
  escape(g: Tensor | null): void { if (g) this.escaped.add(g.storage); }
  /** g is the only buffered gradient on its storage, no one else may hold it, and it is all of that storage */
  sole(g: Tensor): boolean {
    return g.device.type === 'cpu' && this.count.get(g.storage) === 1 && !this.escaped.has(g.storage) && g.offset === 0
      && g.isContiguous && g.numel() === g.storage.data.length;
  }
}

/** How many first .grad values were taken without a copy, and copied (tests, benchmarks). */
export const gradStats = { taken: 0, copied: 0 };

/**
 * AccumulateGrad. `sole`: nothing but this call holds g's storage, so a first .grad may use it as it
 * is (a new tensor, not a view) where it has the leaf's layout, instead of a copy.
 */
function accumulateGrad(v: Tensor, g: Tensor | null, createGraph: boolean, sole = false): void {
  if (!g) return;
  const grad = runTensorHooks(v, g);
  const o = engineOps();
  if (v.grad === null) {
    if (sole && grad === g && !createGraph && !v.hooks?.length && v.isContiguous && g.dtype === v.dtype && sameShape(g.shape, v.shape)) {
      v.grad = new Tensor(g.storage, g.shape.slice(), g.strides.slice(), 0, g.dtype);
      gradStats.taken++;
      return;
    }
    gradStats.copied++;
    // a fresh buffer (the incoming grad may be shared, e.g. AddBackward passes it on twice)
    const copy = noGrad(() => o.clone(grad));
    if (createGraph) record('CopyBackwards', [null, grad], copy, ([gg]) => [null, gg]);
    v.grad = copy;
  } else if (!createGraph) {
    noGrad(() => dispatch('add_', [v.grad, grad], null, true)); // in place: .grad keeps its identity
  } else {
    v.grad = o.add(v.grad, grad);
  }
}
