// The generated op suite's machinery (opSuite.test.ts runs it on the CPU, opSuite.webgpu.test.ts on the
// webgpu device): every `samples` entry of the op table runs here and in real PyTorch
// (test/fixtures/ops.json) and must give the same values, dtype, shape, grad_fn name, requires_grad
// and error, and the same gradients for loss = Σ_j sum(out_j * w_j); samples whose output requires
// grad also pass a float64 finite-difference gradcheck (central differences, like torch.autograd.gradcheck).
//
// Regenerate after adding or changing samples:
//   npx vite-node scripts/dump-op-samples.ts && /usr/bin/python3 test/fixtures/gen_ops.py
import { existsSync, readFileSync } from 'node:fs';
import { torch } from '../../engine/index';
import { grad, noGrad } from '../../engine/autograd';
import { DType } from '../../engine/dtype';
import { TorchError } from '../../engine/errors';
import { NamedTuple } from '../../engine/namedtuple';
import { allOps, dispatch, RegisteredOp } from '../../engine/ops/registry';
import type { SampleCase } from '../../engine/ops/spec';
import { PyFloat } from '../../engine/scalar';
import { Tensor } from '../../engine/tensor';
import { WEIGHT_SEED, buildSample, canonical, isInplaceOp, sampleValues, tensorOf } from './sampleValues';

// ---- fixture types -----------------------------------------------------------------------------

type Num = number | 'nan' | 'inf' | '-inf';
interface TensorRec { kind: 'tensor'; shape: number[]; dtype: string; values: Num[]; grad_fn: string | null; requires_grad: boolean }
type OutRec = TensorRec | { kind: 'seq'; items: OutRec[] } | { kind: 'dtype'; value: string }
  | { kind: 'py'; type: string; value: Num | string | null } | { kind: 'other'; type: string; value: string };
interface ErrRec { type: string; message: string }
interface Result {
  canon: string; skip?: string; build_error?: ErrRec; error?: ErrRec; out?: OutRec;
  grads?: (TensorRec | null)[]; grad_error?: ErrRec;
}

const FIXTURE = new URL('../fixtures/ops.json', import.meta.url);
export const results: Record<string, Result> = existsSync(FIXTURE) ? JSON.parse(readFileSync(FIXTURE, 'utf8')).results : {};

// ---- running a sample in the engine ------------------------------------------------------------

const NS_LABEL: Record<string, string> = { torch: 'torch', 'nn.functional': 'torch.nn.functional', linalg: 'torch.linalg', special: 'torch.special' };

export function call(op: RegisteredOp, s: SampleCase, args: unknown[], kwargs: Record<string, unknown>): unknown {
  const name = op.def.name;
  if (s.method && !op.method) throw new TorchError('AttributeError', `'Tensor' object has no attribute '${name}'`);
  if (!s.method && !op.function) throw new TorchError('AttributeError', `module '${NS_LABEL[op.def.ns ?? 'torch']}' has no attribute '${name.replace(/^(linalg|special)_/, '')}'`);
  if (typeof torch.manual_seed === 'function') torch.manual_seed(0);
  const a = isInplaceOp(name) && args[0] instanceof Tensor ? [(args[0] as Tensor).clone(), ...args.slice(1)] : args;
  return dispatch(name, a, Object.keys(kwargs).length ? kwargs : null, !!s.method);
}

function flatTensors(x: unknown): Tensor[] {
  if (x instanceof Tensor) return [x];
  if (x instanceof NamedTuple) return x.values.flatMap(flatTensors);
  if (Array.isArray(x)) return x.flatMap(flatTensors);
  return [];
}

function encode(x: unknown): OutRec {
  if (x instanceof Tensor) {
    const fn = (x as unknown as { grad_fn: { name: string } | null }).grad_fn;
    return { kind: 'tensor', shape: x.shape.slice(), dtype: x.dtype.name, values: x.toFlatArray(), grad_fn: fn ? fn.name : null, requires_grad: x.requiresGrad };
  }
  if (x instanceof NamedTuple) return { kind: 'seq', items: x.values.map(encode) };
  if (Array.isArray(x)) return { kind: 'seq', items: x.map(encode) };
  if (x instanceof DType) return { kind: 'dtype', value: x.name };
  if (x instanceof PyFloat) return { kind: 'py', type: 'float', value: x.value };
  if (x === null || x === undefined) return { kind: 'py', type: 'NoneType', value: null };
  if (typeof x === 'boolean') return { kind: 'py', type: 'bool', value: x ? 1 : 0 };
  if (typeof x === 'number') return { kind: 'py', type: Number.isInteger(x) ? 'int' : 'float', value: x };
  if (typeof x === 'bigint') return { kind: 'py', type: 'int', value: Number(x) };
  if (typeof x === 'string') return { kind: 'py', type: 'str', value: x };
  return { kind: 'other', type: typeof x, value: String(x) };
}

const errOf = (e: unknown): ErrRec => (e instanceof TorchError ? { type: e.pyType, message: e.message } : { type: `JS ${(e as Error)?.name}`, message: String((e as Error)?.stack ?? e) });

