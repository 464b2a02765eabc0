// Exact fused multiply-add in JavaScript, and the bit views the RNG code shares.
//
// PyTorch's CPU kernels and glibc's libm are compiled with -mfma and GCC's default -ffp-contract=fast,
// so many `a * b + c` expressions in them are single-rounding FMAs. Reproducing their output bit for
// bit needs a correctly rounded fma, which JavaScript lacks; these emulate it exactly:
//  - fma64: Dekker's exact product, then Boldo & Melquiond's "round to odd" sum
//    (Emulation of FMA and correctly rounded sums, IEEE TC 2008), valid away from overflow/underflow.
//  - fma32: float32 inputs have 24-bit significands, so a * b is exact in a double; the sum is formed
//    in double with round-to-odd, which makes the final rounding to float32 correct.

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer); // little endian: U32[0] low word, U32[1] high word

/** the low and high 32-bit words of a double */
export function lowWord(x: number): number { F64[0] = x; return U32[0]; }
export function highWord(x: number): number { F64[0] = x; return U32[1]; }
/** a double from its two 32-bit words */
export function fromWords(hi: number, lo: number): number { U32[1] = hi; U32[0] = lo; return F64[0]; }

/** v nudged one ulp toward the sign of e when v's last significand bit is even (round to odd). */
function toOdd(v: number, e: number): number {
  F64[0] = v;
  const lo = U32[0];
  if ((lo & 1) !== 0) return v;
  // moving away from zero increments the magnitude's bit pattern, toward zero decrements it
  if ((e > 0) === (v > 0)) {
    U32[0] = lo + 1; // low bit was 0: no carry
  } else if (lo === 0) {
    U32[0] = 0xffffffff;
    U32[1] = U32[1] - 1;
  } else {
    U32[0] = lo - 1;
  }
  return F64[0];
}

const SPLIT = 134217729; // 2^27 + 1

/** fma(a, b, c) = a * b + c with a single rounding (finite, non-extreme operands). */
export function fma64(a: number, b: number, c: number): number {
  const p = a * b;
  if (!Number.isFinite(p) || p === 0 || !Number.isFinite(c)) return p + c;
  // exact product p + pl (Dekker / Veltkamp)
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  const pl = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  // th + tl = c + p exactly
  const th = c + p;
  const bb = th - c;
  const tl = (c - (th - bb)) + (p - bb);
  // v = round_to_odd(tl + pl)
  let v = tl + pl;
  const bv = v - tl;
  const ve = (tl - (v - bv)) + (pl - bv);
  if (ve !== 0 && v !== 0) v = toOdd(v, ve);
  return th + v;
}

/** fmaf(a, b, c) for float32 a, b, c, rounded once to float32. */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b; // exact: 24 + 24 bits
  let s = p + c;
  const bs = s - p;
  const e = (p - (s - bs)) + (c - bs);
  if (e !== 0 && s !== 0 && Number.isFinite(s)) s = toOdd(s, e);
  return Math.fround(s);
}

const MIN_NORMAL32 = 1.1754943508222875e-38;

/**
 * out[oo + i] = fma32(al, y[yo + i], x[xo + i]) for i < n, fast: the sum is formed once in double and
 * rounded to float32, which is the single rounding fma32 gives unless the double landed exactly on a
 * float32 midpoint (low 29 significand bits 1000…0) or below float32's normal range; only those
 * elements take the exact path. (A double nearer the true value than a midpoint cannot have a float32
 * midpoint between itself and that value, so no other case rounds differently.)
 */
export function axpy32(n: number, al: number, y: ArrayLike<number>, yo: number, x: ArrayLike<number>, xo: number, out: { [i: number]: number }, oo: number): void {
  for (let i = 0; i < n; i++) {
    const yi = y[yo + i], xi = x[xo + i];
    const s = al * yi + xi;
    F64[0] = s;
    if ((U32[0] & 0x1fffffff) !== 0x10000000 && (s >= MIN_NORMAL32 || s <= -MIN_NORMAL32 || s === 0)) out[oo + i] = Math.fround(s);
    else out[oo + i] = fma32(al, yi, xi);
  }
}
