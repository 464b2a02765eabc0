// Autograd: backward nodes with PyTorch's names, grad/inference mode, saved-tensor checks, views
// modified in place (CopySlices), hooks, and the backward engine (torch/csrc/autograd/engine.cpp:
// dependency counting, a ready queue ordered by sequence number, exec_info for inputs=/grad()), with
// the Python-level API on top (torch.autograd.backward/grad, requires_grad_, retain_grad, detach_).
import { DType, castValue } from './dtype';
import { TorchError, check, runtimeError, typeError, valueError } from './errors';
import { Storage, Tensor, deviceContext } from './tensor';
import { warnOnce } from './warnings';
import { newTensor } from './backends/cpu/elementwise';
import { pyTypeName } from './ops/schema';
import { dispatch, splitKwargs } from './ops/registry';

/** Ops the engine runs by name (recorded when grad mode is on, so create_graph works). */
const call = (name: string, ...args: unknown[]): Tensor => dispatch(name, args, null) as Tensor;

// ---- grad mode ---------------------------------------------------------------------------------

let gradEnabled = true;
let inferenceMode = false;
export const isGradEnabled = () => gradEnabled;
export const setGradEnabled = (on: boolean) => { gradEnabled = on; };
export const isInferenceMode = () => inferenceMode;
/** Only the flag (tensors made while it is on are inference tensors); inference_mode() also turns grad off. */
export const setInferenceMode = (on: boolean) => { inferenceMode = on; Storage.inferenceMode = on; };

export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try { return fn(); } finally { gradEnabled = prev; }
}
export const noGrad = <T>(fn: () => T) => withGradMode(false, fn);

// ---- saved tensors -----------------------------------------------------------------------------

const freedError = () => runtimeError(
  'Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.',
);

/** A tensor saved for backward, with the version it had (PyTorch's SavedVariable). */
export class SavedTensor {
  readonly version: number;
  readonly outputNr: number;
  constructor(readonly tensor: Tensor, readonly node: Node, readonly isOutput: boolean) {
    check(!tensor.storage.inference, 'Inference tensors cannot be saved for backward. To work around you can make a clone to get a normal tensor and use it in autograd.');
    this.version = tensor.version;
    this.outputNr = tensor.outputNr;
  }
  unpack(): Tensor {
    if (this.node.released) throw freedError();
    const t = this.tensor;
    if (t.version !== this.version) {
      // an output names the node that saved it; an input names its current grad_fn (none for a leaf)
      const fn = this.isOutput ? this.node : t.gradFn;
      const which = fn ? `, which is output ${this.outputNr} of ${fn.name},` : '';
      throw runtimeError(`one of the variables needed for gradient computation has been modified by an inplace operation: [torch.${t.dtype.legacyName} [${t.shape.join(', ')}]]${which} is at version ${t.version}; expected version ${this.version} instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).`);
    }
    return t;
  }
}

// ---- nodes -------------------------------------------------------------------------------------

export interface Edge { node: Node; inputNr: number }

export type BackwardFn = (grads: (Tensor | null)[], node: Node) => (Tensor | null)[];

/**
 * Where a node was created: the user's file and line, and the nn.Module forward calls it ran inside,
 * outermost first, as `name:Type:call` segments joined by '/' (the runtime's torch/_sites.py).
 */
export interface NodeSite { file: string; line: number; module?: string }

let siteProvider: (() => NodeSite | null) | null = null;
/** The runtime tells the engine the user's current source line; asked only when a node is created. */
export function setSiteProvider(fn: (() => NodeSite | null) | null): void { siteProvider = fn; }
function currentSite(): NodeSite | null {
  if (!siteProvider) return null;
  try { return siteProvider(); } catch { return null; }
}
type PostHook = (gradInputs: (Tensor | null)[], gradOutputs: (Tensor | null)[]) => (Tensor | null)[] | void;

let nextSeq = 0;

