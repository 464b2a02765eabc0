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

/**
 * The storage element range [start, end) of `t` when its elements are non-overlapping and dense (ATen's
 * is_non_overlapping_and_dense: the strides of its dims of size > 1 are a permutation of contiguous
 * ones), else null (ATen's overlap check then gives up: MemOverlapStatus::TooHard).
 */
function denseRange(t: Tensor): [number, number] | null {
  const dims = t.shape.map((_, i) => i).filter((i) => t.shape[i] !== 1).sort((a, b) => t.strides[a] - t.strides[b]);
  let expected = 1;
  for (const d of dims) {
    if (t.strides[d] !== expected) return null;
    expected *= t.shape[d];
  }
  return [t.offset, t.offset + t.numel()];
}

/**
 * TensorIterator's assert_no_partial_overlap(output, input) for an in-place op: an input sharing memory
 * with self, unless it is exactly self's elements in self's layout (an elementwise op then reads each one
 * before writing it) or the two do not intersect, is PyTorch's error.
 */
function assertNoPartialOverlap(self: Tensor, input: Tensor): void {
  if (input.storage !== self.storage || self.numel() === 0 || input.numel() === 0) return;
  const a = denseRange(self), b = denseRange(input);
  if (!a || !b) return;
  const same = a[0] === b[0] && a[1] === b[1] && self.ndim === input.ndim
    && self.strides.every((s, i) => s === input.strides[i] || self.shape[i] === 1);
  if (!same && a[0] < b[1] && b[0] < a[1]) {
    throw runtimeError('unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.');
  }
}

/** In-place forms whose out-of-place op is not an elementwise TensorIterator op (no overlap check there). */
const NOT_ELEMENTWISE = /index|scatter|put|masked|triu|tril|^to$/;

/** Ops whose impl's first allocation is its result (one kernel call): their in-place forms write into self. */
const WRITES_IN_PLACE = new Set(['add', 'sub', 'mul', 'div']);

/** The in-place variant `name_` of an out-of-place op (method only, like PyTorch's). */
export function inplaceVariant(def: OpDef, doc?: string): OpDef {
  const direct = WRITES_IN_PLACE.has(def.name);
  const elementwise = !NOT_ELEMENTWISE.test(def.name);
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
      if (elementwise) for (const o of others) assertNoPartialOverlap(self, o);
      const grad = needsGrad([self, ...others]);
      const src = grad ? shadowOf(self) : self;
      const r = (direct && !grad ? withOutput(self, () => def.impl({ ...a, self: src }, ov)) : def.impl({ ...a, self: src }, ov)) as Tensor;
      return commitInPlace(self, r);
    },
  };
}
