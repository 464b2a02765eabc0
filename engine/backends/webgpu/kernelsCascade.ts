// float32 sum / mean / nansum on the webgpu device, bit for bit the CPU engine's cascadeSum
// (engine/backends/cpu/reduce.ts, PyTorch 1.13's CPU cascade_sum): the same layout (reduceLayout: dims
// reordered and coalesced as TensorIterator does, split into 2-D pieces by forEach2d), the same case per
// piece (contiguous inner reduction: 8 lanes × 4 columns + scalar tail; contiguous outer reduction: 32
// plain cascades, then row sums; strided rows: row sums, or 4 plain cascades then row sums; no reduced
// dim: out += in), and every float32 addition in the CPU's order. WGSL f32 additions are IEEE float32
// round-to-nearest; there are no multiplications to fuse, and each sum is its own addition.
//
// Work split (all exact, see engine/backends/cpu/simd.ts cascadeBlocks for why cascade blocks of step³
// rows are independent):
//   'unit': one contribution of the CPU's put(j, v) (a row's value), or one element for a piece without a
//     reduced dim. A unit's row is cascaded in columns (1, 4 or 32 of them).
//   pass A (reduce:cascade:part, when useful): one thread per (unit, column, block): each block of step³
//     rows from a zeroed state (its level-2 sum), and the column's tail after the last whole block.
//   pass B (one thread per unit): the blocks folded in order into level 3, the column sums combined as
//     the CPU combines them; written to the output (out = +0 + v) when each output gets one unit, else to
//     a scratch buffer.
//   pass C (reduce:sum / reduce:nansum fold): per output, its units added into +0 in the CPU's order.
// Mean divides the sum by the reduced count, correctly rounded (divExact: integer long division).
// Returns null (the op then runs on the CPU) when it does not apply: not float32 on the GPU, negative
// strides, more than 8 iteration dims, a mean over more than 2^24 elements (not an f32 divisor).
import { dtypes } from '../../dtype';
import { numel } from '../../shape';
import { Tensor } from '../../tensor';
import { cascadePower, reduceLayout } from '../cpu/reduce';
import { WG, WGSL_ISNAN, bindings, dispatch, flatDispatch, gpuOut, onGpuF32, uniform } from './common';

const MAXD = 8;
/** Pass A runs when blocks exist, or when a unit has several columns and this many (unit, column) jobs at most. */
const PAR_COLS = 2 ** 20;
const MAX_PARTIALS = 2 ** 26;

/** Column kinds: C a plain cascade of the row, R rowSum's 4 columns, I the 8-lane inner row's 32 columns, E one element. */
const C = 0, R = 1, I = 2, E = 3;
const NCOLS = [1, 4, 32, 0];

/**
 * sum (kind 'sum') or mean of float32 `x` over the dims flagged in `reduced`, NaN counted as 0 when
 * `ignoreNan` (nansum), shaped `outShape`; bit for bit the CPU engine's cascadeSum (mean: then divided
 * by the count in float32). null when it does not apply.
 */
