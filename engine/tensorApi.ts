// Tensor members that are not ops: properties with PyTorch's names, conversion (item/tolist),
// size queries, backward, and printing (console.log / String(t) give PyTorch's text).
import { backward, detachInPlace, gradEdge, gradFnOf, registerHook, requiresGradOf, retainGrad, setRequiresGrad } from './autograd';
import { check, runtimeError, valueError } from './errors';
import { formatTensor } from './format';
import { wrapDim } from './shape';
import { Tensor } from './tensor';
import { dispatch, splitKwargs } from './ops/registry';

declare module './tensor' {
  interface Tensor {
    item(): number | boolean;
    tolist(): unknown;
    size(dim?: number): number[] | number;
    dim(): number;
    stride(dim?: number): number[] | number;
    is_contiguous(): boolean;
    element_size(): number;
    /** backward(gradient=None, retain_graph=None, create_graph=False, inputs=None), positional or as a trailing kwargs object */
    backward(...args: unknown[]): void;
    requires_grad_(requiresGrad?: boolean): Tensor;
    retain_grad(): void;
    register_hook(fn: (g: Tensor) => Tensor | void): { remove(): void };
    detach_(): Tensor;
    is_inference(): boolean;
    /** a copy on the CPU (self when already there) */
    cpu(): Tensor;
    /** a copy on the webgpu device when the cuda alias is on (else PyTorch's CPU-build error) */
    cuda(): Tensor;
    requires_grad: boolean;
    readonly grad_fn: import('./autograd').Node | null;
    readonly is_leaf: boolean;
    readonly retains_grad: boolean;
    readonly T: Tensor;
    readonly mT: Tensor;
    readonly mH: Tensor;
    readonly H: Tensor;
    // op methods attached from the op table (engine/ops/index.ts)
    [op: string]: any;
  }
}

function valueOf(t: Tensor, v: number): number | boolean {
  return t.dtype.category === 'bool' ? v !== 0 : v;
}

const proto = Tensor.prototype as unknown as Record<string | symbol, unknown>;
const methods: Record<string, (this: Tensor, ...a: any[]) => unknown> = {
  item(this: Tensor) {
    if (this.numel() !== 1) throw valueError('only one element tensors can be converted to Python scalars');
    return valueOf(this, this.storage.data[this.offsets()[0]]);
  },
  tolist(this: Tensor) {
    const flat = this.toFlatArray();
    let k = 0;
    const build = (d: number): unknown => {
      if (d === this.ndim) return valueOf(this, flat[k++]);
      const out = [];
      for (let i = 0; i < this.shape[d]; i++) out.push(build(d + 1));
      return out;
    };
    return build(0);
  },
  size(this: Tensor, dim?: number) {
    return dim === undefined || dim === null ? this.shape.slice() : this.shape[wrapDim(dim, this.ndim, false)];
  },
  dim(this: Tensor) { return this.ndim; },
  stride(this: Tensor, dim?: number) {
    return dim === undefined || dim === null ? this.strides.slice() : this.strides[wrapDim(dim, this.ndim, false)];
  },
  is_contiguous(this: Tensor) { return this.isContiguous; },
  element_size(this: Tensor) { return this.dtype.itemsize; },
  backward(this: Tensor, ...args: unknown[]) {
    const [pos, kw] = splitKwargs(args);
    const k = kw ?? {};
    const gradient = (pos[0] ?? k.gradient ?? null) as Tensor | null;
    const retainGraph = (pos[1] ?? k.retain_graph ?? null) as boolean | null;
    const createGraph = (pos[2] ?? k.create_graph ?? false) as boolean;
    const inputs = (pos[3] ?? k.inputs ?? null) as Tensor | Tensor[] | null;
    backward(this, gradient, retainGraph, createGraph, inputs);
  },
  requires_grad_(this: Tensor, requiresGrad = true) { return setRequiresGrad(this, requiresGrad); },
  retain_grad(this: Tensor) { retainGrad(this); },
  register_hook(this: Tensor, fn: (g: Tensor) => Tensor | void) { return registerHook(this, fn); },
  detach_(this: Tensor) { return detachInPlace(this); },
  is_inference(this: Tensor) { return this.storage.inference; },
  cpu(this: Tensor) { return this.device.type === 'cpu' ? this : dispatch('to', [this, 'cpu'], null, true) as Tensor; },
  cuda(this: Tensor) { return dispatch('to', [this, 'cuda'], null, true) as Tensor; },
  toString(this: Tensor) { return formatTensor(this); },
};
for (const [k, f] of Object.entries(methods)) proto[k] = f;
(proto as Record<symbol, unknown>)[Symbol.for('nodejs.util.inspect.custom')] = function (this: Tensor) { return formatTensor(this); };

Object.defineProperties(Tensor.prototype, {
  requires_grad: {
    get(this: Tensor) { return requiresGradOf(this); },
    set(this: Tensor, v: boolean) { setRequiresGrad(this, v, true); },
  },
  grad_fn: { get(this: Tensor) { return gradFnOf(this); } },
  is_leaf: { get(this: Tensor) { return gradFnOf(this) === null; } },
  retains_grad: { get(this: Tensor) { return this.retainsGrad; } },
  T: { get(this: Tensor) { return dispatch('numpy_T', [this], null, true); } },
  mT: { get(this: Tensor) { return dispatch('mT', [this], null, true); } },
  mH: { get(this: Tensor) { return dispatch('mH', [this], null, true); } },
  H: { get(this: Tensor) { return dispatch('H', [this], null, true); } },
});

export { gradEdge };
