// Autograd: backward nodes with PyTorch's names, grad mode, and the backward engine (dependency-counted
// topological order, like micrograd's build_topo but accumulating per input edge as torch/csrc/autograd/engine.cpp).
import { TorchError, runtimeError } from './errors';
import type { Tensor } from './tensor';

// ---- grad mode ---------------------------------------------------------------------------------

let gradEnabled = true;
let inferenceMode = false;
export const isGradEnabled = () => gradEnabled;
export const setGradEnabled = (on: boolean) => { gradEnabled = on; };
export const isInferenceMode = () => inferenceMode;
export const setInferenceMode = (on: boolean) => { inferenceMode = on; };

export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try { return fn(); } finally { gradEnabled = prev; }
}
export const noGrad = <T>(fn: () => T) => withGradMode(false, fn);

// ---- saved tensors -----------------------------------------------------------------------------

/** A tensor saved for backward, with the version it had (PyTorch's SavedVariable). */
export class SavedTensor {
  readonly version: number;
  constructor(readonly tensor: Tensor, readonly node: Node, readonly isOutput: boolean) {
    this.version = tensor.version;
  }
  unpack(): Tensor {
    const node = this.node;
    if (node.released) throw freedError();
    if (this.tensor.version !== this.version) {
      const t = this.tensor;
      const owner = this.isOutput ? `output ${t.outputNr} of ${node.name}` : (t.gradFn ? `output ${t.outputNr} of ${t.gradFn.name}` : 'is a leaf Variable');
      const desc = `[torch.${t.dtype.legacyName} [${t.shape.join(', ')}]]`;
      throw runtimeError(
        `one of the variables needed for gradient computation has been modified by an inplace operation: ${desc}, which is ${owner.startsWith('is') ? owner.slice(3) : owner}, is at version ${t.version}; expected version ${this.version} instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).`,
      );
    }
    return this.tensor;
  }
}

const freedError = () => runtimeError(
  'Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved intermediate values after calling backward.',
);

// ---- nodes -------------------------------------------------------------------------------------

export interface Edge { node: Node; inputNr: number }

export type BackwardFn = (grads: (Tensor | null)[], node: Node) => (Tensor | null)[];

let nextSeq = 0;

/** A backward function node: `name` is PyTorch's (MulBackward0, ...). */
export class Node {
  readonly seq = nextSeq++;
  next: (Edge | null)[] = [];
  saved: SavedTensor[] = [];
  released = false;
  /** source location of the op that created this node (file, line), filled by the runtime */
  site: { file: string; line: number } | null = null;
  /** extra data shown by the graph view (e.g. dim, shapes) */
  meta: Record<string, unknown> | null = null;
  /** number of outputs, so grads arrays have the right length */
  numOutputs = 1;
  /** dtype and shape of each input, so incoming grads are cast like PyTorch's validate_outputs */
  inputMeta: ({ dtype: import('./dtype').DType; shape: number[] } | null)[] = [];
  preHooks: ((grads: (Tensor | null)[]) => void)[] | null = null;
  constructor(readonly name: string, readonly fn: BackwardFn | null) {}

  save(t: Tensor, isOutput = false): SavedTensor {
    const s = new SavedTensor(t, this, isOutput);
    this.saved.push(s);
    return s;
  }

  apply(grads: (Tensor | null)[]): (Tensor | null)[] {
    if (this.released && this.saved.length > 0) throw freedError();
    if (!this.fn) return [];
    return this.fn(grads, this);
  }

  release(): void {
    if (this.saved.length > 0) this.released = true;
  }

  /** next_functions as PyTorch shows them: (node | None, input_nr) */
  get nextFunctions(): [Node | null, number][] {
    return this.next.map((e) => (e ? [e.node, e.inputNr] : [null, 0]));
  }
}

/** The node that accumulates into a leaf's .grad */
export class AccumulateGrad extends Node {
  constructor(readonly variable: Tensor) {
    super('AccumulateGrad', null);
  }
}

/** The edge a gradient for `t` should flow into, or null if t does not require grad. */
export function gradEdge(t: Tensor): Edge | null {
  if (!t.requiresGrad) return null;
  if (t.gradFn) return { node: t.gradFn, inputNr: t.outputNr };
  if (!t.accNode) t.accNode = new AccumulateGrad(t);
  return { node: t.accNode, inputNr: 0 };
}

/** True when an op over these inputs must record a node. */
export function needsGrad(inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/**
 * Record a backward node for an op: `inputs` are the differentiable tensor inputs (in the order the
 * backward returns gradients for them), `outputs` the results. Returns the node, or null when grad
 * mode is off or no input requires grad. The backward runs `backward(grads, node)`; it receives one
 * grad per output (null where none flowed) and returns one grad per input (null for none).
 */
export function record(
  name: string,
  inputs: readonly (Tensor | null | undefined)[],
  outputs: Tensor | readonly Tensor[],
  backward: BackwardFn,
  save?: (node: Node) => void,
): Node | null {
  if (!needsGrad(inputs)) return null;
  const node = new Node(name, backward);
  node.next = inputs.map((t) => (t ? gradEdge(t) : null));
  node.inputMeta = inputs.map((t) => (t ? { dtype: t.dtype, shape: t.shape.slice() } : null));
  const outs = Array.isArray(outputs) ? outputs : [outputs as Tensor];
  node.numOutputs = outs.length;
  outs.forEach((o, i) => {
    if (!o.dtype.isFloatingPoint) return; // integer outputs never require grad
    o.gradFn = node;
    o.outputNr = i;
    o.requiresGrad = true;
  });
  save?.(node);
  return node;
}

// ---- the engine --------------------------------------------------------------------------------

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
  /** autograd.grad: capture gradients for these tensors instead of accumulating into leaves */
  inputs?: Tensor[];
  accumulate?: boolean;
  allowUnused?: boolean;
}