export function gpuCascadeSum(x: Tensor, reduced: readonly boolean[], outShape: readonly number[], kind: 'sum' | 'mean', ignoreNan = false): Tensor | null {
  if (!onGpuF32(x)) return null;
  let nOut = 1, nRed = 1;
  x.shape.forEach((s, d) => { if (reduced[d]) nRed *= s; else nOut *= s; });
  if (numel(outShape) !== nOut) return null;
  if (kind === 'mean' && nRed > 2 ** 24) return null;
  if (x.strides.some((s) => s < 0) || x.storage.length >= 2 ** 31) return null;
  const res = gpuOut(outShape, dtypes.float32);
  if (nOut === 0) return res;
  const family = ignoreNan ? 'reduce:nansum' : 'reduce:sum';
  const scale = kind === 'mean' ? nRed : 1;
  if (x.numel() === 0) {
    // nothing to add: +0 (mean: 0 / 0)
    const dummy = gpuOut([1], dtypes.float32);
    fold(family, dummy, res, [[nOut, 0, 1]], [], scale);
    return res;
  }
  const L = reduceLayout(x, reduced);
  let [size0, size1] = L.shape, [os0, os1] = L.out, [is0, is1] = L.inp;
  if (os0 !== 0 && os1 === 0) { [os0, os1] = [os1, os0]; [is0, is1] = [is1, is0]; [size0, size1] = [size1, size0]; }
  const pieces = L.shape.slice(2).map((s, k) => [s, L.inp[k + 2], L.out[k + 2]]);
  if (pieces.length > MAXD) return null;
  // the case of cascadeSum's per-piece loop (same for every piece), and units j < jc of kind C
  let kcase: number, jc = 0;
  if (os0 !== 0 && os1 !== 0) kcase = 1;
  else if (is0 === 1 && size0 >= 8) kcase = 2;
  else if (is1 === 1 && size1 >= 8) { kcase = 3; jc = Math.floor(size1 / 32) * 32; }
  else if (is0 < is1) kcase = 4;
  else { kcase = 5; jc = Math.floor(size1 / 4) * 4; }
  const kinds = kcase === 1 ? [E] : kcase === 2 ? [I] : kcase === 4 ? [R] : [...(jc > 0 ? [C] : []), ...(jc < size1 ? [R] : [])];
  const colRows = [size0, Math.floor(size0 / 4), Math.floor(Math.floor(size0 / 8) / 4), 0];
  const lp = colRows.map((n) => cascadePower(n));
  const nb = colRows.map((n, k) => Math.floor(n / 2 ** (3 * lp[k])));
  const cols = Math.max(...kinds.map((k) => NCOLS[k]));
  const S = 1 + Math.max(...kinds.map((k) => (k === E ? 0 : nb[k])));
  // units, in the CPU's order (element i fastest for case 1, then j, then the pieces: first dim fastest)
  const unitDims: [number, number][] = (kcase === 1 ? [[size0, os0], [size1, os1]] : [[size1, os1]]) as [number, number][];
  for (const [s, , o] of pieces) unitDims.push([s, o]);
  const nUnits = unitDims.reduce((a, [s]) => a * s, 1);
  const kept: [number, number, number][] = [], red: [number, number][] = [];
  let us = 1;
  for (const [s, o] of unitDims) {
    if (s > 1) { if (o !== 0) kept.push([s, us, o]); else red.push([s, us]); }
    us *= s;
  }
  if (kept.length > MAXD || red.length > MAXD) return null;
  const direct = red.length === 0;
  const partials = cols > 0 && (S > 1 || (cols > 1 && nUnits * cols <= PAR_COLS));
  if (partials && nUnits * cols * S > MAX_PARTIALS) return null;

  const p = uniform(52);
  p.u.set([0, 0, kcase, ignoreNan ? 1 : 0, x.offset, size0, size1, is0, is1, os0, os1, jc, S, cols, direct ? 1 : 0, pieces.length]);
  p.f[16] = 0; p.f[17] = scale; p.u[18] = kind === 'mean' && direct ? 1 : 0; p.u[19] = partials ? 1 : 0;
  p.u.set(lp, 20); p.u.set(nb, 24);
  pieces.forEach(([s, i, o], d) => { p.u[28 + d] = s; p.u[36 + d] = i; p.u[44 + d] = o; });
  const nanKey = ignoreNan ? 'nan' : 'num';

  let part = gpuOut([1], dtypes.float32);
  if (partials) {
    const jobs = nUnits * cols * S;
    part = gpuOut([jobs], dtypes.float32);
    const { groups, w } = flatDispatch(jobs);
    p.u[0] = jobs; p.u[1] = w;
    dispatch(`reduce:cascade:part:${nanKey}`, () => cascadeCode('part'), [x], [part], p.buffer.slice(0), groups);
  }
  const units = direct ? res : gpuOut([nUnits], dtypes.float32);
  {
    const { groups, w } = flatDispatch(nUnits);
    p.u[0] = nUnits; p.u[1] = w;
    dispatch(`${direct ? family : 'reduce:cascade'}:unit:${nanKey}`, () => cascadeCode('unit'), [x, part], [units], p.buffer, groups);
  }
  if (!direct) fold(family, units, res, kept, red, scale);
  return res;
}

/**
 * Pass C: res[o] = ((+0 + U[u0]) + U[u1]) + ... over the units of each output (kept: [size, unit stride,
 * out stride]; red: [size, unit stride], first fastest), divided by `scale` when it is not 1.
 */
