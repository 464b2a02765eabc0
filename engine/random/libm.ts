// Double-precision log, sin and cos that return exactly what PyTorch's reference build gets from
// glibc 2.36 on x86-64 (Debian bookworm). PyTorch's Box-Muller code calls std::log/std::sin/std::cos,
// and V8's Math.log/sin/cos (fdlibm) differ from glibc in the last bit for several percent of inputs.
//
// glibc picks its FMA-compiled variants (__log_fma, __sin_fma, __cos_fma) on CPUs with FMA and AVX2, so
// every `a * b + c` that GCC contracts is computed here with an exact fma. The algorithms follow
// glibc's sysdeps/ieee754/dbl-64/e_log.c (from Arm's optimized-routines, MIT licensed) and s_sin.c
// (IBM Accurate Mathematical Library); the code below is an independent reimplementation. Inputs are
// the ranges the samplers use (log on (0, 1], sin/cos on [0, 2*pi)); other finite inputs of modest
// size are handled too, but arguments beyond 105414350 (glibc's __branred range) are not supported.

import { fma64 as fma, fromWords, highWord, lowWord } from './fma';

// ---- log ---------------------------------------------------------------------------------------

// Coefficients and the (1/c, log c) table of glibc's __log_data (identical to optimized-routines'
// math/log_data.c, N = 128, LOG_POLY_ORDER 6, LOG_POLY1_ORDER 12), read out of libm.so.6 of the
// reference system and printed as shortest round-trip decimals.
const LN2HI = 0.6931471805598903; // 0x1.62e42fefa3800p-1
const LN2LO = 5.497923018708371e-14; // 0x1.ef35793c76730p-45
const LOG_A = [-0.5000000000000001, 0.33333333331825593, -0.2499999999622955, 0.20000304511814496, -0.16667054827627667];
const LOG_B = [-0.5, 0.3333333333333352, -0.24999999999998432, 0.19999999999320328, -0.16666666669929706, 0.14285715076560868, -0.12499997863982555, 0.11110712032936046, -0.10000486757818193, 0.09181994006195467, -0.08328363062289341];
// invc, logc pairs for the 128 subintervals of [0x1.6p-1, 0x1.6p0)
const LOG_TAB = new Float64Array([
  1.4504249240398293, -0.3718565645633589,
  1.442253508327276, -0.36620682668944937,
  1.4341736174350004, -0.3605888069791945,
  1.426183816329995, -0.3550022171419869,
  1.4182825527052965, -0.34944666968829097,
  1.4104682921759335, -0.3439217713603284,
  1.4027396147468003, -0.3384271921261188,
  1.3950954438932313, -0.332962831494342,
  1.3875338232485754, -0.32752794345742586,
  1.3800539211058593, -0.32212257167088865,
  1.3726542695419708, -0.3167462884799761,
  1.3653332798446802, -0.3113985598928366,
  1.358090204587874, -0.3060794515165526,
  1.3509234892132138, -0.300788424667644,
  1.3438320840699889, -0.2955252968476998,
  1.3368146974742003, -0.29028969275850613,
  1.329870114677736, -0.2850812793277555,
  1.322997339161106, -0.27989987391470095,
  1.316195352741367, -0.27474526621870154,
  1.3094628125672239, -0.2696169863701243,
  1.3027990455471041, -0.26451506180308115,
  1.2962024229438942, -0.2594387762767383,
  1.2896726275815547, -0.2543884090981692,
  1.2832080305745537, -0.24936321635129843,
  1.276807885983376, -0.24436312405975968,
  1.2704714060687552, -0.23938801747897287,
  1.2641976054949482, -0.23443761696705678,
  1.257985357514882, -0.22951151871518505,
  1.2518337750655457, -0.2246094963439873,
  1.2457421919097305, -0.21973149037705753,
  1.2397094966625508, -0.2148770752847895,
  1.2337348463589233, -0.210046029103637,
  1.2278176973028803, -0.20523836373934046,
  1.2219570190618474, -0.20045368751368642,
  1.2161519732977757, -0.1956917537758045,
  1.2104018095009725, -0.19095237845203883,
  1.204705805718973, -0.18623539250290833,
  1.1990631185441964, -0.18154051731551135,
  1.1934733004462308, -0.1768677957431919,
  1.1879350812847385, -0.17221657406412305,
  1.1824481322833125, -0.16758697765942543,
  1.1770114976921955, -0.16297859687290384,
  1.1716248121809465, -0.15839151377804228,
  1.1662869231674715, -0.15382513241456763,
  1.1609977486762766, -0.14927976358922024,
  1.1557563220795803, -0.14475495398119165,
  1.1505619105480347, -0.14025044090817573,
  1.1454138888505974, -0.1357660466685502,
  1.140311877374656, -0.1313018016355727,
  1.1352550225747513, -0.12685731518763532,
  1.1302429094831266, -0.1224325737671279,
  1.1252747693068048, -0.11802724521862729,
  1.1203501571039876, -0.11364127671663482,
  1.1154683327680124, -0.10927434611278386,
  1.1106291463292157, -0.10492665324943573,
  1.1058315813301596, -0.10059761422644442,
  1.1010752177696026, -0.09628717309055901,
  1.0963597137952512, -0.09199534069557558,
  1.0916844827550398, -0.08772190036688698,
  1.0870487291277784, -0.08346643613867855,
  1.082452357388312, -0.07922916827544668,
  1.0778948225025884, -0.0750099004750382,
  1.0733751731601076, -0.07080805133352897,
  1.068893585073351, -0.06662408085151128,
  1.0644491706655506, -0.06245745471915143,
  1.0600414846328305, -0.0583080438042316,
  1.0556701316181605, -0.05417576112313327,
  1.051334750556926, -0.050060547896805474,
  1.0470347288442157, -0.045962101199052086,
  1.0427699229652954, -0.04188056008865715,
  1.0385395013738175, -0.03781540056183985,
  1.034343418940345, -0.03376684757915882,
  1.0301811073173315, -0.029734619131772888,
  1.026052043621297, -0.025718470239212365,
  1.0219561082336197, -0.021718543925430822,
  1.0178926505784922, -0.01773446126981071,
  1.0138614436244586, -0.013766252464051831,
  1.0098620186501341, -0.009813706322574944,
  1.0058938559734134, -0.005876555150052809,
  1.00195696235014, -0.0019550499938532084,
  0.9961089923088509, 0.0038985973556009412,
  0.9884170338185201, 0.011650571286395461,
  0.9808429191005297, 0.019342955478919066,
  0.9733840169987446, 0.0269766014846482,
  0.9660377568876556, 0.034552359728422744,
  0.9588014945307369, 0.04207121767183253,
  0.9516728569073111, 0.049533940950141186,
  0.9446494635965822, 0.056941358295944156,
  0.9377288993026223, 0.06429439168346107,
  0.9309091073790681, 0.0715936354946507,
  0.924187681612722, 0.07884010933776153,
  0.9175626765599192, 0.08603438905970506,
  0.9110320403624034, 0.09317721180013905,
  0.9045935839762024, 0.10026951462748457,
  0.8982456375922825, 0.10731170956330516,
  0.8919860966782501, 0.11430473320717738,
  0.8858131121185129, 0.12124928503033061,
  0.879725075760676, 0.12814583422959913,
  0.8737201372634685, 0.1349951636851756,
  0.8677966405782273, 0.1417978768189414,
  0.8619528050060739, 0.14855476039031146,
  0.8561872354420692, 0.1552661937658968,
  0.8504983927816893, 0.16193275688146969,
  0.8448844572790304, 0.16855539792220497,
  0.8393442741575965, 0.1751343179947753,
  0.8338762249349438, 0.1816702989864325,
  0.8284789320557778, 0.18816387146023317,
  0.8231510800065832, 0.1946155228479256,
  0.8178913903778707, 0.20102572579389744,
  0.8126984007245374, 0.2073952090795501,
  0.8075710029460227, 0.21372429840596396,
  0.8025078881160415, 0.2200135945981856,
  0.7975077379364331, 0.22626374162859975,
  0.792569604966373, 0.23247494747693054,
  0.7876923641254114, 0.23864766620658884,
  0.7828746724940998, 0.24478265647405806,
  0.7781155388790811, 0.25088025827324145,
  0.7734139557869777, 0.2569408552510595,
  0.7687687179914933, 0.26296511155101143,
  0.7641790698041854, 0.2689531327189343,
  0.7596438763692399, 0.27490553924610595,
  0.7551621951078668, 0.2808227248478943,
  0.7507331780216866, 0.286704979267256,
  0.7463557196361751, 0.29255295645509705,
  0.7420289364869653, 0.2983670386142876,
  0.7377521537065876, 0.30414734587282055,
  0.7335242966002608, 0.30989455774829366,
  0.729344777457841, 0.31560871301871884,
]);

