// Normalisation kernels of the webgpu device: layer_norm, batch_norm (training with the running
// statistics updated in place, and eval) and group_norm, forward and backward, for float32 on the GPU.
// Each is one "segment" kernel: one workgroup per segment (a row of layer_norm, a channel of batch_norm,
// a (sample, group) of group_norm, or a column / channel for the weight and bias gradients) whose threads
// stride over the segment's elements; one or two phases of sums (tree reductions in workgroup memory:
// the mean, then the sum of squared deviations from it; or the backward's two sums), then each element
// written. Statistics are float32 two-pass moments, so results agree with the CPU's (Welford, double sums)
// within float32 tolerance, not bit for bit. null when a kernel does not apply; the op then runs on the CPU.
import { Tensor } from '../../tensor';
import { dtypes } from '../../dtype';
import { Binding, ROW_MAIN, WG, bindings, dispatch, gpuOut, onGpuF32, rowGroups, uniform } from './common';
import { gpuDense } from './kernels';

/**
 * Where a segment's elements are, in contiguous element offsets: segment s holds, for a < A and i < I,
 * off = s·segStride + a·aStride + i; the statistic of element off is MEAN/RSTD[(off / sDiv) % sMod], its
 * channel (weight, bias) (off / cDiv) % cMod.
 */
export interface Segments { rows: number; segStride: number; A: number; aStride: number; I: number; sDiv: number; sMod: number; cDiv: number; cMod: number }

const ALL = 0xffffffff;
const FIELDS = 'rows: u32, gx: u32, segStride: u32, A: u32, aStride: u32, I: u32, cnt: u32, sDiv: u32, sMod: u32, cDiv: u32, cMod: u32, xo: u32, go: u32, wo: u32, bo: u32, rmo: u32, rvo: u32, eps: f32, mom: f32, pad: u32';

/** Offsets of the operands in their buffers, and the scalars. */
interface Extra { xo?: number; go?: number; wo?: number; bo?: number; rmo?: number; rvo?: number; eps?: number; mom?: number }

/** One phase: up to two sums over the segment (WGSL f32 expressions of `off`), then statements using them. */
interface Phase { sums: string[]; then: string }

const SUM_NAMES = [['s0', 's1'], ['t0', 't1']];

/** The WGSL of a segment kernel: its phases of sums, then `each` per element (with `off`). */
function segCode(arrays: Binding[], phases: Phase[], each: string): string {
  const parts = Math.max(1, ...phases.map((ph) => ph.sums.length));
  const body = phases.map((ph, k) => {
    if (ph.sums.length === 0) return `  ${ph.then}`;
    const names = SUM_NAMES[k];
    const acc = ph.sums.map((_, j) => `var a${j} = 0.0;`).join(' ');
    const add = ph.sums.map((e, j) => `a${j} = a${j} + (${e});`).join('\n    ');
    const store = ph.sums.map((_, j) => `part${j}[l.x] = a${j};`).join(' ');
    const fold = ph.sums.map((_, j) => `part${j}[l.x] = part${j}[l.x] + part${j}[l.x + w];`).join(' ');
    const read = ph.sums.map((_, j) => `let ${names[j]} = part${j}[0];`).join(' ');
    return `  {
  ${acc}
  for (var e = l.x; e < p.cnt; e += ${WG}u) {
    let off = at(row, e);
    ${add}
  }
  ${store}
  }
  workgroupBarrier();
  for (var w = ${WG / 2}u; w > 0u; w = w / 2u) {
    if (l.x < w) { ${fold} }
    workgroupBarrier();
  }
  ${read}
  workgroupBarrier();
  ${ph.then}`;
  }).join('\n');
  return `${bindings(arrays, FIELDS)}
${Array.from({ length: parts }, (_, j) => `var<workgroup> part${j}: array<f32, ${WG}>;`).join('\n')}
fn at(s: u32, e: u32) -> u32 { return s * p.segStride + (e / p.I) * p.aStride + e % p.I; }
fn st(off: u32) -> u32 { return (off / p.sDiv) % p.sMod; }
fn ch(off: u32) -> u32 { return (off / p.cDiv) % p.cMod; }
${ROW_MAIN}
${body}
  ${each ? `for (var e = l.x; e < p.cnt; e += ${WG}u) {
    let off = at(row, e);
    ${each}
  }` : ''}
}`;
}

