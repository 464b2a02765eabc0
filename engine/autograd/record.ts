// Graph recording: record() makes an op's backward node and links it to its inputs' edges (gradEdge),
// when grad mode is on and an input requires grad (needsGrad). Every differentiable op calls it.
// record.ts, views.ts and copySlices.ts call one another (gradEdge asks gradFnOf, which rebuilds a
// stale view's node with gradEdge of its base; the as_strided ops record): only functions cross, never
// at module load, so any evaluation order works (CopySlices extends Node from node.ts, outside the cycle).
import type { Tensor } from '../tensor';
import { isGradEnabled, isInferenceMode } from './gradMode';
import { AccumulateGrad, BackwardFn, Edge, Node } from './node';
import { gradFnOf, viewRecorded } from './views';

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
  if (!isGradEnabled() || isInferenceMode()) return false;
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
    viewRecorded(o, multiView);
  });
  save?.(node);
  return node;
}
