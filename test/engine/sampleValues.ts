// The deterministic values of the generated op suite. test/fixtures/gen_ops.py implements the same
// formulas in Python, so a sample builds the same tensors here and in real PyTorch.
//
// Each tensor argument gets a seed k (its position among the sample's tensors, in argument order,
// then keyword order); value i of it uses m = (37 i + 11 + 13 k) mod 23, a bijection on any 23
// consecutive i, so there are no ties within 23 elements:
//   float 'any'      (m − 11.5) / 8     multiples of 1/8 in [−1.4375, 1.3125], never 0
//   float 'positive' (m + 1) / 8        in [0.125, 2.875]
//   float 'unit'     (m − 11.5) / 12    in (−1, 1)
//   int   'any'      m − 11, 0 → 12     in [−11, 12], never 0 (uint8: m + 1)
//   int   'positive' m + 1              in [1, 23]
//   int   'unit'     m mod 3 − 1        in {−1, 0, 1} (uint8: m mod 2)
//   bool             m mod 2
import { DType, DTypeName, castValue, dtypes } from '../../engine/dtype';
import { PyFloat } from '../../engine/scalar';
import { Tensor } from '../../engine/tensor';
import type { SampleArg, SampleCase } from '../../engine/ops/spec';

export type Domain = 'any' | 'positive' | 'unit';

export function sampleValue(i: number, seed: number, dtype: DType, domain: Domain = 'any'): number {
  const m = (i * 37 + 11 + 13 * seed) % 23;
  if (dtype.category === 'bool') return m % 2;
  if (dtype.category === 'int') {
    if (dtype.name === 'uint8') return domain === 'unit' ? m % 2 : m + 1;
    if (domain === 'positive') return m + 1;
    if (domain === 'unit') return (m % 3) - 1;
    return m === 11 ? 12 : m - 11;
  }
  if (domain === 'positive') return (m + 1) / 8;
  if (domain === 'unit') return (m - 11.5) / 12;
  return (m - 11.5) / 8;
}

export function sampleValues(n: number, seed: number, dtype: DType, domain: Domain = 'any'): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(sampleValue(i, seed, dtype, domain));
  return out;
}

/** A contiguous tensor of `shape` holding `values` converted to `dtype`. */
export function tensorOf(values: readonly number[], shape: readonly number[], dtype: DType): Tensor {
  const data = new dtype.arrayCtor(values.length);
  for (let i = 0; i < values.length; i++) data[i] = castValue(dtype, values[i]);
  return Tensor.fromArray(data, shape.slice(), dtype);
}

const numelOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export interface BuiltSample {
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** leaves that require grad, in argument order */
  gradInputs: Tensor[];
}

export interface BuildOptions {
  /** gradcheck: float tensors become float64 */
  float64?: boolean;
}

/** In-place ops (add_, ...) run on a clone of self, so a `grad` self is a non-leaf and reruns see fresh values. */
export const isInplaceOp = (name: string) => name.endsWith('_') && !name.endsWith('__');

/** Build the engine values of a sample (tensors, PyFloat, DType, lists) the way gen_ops.py does. */
export function buildSample(s: SampleCase, opts: BuildOptions = {}): BuiltSample {
  let seed = 0;
  const gradInputs: Tensor[] = [];
  const build = (a: SampleArg): unknown => {
    if (a === null || typeof a === 'number' || typeof a === 'boolean' || typeof a === 'string') return a;
    if (Array.isArray(a)) return a.map((x) => build(x));
    if ('t' in a) {
      let dt = dtypes[(a.dtype ?? 'float32') as DTypeName];
      if (!dt) throw new Error(`unknown dtype ${a.dtype}`);
      if (opts.float64 && dt.category === 'float') dt = dtypes.float64;
      const n = numelOf(a.t);
      const k = seed++;
      const vals = a.values ?? sampleValues(n, k, dtypes[(a.dtype ?? 'float32') as DTypeName], a.domain ?? 'any');
      if (vals.length !== n) throw new Error(`sample values has ${vals.length} entries for shape [${a.t}]`);
      const t = tensorOf(vals, a.t, dt);
      if (a.grad) {
        t.requires_grad_(true);
        gradInputs.push(t);
      }
      return t;
    }
    if ('f' in a) return new PyFloat(a.f);
    if ('dtype' in a) return dtypes[a.dtype];
    throw new Error(`bad sample arg ${JSON.stringify(a)}`);
  };
  const args = s.args.map((a) => build(a));
  const kwargs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.kwargs ?? {})) kwargs[k] = build(v);
  return { args, kwargs, gradInputs };
}

/** Seed of the weight for output j in loss = Σ_j sum(out_j * w_j). */
export const WEIGHT_SEED = 1000;

const finite = (_k: string, v: unknown) => (typeof v !== 'number' ? v : Number.isNaN(v) ? 'nan' : Object.is(v, -0) ? '-0' : !Number.isFinite(v) ? (v > 0 ? 'inf' : '-inf') : v);

/** A sample as JSON (non-finite numbers and -0 as "nan"/"inf"/"-inf"/"-0"); the fixture echoes it so the suite can tell a stale fixture. */
export const canonical = (op: string, ns: string, s: SampleCase) =>
  JSON.stringify({ op, ns, method: !!s.method, args: s.args, kwargs: s.kwargs ?? {} }, finite);
