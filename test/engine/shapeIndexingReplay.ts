// Replays the step programs of test/fixtures/{shape,indexing}.json (made by gen_shape.py /
// gen_indexing.py in real PyTorch) on the engine and lists every field that differs.
import { existsSync, readFileSync } from 'node:fs';
import { DTypeName, dtypes } from '../../engine/dtype';
import { grad } from '../../engine/autograd';
import { TorchError } from '../../engine/errors';
import { PyFloat } from '../../engine/scalar';
import { Tensor } from '../../engine/tensor';
import { dispatch, getOp } from '../../engine/ops/registry';
import '../../engine/index';

type Enc = number | string | boolean;
export interface TensorRec {
  shape: number[]; dtype: DTypeName; values: Enc[]; strides: number[]; offset: number; contiguous: boolean;
  grad_fn: string | null; requires_grad: boolean; shares: string | null; repr: string;
}
type ResultRec = { tensor: TensorRec } | { tensors: TensorRec[] } | { scalar: unknown } | null;
export interface StepRec {
  kind: 'm' | 'f' | 'attr' | 'get' | 'set' | 'backward' | 'agrad'; out: string | null; self?: string; op: string;
  inputs?: string[]; gout?: string;
  args: unknown[]; kwargs: Record<string, unknown>; index?: unknown[]; value?: unknown; grad?: Enc[] | null;
  grads?: Record<string, TensorRec | null>; result: ResultRec; error: { type: string; message: string } | null;
}
export interface CaseRec {
  id: string;
  inputs: Record<string, { shape: number[]; dtype: DTypeName; values: Enc[] | Enc; grad: boolean }>;
  steps: StepRec[];
  final: Record<string, Enc[]>;
}

export function dec(v: Enc): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  switch (v) {
    case 'inf': return Infinity;
    case '-inf': return -Infinity;
    case 'nan': return NaN;
    case '-0.0': return -0;
    default: throw new Error(`bad encoded value ${v}`);
  }
}

function nest(flat: number[], shape: number[], boolean: boolean): unknown {
  let k = 0;
  const build = (d: number): unknown => {
    if (d === shape.length) { const v = flat[k++]; return boolean ? v !== 0 : v; }
    return Array.from({ length: shape[d] }, () => build(d + 1));
  };
  return build(0);
}

/** A fresh (non-view) tensor from flat values. */
export function makeTensor(values: Enc[] | Enc, shape: number[], dtype: DTypeName, grad = false): Tensor {
  const flat = (Array.isArray(values) ? values : [values]).map(dec);
  if (shape.includes(0)) return dispatch('zeros', [shape], { dtype: dtypes[dtype], requires_grad: grad }) as Tensor;
  return dispatch('tensor', [nest(flat, shape, dtype === 'bool')], { dtype: dtypes[dtype], requires_grad: grad }) as Tensor;
}

function decodeArg(a: unknown, env: Record<string, unknown>): unknown {
  if (Array.isArray(a)) return a.map((x) => decodeArg(x, env));
  if (a !== null && typeof a === 'object') {
    const o = a as Record<string, unknown>;
    if ('ref' in o) return env[o.ref as string];
    if ('f' in o) return new PyFloat(dec(o.f as Enc));
    if ('dtype' in o) return dtypes[o.dtype as DTypeName];
    if ('slice' in o) return { slice: (o.slice as unknown[]).map((x) => decodeArg(x, env)) };
    return o; // { ellipsis: true }
  }
  return a;
}

/**
 * reshape/flatten of a contiguous tensor: 1.13 shows ReshapeAliasBackward0, 2.x ViewBackward0; the
 * corpus README lists both as allowed, so either is accepted (see engine/ops/table/core.ts reshape).
 */
const GRAD_FN_ALTERNATIVES: Record<string, string> = { ReshapeAliasBackward0: 'ViewBackward0' };
const sameGradFn = (got: string | null, want: string | null) => got === want || (want !== null && GRAD_FN_ALTERNATIVES[want] === got);
const reprAlt = (s: string) => s.replace(/ReshapeAliasBackward0/g, 'ViewBackward0');

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

