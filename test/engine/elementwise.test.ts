// Elementwise ops against real PyTorch 1.13 (test/fixtures/elementwise.json, made by gen_elementwise.py):
// values, dtypes, grad_fn names, printed repr, gradients (and second derivatives), error types and texts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { torch } from '../../engine/index';
import { formatPyFloat } from '../../engine/format';
import { DTypeName, castValue, dtypes } from '../../engine/dtype';
import { runBackward } from '../../engine/autograd';
import { TorchError } from '../../engine/errors';
import { dispatch } from '../../engine/ops/registry';
import { PyFloat } from '../../engine/scalar';
import { Tensor } from '../../engine/tensor';

type Enc = number | string;
type Arg = null | number | boolean | string | Arg[] | { t: unknown; dtype: DTypeName; grad?: boolean; clone?: boolean; view?: 't'; expand?: number[] }
  | { f: Enc } | { dtype: DTypeName };
interface TensorRec {
  kind: 'tensor'; shape: number[]; dtype: DTypeName; values: Enc[]; grad_fn: string | null; requires_grad: boolean; repr?: string;
  next?: [string | null, number][];
}
type OutRec = TensorRec | { kind: 'py'; type: string; value: Enc } | { kind: 'seq'; items: OutRec[] };
interface Case {
  id: string; op: string; args: Arg[]; kwargs?: Record<string, Arg>; method?: boolean; tol?: boolean; double?: boolean;
  out?: OutRec; grads?: (TensorRec | null)[]; grads2?: (TensorRec | null)[];
  error?: { type: string; message: string }; grad_error?: { type: string; message: string };
}
const fx: { weights: number[]; weights2: number[]; cases: Case[] } = JSON.parse(readFileSync(join(__dirname, '../fixtures/elementwise.json'), 'utf8'));

const dec = (v: Enc): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === '-0.0' ? -0 : Number(v));

function flatten(v: unknown, shape: number[], depth = 0): number[] {
  if (!Array.isArray(v)) return [typeof v === 'boolean' ? (v ? 1 : 0) : dec(v as Enc)];
  if (shape.length === depth) shape.push(v.length);
  return v.flatMap((e) => flatten(e, shape, depth + 1));
}

function tensorOf(values: number[], shape: number[], dtype: DTypeName): Tensor {
  const dt = dtypes[dtype];
  const data = new dt.arrayCtor(values.length);
  for (let i = 0; i < values.length; i++) data[i] = castValue(dt, values[i]);
  return Tensor.fromArray(data, shape, dt);
}

function build(a: Arg, leaves: Tensor[]): unknown {
  if (a === null || typeof a !== 'object') return a;
  if (Array.isArray(a)) return a.map((x) => build(x, leaves));
  if ('t' in a) {
    const shape: number[] = [];
    const vals = flatten(a.t, shape);
    let t = tensorOf(vals, shape, a.dtype);
    if (a.grad) {
      t.requires_grad_(true);
      leaves.push(t);
      if (a.clone) t = dispatch('clone', [t], null) as Tensor;
    }
    if (a.view === 't') t = dispatch('t', [t], null) as Tensor;
    else if (a.expand) t = dispatch('expand', [t, a.expand], null, true) as Tensor;
    return t;
  }
  if ('f' in a) return new PyFloat(dec(a.f));
  return dtypes[a.dtype];
}

function weights(t: Tensor, seq: number[]): Tensor {
  return tensorOf(Array.from({ length: t.numel() }, (_, i) => seq[i % seq.length]), t.shape, t.dtype.name);
}

/** Relative tolerance for a `tol` case: ~2 ulp of the dtype (SLEEF's last bit is not emulated). */
const TOL: Partial<Record<DTypeName, number>> = { float32: 2.5e-7, float64: 4e-15, float16: 1e-3, bfloat16: 8e-3 };

function sameNumber(got: number, want: number, rel: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (rel === 0 || !Number.isFinite(want)) return Object.is(got, want) || (got === want && got !== 0);
  return Math.abs(got - want) <= rel * Math.max(Math.abs(want), 1e-30);
}