/** Run a segment kernel: `reads` and `writes` as [WGSL name, tensor] in binding order. */
function runSeg(key: string, sg: Segments, ex: Extra, reads: [string, Tensor][], writes: [string, Tensor][], phases: Phase[], each: string): void {
  const p = uniform(20);
  const groups = rowGroups(sg.rows);
  p.u.set([sg.rows, groups[0], sg.segStride, sg.A, sg.aStride, sg.I, sg.A * sg.I, sg.sDiv, sg.sMod, sg.cDiv, sg.cMod,
    ex.xo ?? 0, ex.go ?? 0, ex.wo ?? 0, ex.bo ?? 0, ex.rmo ?? 0, ex.rvo ?? 0]);
  p.f[17] = ex.eps ?? 0; p.f[18] = ex.mom ?? 0;
  const arrays: Binding[] = [...reads.map(([n]): Binding => [n, 'f32']), ...writes.map(([n]): Binding => [n, 'f32', true])];
  const fullKey = `${key}:${arrays.map((a) => a[0]).join(',')}`;
  dispatch(fullKey, () => segCode(arrays, phases, each), reads.map((r) => r[1]), writes.map((w) => w[1]), p.buffer, groups);
}

const opt = (name: string, t: Tensor | null): [string, Tensor][] => (t ? [[name, t]] : []);
const wv = (w: Tensor | null) => (w ? 'W[p.wo + ch(off)]' : '1.0');
const bv = (b: Tensor | null) => (b ? 'B[p.bo + ch(off)]' : '0.0');
/** dense float32 operands on the GPU (null ones stay null), or null when one is not */
function denseAll(ts: (Tensor | null)[]): (Tensor | null)[] | null {
  if (!onGpuF32(...ts)) return null;
  const out = ts.map((t) => (t ? gpuDense(t) : null));
  return out.every((t, k) => t || !ts[k]) ? out : null;
}

/** A backward's dense operands: the incoming gradient, the input, the weight and the forward's statistics (at offset 0), or null. */
function backwardOperands(n: number, go: Tensor, input: Tensor, weight: Tensor | null, mean: Tensor, rstd: Tensor): [Tensor, Tensor, Tensor | null, Tensor, Tensor] | null {
  const d = n > 0 ? denseAll([go, input, weight, mean, rstd]) : null;
  if (!d || d[3]!.offset !== 0 || d[4]!.offset !== 0) return null;
  return d as [Tensor, Tensor, Tensor | null, Tensor, Tensor];
}

// ---- layer_norm ------------------------------------------------------------------------------------

const rowsOf = (M: number, N: number): Segments => ({ rows: M, segStride: N, A: 1, aStride: 0, I: N, sDiv: N, sMod: ALL, cDiv: 1, cMod: N });

/** layer_norm over rows of N: [out, mean, rstd] (mean/rstd [M]), or null. */
export function gpuLayerNorm(input: Tensor, weight: Tensor | null, bias: Tensor | null, M: number, N: number, eps: number): [Tensor, Tensor, Tensor] | null {
  const d = M * N > 0 ? denseAll([input, weight, bias]) : null;
  if (!d) return null;
  const [x, w, b] = d as [Tensor, Tensor | null, Tensor | null];
  const out = gpuOut(input.shape, dtypes.float32), mean = gpuOut([M], dtypes.float32), rstd = gpuOut([M], dtypes.float32);
  runSeg('norm:layer', rowsOf(M, N), { xo: x.offset, wo: w?.offset, bo: b?.offset, eps }, [['X', x], ...opt('W', w), ...opt('B', b)], [['Y', out], ['MEAN', mean], ['RSTD', rstd]], [
    { sums: ['X[p.xo + off]'], then: 'let mu = s0 / f32(p.cnt);' },
    { sums: ['(X[p.xo + off] - mu) * (X[p.xo + off] - mu)'], then: 'let rs = 1.0 / sqrt(t0 / f32(p.cnt) + p.eps);\n  if (l.x == 0u) { MEAN[row] = mu; RSTD[row] = rs; }' },
  ], `Y[off] = fma(fma(X[p.xo + off], rs, -rs * mu), ${wv(w)}, ${bv(b)});`);
  return [out, mean, rstd];
}