function fold(family: string, units: Tensor, res: Tensor, kept: [number, number, number][], red: [number, number][], scale: number): void {
  const n = numel(res.shape);
  const { groups, w } = flatDispatch(n);
  const p = uniform(48);
  p.u.set([n, w, kept.length, red.length]);
  p.f[4] = 0; p.f[5] = scale; p.u[6] = scale !== 1 ? 1 : 0;
  kept.forEach(([s, u, o], d) => { p.u[8 + d] = s; p.u[16 + d] = u; p.u[24 + d] = o; });
  // WGSL walk() is row-major (last fastest): the reduced dims go in reversed
  red.slice().reverse().forEach(([s, u], d) => { p.u[32 + d] = s; p.u[40 + d] = u; });
  dispatch(`${family}:fold`, foldCode, [units], [res], p.buffer, groups);
}

const at = (a: string, d: string) => `${a}[${d} / 4u][${d} % 4u]`;

/**
 * WGSL divExact(a, b): a / b correctly rounded (round to nearest even) for b an integer in [1, 2^24] —
 * what the CPU's Math.fround(a / n) gives (the double quotient rounds to the same float32 for such n) —
 * without relying on the device's f32 division (WGSL allows 2.5 ULP): a's significand divided by b bit
 * by bit in u32 until the quotient has 27 bits, then rounded with the remainder as sticky bit (subnormal
 * results too). NaN, ±inf, ±0 and b = 1 give a; b = 0 (an empty mean) gives a / b (NaN).
 */
const WGSL_DIV_EXACT = `fn divExact(a: f32, b: f32) -> f32 {
  let bits = bitcast<u32>(a);
  let e = (bits >> 23u) & 255u;
  if (b == 0.0) { return a / b; }
  if (e == 255u || (bits & 0x7fffffffu) == 0u || b == 1.0) { return a; }
  let bi = u32(b);
  let sign = bits & 0x80000000u;
  var ma = bits & 0x7fffffu;
  var ea = -149;
  if (e != 0u) { ma = ma | 0x800000u; ea = i32(e) - 150; }
  // q = floor(ma * 2^s / bi), rem the remainder, with 2^26 <= q < 2^27
  var q = 0u;
  var rem = 0u;
  var s = 0;
  var k = 23;
  for (var it = 0; it < 200; it++) {
    if (q >= (1u << 26u)) { break; }
    var bit = 0u;
    if (k >= 0) { bit = (ma >> u32(k)) & 1u; k--; } else { s++; }
    rem = (rem << 1u) | bit;
    q = q << 1u;
    if (rem >= bi) { rem -= bi; q = q | 1u; }
  }
  // a / b = (q + rem / bi) * 2^(ea - s) = 1.f * 2^E
  let E = ea - s + 26;
  var d = 3u;
  if (E < -126) {
    let dd = -126 - E + 3;
    if (dd > 30) { return bitcast<f32>(sign); }
    d = u32(dd);
  }
  var keep = q >> d;
  let low = q & ((1u << d) - 1u);
  let half = 1u << (d - 1u);
  if (low > half || (low == half && (rem != 0u || (keep & 1u) == 1u))) { keep += 1u; }
  if (d > 3u) { return bitcast<f32>(sign | keep); }
  var E2 = E;
  if (keep == (1u << 24u)) { keep = 1u << 23u; E2 += 1; }
  return bitcast<f32>(sign | (u32(E2 + 127) << 23u) | (keep & 0x7fffffu));
}`;

function foldCode(): string {
  return `${bindings([['U', 'f32'], ['Y', 'f32', true]], `n: u32, w: u32, kd: u32, rd: u32, zero: f32, scale: f32, mean: u32, pad: u32,
  ks: array<vec4<u32>, 2>, kus: array<vec4<u32>, 2>, kos: array<vec4<u32>, 2>, rs: array<vec4<u32>, 2>, rus: array<vec4<u32>, 2>`)}
${WGSL_DIV_EXACT}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * p.w;
  if (t >= p.n) { return; }
  var q = t;
  var ub = 0u;
  var o = 0u;
  for (var d = 0u; d < p.kd; d++) {
    let s = ${at('p.ks', 'd')};
    let c = q % s;
    q = q / s;
    ub += c * ${at('p.kus', 'd')};
    o += c * ${at('p.kos', 'd')};
  }
  var nr = 1u;
  for (var d = 0u; d < p.rd; d++) { nr *= ${at('p.rs', 'd')}; }
  var acc = p.zero;
  for (var r = 0u; r < nr; r++) {
    var rem = r;
    var off = ub;
    for (var d = i32(p.rd) - 1; d >= 0; d--) {
      let s = p.rs[d / 4][d % 4];
      off += (rem % s) * p.rus[d / 4][d % 4];
      rem = rem / s;
    }
    acc = acc + U[off];
  }
  if (p.mean != 0u) { acc = divExact(acc, p.scale); }
  Y[o] = acc;
}`;
}