function checkTensor(got: Tensor, want: TensorRec, tol: boolean, what: string, withRepr = true): void {
  expect(got, what).toBeInstanceOf(Tensor);
  expect({ shape: got.shape, dtype: got.dtype.name }, `${what} shape/dtype`).toEqual({ shape: want.shape, dtype: want.dtype });
  const vals = got.toFlatArray();
  const rel = tol ? TOL[want.dtype] ?? 0 : 0;
  const bad = want.values.map(dec).findIndex((w, i) => !sameNumber(vals[i], w, rel));
  expect(bad === -1 ? 'ok' : `value ${bad}: got ${vals[bad]}, want ${want.values[bad]}`, `${what} values`).toBe('ok');
  expect(got.gradFn?.name ?? null, `${what} grad_fn`).toBe(want.grad_fn);
  expect(got.requiresGrad, `${what} requires_grad`).toBe(want.requires_grad);
  if (want.next) expect(got.gradFn!.nextFunctions.map(([n, nr]) => [n ? n.name : null, nr]), `${what} next_functions`).toEqual(want.next);
  const exact = want.values.map(dec).every((w, i) => Object.is(vals[i], w) || vals[i] === w);
  if (withRepr && want.repr !== undefined && exact) expect(String(got), `${what} repr`).toBe(want.repr);
}

function checkOut(got: unknown, want: OutRec, tol: boolean): void {
  if (want.kind === 'tensor') return checkTensor(got as Tensor, want, tol, 'out');
  if (want.kind === 'py') {
    const v = typeof got === 'boolean' ? (got ? 1 : 0) : got;
    expect(v).toEqual(dec(want.value));
    return;
  }
  expect(Array.isArray(got)).toBe(true);
  want.items.forEach((w, i) => checkOut((got as unknown[])[i], w, tol));
}

function runCase(c: Case): void {
  const leaves: Tensor[] = [];
  const args = c.args.map((a) => build(a, leaves));
  const kwargs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.kwargs ?? {})) kwargs[k] = build(v, leaves);
  let out: unknown;
  try {
    out = dispatch(c.op, args, Object.keys(kwargs).length ? kwargs : null, !!c.method);
  } catch (e) {
    if (!(e instanceof TorchError)) throw e;
    expect(c.error, `unexpected ${e.pyType}: ${e.message}`).toBeDefined();
    expect({ type: e.pyType, message: e.message }).toEqual(c.error);
    return;
  }
  expect(c.error, 'PyTorch raised').toBeUndefined();
  checkOut(out, c.out!, !!c.tol);
  if (!c.grads && !c.grad_error) return;
  const o = out as Tensor;
  try {
    if (c.double) {
      const gs = runBackward([o], [weights(o, fx.weights)], { inputs: leaves, createGraph: true, accumulate: false });
      c.grads!.forEach((w, i) => (w ? checkTensor(gs[i]!, w, !!c.tol, `grad ${i}`, false) : expect(gs[i]).toBeNull()));
      if (c.grads2) {
        const g0 = gs[0]!;
        const gg = runBackward([g0], [weights(g0, fx.weights2)], { inputs: leaves, accumulate: false, allowUnused: true });
        c.grads2.forEach((w, i) => (w ? checkTensor(gg[i]!, w, true, `grad2 ${i}`, false) : expect(gg[i]).toBeNull()));
      }
    } else {
      runBackward([o], [weights(o, fx.weights)]);
      c.grads!.forEach((w, i) => (w ? checkTensor(leaves[i].grad!, w, !!c.tol, `grad ${i}`, false) : expect(leaves[i].grad).toBeNull()));
    }
  } catch (e) {
    if (!(e instanceof TorchError) || !c.grad_error) throw e;
    expect({ type: e.pyType, message: e.message }).toEqual(c.grad_error);
    return;
  }
  expect(c.grad_error).toBeUndefined();
}