/** layer_norm's backward: [dx, dweight, dbias] as `mask` asks (dweight/dbias only with a weight), or null. */
export function gpuLayerNormBackward(go: Tensor, input: Tensor, weight: Tensor | null, mean: Tensor, rstd: Tensor, M: number, N: number, mask: boolean[]): (Tensor | null)[] | null {
  const d = backwardOperands(M * N, go, input, weight, mean, rstd);
  if (!d) return null;
  const [g, x, w, mu, rs] = d;
  const ex = { xo: x.offset, go: g.offset, wo: w?.offset };
  const stats: [string, Tensor][] = [['MEAN', mu], ['RSTD', rs]];
  let dx: Tensor | null = null;
  if (mask[0]) {
    dx = gpuOut(input.shape, dtypes.float32);
    const gw = `G[p.go + off] * ${wv(w)}`;
    runSeg('norm:layer_backward', rowsOf(M, N), ex, [['G', g], ['X', x], ...opt('W', w), ...stats], [['Y', dx]], [{
      sums: [`${gw} * X[p.xo + off]`, gw],
      then: `let a = RSTD[row];
  let m = MEAN[row];
  let scale = 1.0 / f32(p.cnt);
  let b = (((s1 * m - s0) * a) * a) * a * scale;
  let c = -b * m - s1 * a * scale;`,
    }], `Y[off] = fma(b, X[p.xo + off], a * ${gw}) + c;`);
  }
  let dw: Tensor | null = null, db: Tensor | null = null;
  if (weight && (mask[1] || mask[2])) {
    dw = gpuOut(weight.shape, dtypes.float32); db = gpuOut(weight.shape, dtypes.float32);
    const cols: Segments = { rows: N, segStride: 1, A: M, aStride: N, I: 1, sDiv: N, sMod: ALL, cDiv: 1, cMod: N };
    runSeg('norm:layer_backward_weight', cols, ex, [['G', g], ['X', x], ...stats], [['DW', dw], ['DB', db]], [{
      sums: ['G[p.go + off] * fma(RSTD[st(off)], X[p.xo + off], -RSTD[st(off)] * MEAN[st(off)])', 'G[p.go + off]'],
      then: 'if (l.x == 0u) { DW[row] = s0; DB[row] = s1; }',
    }], '');
  }
  return [dx, mask[1] ? dw : null, mask[2] ? db : null];
}

// ---- batch_norm ------------------------------------------------------------------------------------

const channelsOf = (Nb: number, C: number, HW: number, sDiv = HW, sMod = C): Segments => ({ rows: C, segStride: HW, A: Nb, aStride: C * HW, I: HW, sDiv, sMod, cDiv: HW, cMod: C });

/**
 * batch_norm over channels (dim 1) of [Nb, C, HW...]: [out, mean, invstd] ([C]): batch statistics with
 * running_mean / running_var (contiguous, when given) updated in place (training), or the running ones
 * (eval). null when it does not apply.
 */