/** A backward function node: `name` is PyTorch's class name (MulBackward0, ...). */
export class Node {
  readonly seq = nextSeq++;
  next: (Edge | null)[] = [];
  saved: SavedTensor[] = [];
  released = false;
  /** source location of the op that created this node (file, line, module), from the runtime's provider */
  site: NodeSite | null;
  /** after a backward that retained the graph: the grads that flowed out along `next` (grad_inputs) and in (grad_outputs) */
  lastGradInputs: (Tensor | null)[] | null = null;
  lastGradOutputs: (Tensor | null)[] | null = null;
  /** extra data shown by the graph view (e.g. dim, shapes) */
  meta: Record<string, unknown> | null = null;
  /** number of outputs, so grads arrays have the right length */
  numOutputs = 1;
  /** dtype and shape of each input, so incoming grads are validated like PyTorch's validate_outputs */
  inputMeta: ({ dtype: DType; shape: number[] } | null)[] = [];
  /** dtype and shape of each output (for the graph view) */
  outputMeta: { dtype: DType; shape: number[] }[] = [];
  /** run on the incoming grads before the node (tensor hooks, retain_grad); may replace entries */
  preHooks: ((grads: (Tensor | null)[]) => void)[] | null = null;
  /** grad_fn.register_hook: (grad_inputs, grad_outputs) after the node ran; may replace grad_inputs */
  postHooks: PostHook[] | null = null;
  constructor(readonly name: string, public fn: BackwardFn | null) {
    this.site = name === 'AccumulateGrad' ? null : currentSite();
  }

  /** ready-queue priority: later nodes first; AccumulateGrad before everything */
  get priority(): number { return this.seq; }
  /** grad_fn.name() as Python prints it */
  get qualifiedName(): string { return this.name; }

  save(t: Tensor, isOutput = false): SavedTensor {
    const s = new SavedTensor(t, this, isOutput);
    this.saved.push(s);
    return s;
  }

  /** Check the saved tensors (freed, version) and run the backward; all-None grads give all None. */
  apply(grads: (Tensor | null)[]): (Tensor | null)[] {
    if (this.released && this.saved.length > 0) throw freedError();
    for (const s of this.saved) s.unpack();
    if (!this.fn) return [];
    if (grads.every((g) => !g)) return this.next.map(() => null);
    return this.fn(grads, this);
  }

  release(): void {
    if (this.saved.length > 0) this.released = true;
  }

  registerHook(fn: PostHook): { remove(): void } {
    (this.postHooks ??= []).push(fn);
    return { remove: () => { this.postHooks = this.postHooks!.filter((h) => h !== fn); } };
  }

  /** next_functions as PyTorch shows them: (node | None, input_nr) */
  get nextFunctions(): [Node | null, number][] {
    return this.next.map((e) => (e ? [e.node, e.inputNr] : [null, 0]));
  }
  get next_functions(): [Node | null, number][] { return this.nextFunctions; }
}

/** The node that accumulates into a leaf's .grad */
export class AccumulateGrad extends Node {
  constructor(readonly variable: Tensor) {
    super('AccumulateGrad', null);
    this.inputMeta = [{ dtype: variable.dtype, shape: variable.shape.slice() }];
  }
  override get priority(): number { return Infinity; }
  override get qualifiedName(): string { return 'torch::autograd::AccumulateGrad'; }
}

/** The edge a gradient for `t` should flow into, or null if t does not require grad. */
export function gradEdge(t: Tensor): Edge | null {
  const fn = gradFnOf(t);
  if (fn) return { node: fn, inputNr: t.outputNr };
  if (!t.requiresGrad) return null;
  if (!t.accNode) t.accNode = new AccumulateGrad(t);
  return { node: t.accNode, inputNr: 0 };
}

/** True when an op over these inputs must record a node. */
export function needsGrad(inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (!gradEnabled || inferenceMode) return false;
  let any = false;
  for (const t of inputs) if (t && (gradFnOf(t), t.requiresGrad)) any = true;
  return any;
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
  node.outputMeta = outs.map((o) => ({ dtype: o.dtype, shape: o.shape.slice() }));
  const multiView = outs.length > 1;
  outs.forEach((o, i) => {
    if (!o.dtype.isFloatingPoint) return; // integer outputs never require grad
    o.gradFn = node;
    o.outputNr = i;
    o.requiresGrad = true;
    const m = o.base ? viewMeta.get(o) : undefined;
    if (m) {
      m.attrVersion = o.version;
      if (multiView && m.creation === 'default') m.creation = 'multi_output';
    }
  });
  save?.(node);
  return node;
}

// ---- views -------------------------------------------------------------------------------------
// A view's history goes stale when its storage is modified in place: its grad_fn is then rebuilt as
// AsStridedBackward0 from the base (VariableHooks::grad_fn). CreationMeta forbids some of these.

