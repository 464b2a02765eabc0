// Statistics reductions of the webgpu device, float32 on the GPU, one workgroup per output element
// (common.ts's reduceKernel: threads stride over the reduced elements, then tree reductions in workgroup
// memory): var / std with their mean (var, std, var_mean, std_mean over any dims, any correction) as two
// passes (the mean, then the sum of squared deviations from it, over max(0, n − correction): m2 / 0 is
// inf, or NaN when m2 is 0, as on the CPU), and logsumexp (the max, taken as 0 when it is ±inf as the CPU
// shifts, then log Σ exp(x − m) + m). Sums are float32 in a tree order (the CPU's are Welford or two-pass
// in double, and the cascade sum), so values agree within float32 tolerance; but var_mean / std_mean's
// mean is the CPU's own: Welford's running mean in double (softDouble.ts), one thread per output, which
// even a mean that cancels to rounding noise needs. The backwards are compositions of GPU kernels
// (engine/ops/table/reduce.ts). null when a kernel does not apply; the op then runs on the CPU.
import { dtypes } from '../../dtype';
import { numel } from '../../shape';
import { Tensor } from '../../tensor';
import { Binding, ReducePhase, WG, dispatch, flatDispatch, gpuOut, onGpuF32, reduceHead, reduceKernel, reduceSplit } from './common';
import { gpuFull } from './kernelsCopy';
import { SOFT_DOUBLE_WGSL } from './softDouble';

const ADD = 'part[l.x] + part[l.x + w]';
const sumOf = (name: string, step: string): ReducePhase => ({ init: '0.0', step: `acc + ${step}`, combine: ADD, name });
const OUT = (name: string): Binding => [name, 'f32', true];

/**
 * Run a reduceKernel of float32 `x` over the flagged dims into `outs` new tensors shaped `outShape`
 * (`scale` in the uniform block's f[6]), or null. An empty reduction gives `empty` everywhere.
 */
function statRun(key: string, code: () => string, x: Tensor, reduced: readonly boolean[], outShape: readonly number[], outs: number, scale: number, empty: number): Tensor[] | null {
  if (!onGpuF32(x)) return null;
  const sp = reduceSplit(x, reduced);
  if (!sp || numel(outShape) !== sp.nOut) return null;
  if (sp.nRed === 0) {
    const fills = Array.from({ length: outs }, () => gpuFull(outShape, empty, dtypes.float32));
    return fills.every((t) => t) ? fills as Tensor[] : null;
  }
  const res = Array.from({ length: outs }, () => gpuOut(outShape, dtypes.float32));
  if (sp.nOut === 0) return res;
  sp.params.f[6] = scale;
  dispatch(key, code, [x], res, sp.params.buffer, sp.groups);
  return res;
}

/** var_mean's mean is Welford's in double up to this many reduced elements (past ATen's grain size its CPU reduction may split them between threads; then the float32 two-pass mean). */
const WELFORD_MAX = 1 << 15;

/**
 * var (std when `sqrt`) and mean of float32 `x` over the dims flagged in `reduced`, both shaped
 * `outShape`, with `correction` (NaN for an empty reduction), or null. `welford`: the mean is the CPU's
 * (var_mean / std_mean: Welford's running mean in double, one thread per output, soft-double steps that
 * round as the CPU's do, so that even a mean that cancels to rounding noise is the CPU's), else the
 * two-pass float32 one.
 */
export function gpuVarMean(x: Tensor, reduced: readonly boolean[], outShape: readonly number[], correction: number, sqrt: boolean, welford = false): [Tensor, Tensor] | null {
  const n = x.shape.reduce((a, s, d) => (reduced[d] ? a * s : a), 1);
  const r = statRun(`reduce:var:${sqrt ? 'std' : 'var'}`, () => varCode(sqrt), x, reduced, outShape, 2, Math.max(0, n - correction), NaN);
  if (!r || !welford || n === 0 || n > WELFORD_MAX || r[1].numel() === 0) return r && [r[0], r[1]];
  const sp = reduceSplit(x, reduced)!;
  const mean = gpuOut(outShape, dtypes.float32);
  const { groups, w } = flatDispatch(sp.nOut);
  sp.params.u[5] = w;
  dispatch('reduce:welford_mean', welfordCode, [x], [mean], sp.params.buffer, groups);
  return [r[0], mean];
}

function welfordCode(): string {
  return `${reduceHead('f32', [OUT('M')])}
${SOFT_DOUBLE_WGSL}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x + gid.y * p.gx;
  if (o >= p.nout) { return; }
  let base = baseOf(o);
  var mean = vec2<u32>(0u, 0u);
  // 1: the mean is x = ±inf (the next element makes it NaN); 2: NaN
  var state = 0u;
  var infv = 0.0;
  for (var r = 0u; r < p.nred && state != 2u; r++) {
    let x = X[offOf(base, r)];
    if (isnan(x) || state == 1u) { state = 2u; } else if (abs(x) == p.inf) { state = 1u; infv = x; } else {
      mean = dadd(mean, ddivu(dadd(f2d(x), vec2<u32>(mean.x, mean.y ^ 0x80000000u)), r + 1u));
    }
  }
  M[o] = select(select(d2f(mean), infv, state == 1u), nan(), state == 2u);
}`;
}

const varCode = (sqrt: boolean) => reduceKernel([sumOf('s', 'x'), sumOf('m2', '(x - s / f32(p.nred)) * (x - s / f32(p.nred))')], `
    var v = m2 / p.scale;
    if (p.scale == 0.0) { v = select(nan(), p.inf, m2 > 0.0); }
    Y[o] = ${sqrt ? 'sqrt(v)' : 'v'};
    M[o] = s / f32(p.nred);`, [OUT('Y'), OUT('M')]);

/** logsumexp of float32 `x` (non-empty) over the dims flagged in `reduced`, shaped `outShape`, or null. */
export function gpuLogsumexp(x: Tensor, reduced: readonly boolean[], outShape: readonly number[]): Tensor | null {
  if (x.numel() === 0) return null;
  return statRun('reduce:logsumexp', logsumexpCode, x, reduced, outShape, 1, 1, 0)?.[0] ?? null;
}

const SHIFT = 'select(mx, 0.0, abs(mx) == p.inf)';
const logsumexpCode = () => reduceKernel([
  { init: '-p.inf', step: 'select(acc, x, x > acc)', combine: 'select(part[l.x], part[l.x + w], part[l.x + w] > part[l.x])', name: 'mx' },
  sumOf('s', `exp(x - ${SHIFT})`),
], `Y[o] = log(s) + ${SHIFT};`);