export function gpuBatchNorm(input: Tensor, weight: Tensor | null, bias: Tensor | null, rm: Tensor | null, rv: Tensor | null, training: boolean, momentum: number, eps: number, Nb: number, C: number, HW: number): [Tensor, Tensor, Tensor] | null {
  if (Nb * C * HW === 0 || !onGpuF32(rm, rv) || (rm && !rm.isContiguous) || (rv && !rv.isContiguous) || (!training && (!rm || !rv))) return null;
  // the running statistics are written in place: two distinct storages, neither an operand
  if (training && rm && rv && rm.storage === rv.storage) return null;
  if (training && [input, weight, bias].some((t) => t && (t.storage === rm?.storage || t.storage === rv?.storage))) return null;
  const d = denseAll([input, weight, bias]);
  if (!d) return null;
  const [x, w, b] = d as [Tensor, Tensor | null, Tensor | null];
  const out = gpuOut(input.shape, dtypes.float32), mean = gpuOut([C], dtypes.float32), invstd = gpuOut([C], dtypes.float32);
  const ex: Extra = { xo: x.offset, wo: w?.offset, bo: b?.offset, rmo: rm?.offset, rvo: rv?.offset, eps, mom: momentum };
  const apply = `Y[off] = fma(X[p.xo + off], alpha, fma(-m, alpha, ${bv(b)}));`;
  const alpha = `let alpha = is * ${w ? 'W[p.wo + row]' : '1.0'};`;
  const ins: [string, Tensor][] = [['X', x], ...opt('W', w), ...opt('B', b)];
  if (!training) {
    runSeg('norm:batch_eval', channelsOf(Nb, C, HW), ex, [...ins, ['RM', rm!], ['RV', rv!]], [['Y', out], ['MEAN', mean], ['RSTD', invstd]], [{
      sums: [], then: `let m = RM[p.rmo + row];\n  let is = 1.0 / sqrt(RV[p.rvo + row] + p.eps);\n  ${alpha}\n  if (l.x == 0u) { MEAN[row] = m; RSTD[row] = is; }`,
    }], apply);
    return [out, mean, invstd];
  }
  const update = [
    rm ? 'RM[p.rmo + row] = p.mom * m + (1.0 - p.mom) * RM[p.rmo + row];' : '',
    rv ? 'RV[p.rvo + row] = p.mom * (t0 / f32(p.cnt - 1u)) + (1.0 - p.mom) * RV[p.rvo + row];' : '',
  ].join(' ');
  runSeg('norm:batch', channelsOf(Nb, C, HW), ex, ins, [['Y', out], ['MEAN', mean], ['RSTD', invstd], ...opt('RM', rm), ...opt('RV', rv)], [
    { sums: ['X[p.xo + off]'], then: 'let m = s0 / f32(p.cnt);' },
    {
      sums: ['(X[p.xo + off] - m) * (X[p.xo + off] - m)'],
      then: `let v = t0 / f32(p.cnt);
  let is = select(1.0 / sqrt(v + p.eps), 0.0, v == 0.0 && p.eps == 0.0);
  ${alpha}
  if (l.x == 0u) { MEAN[row] = m; RSTD[row] = is; ${update} }`,
    },
  ], apply);
  if (rm) rm.bumpVersion();
  if (rv) rv.bumpVersion();
  return [out, mean, invstd];
}

/** batch_norm's backward from the forward's mean / invstd ([C]): [dx, dweight, dbias] as `mask` asks, or null. */
export function gpuBatchNormBackward(go: Tensor, input: Tensor, weight: Tensor | null, mean: Tensor, invstd: Tensor, training: boolean, Nb: number, C: number, HW: number, mask: boolean[]): (Tensor | null)[] | null {
  const d = backwardOperands(Nb * C * HW, go, input, weight, mean, invstd);
  if (!d) return null;
  const [g, x, w, mu, is] = d;
  const dx = mask[0] ? gpuOut(input.shape, dtypes.float32) : null;
  const dw = mask[1] ? gpuOut([C], dtypes.float32) : null, db = mask[2] ? gpuOut([C], dtypes.float32) : null;
  const wc = w ? 'W[p.wo + row]' : '1.0';
  const each = !dx ? '' : training
    ? 'Y[off] = ((G[p.go + off] - gm) - (X[p.xo + off] - m) * k) * s * wc;'
    : 'Y[off] = G[p.go + off] * (s * wc);';
  const writes = [dw ? `DW[row] = t1 * s;` : '', db ? 'DB[row] = t0;' : ''].join(' ');
  const key = `norm:batch_backward:${training ? 'train' : 'eval'}`;
  runSeg(key, channelsOf(Nb, C, HW), { xo: x.offset, go: g.offset, wo: w?.offset }, [['G', g], ['X', x], ...opt('W', w), ['MEAN', mu], ['RSTD', is]],
    [...opt('Y', dx), ...opt('DW', dw), ...opt('DB', db)], [
      { sums: [], then: 'let m = MEAN[row];\n  let s = RSTD[row];' },
      {
        sums: ['G[p.go + off]', '(X[p.xo + off] - m) * G[p.go + off]'],
        then: `let wc = ${wc};
  let k = ((t1 * s) * s) / f32(p.cnt);
  let gm = t0 / f32(p.cnt);
  if (l.x == 0u) { ${writes} }`,
      },
    ], each);
  return [dx, dw, db];
}

// ---- group_norm ------------------------------------------------------------------------------------