function compareTensor(where: string, t: unknown, r: TensorRec, inputs: Record<string, Tensor>, out: string[], opts: { layout?: boolean } = {}): void {
  if (!(t instanceof Tensor)) { out.push(`${where}: expected a tensor, got ${String(t)}`); return; }
  const eq = (field: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) out.push(`${where}.${field}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  eq('shape', t.shape, r.shape);
  eq('dtype', t.dtype.name, r.dtype);
  const vals = t.toFlatArray(), want = r.values.map(dec);
  if (vals.length !== want.length || vals.some((v, i) => !same(v, want[i]))) eq('values', vals, want);
  if (opts.layout !== false && t.numel() > 0) {
    eq('strides', t.strides, r.strides);
    eq('offset', t.offset, r.offset);
  }
  eq('contiguous', t.isContiguous, r.contiguous);
  if (!sameGradFn(t.gradFn?.name ?? null, r.grad_fn)) eq('grad_fn', t.gradFn?.name ?? null, r.grad_fn);
  eq('requires_grad', t.requiresGrad, r.requires_grad);
  if (opts.layout !== false) {
    const shares = t.numel() > 0 ? Object.keys(inputs).find((k) => inputs[k].storage === t.storage) ?? null : null;
    eq('shares', shares, r.shares);
  }
  const repr = String(t);
  if (repr !== r.repr && reprAlt(repr) !== reprAlt(r.repr)) eq('repr', repr, r.repr);
}

function compareResult(where: string, got: unknown, rec: ResultRec, inputs: Record<string, Tensor>, out: string[]): void {
  if (rec === null) return;
  if ('tensor' in rec) return compareTensor(where, got, rec.tensor, inputs, out);
  if ('tensors' in rec) {
    if (!Array.isArray(got) || got.length !== rec.tensors.length) {
      out.push(`${where}: expected ${rec.tensors.length} tensors, got ${Array.isArray(got) ? got.length : String(got)}`);
      return;
    }
    rec.tensors.forEach((r, i) => compareTensor(`${where}[${i}]`, got[i], r, inputs, out));
    return;
  }
  const want = rec.scalar;
  if (JSON.stringify(got ?? null) !== JSON.stringify(want)) out.push(`${where}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

function runStep(st: StepRec, env: Record<string, unknown>): unknown {
  const self = st.self !== undefined ? env[st.self] : undefined;
  const args = st.args.map((a) => decodeArg(a, env));
  const kwargs = Object.fromEntries(Object.entries(st.kwargs).map(([k, v]) => [k, decodeArg(v, env)]));
  const kw = Object.keys(kwargs).length ? kwargs : null;
  switch (st.kind) {
    case 'm':
      if (getOp(st.op)) return dispatch(st.op, [self, ...args], kw, true);
      return (self as Record<string, (...a: unknown[]) => unknown>)[st.op](...args, ...(kw ? [kw] : []));
    case 'f':
      return dispatch(st.op, args, kw, false);
    case 'attr':
      return (self as unknown as Record<string, unknown>)[st.op];
    case 'get': {
      const index = decodeArg(st.index, env) as unknown[];
      if (Array.isArray(self)) return self[index[0] as number];
      return dispatch('__getitem__', [self, index], null, true);
    }
    case 'set':
      return dispatch('__setitem__', [self, decodeArg(st.index, env), decodeArg(st.value, env)], null, true);
    case 'agrad':
      return grad(self as Tensor, st.inputs!.map((n) => env[n] as Tensor), env[st.gout!] as Tensor, null, true);
    case 'backward': {
      const t = self as Tensor;
      const g = st.grad ? makeTensor(st.grad, t.shape, t.dtype.name) : null;
      t.backward(g);
      return null;
    }
    default:
      throw new Error(`unknown step kind ${st.kind}`);
  }
}

/** Run a fixture case on the engine; returns the list of differences (empty when it matches PyTorch). */
export function replayCase(c: CaseRec): string[] {
  const out: string[] = [];
  const inputs: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) inputs[k] = makeTensor(v.values, v.shape, v.dtype, v.grad);
  const env: Record<string, unknown> = { ...inputs };
  for (const [i, st] of c.steps.entries()) {
    const where = `step ${i} (${st.kind} ${st.op})`;
    let got: unknown;
    try {
      got = runStep(st, env);
    } catch (e) {
      if (!(e instanceof TorchError)) { out.push(`${where}: threw ${(e as Error).stack}`); return out; }
      if (!st.error) { out.push(`${where}: unexpected ${e.pyType}: ${e.message}`); return out; }
      if (e.pyType !== st.error.type || e.message !== st.error.message) {
        out.push(`${where}: raised ${e.pyType}: ${e.message}; want ${st.error.type}: ${st.error.message}`);
      }
      return out;
    }
    if (st.error) { out.push(`${where}: expected ${st.error.type}: ${st.error.message}`); return out; }
    if (st.out !== null) env[st.out] = got;
    compareResult(where, got, st.result, inputs, out);
    if (st.grads) {
      for (const [k, r] of Object.entries(st.grads)) {
        const g = inputs[k].grad;
        if (r === null) { if (g !== null) out.push(`${where}: ${k}.grad should be None`); continue; }
        compareTensor(`${where} ${k}.grad`, g, r, inputs, out, { layout: false });
      }
    }
  }
  for (const [k, vals] of Object.entries(c.final)) {
    const got = inputs[k].toFlatArray(), want = vals.map(dec);
    if (got.length !== want.length || got.some((v, i) => !same(v, want[i]))) out.push(`final ${k}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
  return out;
}

// ---- corpus mirrors: a Python program re-expressed with engine calls, printed the Python way ----

export const CORPUS = '/work/shared/conformance/public.jsonl';
export interface CorpusRec { id: string; category: string; code: string; stdout: string; error: { type: string; message: string } | null }

let corpus: Map<string, CorpusRec> | null = null;
export function corpusRecord(id: string): CorpusRec | undefined {
  if (!corpus) {
    corpus = new Map();
    if (existsSync(CORPUS)) {
      for (const line of readFileSync(CORPUS, 'utf8').split('\n')) if (line.trim()) { const r = JSON.parse(line) as CorpusRec; corpus.set(r.id, r); }
    }
  }
  return corpus.get(id);
}

/** torch.Size / a Python tuple, for printing */
export class PySize { constructor(readonly dims: number[]) {} }
export class PyTuple { constructor(readonly items: unknown[]) {} }

export function pyStr(v: unknown): string {
  if (v instanceof Tensor) return String(v);
  if (v instanceof PySize) return `torch.Size([${v.dims.join(', ')}])`;
  if (v instanceof PyTuple) return v.items.length === 1 ? `(${pyStr(v.items[0])},)` : `(${v.items.map(pyStr).join(', ')})`;
  if (Array.isArray(v)) return pyStr(new PyTuple(v)); // ops return Python tuples of tensors as arrays
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  return String(v);
}

/** Run `body(print)`; returns what it printed and the TorchError it ended with (like the corpus records). */
export function runProgram(body: (print: (...xs: unknown[]) => void) => void): { stdout: string; error: { type: string; message: string } | null } {
  let stdout = '';
  const print = (...xs: unknown[]) => { stdout += `${xs.map(pyStr).join(' ')}\n`; };
  try {
    body(print);
  } catch (e) {
    if (!(e instanceof TorchError)) throw e;
    return { stdout, error: { type: e.pyType, message: e.message } };
  }
  return { stdout, error: null };
}

/** x[items] / x[items] = v with the index encoding of engine/ops/table/indexing.ts */
export const gi = (x: Tensor, ...items: unknown[]): Tensor => dispatch('__getitem__', [x, items], null, true) as Tensor;
export const si = (x: Tensor, items: unknown[], v: unknown): void => { dispatch('__setitem__', [x, items, v], null, true); };
export const S = (start: number | null = null, stop: number | null = null, step: number | null = null) => ({ slice: [start, stop, step] });
export const E = { ellipsis: true };
export const size = (t: Tensor) => new PySize(t.shape.slice());
export const tup = (...items: unknown[]) => new PyTuple(items);