/** glibc's log(x) (FMA variant). */
export function log(x: number): number {
  const hi32 = highWord(x);
  // 1 - 2^-4 <= x < 1 + 0x1.09p-4: a polynomial in r = x - 1 with the leading terms split off
  if (hi32 >= 0x3fee0000 && hi32 < 0x3ff10900) {
    if (x === 1) return 0;
    const B = LOG_B;
    const r = x - 1;
    const r2 = r * r;
    const r3 = r * r2;
    const p3 = fma(r3, fma(r3, fma(r3, B[10], fma(r2, B[9], fma(r, B[8], B[7]))),
      fma(r2, B[6], fma(r, B[5], B[4]))), fma(r2, B[3], fma(r, B[2], B[1])));
    const w0 = r * 134217728; // 2^27
    const rhi = r + w0 - w0;
    const rlo = r - rhi;
    const w = rhi * rhi * B[0]; // exact
    const hi = r + w;
    let lo = r - hi + w;
    lo = fma(B[0] * rlo, rhi + r, lo);
    const y = fma(r3, p3, lo);
    return y + hi;
  }
  let ixHi = hi32;
  let ixLo = lowWord(x);
  const top = hi32 >>> 16;
  if (top - 0x0010 >= 0x7ff0 - 0x0010 || top < 0x0010) {
    if (x === 0) return -Infinity;
    if (x === Infinity) return x;
    if (Number.isNaN(x) || x < 0) return NaN;
    // subnormal: normalise
    const xs = x * 4503599627370496; // 2^52
    ixHi = highWord(xs) - (52 << 20);
    ixLo = lowWord(xs);
  }
  // x = 2^k z with z in [0x1.6p-1, 0x1.6p0); tmp = ix - 0x3fe6000000000000
  const tmpHi = (ixHi - 0x3fe60000) | 0;
  const i = (tmpHi >>> 13) & 127;
  const k = tmpHi >> 20;
  const z = fromWords((ixHi - (tmpHi & 0xfff00000)) >>> 0, ixLo);
  const invc = LOG_TAB[2 * i];
  const logc = LOG_TAB[2 * i + 1];
  const r = fma(z, invc, -1);
  const w = fma(k, LN2HI, logc);
  const hi = w + r;
  const lo = fma(k, LN2LO, w - hi + r);
  const r2 = r * r;
  const A = LOG_A;
  const y = fma(r * r2, fma(r2, fma(r, A[4], A[3]), fma(r, A[2], A[1])), fma(r2, A[0], lo));
  return y + hi;
}