type Creation = 'default' | 'no_grad' | 'inference' | 'multi_output';
interface ViewMeta { attrVersion: number; creation: Creation }
const viewMeta = new WeakMap<Tensor, ViewMeta>();

interface Geometry { shape: number[]; strides: number[]; offset: number }
const geometry = (t: Tensor): Geometry => ({ shape: t.shape.slice(), strides: t.strides.slice(), offset: t.offset });

/** Called for every view made by makeView (`source` is the tensor it was viewed from). */
export function noteView(view: Tensor, source: Tensor): void {
  const own: Creation = inferenceMode ? 'inference' : !gradEnabled ? 'no_grad' : 'default';
  const prev = viewMeta.get(source)?.creation ?? 'default';
  // propagate_creation_meta
  const creation = own === 'default' ? prev : prev === 'inference' ? prev : own;
  viewMeta.set(view, { attrVersion: view.version, creation });
}

/** Stop treating `t` as a differentiable view (detach() results are not views for autograd). */
export function forgetView(t: Tensor): void { viewMeta.delete(t); t.base = null; }

const isDiffView = (t: Tensor): boolean => t.base !== null && viewMeta.has(t);

/** Tensor.requires_grad: a view also requires grad when its base does (DifferentiableViewMeta). */
export function requiresGradOf(t: Tensor): boolean {
  gradFnOf(t);
  return t.requiresGrad || (isDiffView(t) && t.base!.requiresGrad);
}

function viewRebaseError(t: Tensor, m: ViewMeta, indirect: boolean): TorchError {
  const what = indirect ? 'its base or another view of its base has been' : 'is being';
  let msg = t.gradFn ? `Output ${t.outputNr} of ${t.gradFn.name} is a view and ${what} modified inplace.`
    : m.creation === 'inference' ? `A view was created in inference mode and ${what} modified inplace in normal mode.`
      : `A view was created in no_grad mode and ${what} modified inplace with grad mode enabled.`;
  if (m.creation === 'multi_output') {
    msg += ' This view is the output of a function that returns multiple views. Such functions do not allow the output views to be modified inplace. You should replace the inplace operation by an out-of-place one.';
  } else {
    const block = m.creation === 'inference' ? 'inference_mode' : 'no_grad';
    msg += ` Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace either both inside the ${block} block (if you don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked).`;
  }
  return runtimeError(msg);
}

/** t.grad_fn, rebuilding a stale view's history first (like PyTorch's lazy grad_fn()). */
export function gradFnOf(t: Tensor): Node | null {
  const base = t.base;
  if (base === null) return t.gradFn;
  const m = viewMeta.get(t);
  if (!m || (!t.gradFn && !base.requiresGrad)) return t.gradFn;
  if (m.attrVersion !== t.version) {
    if (m.creation !== 'default') throw viewRebaseError(t, m, true);
    t.gradFn = asStridedNode(t, base);
    t.outputNr = 0;
    t.requiresGrad = true;
    m.attrVersion = t.version;
  }
  return t.gradFn;
}

/** PyTorch's check_inplace: leaf / view-of-leaf / forbidden views / inference tensors. */
export function checkInplace(self: Tensor, others: readonly unknown[] = []): void {
  if (self.storage.inference && !inferenceMode) {
    throw runtimeError('Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more details.');
  }
  if (!gradEnabled || inferenceMode) return;
  const view = isDiffView(self);
  if (view) gradFnOf(self);
  const selfRequires = self.requiresGrad || (view && self.base!.requiresGrad);
  if (!selfRequires && !others.some((o) => o instanceof Tensor && o.requiresGrad)) return;
  if (view) {
    const m = viewMeta.get(self)!;
    if (m.creation !== 'default') throw viewRebaseError(self, m, false);
    check(!(selfRequires && self.base!.isLeaf && self.base!.requiresGrad), 'a view of a leaf Variable that requires grad is being used in an in-place operation.');
  }
  check(!(self.requiresGrad && self.isLeaf), 'a leaf Variable that requires grad is being used in an in-place operation.');
}

/**
 * rebase_history for a view just modified in place: its new node (the in-place op's) moves under a
 * CopySlices on the base, and the view's own grad_fn becomes AsStridedBackward0 of the base.
 */
