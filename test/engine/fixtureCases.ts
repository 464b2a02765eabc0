// Runs op-call cases recorded from real PyTorch (test/fixtures/gen_reduce.py, gen_linalg.py): builds the
// inputs, calls the op through the registry, and checks outputs (exact values, dtype, shape, grad_fn,
// repr), the gradients of loss = sum_j sum(out_j * w_j), or the exact exception.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../engine/index';
import { DTypeName, castValue, dtypes } from '../../engine/dtype';
import { TorchError } from '../../engine/errors';
import { NamedTuple } from '../../engine/namedtuple';
import { dispatch } from '../../engine/ops/registry';
import { PyFloat } from '../../engine/scalar';
import { Tensor } from '../../engine/tensor';

type Enc = number | string | boolean;
interface TensorRec { shape: number[]; dtype: DTypeName; values: Enc[]; grad_fn: string | null; requires_grad: boolean }
interface OutRec { kind: 'tensor' | 'tuple' | 'namedtuple'; tensor?: TensorRec; items?: TensorRec[]; name?: string; fields?: string[] }
interface ErrRec { type: string; message: string }
export interface CaseRec {
  id: string; op: string; ns?: string; method?: boolean; args: unknown[]; kwargs?: Record<string, unknown>;
  repr?: string | null; out?: OutRec; error?: ErrRec; grads?: (TensorRec | null)[]; grad_error?: ErrRec; nograd?: boolean;
  /** compare floats to ~4 float32 ulps: the case goes through exp/log, whose last bits are not ours */
  approx?: boolean;
}

export function loadCases(file: string): CaseRec[] {
  return JSON.parse(readFileSync(join(__dirname, '../fixtures', file), 'utf8')).cases;
}

const dec = (v: Enc): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : typeof v === 'boolean' ? (v ? 1 : 0) : (v as number));

function tensorOf(values: Enc[], shape: number[], dtype: DTypeName): Tensor {
  const dt = dtypes[dtype];
  const data = new dt.arrayCtor(values.length);
  values.forEach((v, i) => { data[i] = castValue(dt, dec(v)); });
  return Tensor.fromArray(data, shape, dt);
}

/** gen_reduce.py's gen_values: pseudo-random values computed exactly on both sides. */
function genValues(n: number, seed: number, scale: number, ints: number, quant: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = (i * 2654435761 + seed * 97531 + 12345) % 2 ** 32;
    if (ints) out.push(k % ints);
    else if (quant) out.push((Math.floor(k / 2 ** 24) - 128) / 64 * scale);
    else out.push((k / 2 ** 32 * 4 - 2) * scale);
  }
  return out;
}

function build(a: unknown, leaves: Tensor[]): unknown {
  if (a === null || typeof a !== 'object') return a;
  if (Array.isArray(a)) return a.map((x) => build(x, leaves));
  const o = a as Record<string, any>;
  if ('t' in o) {
    let t = tensorOf(o.gen ? genValues(o.t.reduce((x: number, y: number) => x * y, 1), ...(o.gen as [number, number, number, boolean])) : o.values, o.t, o.dtype);
    if (o.grad) { t.requiresGrad = true; leaves.push(t); }
    const v = o.view as [string, any] | undefined;
    if (v?.[0] === 'perm') t = dispatch('permute', [t, v[1]], null) as Tensor;
    else if (v?.[0] === 'slice') t = dispatch('slice', [t, ...v[1]], null) as Tensor;
    else if (v?.[0] === 'expand') t = dispatch('expand', [t, v[1]], null) as Tensor;
    return t;
  }
  if ('f' in o) return new PyFloat(dec(o.f));
  if ('dtype' in o) return dtypes[o.dtype as DTypeName];
  throw new Error(`bad arg ${JSON.stringify(a)}`);
}

function sameNumber(got: number, want: number, approx = false): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (approx && Number.isFinite(want)) return Math.abs(got - want) <= 5e-7 * Math.abs(want);
  return Object.is(got, want) || (got === want && want !== 0);
}

