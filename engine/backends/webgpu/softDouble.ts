// IEEE double arithmetic in WGSL (which has no f64) for the few places where the CPU accumulates in double
// and the result shows it: a double is vec2<u32>(low word, high word) of its bits, and each operation is
// correctly rounded (to nearest, ties to even) as the hardware's would be. Only what those places need:
// float32 → double (exact), a + b, a / k for an integer 1 ≤ k < 2^31, double → float32. Operands are
// finite; results are normal or zero (sums and quotients of float32 values by such k never reach the
// double subnormal or overflow ranges); callers handle inf / NaN themselves. Internally a value is
// (sign, unbiased exponent, 53-bit significand m with m's bit 52 set) and sums carry 3 more bits (guard,
// round, sticky). Used by kernelsStats.ts (var_mean's Welford mean).

export const SOFT_DOUBLE_WGSL = `fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> { let lo = a.x + b.x; return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x)); }
fn sub64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> { return vec2<u32>(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x)); }
fn lt64(a: vec2<u32>, b: vec2<u32>) -> bool { return a.y < b.y || (a.y == b.y && a.x < b.x); }
fn shl64(a: vec2<u32>, s: u32) -> vec2<u32> {
  if (s == 0u) { return a; }
  if (s >= 32u) { return vec2<u32>(0u, a.x << (s - 32u)); }
  return vec2<u32>(a.x << s, (a.y << s) | (a.x >> (32u - s)));
}
/** a >> s, the bits shifted out ORed into bit 0 (sticky) */
fn shr64s(a: vec2<u32>, s: u32) -> vec2<u32> {
  if (s == 0u) { return a; }
  if (s >= 64u) { return vec2<u32>(select(0u, 1u, (a.x | a.y) != 0u), 0u); }
  var r: vec2<u32>;
  var lost: bool;
  if (s >= 32u) {
    let t = s - 32u;
    r = vec2<u32>(select(a.y >> t, a.y, t == 0u), 0u);
    lost = a.x != 0u || (t != 0u && (a.y << (32u - t)) != 0u);
  } else {
    r = vec2<u32>((a.x >> s) | (a.y << (32u - s)), a.y >> s);
    lost = (a.x << (32u - s)) != 0u;
  }
  return vec2<u32>(r.x | select(0u, 1u, lost), r.y);
}
fn clz64(a: vec2<u32>) -> u32 { return select(countLeadingZeros(a.y), 32u + countLeadingZeros(a.x), a.y == 0u); }
fn dzero(d: vec2<u32>) -> bool { return d.x == 0u && (d.y & 0x7fffffffu) == 0u; }
fn dexp(d: vec2<u32>) -> i32 { return i32((d.y >> 20u) & 0x7ffu) - 1023; }
fn dman(d: vec2<u32>) -> vec2<u32> { return vec2<u32>(d.x, (d.y & 0xfffffu) | 0x100000u); }
/** round m (56 bits: 53 and guard / round / sticky, bit 55 set) to 53 and pack with sign s and exponent e */
fn dround(s: u32, e0: i32, m0: vec2<u32>) -> vec2<u32> {
  let g = m0.x & 7u;
  var m = shr64s(vec2<u32>(m0.x & ~7u, m0.y), 3u);
  var e = e0;
  if (g > 4u || (g == 4u && (m.x & 1u) == 1u)) { m = add64(m, vec2<u32>(1u, 0u)); }
  if (m.y == 0x200000u) { m = vec2<u32>((m.x >> 1u) | (m.y << 31u), m.y >> 1u); e++; }
  return vec2<u32>(m.x, (s << 31u) | (u32(e + 1023) << 20u) | (m.y & 0xfffffu));
}
fn f2d(x: f32) -> vec2<u32> {
  let b = bitcast<u32>(x);
  let s = b & 0x80000000u;
  let e = (b >> 23u) & 0xffu;
  var m = b & 0x7fffffu;
  if (e == 0u && m == 0u) { return vec2<u32>(0u, s); }
  var ex = i32(e) - 127;
  if (e == 0u) {
    let top = 31u - countLeadingZeros(m);
    ex = i32(top) - 149;
    m = (m << (23u - top)) & 0x7fffffu;
  }
  return vec2<u32>(m << 29u, s | (u32(ex + 1023) << 20u) | (m >> 3u));
}
fn dadd(a0: vec2<u32>, b0: vec2<u32>) -> vec2<u32> {
  if (dzero(a0) && dzero(b0)) { return vec2<u32>(0u, a0.y & b0.y & 0x80000000u); }
  if (dzero(a0)) { return b0; }
  if (dzero(b0)) { return a0; }
  var a = a0;
  var b = b0;
  if (dexp(a) < dexp(b) || (dexp(a) == dexp(b) && lt64(dman(a), dman(b)))) { a = b0; b = a0; }
  var e = dexp(a);
  let ma = shl64(dman(a), 3u);
  let mb = shr64s(shl64(dman(b), 3u), u32(e - dexp(b)));
  var m: vec2<u32>;
  if ((a.y >> 31u) == (b.y >> 31u)) {
    m = add64(ma, mb);
    if ((m.y >> 24u) != 0u) { m = shr64s(m, 1u); e++; }
  } else {
    m = sub64(ma, mb);
    if ((m.x | m.y) == 0u) { return vec2<u32>(0u, 0u); }
    let z = clz64(m) - 8u;
    m = shl64(m, z);
    e -= i32(z);
  }
  return dround(a.y >> 31u, e, m);
}
fn ddivu(a: vec2<u32>, k: u32) -> vec2<u32> {
  if (dzero(a) || k == 1u) { return a; }
  let n = dman(a);
  let sh = 35u - countLeadingZeros(k);
  var r = 0u;
  var q = vec2<u32>(0u, 0u);
  for (var i = 0u; i < 53u + sh; i++) {
    var bit = 0u;
    if (i < 53u) { let j = 52u - i; bit = select((n.x >> j) & 1u, (n.y >> (j - 32u)) & 1u, j >= 32u); }
    r = (r << 1u) | bit;
    q = shl64(q, 1u);
    if (r >= k) { r -= k; q.x = q.x | 1u; }
  }
  var e = dexp(a) + 3 - i32(sh);
  if ((q.y >> 24u) != 0u) { q = shr64s(q, 1u); e++; }
  q.x = q.x | select(0u, 1u, r != 0u);
  return dround(a.y >> 31u, e, q);
}
fn d2f(d: vec2<u32>) -> f32 {
  let s = d.y & 0x80000000u;
  if (dzero(d)) { return bitcast<f32>(s); }
  var e = dexp(d);
  let m = dman(d);
  if (e >= -126) {
    var t = (m.y << 3u) | (m.x >> 29u);
    let rem = m.x & 0x1fffffffu;
    if (rem > 0x10000000u || (rem == 0x10000000u && (t & 1u) == 1u)) { t++; }
    if (t == 0x1000000u) { t = t >> 1u; e++; }
    return bitcast<f32>(s | (u32(e + 127) << 23u) | (t & 0x7fffffu));
  }
  let t = shr64s(m, u32(-97 - e) - 2u);
  let g = t.x & 3u;
  var q = (t.x >> 2u) | (t.y << 30u);
  if (g > 2u || (g == 2u && (q & 1u) == 1u)) { q++; }
  return bitcast<f32>(s | q);
}`;
