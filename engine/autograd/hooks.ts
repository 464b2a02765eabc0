// Tensor-level autograd: tensor hooks (register_hook, run before a node or before accumulation into a
// leaf's .grad), retain_grad, requires_grad_ / the requires_grad setter, and detach_.
import { check, runtimeError, typeError } from '../errors';
import { Tensor } from '../tensor';
import { pyTypeName } from '../ops/schema';
import { call, sameShape } from './engineOps';
import { isInferenceMode } from './gradMode';
import { gradFnOf, isDiffView } from './views';

export type TensorHook = ((g: Tensor) => unknown) & { hookName?: string };
const hookDicts = new WeakSet<Tensor>();

export function runTensorHooks(t: Tensor, g: Tensor): Tensor {
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
    check(!t.storage.inference || isInferenceMode(), 'Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.');
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
