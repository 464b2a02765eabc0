// Advanced indexing with index tensors on the webgpu device: x[idx, ...] (the `index` op) and index_put /
// index_put_ (accumulate false or true; index's backward). The result of x[indices] is laid out as
// [pre dims, broadcast index dims, post dims] (engine/ops/table/indexingUtil.ts's IndexParts): element
// (p, i, q) is at base + Σ p·preStride + mid[i] + Σ q·postStride, where mid holds the indexed dims' offsets.
//
// mid comes from the host when the index values are there (int64 tensors made on the host stay in host
// memory, storage.ts): checked there (PyTorch's IndexError, in the CPU's order) and uploaded as int32 (a
// write, no read back). Indices made by a GPU kernel (argmax & co., int64 as i32 words with a known
// bound) are combined on the device by an elementwise kernel, with no check needed. The gather is one
// thread per result element. index_put writes in the CPU's order: the host groups the result elements by
// target (a stable counting sort of the offsets, which needs the index values on the host: a device-only
// index is read back once), and one thread per target writes its last value (accumulate=False) or adds its
// values in order (accumulate=True), so repeated indices give the CPU's result bit for bit. null when a
// kernel does not apply; the op then runs on the CPU.
import { dtypes } from '../../dtype';
import { numel } from '../../shape';
import { Tensor, webgpu } from '../../tensor';
import { FLAT_MAIN, MAX_DIMS, WGSL_WALK, bindings, broadcastStridesOf, flatKernel, gpuOut, onGpu, storageType, wgslType } from './common';
import { gpuMap } from './kernels';
import { stateOf } from './storage';
import type { IndexParts } from '../../ops/table/indexingUtil';

/** The layout of x[indices]: engine/ops/table/indexingUtil.ts's IndexParts. */
export type IndexLayout = IndexParts;

/** Are `t`'s values readable on the host without a device read? */
const onHost = (t: Tensor) => t.device.type !== 'webgpu' || !stateOf(t.storage).resident || stateOf(t.storage).hostValid;

/** `t`'s storage read as int32 words (a kernel-made int64 index: i32 on the device). */
const asInt32 = (t: Tensor) => new Tensor(t.storage, t.shape, t.strides, t.offset, dtypes.int32);

/** mid (int32 [nb] on the GPU, contiguous) or null. */
function gpuMid(lay: IndexLayout): Tensor | null {
  const nb = numel(lay.bshape);
  if (lay.indexed.every(({ t }) => onHost(t))) {
    const m = lay.mid();
    if (m.some((v) => v >= 2 ** 31)) return null;
    return Tensor.fromArray(Int32Array.from(m), [nb], dtypes.int32, webgpu);
  }
  // some indices made by a kernel (known bounds: no check, no wrap; read as i32 words), the others host
  // values checked and wrapped here (one out of range: null, so that the CPU raises PyTorch's error); at
  // most two (elementwise operands)
  if (lay.indexed.length > 2) return null;
  const ops: Tensor[] = [];
  for (const { t, size } of lay.indexed) {
    if (t.dtype !== dtypes.int64) return null;
    if (onHost(t)) {
      const vals = t.contiguousData(), arr = new Int32Array(vals.length);
      for (let k = 0; k < vals.length; k++) {
        const v = vals[k] < 0 ? vals[k] + size : vals[k];
        if (!(v >= 0 && v < size)) return null;
        arr[k] = v;
      }
      ops.push(Tensor.fromArray(arr, t.shape, dtypes.int32, webgpu));
      continue;
    }
    const st = stateOf(t.storage);
    if (st.bound < 0 || st.bound > size) return null;
    ops.push(asInt32(t));
  }
  const strides = lay.indexed.map((x) => x.stride);
  if (strides.some((s) => s >= 2 ** 31)) return null;
  return gpuMap([...ops, ...strides], lay.bshape, dtypes.int32, dtypes.int32, ops.length === 1 ? 'a * b' : 'a * c + b * d');
}

const FIELDS = `n: u32, w: u32, base: u32, nb: u32, npre: u32, npost: u32, dpre: u32, dpost: u32,
  pre: array<vec4<u32>, 2>, prest: array<vec4<u32>, 2>, post: array<vec4<u32>, 2>, postst: array<vec4<u32>, 2>`;

/** base + the offset of element k of the result (k = (p, i, q), mid from M). */
const OFFSET = `${WGSL_WALK}
fn offsetOf(k: u32) -> u32 {
  let q = k % p.npost;
  let i = (k / p.npost) % p.nb;
  let pp = k / (p.npost * p.nb);
  return p.base + walk(pp, p.dpre, p.pre, p.prest) + u32(M[i]) + walk(q, p.dpost, p.post, p.postst);
}`;


const fits = (lay: IndexLayout) => lay.preShape.length <= MAX_DIMS && lay.postShape.length <= MAX_DIMS;