describe('elementwise ops vs PyTorch 1.13', () => {
  it('has the fixture', () => { expect(fx.cases.length).toBeGreaterThan(1500); });
  it.each(fx.cases.map((c) => [`${c.id} ${c.method ? 'method' : 'fn'}`, c] as const))('%s', (_id, c) => runCase(c));
});

// ---- the elementwise snippets of the conformance corpus (math, dtypes, errors), transcribed ----------
// Each entry runs the snippet's statements through the engine and "prints" like Python; stdout and the
// exception are compared with what PyTorch 1.13 recorded in shared/conformance/public.jsonl.

const CORPUS = join(__dirname, '../../../shared/conformance/public.jsonl');
interface CorpusRec { id: string; stdout: string; error: { type: string; message: string } | null }
const corpus: Map<string, CorpusRec> = existsSync(CORPUS)
  ? new Map(readFileSync(CORPUS, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CorpusRec).map((r) => [r.id, r]))
  : new Map();

const tt = torch as Record<string, (...a: unknown[]) => Tensor>;
const T = (v: unknown, kw?: Record<string, unknown>) => (kw ? tt.tensor(v, kw) : tt.tensor(v));
const f = (x: number) => new PyFloat(x);
const call = (name: string, ...args: unknown[]) => dispatch(name, args, null) as Tensor;
const m = (t: Tensor, name: string, ...args: unknown[]) => {
  const last = args[args.length - 1];
  const kw = last && typeof last === 'object' && Object.getPrototypeOf(last) === Object.prototype ? (args.pop() as Record<string, unknown>) : null;
  return dispatch(name, [t, ...args], kw, true) as Tensor;
};
/** Python's str() of a printed value; `pyf` marks a Python float. */
class PyF { constructor(readonly v: number) {} }
const pyf = (v: number) => new PyF(v);
function pyStr(x: unknown): string {
  if (x instanceof PyF) return formatPyFloat(x.v);
  if (typeof x === 'boolean') return x ? 'True' : 'False';
  if (x instanceof Tensor) return String(x);
  if (Array.isArray(x)) return `[${x.map(pyStr).join(', ')}]`;
  return String(x);
}
const floats = (t: Tensor) => t.toFlatArray().map(pyf);