export function rebaseHistory(view: Tensor): void {
  const base = view.base!;
  const fn = view.gradFn!;
  check(fn.numOutputs === 1, 'Functions which modify views in-place must return a single Variable');
  const cs = new CopySlices(geometry(base), geometry(view), fn, gradEdge(base), base.dtype);
  base.gradFn = cs;
  base.outputNr = 0;
  base.requiresGrad = true;
  view.gradFn = asStridedNode(view, base);
  view.outputNr = 0;
  view.requiresGrad = true;
  const m = viewMeta.get(view);
  if (m) m.attrVersion = view.version;
}

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

function asStridedNode(view: Tensor, base: Tensor): Node {
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

// ---- hooks, retain_grad, requires_grad, detach_ ------------------------------------------------

export type TensorHook = ((g: Tensor) => unknown) & { hookName?: string };
const hookDicts = new WeakSet<Tensor>();

function runTensorHooks(t: Tensor, g: Tensor): Tensor {
  for (const h of (t.hooks ?? []).slice() as TensorHook[]) {
    const r = h(g);
    if (r === undefined || r === null) continue;
    const name = h.hookName ?? (h.name || '<lambda>');
    if (!(r instanceof Tensor)) throw typeError(`expected Variable, but hook returned '${pyTypeName(r)}'`);
    check(r.dtype === g.dtype, () => `hook '${name}' has changed the type of value (was torch.${g.dtype.legacyName} got torch.${r.dtype.legacyName})`);
    check(sameShape(r.shape, g.shape), () => `hook '${name}' has changed the size of value`);
    g = r;
  }
  return g;
}

/**
 * Tensor.register_hook: the hook sees the tensor's gradient and may return a replacement. A leaf's
 * hooks run before accumulation into .grad; a non-leaf's run (in registration order, as one entry)
 * before its grad_fn, like the _backward_hooks dict PyTorch attaches to the grad_fn on first use.
 */
export function registerHook(t: Tensor, fn: TensorHook): { remove(): void } {
  gradFnOf(t);
  check(t.requiresGrad, "cannot register a hook on a tensor that doesn't require gradient");
  (t.hooks ??= []).push(fn as (g: Tensor) => Tensor | void);
  if (t.gradFn && !hookDicts.has(t)) {
    hookDicts.add(t);
    const nr = t.outputNr;
    (t.gradFn.preHooks ??= []).push((grads) => { const g = grads[nr]; if (g) grads[nr] = runTensorHooks(t, g); });
  }
  return { remove: () => { const i = t.hooks?.indexOf(fn as (g: Tensor) => Tensor | void) ?? -1; if (i >= 0) t.hooks!.splice(i, 1); } };
}

/** Tensor.retain_grad: a non-leaf keeps its gradient in .grad (a hook after the ones registered so far). */
export function retainGrad(t: Tensor): void {
  gradFnOf(t);
  check(t.requiresGrad, "can't retain_grad on Tensor that has requires_grad=False");
  if (t.isLeaf || t.retainsGrad) return;
  const nr = t.outputNr;
  (t.gradFn!.preHooks ??= []).push((grads) => {
    const g = grads[nr];
    if (g) t.grad = t.grad ? call('add', t.grad, g) : call('clone', g);
  });
  t.retainsGrad = true;
}

/** requires_grad_(flag) (or the `requires_grad = flag` setter, whose messages differ slightly). */
export function setRequiresGrad(t: Tensor, flag: boolean, setter = false): Tensor {
  if (gradFnOf(t) !== null) {
    if (setter || !flag) {
      throw runtimeError(`you can only change requires_grad flags of leaf variables.${flag ? '' : " If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."}`);
    }
    return t;
  }
  if (flag) {
    check(t.dtype.isFloatingPoint, setter ? 'only Tensors of floating point and complex dtype can require gradients' : 'only Tensors of floating point dtype can require gradients');
    check(!t.storage.inference || inferenceMode, 'Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.');
  }
  t.requiresGrad = flag;
  return t;
}

/** Tensor.detach_(): cut t from the graph in place (views cannot). */
export function detachInPlace(t: Tensor): Tensor {
  check(!isDiffView(t), "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and hence detach_() cannot be called on these gradients. To fix this error, please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.");
  t.gradFn = null;
  t.requiresGrad = false;
  t.outputNr = 0;
  return t;
}

// ---- the engine --------------------------------------------------------------------------------

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
  /** backward(inputs=) with accumulate, or autograd.grad's inputs (captured, nothing accumulated) */
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
  cast(t: Tensor, dtype: DType): Tensor;
}
let ops: EngineOps | null = null;
/** The op table registers the few ops the engine itself needs (to keep imports one-way). */
export function registerEngineOps(o: EngineOps): void { ops = o; }
const engineOps = (): EngineOps => ops ?? {
  add: (a, b) => call('add', a, b), detach: (t) => call('detach', t), clone: (t) => call('clone', t),
  onesLike: (t) => call('ones_like', t), zerosLike: (t) => call('zeros_like', t), cast: (t, d) => noGrad(() => call('to', t, d)),
};

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((s, i) => s === b[i]);
const expandable = (from: readonly number[], to: readonly number[]) => from.length <= to.length
  && from.every((s, i) => s === 1 || s === to[to.length - from.length + i]);

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
 * Run backward from `roots` with `grads` (one per root; null for none). Accumulates into leaves' .grad,
 * or, with `opts.inputs` and accumulate=false (autograd.grad), returns the gradients flowing into those
 * inputs. Only nodes on a path to an input run when inputs are given (PyTorch's exec_info).
 */
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
  const addTo = (node: Node, inputNr: number, g: Tensor) => {
    let buf = buffers.get(node);
    if (!buf) { buf = new Array(node.numOutputs).fill(null); buffers.set(node, buf); }
    const prev = buf[inputNr];
    buf[inputNr] = prev ? engineOps().add(prev, g) : g;
  };

  const prevMode = gradEnabled;
  gradEnabled = createGraph;
  try {
    rootEdges.forEach((e, i) => { if (rootGrads[i]) addTo(e.node, e.inputNr, rootGrads[i]!); });
    const queue = new ReadyQueue();
    const queued = new Set<Node>();
    for (const e of rootEdges) {
      if (!deps.get(e.node) && !queued.has(e.node) && shouldRun(e.node)) { queued.add(e.node); queue.push(e.node); }
    }
    while (queue.size) {
      const node = queue.pop();
      const inGrads = buffers.get(node) ?? new Array(node.numOutputs).fill(null);
      buffers.delete(node);
      for (const c of captures.get(node) ?? []) captured[c.slot] = inGrads[c.inputNr] ?? null;
      if (needed && !needed.has(node)) continue;
      if (node.preHooks) for (const h of node.preHooks.slice()) h(inGrads);
      let outGrads: (Tensor | null)[] = [];
      if (node instanceof AccumulateGrad) {
        accumulateGrad(node.variable, inGrads[0] ?? null, createGraph);
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
  } finally {
    gradEnabled = prevMode;
  }
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

function accumulateGrad(v: Tensor, g: Tensor | null, createGraph: boolean): void {
  if (!g) return;
  const grad = runTensorHooks(v, g);
  const o = engineOps();
  if (v.grad === null) {
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

/**
 * An in-place op computed `result` out of place and wrote it into `self`: what its node saved of
 * result now refers to self at its new version (PyTorch saves self after the version bump), so a later
 * in-place change of self is caught.
 */
export function adoptSavedOutputs(result: Tensor, self: Tensor): void {
  const node = result.gradFn;
  if (!node || result === self) return;
  node.saved = node.saved.map((s) => (s.tensor === result ? new SavedTensor(self, node, s.isOutput) : s));
}

export function assertNotFreed(node: Node): void {
  if (node.released && node.saved.length) throw freedError();
}

// ---- the Python-level API ----------------------------------------------------------------------

type Tensors = Tensor | readonly Tensor[];
type MaybeTensors = Tensor | readonly (Tensor | null | undefined)[] | null | undefined;
const asList = (x: Tensors): Tensor[] => (x instanceof Tensor ? [x] : [...x]);
const sizeRepr = (s: readonly number[]) => `torch.Size([${s.join(', ')}])`;

/** torch.autograd._make_grads (with _tensor_or_tensors_to_tuple): implicit ones for scalar outputs. */
export function makeGrads(outputs: Tensor[], grads: MaybeTensors): (Tensor | null)[] {
  const given: unknown[] = grads === null || grads === undefined ? outputs.map(() => null) : grads instanceof Tensor ? [grads] : [...grads];
  const out: (Tensor | null)[] = [];
  for (let i = 0; i < Math.min(outputs.length, given.length); i++) {
    const o = outputs[i], g = given[i];
    if (g instanceof Tensor) {
      check(sameShape(g.shape, o.shape), () => `Mismatch in shape: grad_output[${i}] has a shape of ${sizeRepr(g.shape)} and output[${i}] has a shape of ${sizeRepr(o.shape)}.`);
      out.push(g);
    } else if (g === null || g === undefined) {
      gradFnOf(o);
      if (o.requiresGrad) {
        check(o.numel() === 1, 'grad can be implicitly created only for scalar outputs');
        out.push(engineOps().onesLike(o));
      } else out.push(null);
    } else {
      throw typeError(`gradients can be either Tensors or None, but got ${pyTypeName(g)}`);
    }
  }
  check(out.length === outputs.length, () => `got ${outputs.length} tensors and ${out.length} gradients`);
  return out;
}

/** torch.autograd.backward / Tensor.backward: accumulate d(tensors)/d(leaves) into .grad. */
export function backward(tensors: Tensors, gradTensors: MaybeTensors = null, retainGraph: boolean | null = null,
  createGraph = false, inputs: Tensors | null = null): void {
  if (inputs !== null && !(inputs instanceof Tensor) && inputs.length === 0) throw runtimeError("'inputs' argument to backward() cannot be empty.");
  const outs = asList(tensors);
  const gs = makeGrads(outs, gradTensors);
  runBackward(outs, gs, { retainGraph: retainGraph ?? createGraph, createGraph, inputs: inputs === null ? undefined : asList(inputs) });
}

/** torch.autograd.grad: the gradients of outputs w.r.t. inputs (nothing accumulated into .grad). */
export function grad(outputs: Tensors, inputs: Tensors, gradOutputs: MaybeTensors = null, retainGraph: boolean | null = null,
  createGraph = false, allowUnused = false): (Tensor | null)[] {
  const outs = asList(outputs);
  const gs = makeGrads(outs, gradOutputs);
  const res = runBackward(outs, gs, { retainGraph: retainGraph ?? createGraph, createGraph, inputs: asList(inputs), accumulate: false });
  check(allowUnused || res.every((r) => r !== null), 'One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.');
  return res;
}

/** A grad-mode context (no_grad, enable_grad, set_grad_enabled, inference_mode) usable as `with` or around a function. */
export class GradModeGuard {
  private saved: [boolean, boolean][] = [];
  constructor(private readonly grad: boolean | null, private readonly inference: boolean | null, private readonly eager = false) {
    if (eager) this.saved.push(this.enterState());
  }
  private enterState(): [boolean, boolean] {
    const prev: [boolean, boolean] = [gradEnabled, inferenceMode];
    if (this.inference !== null) { setInferenceMode(this.inference); if (this.inference) gradEnabled = false; }
    if (this.grad !== null) gradEnabled = this.grad;
    return prev;
  }
  __enter__(): this { if (!this.eager) this.saved.push(this.enterState()); return this; }
  __exit__(): void {
    const prev = this.saved.pop();
    if (prev) { gradEnabled = prev[0]; setInferenceMode(prev[1]); }
  }
  run<T>(fn: () => T): T {
    this.__enter__();
    try { return fn(); } finally { this.__exit__(); }
  }
}

/** torch.set_grad_enabled(mode): takes effect at once; as a context it restores the previous mode on exit. */
export const setGradEnabledGuard = (mode: boolean) => new GradModeGuard(mode, null, true);

/** torch.autograd for TS/JS callers: positional arguments or a trailing kwargs object with PyTorch's names. */
export const autogradApi = {
  grad(...args: unknown[]): (Tensor | null)[] {
    const [p, kw] = splitKwargs(args);
    const k = kw ?? {};
    return grad(
      (p[0] ?? k.outputs) as Tensors, (p[1] ?? k.inputs) as Tensors, (p[2] ?? k.grad_outputs ?? null) as MaybeTensors,
      (p[3] ?? k.retain_graph ?? null) as boolean | null, (p[4] ?? k.create_graph ?? false) as boolean,
      (p[6] ?? k.allow_unused ?? false) as boolean,
    );
  },
  backward(...args: unknown[]): void {
    const [p, kw] = splitKwargs(args);
    const k = kw ?? {};
    backward(
      (p[0] ?? k.tensors) as Tensors, (p[1] ?? k.grad_tensors ?? null) as MaybeTensors, (p[2] ?? k.retain_graph ?? null) as boolean | null,
      (p[3] ?? k.create_graph ?? false) as boolean, (p[5] ?? k.inputs ?? null) as Tensors | null,
    );
  },
};