// ---- sin / cos -----------------------------------------------------------------------------------

// sin and cos of k/128, k = 0..109, each as a double-double (hi = RN(f), lo ~ f - hi): glibc's
// __sincostab, computed here with 200-bit fixed-point series (checked entry by entry against the
// table in the reference libm.so.6).
const SINCOS = new Float64Array(440);
(function buildSinCosTable() {
  const P = 200n;
  const ONE = 1n << P;
  const scale = 2 ** 200;
  const split = (v: bigint, at: number) => {
    const hi = Number(v) / scale;
    const lo = Number(v - BigInt(hi * scale)) / scale;
    SINCOS[at] = hi;
    SINCOS[at + 1] = lo;
  };
  for (let k = 0; k < 110; k++) {
    const x = BigInt(k) << (P - 7n);
    const x2 = (x * x) >> P;
    let s = 0n, c = 0n;
    let ts = x, tc = ONE;
    for (let n = 1n; ts !== 0n || tc !== 0n; n += 2n) {
      s += ts;
      c += tc;
      ts = -(ts * x2 >> P) / ((n + 1n) * (n + 2n));
      tc = -(tc * x2 >> P) / (n * (n + 1n));
    }
    split(s, 4 * k);
    split(c, 4 * k + 2);
  }
  // glibc's low parts differ from RN(f - hi) by one unit in these 18 places; use its values
  const patches: [number, number][] = [
    [9, -1.265093755275982e-19], [41, -5.4494437820057936e-18], [93, -1.6240405901074e-20],
    [107, 1.310876952152676e-17], [109, -5.536403693172164e-18], [133, -2.2310035435425957e-17],
    [137, -2.2534597527902128e-17], [145, 1.7674070262791825e-17], [161, 1.1004366442765292e-19],
    [179, -4.85238302367971e-18], [283, 5.420565102675287e-18], [301, -6.743270455611733e-18],
    [303, -1.8644878796734315e-19], [319, 1.3751889684983784e-18], [341, -2.20849501729641e-17],
    [361, 4.567647714393287e-19], [377, 6.18353672557496e-18], [429, 2.907482756987512e-18],
  ];
  for (const [i, v] of patches) SINCOS[i] = v;
})();