const SNIPPETS: Record<string, (print: (...xs: unknown[]) => void) => void> = {
  'dtypes-int-float-promotion': (print) => {
    const i = T([1, 2, 3]), fl = T([0.5, 0.5, 0.5]);
    print(i.add(fl), i.add(fl).dtype);
    print(i.mul(2), i.mul(2).dtype);
    print(i.add(1.5), i.add(1.5).dtype);
    print(i.div(2), i.div(2).dtype);
    print(i.div(i));
    print(T([7]).div(T([2])));
  },
  'dtypes-promotion-categories': (print) => {
    const a = T([f(1), f(2)]), b = T([f(1), f(2)], { dtype: dtypes.float64 });
    print(a.add(b).dtype);
    const c = T([1, 2], { dtype: dtypes.int32 }), d = T([1, 2]);
    print(c.add(d).dtype);
    print(c.add(5).dtype);
    print(c.add(T(5)).dtype);
    print(c.add(T(2.5)).dtype);
    print(a.add(T(2.5, { dtype: dtypes.float64 })).dtype);
    print(c.mul(f(1)).dtype);
  },
  'dtypes-bool-arithmetic': (print) => {
    const t = T([true, false, true]);
    print(t.add(t));
    print(t.mul(3));
    print(t.add(1));
    print(t.sum(), t.sum().dtype);
    print(t.add(0.5));
    print(m(t, '__and__', T([true, true, false])));
    print(m(t, '__or__', T([false, false, false])));
    print(m(t, '__xor__', T([true, true, true])));
    print(m(t, '__invert__'));
    print(m(t, 'to', dtypes.float32).mean());
  },
  'dtypes-bool-subtraction-error': (print) => print(T([true, false]).sub(T([true, true]))),
  'dtypes-bool-negation-error': (print) => print(call('neg', T([true, false]))),
  'dtypes-bitwise-not-int': (print) => {
    print(m(T([0, 1, -2]), '__invert__'));
    print(m(T([6]), '__and__', T([3])), m(T([6]), '__or__', 1), m(T([6]), '__xor__', 2));
    print(m(T([1]), '__lshift__', 3), m(T([16]), '__rshift__', 2));
  },
  'dtypes-comparison-results-bool': (print) => {
    const a = T([1, 2, 3]), b = T([f(1), 2.5, f(3)]);
    const r = a.eq(b);
    print(r, r.dtype);
    print(a.lt(2.5));
    print(a.gt(1).sum());
    print(m(a.gt(1), 'to', dtypes.float32));
  },
  'dtypes-float-to-int-truncation': (print) => {
    const x = T([-1.9, -0.5, 0.5, 1.9, 2.5]);
    print(m(x, 'to', dtypes.int64));
    print(x.round());
    print(m(x.floor(), 'to', dtypes.int64));
    print(m(T([3.99]), 'to', dtypes.int32));
  },
  'dtypes-int-tensor-float-inplace-mul-error': () => { T([1, 2, 3]).mul_(1.5); },
  'math-arithmetic': (print) => {
    const a = T([f(1), f(2), f(3)]), b = T([f(4), f(5), f(6)]);
    print(a.add(b));
    print(a.sub(b));
    print(a.mul(b));
    print(a.div(b));
    print(b.div(a));
    print(tt.add(a, b), tt.sub(a, b), tt.mul(a, 2), tt.div(a, 4));
    print(a.add(1), a.sub(b, { alpha: 2 }));
  },
  'math-div-rounding-modes': (print) => {
    const a = T([7, -7, 7, -7]), b = T([2, 2, -2, -2]);
    print(a.div(b));
    print(tt.div(a, b, { rounding_mode: 'floor' }));
    print(tt.div(a, b, { rounding_mode: 'trunc' }));
    print(a.floor_divide(b));
    print(a.remainder(b));
    print(tt.fmod(a, b));
    print(tt.remainder(a, b));
  },
  'math-division-by-zero-float': (print) => {
    const x = T([f(1), f(-1), f(0)]);
    print(x.div(0));
    print(T([1, 0]).div(0));
    print(x.div(T([f(0), f(-0), f(0)])));
    print(T([f(5)]).remainder(0));
  },
  'math-int-division-by-zero-error': (print) => {
    print(T([5]).floor_divide(2));
    print(T([5]).floor_divide(0));
  },
  'math-unary-more': (print) => {
    const x = T([0.5, f(1), f(2), f(8)]);
    print(tt.square(x), tt.rsqrt(x), tt.reciprocal(x));
    print(tt.log2(x), tt.log10(x));
    print(tt.log1p(x), tt.expm1(x));
    print(tt.abs(T([-3, 0, 3])));
  },
  'math-clamp': (print) => {
    const x = T([f(-3), f(-1), f(0), f(2), f(5)]);
    print(x.clamp(-1, 2));
    print(tt.clamp(x, { min: 0 }));
    print(x.clamp({ max: 1 }));
    print(x.clip(-2, 2));
    const i = T([-5, 0, 5]);
    print(i.clamp({ min: -1, max: 1 }));
    print(i.clamp(0.5));
    x.clamp_(0, 1);
    print(x);
  },
  'math-comparisons': (print) => {
    const a = T([1, 2, 3, 4]), b = T([4, 2, 1, 4]);
    print(a.eq(b));
    print(a.ne(b));
    print(a.lt(b), a.le(b));
    print(a.gt(2), a.ge(2));
    print(tt.eq(a, b), tt.gt(a, b), tt.lt(a, 3));
    print(tt.equal(a, b), tt.equal(a, a.clone()));
    print(tt.allclose(T([f(1), f(2)]), T([f(1), 2.0 + 1e-9])));
    print(tt.maximum(a, b), tt.minimum(a, b));
    print(a.eq(b).any(), a.eq(b).all(), tt.any(a.gt(3)), tt.all(a.gt(0)));
  },
  'math-broadcast-error-matrix': () => { tt.ones(2, 3).mul(tt.ones(3, 2)); },
  'errors-add-mismatched-1d': () => { T([1, 2]).add(T([1, 2, 3])); },
  'math-broadcasting': (print) => {
    const a = tt.arange(3).reshape(3, 1), b = tt.arange(4).reshape(1, 4);
    print(a.add(b));
    const ones = tt.ones(2, 3), v = T([f(1), f(2), f(3)]);
    print(ones.add(v));
    print(ones.mul(T([[f(2)], [f(3)]])));
    const s = tt.zeros(2, 1, 3).add(tt.zeros(4, 1)).shape;
    print(`torch.Size([${s.join(', ')}])`);
    print(call('rsub', v, 10));
    print(T(5).mul(v));
  },
  'math-inplace-ops': (print) => {
    const x = T([f(1), f(2), f(3)]);
    x.add_(1); print(x);
    x.mul_(2); print(x);
    x.sub_(T([f(1), f(1), f(1)])); print(x);
    x.div_(2); print(x);
    x.pow_(2); print(x);
    const y = x.zero_(); print(x, y === x);
    x.fill_(7); print(x);
    x.add_(1); // x += 1
    x.mul_(T([f(1), f(0), f(-1)])); // x *= ...
    print(x);
  },
  'math-inplace-broadcast-error': () => { tt.zeros(3).add_(tt.ones(2, 3)); },
  'math-overflow-nan-inf': (print) => {
    print(tt.exp(T([f(88), f(89), f(1000)])));
    print(tt.log(T([f(-1), f(0)])));
    print(tt.sqrt(T(f(-4))));
    print(T([f(3.0e38)]).mul(10));
    print(T(f(Infinity)).sub(f(Infinity)));
    print(tt.isnan(T([f(1), f(NaN)])), tt.isinf(T([f(-Infinity), f(0)])));
    print(tt.nan_to_num(T([f(NaN), f(Infinity), f(1)])));
  },
  'math-float32-transcendentals-exact': (print) => {
    const x = T([0.1, 0.5, f(1), f(2), f(3)]);
    for (const op of ['exp', 'log', 'sin', 'tanh', 'sigmoid', 'sqrt']) print(floats(tt[op](x)));
  },
  'math-scalar-tensor-arithmetic': (print) => {
    const a = T(3), b = T(2.5);
    print(a.add(b), a.mul(2), a.div(2), b.pow(2));
    print(a.add(1).eq(4), a.add(1).eq(4).item());
    print(pyf(b.item() as number), Math.trunc(b.item() as number), (a.item() as number) + 1, T(0).item() !== 0);
    print(pyf((a.item() as number) + (b.item() as number)));
  },
};

/** Corpus lines that depend on Python itself (round() of a float) are not transcribed; they end the comparison. */
const STOP_AFTER: Record<string, number> = { 'math-scalar-tensor-arithmetic': 4 };

describe.skipIf(corpus.size === 0)('corpus snippets (math, dtypes, errors) vs PyTorch 1.13', () => {
  it.each(Object.keys(SNIPPETS))('%s', (id) => {
    const rec = corpus.get(id);
    expect(rec, `corpus has ${id}`).toBeDefined();
    const lines: string[] = [];
    let error: { type: string; message: string } | null = null;
    try {
      SNIPPETS[id]((...xs) => lines.push(xs.map(pyStr).join(' ')));
    } catch (e) {
      if (!(e instanceof TorchError)) throw e;
      error = { type: e.pyType, message: e.message };
    }
    let want = rec!.stdout;
    if (STOP_AFTER[id] !== undefined) want = want.split('\n').slice(0, STOP_AFTER[id]).join('\n') + '\n';
    expect(lines.map((l) => `${l}\n`).join('')).toBe(want);
    expect(error).toEqual(STOP_AFTER[id] !== undefined ? null : rec!.error);
  });
});
