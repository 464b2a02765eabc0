// Replays test/fixtures/range.json (recorded from PyTorch 1.13 by test/fixtures/gen_range.py):
// arange / range / linspace / logspace / eye / tril_indices / triu_indices / empty_strided, with
// bit-exact values, dtype, shape, requires_grad, warnings and error messages.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dtypes, DTypeName } from '../../engine/dtype';
import { torch, dispatch, PyFloat, Tensor, TorchError } from '../../engine/index';
import { getWarningHandler, setWarningHandler } from '../../engine/warnings';

interface Rec {
  fn: string; args: unknown[]; kwargs: Record<string, unknown>;
  dtype?: string; shape?: number[]; values?: (number | string)[] | null; stride?: number[]; requires_grad?: boolean;
  error?: { type: string; message: string }; warnings: string[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/range.json', import.meta.url), 'utf8')) as { torch_version: string; records: Rec[] };

const num = (v: number | string) => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);

/** the fixture's argument encoding: {f} Python float, {dtype} torch dtype, lists are tuples */
function decode(a: unknown): unknown {
  if (Array.isArray(a)) return a.map(decode);
  if (a !== null && typeof a === 'object') {
    const o = a as Record<string, unknown>;
    if ('f' in o) return new PyFloat(num(o.f as number | string));
    if ('dtype' in o) return dtypes[o.dtype as DTypeName];
  }
  return a;
}
const label = (r: Rec) => `${r.fn}(${JSON.stringify(r.args)}, ${JSON.stringify(r.kwargs)})`;

// Which overload's message python_arg_parser reports when none matches is the schema binder's business
// (engine/ops/schema.ts), not this suite's: for those TypeErrors only the type is compared.
const isArgParserListing = (m: string) => m.includes('received an invalid combination of arguments');

let warned: string[] = [];
const prevHandler = getWarningHandler();
beforeAll(() => setWarningHandler((_c, m) => { warned.push(m); }));
afterAll(() => setWarningHandler(prevHandler));

describe('range ops: replay of PyTorch 1.13 records', () => {
  it('was recorded with PyTorch 1.13', () => expect(fixture.torch_version).toBe('1.13.0a0'));
  for (const r of fixture.records) {
    it(label(r), () => {
      warned = [];
      const kwargs = Object.fromEntries(Object.entries(r.kwargs).map(([k, v]) => [k, decode(v)]));
      let out: Tensor | null = null;
      let err: unknown = null;
      try { out = dispatch(r.fn, r.args.map(decode), kwargs) as Tensor; } catch (e) { err = e; }
      expect(warned).toEqual(r.warnings);
      if (r.error) {
        expect(err, 'expected an error').toBeInstanceOf(TorchError);
        const e = err as TorchError;
        expect(e.pyType).toBe(r.error.type);
        if (!isArgParserListing(r.error.message) && !isArgParserListing(e.message)) expect(e.message).toBe(r.error.message);
        return;
      }
      if (err) throw err;
      const t = out!;
      expect(t.dtype.name).toBe(r.dtype);
      expect(t.shape).toEqual(r.shape);
      expect(t.requiresGrad).toBe(r.requires_grad);
      if (r.stride) expect(t.strides).toEqual(r.stride);
      if (r.values) {
        const got = t.toFlatArray();
        const want = r.values.map(num);
        const bad = want.findIndex((w, i) => !Object.is(got[i], w));
        expect(bad, `first mismatch at ${bad}: got ${got[bad]} want ${want[bad]}`).toBe(-1);
        expect(got.length).toBe(want.length);
      }
    });
  }
});

describe('range ops: TS call style', () => {
  const find = (fn: string, args: string) => fixture.records.find((r) => r.fn === fn && JSON.stringify(r.args) === args && !Object.keys(r.kwargs).length)!;
  it('torch.arange / linspace / eye called from TypeScript match the records', () => {
    expect(torch.arange(5).toFlatArray()).toEqual(find('arange', '[5]').values);
    const lin = torch.linspace(0, 1, 7);
    expect(lin.tolist()).toEqual(find('linspace', '[0,1,7]').values);
    expect(torch.eye(2, 3).toFlatArray()).toEqual(find('eye', '[2,3]').values);
    const a = torch.arange(0, 1, new PyFloat(0.25));
    expect(a.dtype).toBe(dtypes.float32);
    expect(a.toFlatArray()).toEqual(find('arange', '[0,{"f":1},{"f":0.25}]').values);
  });
});
