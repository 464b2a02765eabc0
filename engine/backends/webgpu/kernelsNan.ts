// NaN-aware and logical reductions of the webgpu device: nansum (float32: NaN counts as zero), and the
// counting reductions all / any / count_nonzero (and nanmean's count of non-NaN elements, nansum of
// bool / uint8), one workgroup per output element like gpuReduce (common.ts's reduceSplit / reduceHead:
// threads stride over the reduced elements, then a tree reduction in workgroup memory). Counts are u32
// sums, so they are exact; bool / uint8 results are u32 words, int64 results are kernel-made int64
// (i32 words with a bound: storage.ts). nansum is the CPU's cascade sum bit for bit (kernelsCascade.ts).
// Each function returns null when it does not apply (an operand not on the GPU, a dtype without a WGSL
// type, too many dims, a count past int32); the op then runs on the CPU.
import { DType, dtypes } from '../../dtype';
import { numel } from '../../shape';
import { Tensor } from '../../tensor';
import { WG, dispatch, gpuOut, onGpu, onGpuF32, reduceHead, reduceSplit, storageType, treeReduce } from './common';
import { gpuMap } from './kernels';
import { gpuCascadeSum } from './kernelsCascade';
import { stateOf } from './storage';

/**
 * nansum of float32 `x` over the dims flagged in `reduced`, shaped `outShape` (NaN elements count as 0;
 * an empty reduction gives 0), or null: the CPU's cascade sum of x with NaN replaced by +0, bit for bit
 * (kernelsCascade.ts).
 */
export function gpuNansum(x: Tensor, reduced: readonly boolean[], outShape: readonly number[]): Tensor | null {
  return gpuCascadeSum(x, reduced, outShape, 'sum', true);
}

/**
 * What a counting reduction gives per output, from the u32 sum `c` of its terms over the `nred` reduced
 * elements: all (every element nonzero: bool, or uint8 for uint8 input), any (some element nonzero),
 * count_nonzero (int64), nonnan (the number of non-NaN float32 elements, as float32: nanmean's divisor),
 * sum (the sum of bool / uint8 elements, as int64: nansum of those).
 */
export type CountKind = 'all' | 'any' | 'count_nonzero' | 'nonnan' | 'sum';

/** The output dtype of a counting reduction of `x`. */
const countDtype = (kind: CountKind, x: DType): DType =>
  (kind === 'all' || kind === 'any' ? (x === dtypes.uint8 ? dtypes.uint8 : dtypes.bool) : kind === 'nonnan' ? dtypes.float32 : dtypes.int64);

/** The largest term one element adds to a count (the result's bound is nred · this + 1). */
const termMax = (kind: CountKind, x: DType): number => (kind === 'sum' && x === dtypes.uint8 ? 255 : 1);

/**
 * A counting reduction (see CountKind) of `x` over the dims flagged in `reduced`, shaped `outShape`.
 * `x`: any dtype resident on the GPU (float32 and the half types' float32 words, int32 and kernel-made
 * int64 as i32 words, bool / uint8 as u32 words; a nonzero float includes NaN, as PyTorch's != 0);
 * 'nonnan' takes float32 only, 'sum' bool / uint8 only. null when it does not apply.
 */
export function gpuCount(x: Tensor, reduced: readonly boolean[], outShape: readonly number[], kind: CountKind): Tensor | null {
  const t = onGpu(x) ? wordType(x.dtype) : null;
  if (!t) return null;
  if (kind === 'nonnan' && x.dtype !== dtypes.float32) return null;
  if (kind === 'sum' && t !== 'u32') return null;
  const sp = reduceSplit(x, reduced);
  if (!sp || numel(outShape) !== sp.nOut) return null;
  const bound = sp.nRed * termMax(kind, x.dtype) + 1;
  if (bound >= 2 ** 31) return null;
  const outDt = countDtype(kind, x.dtype);
  const res = outDt === dtypes.int64 ? gpuOut(outShape, dtypes.int64, Float64Array) : gpuOut(outShape, outDt);
  if (outDt === dtypes.int64) stateOf(res.storage).bound = bound;
  if (sp.nOut === 0) return res;
  dispatch(`reduce:count:${kind}:${t}`, () => countCode(t, kind), [x], [res], sp.params.buffer, sp.groups);
  return res;
}

/** The WGSL type of a resident storage's words: storageType's, plus the half types (float32 words) and kernel-made int64 (i32 words). */
const wordType = (d: DType): 'f32' | 'i32' | 'u32' | null =>
  storageType(d) ?? (d === dtypes.int64 ? 'i32' : d === dtypes.float16 || d === dtypes.bfloat16 ? 'f32' : null);

/** The u32 term of one element x (WGSL type t) of a counting reduction. */
function countTerm(t: 'f32' | 'i32' | 'u32', kind: CountKind): string {
  if (kind === 'sum') return 'x';
  if (kind === 'nonnan') return 'select(1u, 0u, isnan(x))';
  return t === 'f32' ? 'select(0u, 1u, isnan(x) || x != 0.0)' : `select(0u, 1u, x != ${t}(0))`;
}

const COUNT_FINAL: Record<CountKind, string> = {
  all: 'Y[o] = select(0u, 1u, c == p.nred);',
  any: 'Y[o] = select(0u, 1u, c != 0u);',
  count_nonzero: 'Y[o] = c;',
  sum: 'Y[o] = c;',
  nonnan: 'Y[o] = f32(c);',
};

function countCode(t: 'f32' | 'i32' | 'u32', kind: CountKind): string {
  return `${reduceHead(t, [['Y', kind === 'nonnan' ? 'f32' : 'u32', true]])}
var<workgroup> part: array<u32, ${WG}>;
@compute @workgroup_size(${WG}) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let o = wg.x + wg.y * p.gx;
  if (o >= p.nout) { return; }
  let base = baseOf(o);
  var acc = 0u;
  for (var r = l.x; r < p.nred; r += ${WG}u) { let x = X[offOf(base, r)]; acc = acc + ${countTerm(t, kind)}; }
  part[l.x] = acc;${treeReduce('part[l.x] + part[l.x + w]')}
  if (l.x == 0u) { let c = part[0]; ${COUNT_FINAL[kind]} }
}`;
}

/** The bool mask `!isnan(x)` of float32 `x` on the GPU (nansum's backward), or null. */
export function gpuNotNanMask(x: Tensor): Tensor | null {
  return onGpuF32(x) ? gpuMap([x], x.shape, dtypes.float32, dtypes.bool, '!isnan(a)') : null;
}
