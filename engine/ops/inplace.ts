// In-place variants (add_, mul_, clamp_, ...) derived from the out-of-place op: PyTorch's checks
// (leaf that requires grad, result dtype castable, broadcast shape), a version bump, and the
// tensor's history rebased onto the new node.
import { canCast, DType } from '../dtype';
import { runtimeError } from '../errors';
import { adoptSavedOutputs, checkInplace, needsGrad, rebaseHistory } from '../autograd';
import { shapeEq } from '../shape';
import { Tensor } from '../tensor';
import { copyInto, withOutput } from '../backends/cpu/elementwise';
import { gpuCopyInto } from '../backends/webgpu/kernelsCopy';
import { OpDef } from './spec';
import { Bound } from './schema';
import { allocArray } from '../backends/cpu/alloc';

const SHORT: Record<string, string> = {
  bool: 'Bool', uint8: 'Byte', int8: 'Char', int16: 'Short', int32: 'Int', int64: 'Long',
  float16: 'Half', bfloat16: 'BFloat16', float32: 'Float', float64: 'Double',
};
export const shortTypeName = (d: DType) => SHORT[d.name];

/** PyTorch's check_inplace (leaf, view of a leaf, forbidden views, inference tensors); `others` are the op's other inputs. */
export function checkInplaceLeaf(self: Tensor, others: readonly unknown[] = []): void {
  checkInplace(self, others);
}

/** A copy of `t`'s current values that carries t's autograd identity (the "original self" a backward may need). */
export function shadowOf(t: Tensor): Tensor {
  const src = t.contiguousData();
  const data = allocArray(t.dtype.arrayCtor, src.length, false);
  data.set(src);
  const s = Tensor.fromArray(data, t.shape, t.dtype);
  s.requiresGrad = t.requiresGrad;
  s.gradFn = t.gradFn;
  s.outputNr = t.outputNr;
  s.accNode = t.accNode;
  if (t.requiresGrad && !t.gradFn) {
    // a leaf that requires grad (only reachable under no_grad); share the accumulator
    s.accNode = t.accNode;
  }
  return s;
}

/** Write `result` into `self` (cast to self's dtype) and take over result's autograd history. */
export function commitInPlace(self: Tensor, result: Tensor): Tensor {
  if (!canCast(result.dtype, self.dtype)) {
    throw runtimeError(`result type ${shortTypeName(result.dtype)} can't be cast to the desired output type ${shortTypeName(self.dtype)}`);
  }
  if (!shapeEq(result.shape, self.shape)) {
    throw runtimeError(`output with shape [${self.shape.join(', ')}] doesn't match the broadcast shape [${result.shape.join(', ')}]`);
  }
  // between GPU storages the write stays on the device
  if (!gpuCopyInto(self, result)) copyInto(self, result);
  self.bumpVersion();
  if (result.gradFn) {
    self.gradFn = result.gradFn;
    self.outputNr = result.outputNr;
    self.requiresGrad = true;
    adoptSavedOutputs(result, self);
    if (self.base) rebaseView(self);
  }
  return self;
}

/** Hook for views modified in place under autograd (CopySlices): autograd's rebase_history. */
let rebaseView: (view: Tensor) => void = rebaseHistory;
export function setRebaseView(fn: (view: Tensor) => void): void { rebaseView = fn; }

/** Ops whose impl's first allocation is its result (one kernel call): their in-place forms write into self. */
const WRITES_IN_PLACE = new Set(['add', 'sub', 'mul', 'div']);

/** The in-place variant `name_` of an out-of-place op (method only, like PyTorch's). */
export function inplaceVariant(def: OpDef, doc?: string): OpDef {
  const direct = WRITES_IN_PLACE.has(def.name);
  const sigs = (Array.isArray(def.sig) ? def.sig : [def.sig]).map((s) => s.replace(/^([\w]+)/, `$1_`));
  return {
    name: `${def.name}_`,
    sig: sigs,
    variants: ['method'],
    doc: doc ?? `In-place version of ${def.name}.`,
    impl: (a: Bound, ov: number) => {
      const self: Tensor = a.self;
      const others = Object.values(a).filter((v): v is Tensor => v instanceof Tensor && v !== self);
      checkInplaceLeaf(self, others);
      const grad = needsGrad([self, ...others]);
      const src = grad ? shadowOf(self) : self;
      const r = (direct && !grad ? withOutput(self, () => def.impl({ ...a, self: src }, ov)) : def.impl({ ...a, self: src }, ov)) as Tensor;
      return commitInPlace(self, r);
    },
  };
}