/** group_norm of [N, C, HW...] in G groups: [out, mean, rstd] ([N·G]), or null. */
export function gpuGroupNorm(input: Tensor, weight: Tensor | null, bias: Tensor | null, N: number, C: number, HW: number, G: number, eps: number): [Tensor, Tensor, Tensor] | null {
  const d = N * C * HW > 0 ? denseAll([input, weight, bias]) : null;
  if (!d) return null;
  const [x, w, b] = d as [Tensor, Tensor | null, Tensor | null];
  const len = (C / G) * HW;
  const out = gpuOut(input.shape, dtypes.float32), mean = gpuOut([N * G], dtypes.float32), rstd = gpuOut([N * G], dtypes.float32);
  const sg: Segments = { rows: N * G, segStride: len, A: 1, aStride: 0, I: len, sDiv: len, sMod: ALL, cDiv: HW, cMod: C };
  const y = !w && !b ? '(X[p.xo + off] - mu) * rs' : `fma(rs * ${wv(w)}, X[p.xo + off], fma(-(rs * ${wv(w)}), mu, ${bv(b)}))`;
  runSeg('norm:group', sg, { xo: x.offset, wo: w?.offset, bo: b?.offset, eps }, [['X', x], ...opt('W', w), ...opt('B', b)], [['Y', out], ['MEAN', mean], ['RSTD', rstd]], [
    { sums: ['X[p.xo + off]'], then: 'let mu = s0 / f32(p.cnt);' },
    { sums: ['(X[p.xo + off] - mu) * (X[p.xo + off] - mu)'], then: 'let rs = 1.0 / sqrt(max(t0 / f32(p.cnt), 0.0) + p.eps);\n  if (l.x == 0u) { MEAN[row] = mu; RSTD[row] = rs; }' },
  ], `Y[off] = ${y};`);
  return [out, mean, rstd];
}

/** group_norm's backward from the forward's mean / rstd ([N·G]): [dx, dweight, dbias] as `mask` asks, or null. */
export function gpuGroupNormBackward(go: Tensor, input: Tensor, weight: Tensor | null, mean: Tensor, rstd: Tensor, N: number, C: number, HW: number, G: number, mask: boolean[]): (Tensor | null)[] | null {
  const d = backwardOperands(N * C * HW, go, input, weight, mean, rstd);
  if (!d) return null;
  const [g, x, w, mu, rs] = d;
  const len = (C / G) * HW;
  const ex = { xo: x.offset, go: g.offset, wo: w?.offset };
  const stats: [string, Tensor][] = [['MEAN', mu], ['RSTD', rs]];
  const xh = '(X[p.xo + off] - MEAN[st(off)]) * RSTD[st(off)]';
  let dx: Tensor | null = null;
  if (mask[0]) {
    dx = gpuOut(input.shape, dtypes.float32);
    const gw = `G[p.go + off] * ${wv(w)}`;
    const sg: Segments = { rows: N * G, segStride: len, A: 1, aStride: 0, I: len, sDiv: len, sMod: ALL, cDiv: HW, cMod: C };
    runSeg('norm:group_backward', sg, ex, [['G', g], ['X', x], ...opt('W', w), ...stats], [['Y', dx]], [
      { sums: [gw, `${gw} * ${xh}`], then: 'let inv = 1.0 / f32(p.cnt);' },
    ], `Y[off] = RSTD[row] * ((${gw} - s0 * inv) - ${xh} * s1 * inv);`);
  }
  let dw: Tensor | null = null, db: Tensor | null = null;
  if (mask[1] || mask[2]) {
    dw = mask[1] ? gpuOut([C], dtypes.float32) : null; db = mask[2] ? gpuOut([C], dtypes.float32) : null;
    const writes = [dw ? 'DW[row] = s0;' : '', db ? 'DB[row] = s1;' : ''].join(' ');
    runSeg('norm:group_backward_weight', channelsOf(N, C, HW, len, ALL), ex, [['G', g], ['X', x], ...stats], [...opt('DW', dw), ...opt('DB', db)], [
      { sums: [`G[p.go + off] * ${xh}`, 'G[p.go + off]'], then: `if (l.x == 0u) { ${writes} }` },
    ], '');
  }
  return [dx, dw, db];
}
