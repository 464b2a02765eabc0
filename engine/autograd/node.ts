// Backward nodes and saved tensors: Node (PyTorch's torch::autograd::Node, named MulBackward0, ...),
// AccumulateGrad (a leaf's gradient sink), the Edge between nodes, and SavedTensor (SavedVariable:
// a tensor saved for backward with the version it had, checked when it is unpacked).
import type { DType } from '../dtype';
import { check, runtimeError } from '../errors';
import type { Tensor } from '../tensor';
import { NodeSite, currentSite } from './sites';

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

// ---- nodes -------------------------------------------------------------------------------------

export interface Edge { node: Node; inputNr: number }

export type BackwardFn = (grads: (Tensor | null)[], node: Node) => (Tensor | null)[];

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
  /** the backward is user code (torch.autograd.Function): the grads it returns may be tensors it keeps */
  userBackward = false;
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
    assertNotFreed(this);
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