/** Pass A ('part') or pass B ('unit') of the cascade sum. */
function cascadeCode(pass: 'part' | 'unit'): string {
  const arrays: [string, string, boolean?][] = pass === 'part' ? [['X', 'f32'], ['PB', 'f32', true]] : [['X', 'f32'], ['PB', 'f32'], ['O', 'f32', true]];
  return `${bindings(arrays, `n: u32, w: u32, kcase: u32, nan: u32,
  off: u32, size0: u32, size1: u32, is0: u32,
  is1: u32, os0: u32, os1: u32, jc: u32,
  S: u32, cols: u32, direct: u32, pd: u32,
  zero: f32, scale: f32, mean: u32, partials: u32,
  lp: vec4<u32>, nb: vec4<u32>,
  ps: array<vec4<u32>, 2>, pis: array<vec4<u32>, 2>, pos: array<vec4<u32>, 2>`)}
${WGSL_ISNAN}
${WGSL_DIV_EXACT}
/** an element (nansum: NaN as +0) */
fn ld(k: u32) -> f32 {
  let v = X[k];
  if (p.nan != 0u && isnan(v)) { return p.zero; }
  return v;
}
struct Unit { ib: u32, ob: u32, kind: u32 }
/** unit u: its row's first element, its output index, its column kind */
fn unitOf(u: u32) -> Unit {
  var q = u;
  var i = 0u;
  if (p.kcase == 1u) { i = q % p.size0; q = q / p.size0; }
  let j = q % p.size1;
  q = q / p.size1;
  var ib = p.off;
  var ob = 0u;
  for (var d = 0u; d < p.pd; d++) {
    let s = ${at('p.ps', 'd')};
    let c = q % s;
    q = q / s;
    ib += c * ${at('p.pis', 'd')};
    ob += c * ${at('p.pos', 'd')};
  }
  var kind = ${R}u;
  if (p.kcase == 1u) { kind = ${E}u; }
  else if (p.kcase == 2u) { kind = ${I}u; }
  else if (p.kcase != 4u && j < p.jc) { kind = ${C}u; }
  return Unit(ib + j * p.is1 + i * p.is0, ob + j * p.os1 + i * p.os0, kind);
}
struct Col { start: u32, stride: u32, n: u32 }
/** column c of a unit of kind \`kind\` whose row starts at b */
fn colOf(kind: u32, b: u32, c: u32) -> Col {
  if (kind == ${C}u) { return Col(b, p.is0, p.size0); }
  if (kind == ${R}u) { return Col(b + c * p.is0, 4u * p.is0, p.size0 / 4u); }
  return Col(b + c, 32u, (p.size0 / 8u) / 4u);
}
/**
 * cascade levels 0..2 of rows [i0, i1) of a column from +0, with the flush points of the absolute row
 * index i (a block of step³ rows ends with levels 0 and 1 at +0: its level 2 is what the block adds to
 * level 3; the tail after the last whole block never reaches a level-3 flush)
 */
fn run(col: Col, i0: u32, i1: u32, lp: u32) -> vec3<f32> {
  let step = 1u << lp;
  let m1 = (step - 1u) << lp;
  var a0 = p.zero;
  var a1 = p.zero;
  var a2 = p.zero;
  var i = i0;
  var k = col.start + i0 * col.stride;
  loop {
    if (i + step > i1) { break; }
    for (var j = 0u; j < step; j++) {
      a0 = a0 + ld(k);
      k += col.stride;
    }
    i += step;
    a1 = a1 + a0;
    a0 = p.zero;
    if ((i & m1) == 0u) {
      a2 = a2 + a1;
      a1 = p.zero;
    }
  }
  for (; i < i1; i++) {
    a0 = a0 + ld(k);
    k += col.stride;
  }
  return vec3<f32>(a0, a1, a2);
}
/** block k of a column (k < nb: its level 2), or its tail (k == nb: ((a0 + a1) + a2)) */
fn block(col: Col, k: u32, nb: u32, lp: u32) -> f32 {
  let B = 1u << (3u * lp);
  if (k < nb) { return run(col, k * B, k * B + B, lp).z; }
  let r = run(col, nb * B, col.n, lp);
  let s = r.x + r.y;
  return s + r.z;
}
${pass === 'part' ? partMain() : unitMain()}`;
}