/** Forward + gradients of loss = Σ sum(out_j * w_j) w.r.t. the sample's grad inputs, encoded like the fixture. */
export function runEngine(op: RegisteredOp, s: SampleCase): Omit<Result, 'canon'> {
  let built;
  try { built = buildSample(s); } catch (e) { return { build_error: errOf(e) }; }
  let out: unknown;
  try { out = call(op, s, built.args, built.kwargs); } catch (e) { return { error: errOf(e) }; }
  const rec: Omit<Result, 'canon'> = { out: encode(out) };
  const outs = flatTensors(out).filter((t) => t.requiresGrad && t.dtype.isFloatingPoint);
  if (built.gradInputs.length && outs.length) {
    const ws = outs.map((t, j) => tensorOf(sampleValues(t.numel(), WEIGHT_SEED + j, t.dtype), t.shape, t.dtype));
    try {
      rec.grads = grad(outs, built.gradInputs, ws, null, false, true).map((g) => (g ? encode(g) as TensorRec : null));
    } catch (e) { rec.grad_error = errOf(e); }
  }
  return rec;
}

// ---- comparing ---------------------------------------------------------------------------------

const MANT: Record<string, number> = { float16: 10, bfloat16: 7, float32: 23, float64: 52 };
const decode = (v: Num): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const ulp = (x: number, mant: number) => (x === 0 ? 2 ** (-126 - mant) : 2 ** (Math.floor(Math.log2(Math.abs(x))) - mant));

/**
 * Float tolerance per element: `rtol` when the sample gives one; else float64 1e-12 relative, lower
 * precisions `ulps` ulps of the value; plus the same at the tensor's largest magnitude (cancellation).
 */
export function valuesMismatch(actual: number[], expected: Num[], dtype: string, ulps: number, rtol?: number): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  const exp = expected.map(decode);
  const float = dtype in MANT;
  const scale = Math.max(0, ...exp.filter(Number.isFinite).map(Math.abs));
  for (let i = 0; i < exp.length; i++) {
    const a = actual[i], b = exp[i];
    if (Number.isNaN(b) || Number.isNaN(a)) { if (Number.isNaN(a) !== Number.isNaN(b)) return `[${i}] ${a} != ${b}`; continue; }
    if (!float || !Number.isFinite(b) || !Number.isFinite(a)) { if (a !== b) return `[${i}] ${a} != ${b}`; continue; }
    if (a === 0 && b === 0 && Object.is(a, -0) !== Object.is(b, -0)) return `[${i}] ${Object.is(a, -0) ? '-0' : '0'} != ${Object.is(b, -0) ? '-0' : '0'}`;
    const tol = rtol !== undefined ? rtol * (Math.abs(b) + 1e-3 * scale)
      : dtype === 'float64' ? 1e-12 * (Math.abs(b) + scale) * ulps / 2
        : ulps * ulp(b, MANT[dtype]) + (ulps / 2) * ulp(scale, MANT[dtype]);
    if (Math.abs(a - b) > tol) return `[${i}] ${a} != ${b} (tol ${tol})`;
  }
  return null;
}

function compareOut(a: OutRec, e: OutRec, path: string, ulps: number, rtol?: number): string[] {
  if (a.kind !== e.kind) return [`${path}: kind ${a.kind} != ${e.kind}`];
  const errs: string[] = [];
  if (a.kind === 'tensor' && e.kind === 'tensor') {
    if (a.dtype !== e.dtype) errs.push(`${path}: dtype ${a.dtype} != ${e.dtype}`);
    if (a.shape.join() !== e.shape.join()) errs.push(`${path}: shape [${a.shape}] != [${e.shape}]`);
    if (a.grad_fn !== e.grad_fn) errs.push(`${path}: grad_fn ${a.grad_fn} != ${e.grad_fn}`);
    if (a.requires_grad !== e.requires_grad) errs.push(`${path}: requires_grad ${a.requires_grad} != ${e.requires_grad}`);
    if (!errs.length) { const m = valuesMismatch(a.values as number[], e.values, e.dtype, ulps, rtol); if (m) errs.push(`${path}: values ${m}`); }
    return errs;
  }
  if (a.kind === 'seq' && e.kind === 'seq') {
    if (a.items.length !== e.items.length) return [`${path}: ${a.items.length} items != ${e.items.length}`];
    return a.items.flatMap((x, i) => compareOut(x, e.items[i], `${path}[${i}]`, ulps, rtol));
  }
  if (a.kind === 'py' && e.kind === 'py') {
    if ((a.type === 'bool') !== (e.type === 'bool') || (a.type === 'str') !== (e.type === 'str') || (a.type === 'NoneType') !== (e.type === 'NoneType')) return [`${path}: ${a.type} != ${e.type}`];
    if (typeof e.value === 'number' || e.value === 'nan' || e.value === 'inf' || e.value === '-inf') {
      const m = valuesMismatch([a.value as number], [e.value], 'float64', 2, rtol);
      return m ? [`${path}: ${m}`] : [];
    }
    return a.value === e.value ? [] : [`${path}: ${a.value} != ${e.value}`];
  }
  return JSON.stringify(a) === JSON.stringify(e) ? [] : [`${path}: ${JSON.stringify(a)} != ${JSON.stringify(e)}`];
}