const SN3 = -1.66666666666664880952546298448555e-1;
const SN5 = 8.33333214285722277379541354343671e-3;
const CS2 = 4.99999999999999999999950396842453e-1;
const CS4 = -4.16666666666664434524222570944589e-2;
const CS6 = 1.38888874007937613028114285595617e-3;
const S1 = -0.16666666666666666; // -0x1.5555555555555p-3
const S2 = 0.008333333333332329; // 0x1.1111111110ECEp-7
const S3 = -1.9841269834414642e-4; // -0x1.A01A019DB08B8p-13
const S4 = 2.755729806860771e-6; // 0x1.71DE27B9A7ED9p-19
const S5 = -2.5022014848318398e-8; // -0x1.ADDFFC2FCDF59p-26
const BIG = 52776558133248; // 0x1.8p45: big + |x| rounds |x| to a multiple of 1/128
const HP0 = 1.5707963267948966; // 0x1.921FB54442D18p0
const HP1 = 6.123233995736766e-17; // 0x1.1A62633145C07p-54
const MP1 = 1.5707963407039642; // 0x1.921FB58000000p0
const MP2 = -1.3909067564377153e-8; // -0x1.DDE973C000000p-27
const PP3 = -4.97899623147991e-17; // -0x1.CB3B398000000p-55
const PP4 = -1.9034889620193266e-25; // -0x1.d747f23e32ed7p-83
const HPINV = 0.6366197723675814; // 0x1.45F306DC9C883p-1
const TOINT = 6755399441055744; // 0x1.8p52

