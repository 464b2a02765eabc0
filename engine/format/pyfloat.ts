// Python's float formatting, exactly: repr(float), '{:.Nf}'.format(x) and '{:.Ne}'.format(x).
// CPython rounds the EXACT binary value half-to-even (dtoa). JS toFixed/toExponential round exact
// ties up and toFixed switches to exponent form at 1e21, so those are used only where they cannot
// differ (no possible tie, in range); everything else goes through exact BigInt arithmetic.

const view = new DataView(new ArrayBuffer(8));

/** |x| = m * 2^e with m, e integers (x finite). */
function decompose(x: number): { m: bigint; e: number } {
  view.setFloat64(0, x);
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (bexp === 0) return { m: frac, e: -1074 };
  return { m: frac | (1n << 52n), e: bexp - 1075 };
}

/** |x| as an exact fraction num/den. */
function toFraction(a: number): [bigint, bigint] {
  const { m, e } = decompose(a);
  return e >= 0 ? [m << BigInt(e), 1n] : [m, 1n << BigInt(-e)];
}

const pow10Cache: bigint[] = [1n];
function pow10(n: number): bigint {
  while (pow10Cache.length <= n) pow10Cache.push(pow10Cache[pow10Cache.length - 1] * 10n);
  return pow10Cache[n];
}

function divRoundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r2 = 2n * (num - q * den);
  return r2 > den || (r2 === den && (q & 1n) === 1n) ? q + 1n : q;
}

/** '{:.pf}' of a finite non-negative a, without the sign. */
function fixedAbs(a: number, p: number, exact = false): string {
  if (!exact && Number.isSafeInteger(a)) return p === 0 ? String(a) : `${a}.${'0'.repeat(p)}`;
  // A tie needs 2·a·10^p to be an odd integer, so a·2^(p+1) must be an integer.
  if (!exact && p <= 100 && a < 1e21 && !Number.isInteger(a * 2 ** (p + 1))) return a.toFixed(p);
  const [num, den] = toFraction(a);
  let s = divRoundHalfEven(num * pow10(p), den).toString();
  if (p === 0) return s;
  if (s.length <= p) s = '0'.repeat(p + 1 - s.length) + s;
  return `${s.slice(0, -p)}.${s.slice(-p)}`;
}

/** p+1 significant digits and the decimal exponent of a finite non-negative a ('{:.pe}'). */
function expAbs(a: number, p: number, exact = false): { digits: string; exp: number } {
  if (a === 0) return { digits: '0'.repeat(p + 1), exp: 0 };
  const kEst = Math.floor(Math.log10(a));
  if (!exact && p <= 100 && !Number.isInteger(a) && !Number.isInteger(a * 2 ** Math.max(0, p - kEst + 2))) {
    const s = a.toExponential(p);
    const i = s.indexOf('e');
    return { digits: s.slice(0, i).replace('.', ''), exp: Number(s.slice(i + 1)) };
  }
  const [num, den] = toFraction(a);
  const atLeast = (k: number) => (k >= 0 ? num >= den * pow10(k) : num * pow10(-k) >= den);
  let k = kEst;
  while (!atLeast(k)) k--;
  while (atLeast(k + 1)) k++;
  const s = p - k;
  const q = s >= 0 ? divRoundHalfEven(num * pow10(s), den) : divRoundHalfEven(num, den * pow10(-s));
  let digits = q.toString();
  if (digits.length > p + 1) { digits = digits.slice(0, p + 1); k++; } // rounded up to 10^(p+1)
  return { digits, exp: k };
}

function nonFinite(x: number): string {
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
}

function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}

function expSuffix(k: number): string {
  const a = Math.abs(k);
  return `e${k < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
}

/** Python's format(x, '.{p}f'). `exact` forces the BigInt path (tests compare it with the fast one). */
export function pyFormatFixed(x: number, p: number, exact = false): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  return signOf(x) + fixedAbs(Math.abs(x), p, exact);
}

/** Python's format(x, '.{p}e'). `exact` forces the BigInt path. */
export function pyFormatExp(x: number, p: number, exact = false): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const { digits, exp } = expAbs(Math.abs(x), p, exact);
  const mant = p === 0 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return signOf(x) + mant + expSuffix(exp);
}

/** Python's repr(float) / str(float): shortest round-trip digits, fixed for 1e-4 <= |x| < 1e16. */
export function formatPyFloat(x: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // JS toString gives the same shortest (closest on ties) digits; only the layout differs.
  const js = Math.abs(x).toString();
  const ei = js.indexOf('e');
  const mant = ei < 0 ? js : js.slice(0, ei);
  const e10 = ei < 0 ? 0 : Number(js.slice(ei + 1));
  const dot = mant.indexOf('.');
  const intLen = dot < 0 ? mant.length : dot;
  let digits = mant.replace('.', '');
  let decpt = intLen + e10; // value = 0.digits × 10^decpt
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead).replace(/0+$/, '');
  decpt -= lead;
  const n = digits.length;
  let body: string;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) body = `0.${'0'.repeat(-decpt)}${digits}`;
    else if (decpt >= n) body = `${digits}${'0'.repeat(decpt - n)}.0`;
    else body = `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  } else {
    body = (n === 1 ? digits : `${digits[0]}.${digits.slice(1)}`) + expSuffix(decpt - 1);
  }
  return signOf(x) + body;
}

/** Python's str(int) for an integer-valued JS number (exact beyond 2^53 via BigInt). */
export function formatPyInt(x: number): string {
  if (Number.isSafeInteger(x)) return String(x);
  if (!Number.isFinite(x)) return nonFinite(x);
  return BigInt(Math.trunc(x)).toString();
}