/** x[indices] of `self` (any dtype resident on the GPU), shaped `shape`, or null. */
export function gpuIndexGather(self: Tensor, lay: IndexLayout, shape: number[]): Tensor | null {
  const t = onGpu(self) ? storageType(self.dtype) : null;
  if (!t || !fits(lay)) return null;
  const n = numel(shape);
  if (n === 0) return gpuOut(shape, self.dtype);
  const mid = gpuMid(lay);
  if (!mid) return null;
  const out = gpuOut(shape, self.dtype);
  const head = [lay.base, numel(lay.bshape), numel(lay.preShape), numel(lay.postShape), lay.preShape.length, lay.postShape.length];
  flatKernel(`index:advanced:${t}`, () => `${bindings([['X', t], ['M', 'i32'], ['Y', t, true]], FIELDS)}
${OFFSET}
${FLAT_MAIN}
  Y[i] = X[offsetOf(i)];
}`, [self, mid], [out], n, head, 40, (p) => {
    lay.preShape.forEach((s, d) => { p.u[8 + d] = s; p.u[16 + d] = lay.preStrides[d]; });
    lay.postShape.forEach((s, d) => { p.u[24 + d] = s; p.u[32 + d] = lay.postStrides[d]; });
  });
  return out;
}

/**
 * index_put into `out` (a fresh contiguous GPU tensor; written in place) of `values` (out's dtype, on the
 * GPU, broadcast to `shape`) at the storage offsets `offsets()` of x[indices], in the CPU's order. false
 * when it does not apply (then the caller writes on the host).
 */
export function gpuIndexPut(out: Tensor, shape: number[], offsets: () => Float64Array, values: Tensor, accumulate: boolean): boolean {
  const t = onGpu(out) && out.isContiguous && out.offset === 0 ? (accumulate ? wgslType(out.dtype) : storageType(out.dtype)) : null;
  if (!t || !onGpu(values) || values.dtype !== out.dtype || shape.length > MAX_DIMS || out.numel() >= 2 ** 31) return false;
  const K = numel(shape);
  if (K === 0) return true;
  const offs = offsets();
  const size = out.numel();
  // the result elements of each target, in order (a stable counting sort); accumulate=False keeps the last
  const count = new Int32Array(size + 1);
  for (let k = 0; k < K; k++) count[offs[k] + 1]++;
  const targets: number[] = [];
  for (let o = 0; o < size; o++) if (count[o + 1] > 0) targets.push(o);
  for (let o = 0; o < size; o++) count[o + 1] += count[o];
  const order = new Int32Array(K);
  const fill = count.slice(0, size);
  for (let k = 0; k < K; k++) order[fill[offs[k]]++] = k;
  const nU = targets.length;
  // one table: targets [nU], starts [nU + 1], the list of result elements
  const listLen = accumulate ? K : nU;
  const table = new Int32Array(2 * nU + 1 + listLen);
  targets.forEach((o, u) => {
    table[u] = o;
    // accumulate: target u's elements are order[count[o] .. count[o + 1]) (count[o]: the previous target's end)
    if (accumulate) table[nU + u + 1] = count[o + 1];
    else { table[nU + u + 1] = u + 1; table[2 * nU + 1 + u] = order[count[o + 1] - 1]; }
  });
  if (accumulate) table.set(order, 2 * nU + 1);
  const tbl = Tensor.fromArray(table, [table.length], dtypes.int32, webgpu);
  const vst = broadcastStridesOf(values, shape);
  flatKernel(`index:put:${t}:${accumulate ? 'add' : 'set'}`, () => indexPutCode(t, accumulate), [values, tbl], [out], nU, [values.offset, shape.length], 24, (p) => {
    shape.forEach((s, d) => { p.u[8 + d] = s; p.u[16 + d] = vst[d]; });
  });
  return true;
}

function indexPutCode(t: string, accumulate: boolean): string {
  return `${bindings([['V', t], ['D', 'i32'], ['Y', t, true]], 'n: u32, w: u32, voff: u32, nd: u32, pad0: u32, pad1: u32, pad2: u32, pad3: u32, shape: array<vec4<u32>, 2>, vst: array<vec4<u32>, 2>')}
${WGSL_WALK}
fn value(k: u32) -> ${t} { return V[p.voff + walk(k, p.nd, p.shape, p.vst)]; }
${FLAT_MAIN}
  let at = u32(D[i]);
  let a = u32(D[p.n + i]);
  let b = u32(D[p.n + i + 1u]);
  let list = 2u * p.n + 1u;
  ${accumulate
    ? `var acc = Y[at];
  for (var j = a; j < b; j++) { acc = acc + value(u32(D[list + j])); }
  Y[at] = acc;`
    : 'Y[at] = value(u32(D[list + b - 1u]));'}
}`;
}