export interface EngineOps {
  add(a: Tensor, b: Tensor): Tensor;
  detach(t: Tensor): Tensor;
  clone(t: Tensor): Tensor;
  onesLike(t: Tensor): Tensor;
  zerosLike(t: Tensor): Tensor;
  cast(t: Tensor, dtype: import('./dtype').DType): Tensor;
}
let ops: EngineOps | null = null;
/** The op table registers the few ops the engine itself needs (to keep imports one-way). */
export function registerEngineOps(o: EngineOps): void { ops = o; }

/**
 * Run backward from `roots` with `grads` (one per root). Accumulates into leaves' .grad, or, when
 * `opts.inputs` is given with accumulate=false, returns the gradients of those inputs (autograd.grad).
 */
export function runBackward(roots: Tensor[], grads: Tensor[], opts: BackwardOptions = {}): (Tensor | null)[] {
  const o = ops!;
  const retain = opts.retainGraph ?? opts.createGraph ?? false;
  const createGraph = opts.createGraph ?? false;
  const accumulate = opts.accumulate ?? true;

  // capture targets (autograd.grad): map from edge node to slot
  const captures = new Map<Node, { slot: number; inputNr: number }[]>();
  const captured: (Tensor | null)[] = [];
  if (opts.inputs) {
    opts.inputs.forEach((t, i) => {
      captured.push(null);
      const e = gradEdge(t);
      if (!e) throw runtimeError('One of the differentiated Tensors does not require grad');
      const list = captures.get(e.node) ?? [];
      list.push({ slot: i, inputNr: e.inputNr });
      captures.set(e.node, list);
    });
  }

  const rootEdges: Edge[] = [];
  roots.forEach((r) => {
    const e = gradEdge(r);
    if (!e) throw runtimeError('element 0 of tensors does not require grad and does not have a grad_fn');
    rootEdges.push(e);
  });

  // dependency counts over the reachable graph
  const deps = new Map<Node, number>();
  const seen = new Set<Node>();
  const stack: Node[] = rootEdges.map((e) => e.node);
  for (const n of stack) seen.add(n);
  while (stack.length) {
    const n = stack.pop()!;
    for (const e of n.next) {
      if (!e) continue;
      deps.set(e.node, (deps.get(e.node) ?? 0) + 1);
      if (!seen.has(e.node)) { seen.add(e.node); stack.push(e.node); }
    }
  }

  const buffers = new Map<Node, (Tensor | null)[]>();
  const addTo = (node: Node, inputNr: number, g: Tensor) => {
    let buf = buffers.get(node);
    if (!buf) { buf = new Array(node.numOutputs).fill(null); buffers.set(node, buf); }
    const prev = buf[inputNr];
    buf[inputNr] = prev ? o.add(prev, g) : g;
  };
  rootEdges.forEach((e, i) => addTo(e.node, e.inputNr, grads[i]));

  const prevMode = isGradEnabled();
  setGradEnabled(createGraph);
  try {
    // ready queue: highest sequence number first (PyTorch runs later-created nodes first)
    const ready: Node[] = [];
    for (const e of rootEdges) if (!deps.get(e.node) && !ready.includes(e.node)) ready.push(e.node);
    while (ready.length) {
      ready.sort((a, b) => a.seq - b.seq);
      const node = ready.pop()!;
      const inGrads = buffers.get(node) ?? new Array(node.numOutputs).fill(null);
      buffers.delete(node);
      if (node.preHooks) for (const h of node.preHooks) h(inGrads);
      const cap = captures.get(node);
      if (cap) for (const c of cap) captured[c.slot] = inGrads[c.inputNr] ?? null;
      let outGrads: (Tensor | null)[] = [];
      if (node instanceof AccumulateGrad) {
        if (accumulate && !(opts.inputs && !cap)) accumulateGrad(node.variable, inGrads[0], createGraph, o);
      } else {
        outGrads = node.apply(inGrads);
        if (!retain) node.release();
      }
      node.next.forEach((e, i) => {
        if (!e) return;
        let g = outGrads[i];
        const meta = node.inputMeta[i];
        if (g && meta && g.dtype !== meta.dtype) g = o.cast(g, meta.dtype);
        if (g) addTo(e.node, e.inputNr, g);
        const left = (deps.get(e.node) ?? 1) - 1;
        deps.set(e.node, left);
        if (left === 0) ready.push(e.node);
      });
    }
  } finally {
    setGradEnabled(prevMode);
  }
  return captured;
}

function accumulateGrad(v: Tensor, g: Tensor | null, createGraph: boolean, o: EngineOps): void {
  if (!g) return;
  let grad = g;
  if (v.hooks) for (const h of v.hooks) { const r = h(grad); if (r) grad = r; }
  if (v.grad === null) {
    // a fresh buffer: the incoming grad may be shared with other leaves (AddBackward passes it twice)
    v.grad = createGraph ? grad : o.clone(grad);
  } else if (createGraph) {
    v.grad = o.add(v.grad, grad);
  } else {
    v.grad = o.detach(o.add(v.grad, grad));
  }
}

export function assertNotFreed(node: Node): void {
  if (node.released && node.saved.length) throw freedError();
}

export { TorchError };