export function compare(a: Omit<Result, 'canon'>, e: Result, s: SampleCase): string[] {
  const errs: string[] = [];
  const sameErr = (x: ErrRec | undefined, y: ErrRec | undefined, what: string) => {
    if (!x && !y) return;
    if (!x || !y) errs.push(`${what}: engine ${x ? `${x.type}: ${x.message}` : 'none'} vs torch ${y ? `${y.type}: ${y.message}` : 'none'}`);
    else if (x.type !== y.type || x.message !== y.message) errs.push(`${what}: engine ${x.type}: ${x.message}\n  torch  ${y.type}: ${y.message}`);
  };
  sameErr(a.build_error, e.build_error, 'building the sample');
  sameErr(a.error, e.error, 'error');
  if (errs.length || e.error || e.build_error) return errs;
  errs.push(...compareOut(a.out!, e.out!, 'out', 2, s.rtol));
  sameErr(a.grad_error, e.grad_error, 'backward error');
  const ag = a.grads ?? [], eg = e.grads ?? [];
  if (ag.length !== eg.length) errs.push(`grads: ${ag.length} != ${eg.length}`);
  else eg.forEach((g, i) => {
    const x = ag[i];
    if (!g || !x) { if (g !== x) errs.push(`grad[${i}]: engine ${x ? 'tensor' : 'None'} vs torch ${g ? 'tensor' : 'None'}`); return; }
    errs.push(...compareOut({ ...x, grad_fn: null }, { ...g, grad_fn: null }, `grad[${i}]`, 16, s.rtol ? s.rtol * 4 : undefined));
  });
  return errs;
}

// ---- finite-difference gradcheck ---------------------------------------------------------------

const EPS = 1e-6, ATOL = 1e-5, RTOL = 1e-3;

export interface Jacobian { outs: Tensor[]; run: () => Tensor[]; inputs: Tensor[] }

/** The sample in float64, when something differentiable comes out of it (else the reason it is skipped). */
export function float64Run(op: RegisteredOp, s: SampleCase): Jacobian | string {
  const built = buildSample(s, { float64: true });
  if (!built.gradInputs.length) return 'no grad inputs';
  const run = () => flatTensors(call(op, s, built.args, built.kwargs)).filter((t) => t.dtype.isFloatingPoint);
  let outs: Tensor[];
  try { outs = run(); } catch { return 'forward raises'; }
  if (!outs.some((t) => t.requiresGrad)) return 'output does not require grad';
  if (outs.some((t) => t.dtype.name !== 'float64')) return 'output is not float64';
  return { outs, run, inputs: built.gradInputs };
}

/** torch.autograd.gradcheck in float64: the full analytic Jacobian (one backward per output element) vs central differences. */
export function gradcheck({ outs, run, inputs }: Jacobian): string[] {
  const inSizes = inputs.map((t) => t.numel());
  const diff = outs.filter((t) => t.requiresGrad);
  const analytic: number[][] = [];
  for (const o of outs) {
    for (let e = 0; e < o.numel(); e++) {
      if (!o.requiresGrad) { analytic.push(inSizes.flatMap((n) => new Array<number>(n).fill(0))); continue; }
      const ws = diff.map((t) => tensorOf(Array.from({ length: t.numel() }, (_, i) => (t === o && i === e ? 1 : 0)), t.shape, t.dtype));
      const gs = grad(diff, inputs, ws, true, false, true);
      analytic.push(gs.flatMap((g, i) => (g ? g.toFlatArray() : new Array<number>(inSizes[i]).fill(0))));
    }
  }
  const numeric: number[][] = analytic.map(() => []);
  for (const x of inputs) {
    const data = x.storage.data;
    for (let i = 0; i < x.numel(); i++) {
      const off = x.offset + i, orig = data[off];
      const at = (v: number) => { data[off] = v; return noGrad(run).flatMap((t) => t.toFlatArray()); };
      const plus = at(orig + EPS), minus = at(orig - EPS);
      data[off] = orig;
      numeric.forEach((row, k) => row.push((plus[k] - minus[k]) / (2 * EPS)));
    }
  }
  const errs: string[] = [];
  numeric.forEach((row, k) => row.forEach((n, c) => {
    const a = analytic[k][c];
    if (!(Math.abs(a - n) <= ATOL + RTOL * Math.abs(n)) && errs.length < 6) errs.push(`d out[${k}] / d in[${c}]: analytic ${a}, numeric ${n}`);
  }));
  return errs;
}

// ---- the entries ----------------------------------------------------------------------------------

export interface Entry { key: string; op: RegisteredOp; s: SampleCase; canon: string }
export const entries: Entry[] = allOps().flatMap((op) => (op.def.samples ?? []).map((s, i) => ({
  key: `${op.def.name}#${i}`, op, s, canon: canonical(op.def.name, op.def.ns ?? 'torch', s),
})));
export const fresh = entries.filter((e) => results[e.key]?.canon === e.canon && !results[e.key].skip);

