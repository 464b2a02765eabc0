// Views under autograd and the in-place checks: CreationMeta of each differentiable view, its lazy
// grad_fn (gradFnOf rebuilds a stale view's history as AsStridedBackward0), check_inplace (leaves,
// views of leaves, forbidden views, inference tensors) and rebase_history (a view modified in place).
import { TorchError, check, runtimeError } from '../errors';
import { Tensor } from '../tensor';
import { CopySlices, asStridedNode, geometry } from './copySlices';
import { isGradEnabled, isInferenceMode } from './gradMode';
import type { Node } from './node';
import { gradEdge } from './record';

// A view's history goes stale when its storage is modified in place: its grad_fn is then rebuilt as
// AsStridedBackward0 from the base (VariableHooks::grad_fn). CreationMeta forbids some of these.

type Creation = 'default' | 'no_grad' | 'inference' | 'multi_output';
interface ViewMeta { attrVersion: number; creation: Creation }
const viewMeta = new WeakMap<Tensor, ViewMeta>();

/** Called for every view made by makeView (`source` is the tensor it was viewed from). */
export function noteView(view: Tensor, source: Tensor): void {
  const own: Creation = isInferenceMode() ? 'inference' : !isGradEnabled() ? 'no_grad' : 'default';
  const prev = viewMeta.get(source)?.creation ?? 'default';
  // propagate_creation_meta
  const creation = own === 'default' ? prev : prev === 'inference' ? prev : own;
  viewMeta.set(view, { attrVersion: view.version, creation });
}

/** record() made `o` an output of its node: a view's history is current again (several views out of one op are multi_output). */
export function viewRecorded(o: Tensor, multiView: boolean): void {
  const m = o.base ? viewMeta.get(o) : undefined;
  if (m) {
    m.attrVersion = o.version;
    if (multiView && m.creation === 'default') m.creation = 'multi_output';
  }
}

/** Stop treating `t` as a differentiable view (detach() results are not views for autograd). */
export function forgetView(t: Tensor): void { viewMeta.delete(t); t.base = null; }

export const isDiffView = (t: Tensor): boolean => t.base !== null && viewMeta.has(t);

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

/** set_history: `node` becomes t's grad_fn (t is its output 0). */
function setHistory(t: Tensor, node: Node): void {
  t.gradFn = node;
  t.outputNr = 0;
  t.requiresGrad = true;
}

/** t.grad_fn, rebuilding a stale view's history first (like PyTorch's lazy grad_fn()). */
export function gradFnOf(t: Tensor): Node | null {
  const base = t.base;
  if (base === null) return t.gradFn;
  const m = viewMeta.get(t);
  if (!m || (!t.gradFn && !base.requiresGrad)) return t.gradFn;
  if (m.attrVersion !== t.version) {
    if (m.creation !== 'default') throw viewRebaseError(t, m, true);
    setHistory(t, asStridedNode(t, base));
    m.attrVersion = t.version;
  }
  return t.gradFn;
}

/** PyTorch's check_inplace: leaf / view-of-leaf / forbidden views / inference tensors. */
export function checkInplace(self: Tensor, others: readonly unknown[] = []): void {
  if (self.storage.inference && !isInferenceMode()) {
    throw runtimeError('Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more details.');
  }
  if (!isGradEnabled() || isInferenceMode()) return;
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
  setHistory(base, cs);
  setHistory(view, asStridedNode(view, base));
  const m = viewMeta.get(view);
  if (m) m.attrVersion = view.version;
}