/** cos(x + dx) for |x| < 0.855469 (table lookup plus short Taylor series) */
function doCos(x: number, dx: number): number {
  if (x < 0) dx = -dx;
  const ax = Math.abs(x);
  const u = BIG + ax;
  const k = lowWord(u) << 2;
  const y = ax - (u - BIG) + dx;
  const yy = y * y;
  const s = fma(y * yy, fma(yy, SN5, SN3), y);
  const c = yy * fma(yy, fma(yy, CS6, CS4), CS2);
  const sn = SINCOS[k], ssn = SINCOS[k + 1], cs = SINCOS[k + 2], ccs = SINCOS[k + 3];
  const cor = fma(-sn, s, fma(-cs, c, fma(-s, ssn, ccs)));
  return cs + cor;
}

/** sin(x + dx) for |x| < 0.855469 */
function doSin(x: number, dx: number): number {
  const xold = x;
  if (Math.abs(x) < 0.126) {
    const xx = x * x;
    const poly = fma(fma(fma(fma(S5, xx, S4), xx, S3), xx, S2), xx, S1);
    const t = fma(fma(poly, x, -0.5 * dx), xx, dx);
    return x + t;
  }
  if (x <= 0) dx = -dx;
  const ax = Math.abs(x);
  const u = BIG + ax;
  const k = lowWord(u) << 2;
  const y = ax - (u - BIG);
  const yy = y * y;
  const s = y + fma(y * yy, fma(yy, SN5, SN3), dx);
  const c = fma(y, dx, yy * fma(yy, fma(yy, CS6, CS4), CS2));
  const sn = SINCOS[k], ssn = SINCOS[k + 1], cs = SINCOS[k + 2], ccs = SINCOS[k + 3];
  const cor = fma(cs, s, fma(-sn, c, fma(s, ccs, ssn)));
  const r = sn + cor;
  return xold < 0 || Object.is(xold, -0) ? -Math.abs(r) : Math.abs(r);
}

let redA = 0, redDa = 0;
/** x = n*pi/2 + (redA + redDa), |x| < 105414350; returns n mod 4 */
function reduce(x: number): number {
  const t = fma(x, HPINV, TOINT);
  const xn = t - TOINT;
  const n = lowWord(t) & 3;
  const y = fma(-xn, MP2, fma(-xn, MP1, x));
  const t2 = fma(-xn, PP3, y);
  let db = fma(-xn, PP3, y - t2);
  const b = fma(-xn, PP4, t2);
  db += fma(-xn, PP4, t2 - b);
  redA = b;
  redDa = db;
  return n;
}

function doSinCos(a: number, da: number, n: number): number {
  const r = (n & 1) !== 0 ? doCos(a, da) : doSin(a, da);
  return (n & 2) !== 0 ? -r : r;
}

/** glibc's sin(x) (FMA variant), |x| < 105414350 */
export function sin(x: number): number {
  const k = highWord(x) & 0x7fffffff;
  if (k < 0x3e500000) return x;
  if (k < 0x3feb6000) return doSin(x, 0);
  if (k < 0x400368fd) {
    const r = doCos(HP0 - Math.abs(x), HP1);
    return x < 0 ? -r : r;
  }
  if (k < 0x419921fb) {
    const n = reduce(x);
    return doSinCos(redA, redDa, n);
  }
  return k < 0x7ff00000 ? Math.sin(x) : NaN;
}

/** glibc's cos(x) (FMA variant), |x| < 105414350 */
export function cos(x: number): number {
  const k = highWord(x) & 0x7fffffff;
  if (k < 0x3e400000) return 1;
  if (k < 0x3feb6000) return doCos(x, 0);
  if (k < 0x400368fd) {
    const y = HP0 - Math.abs(x);
    const a = y + HP1;
    const da = (y - a) + HP1;
    return doSin(a, da);
  }
  if (k < 0x419921fb) {
    const n = reduce(x);
    return doSinCos(redA, redDa, n + 1);
  }
  return k < 0x7ff00000 ? Math.cos(x) : NaN;
}

// ---- float32 logf / cosf / sinf ---------------------------------------------------------------------

