// The Python-level API: torch.autograd.backward / Tensor.backward, torch.autograd.grad, _make_grads
// (implicit ones for scalar outputs), and autogradApi, the torch.autograd object for TS/JS callers.
import { check, runtimeError, typeError } from '../errors';
import { Tensor } from '../tensor';
import { pyTypeName } from '../ops/schema';
import { splitKwargs } from '../ops/registry';
import { engineOps, sameShape } from './engineOps';
import { runBackward } from './engine';
import { gradFnOf } from './views';

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
