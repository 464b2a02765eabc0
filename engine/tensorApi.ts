// Tensor members that are not ops: properties with PyTorch's names, conversion (item/tolist),
// size queries, backward, and printing (console.log / String(t) give PyTorch's text).
import { runBackward, gradEdge } from './autograd';
import { check, runtimeError, valueError } from './errors';
import { formatTensor } from './format';
import { wrapDim } from './shape';
import { Tensor } from './tensor';
import { dispatch } from './ops/registry';

declare module './tensor' {
  interface Tensor {
    item(): number | boolean;
    tolist(): unknown;
    size(dim?: number): number[] | number;
    dim(): number;
    stride(dim?: number): number[] | number;
    is_contiguous(): boolean;
    element_size(): number;
    backward(gradient?: Tensor | null, retain_graph?: boolean | null, create_graph?: boolean): void;
    requires_grad_(requiresGrad?: boolean): Tensor;
    retain_grad(): void;
    register_hook(fn: (g: Tensor) => Tensor | void): { remove(): void };
    requires_grad: boolean;
    readonly grad_fn: import('./autograd').Node | null;
    readonly is_leaf: boolean;
    readonly T: Tensor;
    readonly mT: Tensor;
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
  backward(this: Tensor, gradient?: Tensor | null, retainGraph?: boolean | null, createGraph = false) {
    let g = gradient ?? null;
    if (!g) {
      check(this.numel() === 1, 'grad can be implicitly created only for scalar outputs');
      check(this.requiresGrad, 'element 0 of tensors does not require grad and does not have a grad_fn');
      g = dispatch('ones_like', [this], null) as Tensor;
    }
    runBackward([this], [g], { retainGraph: retainGraph ?? createGraph, createGraph });
  },
  requires_grad_(this: Tensor, requiresGrad = true) {
    if (!requiresGrad && !this.isLeaf) {
      throw runtimeError('you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn\'t require differentiation use var_no_grad = var.detach().');
    }
    if (requiresGrad) check(this.dtype.category === 'float', 'only Tensors of floating point and complex dtype can require gradients');
    this.requiresGrad = requiresGrad;
    return this;
  },
  retain_grad(this: Tensor) {
    check(this.requiresGrad, "can't retain_grad on Tensor that has requires_grad=False");
    if (this.isLeaf || this.retainsGrad) return;
    this.retainsGrad = true;
    const node = this.gradFn!;
    const nr = this.outputNr;
    const self = this;
    (node.preHooks ??= []).push((grads) => {
      const g = grads[nr];
      if (!g) return;
      self.grad = self.grad ? (dispatch('add', [self.grad, g], null) as Tensor) : (dispatch('clone', [g], null) as Tensor);
    });
  },
  register_hook(this: Tensor, fn: (g: Tensor) => Tensor | void) {
    check(this.requiresGrad, "cannot register a hook on a tensor that doesn't require gradient");
    if (this.isLeaf) {
      (this.hooks ??= []).push(fn);
      return { remove: () => { this.hooks = this.hooks!.filter((h) => h !== fn); } };
    }
    const node = this.gradFn!;
    const nr = this.outputNr;
    const hook = (grads: (Tensor | null)[]) => { const g = grads[nr]; if (g) { const r = fn(g); if (r) grads[nr] = r; } };
    (node.preHooks ??= []).unshift(hook);
    return { remove: () => { node.preHooks = node.preHooks!.filter((h) => h !== hook); } };
  },
  toString(this: Tensor) { return formatTensor(this); },
};
for (const [k, f] of Object.entries(methods)) proto[k] = f;
(proto as Record<symbol, unknown>)[Symbol.for('nodejs.util.inspect.custom')] = function (this: Tensor) { return formatTensor(this); };

Object.defineProperties(Tensor.prototype, {
  requires_grad: {
    get(this: Tensor) { return this.requiresGrad; },
    set(this: Tensor, v: boolean) { (this.requires_grad_ as (b: boolean) => Tensor)(v); },
  },
  grad_fn: { get(this: Tensor) { return this.gradFn; } },
  is_leaf: { get(this: Tensor) { return this.isLeaf; } },
  T: { get(this: Tensor) { return dispatch('numpy_T', [this], null, true); } },
  mT: { get(this: Tensor) { return dispatch('transpose', [this, -2, -1], null, true); } },
});

export { gradEdge };