// The float16 and bfloat16 Box-Muller kernels call glibc's logf/cosf/sinf (directly, or through
// c10/util/BFloat16-math.h). Their arguments there are half/bfloat16 values: 1 - k/2048 for log and
// round(2*pi*k/2048) for cos/sin (k/256 for bfloat16), a few thousand values in all. glibc's float
// functions are not correctly rounded; over that whole domain they differ from the correctly rounded
// float in the places listed below (found by calling libm.so.6's logf/cosf/sinf on every such value).
// Elsewhere these return the correctly rounded float, which can differ from glibc by one unit.
const LOGF_FIX = new Map<number, number>([
  [0.267578125, -1.3183436393737793], [0.4462890625, -0.806788444519043],
  [0.4580078125, -0.7808690071105957], [0.78466796875, -0.2424946129322052],
  [0.82177734375, -0.19628578424453735], [0.94580078125, -0.055723320692777634],
  [0.95166015625, -0.049547288566827774], [0.9794921875, -0.020721016451716423],
  [0.9814453125, -0.018728986382484436], [0.98681640625, -0.013271269388496876],
  [0.9873046875, -0.012776587158441544],
]);
const COSF_FIX = new Map<number, number>([
  [0.84375, 0.6646657586097717], [0.89599609375, 0.6247413754463196], [0.9541015625, 0.5783419013023376],
  [0.9970703125, 0.542765200138092], [1.02734375, 0.5170941948890686], [1.2763671875, 0.2901936173439026],
  [1.2919921875, 0.27520617842674255], [1.7421875, -0.1705533117055893], [1.794921875, -0.22225387394428253],
  [1.80078125, -0.22796285152435303], [2.04296875, -0.4548220634460449], [2.068359375, -0.4772854745388031],
  [2.1328125, -0.5328933000564575], [2.154296875, -0.5509486198425293], [2.353515625, -0.7052099704742432],
  [4.15234375, -0.5312244892120361], [4.15625, -0.5279109477996826], [4.93359375, 0.21940520405769348],
  [4.98046875, 0.26488029956817627], [5.05859375, 0.3393302261829376], [5.1875, 0.4574371576309204],
  [5.42578125, 0.6544026136398315], [5.44140625, 0.6661370396614075],
]);
const SINF_FIX = new Map<number, number>([
  [0.156494140625, 0.1558561623096466], [0.171875, 0.17103002965450287], [0.27001953125, 0.2667502760887146],
  [0.340576171875, 0.33403024077415466], [0.386474609375, 0.37692540884017944],
  [0.55859375, 0.5299941897392273], [0.6044921875, 0.5683442950248718], [0.69970703125, 0.643993616104126],
  [0.828125, 0.7366646528244019], [2.419921875, 0.6606398820877075], [2.47265625, 0.6201519966125488],
  [2.6328125, 0.48711225390434265], [2.869140625, 0.2690938413143158], [2.9296875, 0.21032282710075378],
  [2.970703125, 0.1700589954853058], [3.03125, 0.11011888086795807], [3.30078125, -0.15851712226867676],
  [3.353515625, -0.2103402465581894], [3.67578125, -0.5091428160667419], [3.74609375, -0.5683516263961792],
  [3.8203125, -0.6277971267700195], [3.91796875, -0.7006984949111938], [5.5859375, -0.642110288143158],
  [5.88671875, -0.3861614167690277], [6.0703125, -0.21126873791217804], [6.14453125, -0.1382102221250534],
]);

const fr = Math.fround;
/** glibc logf on half/bfloat16 arguments */
export function logf(x: number): number { return LOGF_FIX.get(x) ?? fr(log(x)); }
/** glibc cosf on half/bfloat16 arguments in [0, 2*pi) */
export function cosf(x: number): number { return COSF_FIX.get(x) ?? fr(cos(x)); }
/** glibc sinf on half/bfloat16 arguments in [0, 2*pi) */
export function sinf(x: number): number { return SINF_FIX.get(x) ?? fr(sin(x)); }

/** the table, for tests */
export const _sincosTable = SINCOS;