function partMain(): string {
  return `@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * p.w;
  if (t >= p.n) { return; }
  let c = t % p.cols;
  let k = (t / p.cols) % p.S;
  let un = unitOf(t / (p.cols * p.S));
  var nc = array<u32, 4>(1u, 4u, 32u, 0u);
  if (c >= nc[un.kind]) { return; }
  let nb = p.nb[un.kind];
  if (k > nb) { return; }
  PB[t] = block(colOf(un.kind, un.ib, c), k, nb, p.lp[un.kind]);
}`;
}

function unitMain(): string {
  return `/** cascade() of column c of unit u: its blocks folded into level 3 in order, then the tail's levels */
fn colSum(u: u32, kind: u32, b: u32, c: u32) -> f32 {
  let nb = p.nb[kind];
  let lp = p.lp[kind];
  let col = colOf(kind, b, c);
  var a3 = p.zero;
  var s: f32;
  if (p.partials != 0u) {
    let base = u * p.S * p.cols + c;
    for (var k = 0u; k < nb; k++) { a3 = a3 + PB[base + k * p.cols]; }
    s = PB[base + nb * p.cols];
  } else {
    for (var k = 0u; k < nb; k++) { a3 = a3 + block(col, k, nb, lp); }
    s = block(col, nb, nb, lp);
  }
  return s + a3;
}
/** rowSum: 4 columns, the tail into p0, then ((p0 + p1) + p2) + p3 */
fn rowSum(u: u32, b: u32) -> f32 {
  var p0 = colSum(u, ${R}u, b, 0u);
  let p1 = colSum(u, ${R}u, b, 1u);
  let p2 = colSum(u, ${R}u, b, 2u);
  let p3 = colSum(u, ${R}u, b, 3u);
  for (var i = (p.size0 / 4u) * 4u; i < p.size0; i++) { p0 = p0 + ld(b + i * p.is0); }
  let s01 = p0 + p1;
  let s012 = s01 + p2;
  return s012 + p3;
}
/** the contiguous inner row: the scalar tail, then the 8 lanes' row sums (4 columns each) in order */
fn innerSum(u: u32, b: u32) -> f32 {
  let nv = p.size0 / 8u;
  let n = nv / 4u;
  var fin = p.zero;
  for (var k = nv * 8u; k < p.size0; k++) { fin = fin + ld(b + k); }
  var cs: array<f32, 32>;
  for (var c = 0u; c < 32u; c++) { cs[c] = colSum(u, ${I}u, b, c); }
  for (var l = 0u; l < 8u; l++) {
    var p0 = cs[l];
    for (var i = n * 4u; i < nv; i++) { p0 = p0 + ld(b + l + i * 8u); }
    let s01 = p0 + cs[l + 8u];
    let s012 = s01 + cs[l + 16u];
    let lane = s012 + cs[l + 24u];
    fin = fin + lane;
  }
  return fin;
}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let u = gid.x + gid.y * p.w;
  if (u >= p.n) { return; }
  let un = unitOf(u);
  var v: f32;
  if (un.kind == ${E}u) { v = ld(un.ib); }
  else if (un.kind == ${C}u) { v = colSum(u, ${C}u, un.ib, 0u); }
  else if (un.kind == ${R}u) { v = rowSum(u, un.ib); }
  else { v = innerSum(u, un.ib); }
  if (p.direct != 0u) {
    var y = p.zero + v;
    if (p.mean != 0u) { y = divExact(y, p.scale); }
    O[un.ob] = y;
  } else {
    O[u] = v;
  }
}`;
}