function checkTensor(t: unknown, rec: TensorRec, what: string, approx = false): void {
  expect(t, what).toBeInstanceOf(Tensor);
  const x = t as Tensor;
  expect(x.shape, `${what} shape`).toEqual(rec.shape);
  expect(x.dtype.name, `${what} dtype`).toBe(rec.dtype);
  expect(x.gradFn?.name ?? null, `${what} grad_fn`).toBe(rec.grad_fn);
  expect(x.requiresGrad, `${what} requires_grad`).toBe(rec.requires_grad);
  const got = x.toFlatArray();
  const want = rec.values.map(dec);
  const bad = want.findIndex((w, i) => !sameNumber(got[i], w, approx));
  if (bad >= 0) expect(`${what}[${bad}] = ${got[bad]}`).toBe(`${what}[${bad}] = ${want[bad]}`);
}

function outputsOf(r: unknown): Tensor[] {
  if (r instanceof Tensor) return [r];
  if (r instanceof NamedTuple) return r.values;
  return r as Tensor[];
}

function reprOf(r: unknown): string {
  if (Array.isArray(r)) return `(${r.map(String).join(', ')})`;
  return String(r);
}

function expectError(f: () => unknown, rec: ErrRec, what: string): void {
  let err: unknown = null;
  try { f(); } catch (e) { err = e; }
  expect(err, `${what}: expected ${rec.type}: ${rec.message}`).toBeInstanceOf(TorchError);
  expect(`${(err as TorchError).pyType}: ${(err as TorchError).message}`, what).toBe(`${rec.type}: ${rec.message}`);
}

export function runCase(c: CaseRec): void {
  const leaves: Tensor[] = [];
  const args = c.args.map((a) => build(a, leaves));
  const kwargs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.kwargs ?? {})) kwargs[k] = build(v, leaves);
  const call = () => dispatch(c.op, args, Object.keys(kwargs).length ? kwargs : null, !!c.method);
  if (c.error) { expectError(call, c.error, c.id); return; }
  const r = call();
  const out = c.out!;
  if (out.kind === 'tensor') checkTensor(r, out.tensor!, c.id, c.approx);
  else {
    if (out.kind === 'namedtuple') {
      expect(r, c.id).toBeInstanceOf(NamedTuple);
      expect((r as NamedTuple).typeName).toBe(out.name);
      expect((r as NamedTuple).fields).toEqual(out.fields);
    } else expect(Array.isArray(r), `${c.id} is a tuple`).toBe(true);
    const items = outputsOf(r);
    expect(items.length).toBe(out.items!.length);
    out.items!.forEach((rec, i) => checkTensor(items[i], rec, `${c.id} out ${i}`, c.approx));
  }
  if (c.repr) expect(reprOf(r), `${c.id} repr`).toBe(c.repr);
  if (c.nograd || (!c.grads && !c.grad_error)) return;
  const diff = outputsOf(r).filter((o) => o.requiresGrad && o.dtype.category === 'float');
  const loss = () => {
    let total: Tensor | null = null;
    for (const o of diff) {
      const w = tensorOf(Array.from({ length: o.numel() }, (_, i) => 1 + (i % 3) / 2), o.shape, o.dtype.name);
      const term = dispatch('sum', [dispatch('mul', [o, w], null)], null) as Tensor;
      total = total ? (dispatch('add', [total, term], null) as Tensor) : term;
    }
    total!.backward();
  };
  if (c.grad_error) { expectError(loss, c.grad_error, `${c.id} backward`); return; }
  loss();
  c.grads!.forEach((g, i) => {
    if (g === null) expect(leaves[i].grad, `${c.id} grad ${i}`).toBeNull();
    else checkTensor(leaves[i].grad, { ...g, grad_fn: null, requires_grad: false }, `${c.id} grad ${i}`, c.approx);
  });
}

/** One vitest describe per op over a fixture's cases (reduce.json, linalg.json). */
export function describeCases(file: string, title: string): void {
  const groups = new Map<string, CaseRec[]>();
  for (const c of loadCases(file)) groups.set(c.op, [...(groups.get(c.op) ?? []), c]);
  describe(title, () => {
    for (const [op, cs] of groups) {
      describe(op, () => {
        for (const c of cs) it(c.id, () => runCase(c));
      });
    }
  });
}

export type ProgramRec = { stdout: string; error: { type: string; message: string } | null };

/** The corpus programs a fixture file mirrors, by id. */
export function loadPrograms(file: string): Record<string, ProgramRec> {
  return JSON.parse(readFileSync(join(__dirname, '../fixtures', file), 'utf8')).programs;
}
