// The tensor printer against real PyTorch 1.13 output (test/fixtures/format.json, made by gen_format.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DTypeName, dtypes, getDefaultDType, setDefaultDType } from '../../engine/dtype';
import { Tensor } from '../../engine/tensor';
import {
  formatPyFloat, formatPyInt, formatTensor, getPrintOptions, Printable, PrintOptions, pyFormatExp, pyFormatFixed,
  resetPrintOptions, setPrintOptions, SetPrintOptionsArgs,
} from '../../engine/format';

type Enc = number | string;
type OptsRec = { precision: number; threshold: Enc; edgeitems: number; linewidth: number; sciMode: boolean | null };
interface TensorRec {
  id: string; shape: number[]; dtype: DTypeName; values: Enc[]; requires_grad: boolean; grad_fn: string | null;
  is_parameter: boolean; set: Record<string, Enc | boolean | null> | null; opts: OptsRec; default_dtype: DTypeName; expected: string;
}
interface Fixture {
  tensors: TensorRec[];
  sequences: { calls: Record<string, Enc | boolean | null>[]; opts: OptsRec }[];
  floats: [Enc, string][];
  fmt: [Enc, 'f' | 'e', number, string][];
}

const fx: Fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/format.json'), 'utf8'));

function dec(v: Enc): number {
  if (typeof v === 'number') return v;
  switch (v) {
    case 'inf': return Infinity;
    case '-inf': return -Infinity;
    case 'nan': return NaN;
    case '-0.0': return -0;
    default: throw new Error(`bad encoded value ${v}`);
  }
}
const decAny = (v: unknown) => (typeof v === 'string' && v !== 'default' && v !== 'short' && v !== 'full' && v !== 'nonsense' ? dec(v) : v);
const decArgs = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decAny(v)])) as SetPrintOptionsArgs;
const decOpts = (o: OptsRec): PrintOptions => ({ ...o, threshold: dec(o.threshold) });

const cpu = { type: 'cpu', toString: () => 'cpu' };
function printable(r: Pick<TensorRec, 'shape' | 'dtype' | 'values'> & Partial<TensorRec>): Printable {
  const values = r.values.map(dec);
  return {
    shape: r.shape, dtype: dtypes[r.dtype], toFlatArray: () => values.slice(), requiresGrad: !!r.requires_grad,
    gradFn: r.grad_fn ? { name: r.grad_fn } : null, isParameter: !!r.is_parameter, device: cpu,
  };
}

afterEach(() => { resetPrintOptions(); setDefaultDType(dtypes.float32); });

describe('formatTensor vs PyTorch 1.13', () => {
  it('has a large fixture set', () => { expect(fx.tensors.length).toBeGreaterThan(1000); });
  it.each(fx.tensors.map((r) => [r.id, r] as const))('%s', (_id, r) => {
    resetPrintOptions();
    if (r.set) setPrintOptions(decArgs(r.set));
    expect(getPrintOptions()).toEqual(decOpts(r.opts));
    setDefaultDType(dtypes[r.default_dtype]);
    expect(formatTensor(printable(r))).toBe(r.expected);
    // the same result with the options passed per call instead of set globally
    resetPrintOptions();
    expect(formatTensor(printable(r), decOpts(r.opts))).toBe(r.expected);
  });
});

describe('setPrintOptions', () => {
  it.each(fx.sequences.map((s, i) => [i, s] as const))('sequence %i', (_i, s) => {
    resetPrintOptions();
    for (const c of s.calls) setPrintOptions(decArgs(c));
    expect(getPrintOptions()).toEqual(decOpts(s.opts));
  });
  it('getPrintOptions returns a copy; reset restores defaults', () => {
    const o = getPrintOptions();
    o.precision = 9;
    expect(getPrintOptions().precision).toBe(4);
    setPrintOptions({ precision: 1, sci_mode: true });
    resetPrintOptions();
    expect(getPrintOptions()).toEqual({ precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null });
  });
  it('accepts sciMode as an alias of sci_mode', () => {
    setPrintOptions({ sciMode: false });
    expect(getPrintOptions().sciMode).toBe(false);
  });
});

describe('Python float formatting', () => {
  it.each(fx.floats.map(([v, s]) => [s, v] as const))('repr %s', (s, v) => {
    expect(formatPyFloat(dec(v))).toBe(s);
  });
  it('format specs .Nf / .Ne', () => {
    const bad: string[] = [];
    for (const [v, kind, p, s] of fx.fmt) {
      const got = kind === 'f' ? pyFormatFixed(dec(v), p) : pyFormatExp(dec(v), p);
      if (got !== s) bad.push(`${v} .${p}${kind}: got ${got} want ${s}`);
    }
    expect(bad).toEqual([]);
    expect(fx.fmt.length).toBeGreaterThan(2000);
  });
  it('float32-rounded values and ties', () => {
    expect(formatPyFloat(Math.fround(0.1))).toBe('0.10000000149011612');
    expect(formatPyFloat(Math.fround(1e-45))).toBe('1.401298464324817e-45');
    expect(pyFormatFixed(1.03125, 4)).toBe('1.0312');
    expect(pyFormatFixed(2.5, 0)).toBe('2');
    expect(pyFormatExp(10.0625, 4)).toBe('1.0062e+01');
    expect(pyFormatFixed(1e22, 1)).toBe('10000000000000000000000.0');
    expect(pyFormatFixed(-0.00001, 4)).toBe('-0.0000');
  });
  it('fast paths (toFixed/toExponential) agree with the exact BigInt path', () => {
    let seed = 12345;
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    const view = new DataView(new ArrayBuffer(8));
    const bad: string[] = [];
    for (let i = 0; i < 20000; i++) {
      let x: number;
      const kind = i % 4;
      if (kind === 0) x = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
      else if (kind === 1) x = Math.fround((rnd() - 0.5) * 10 ** Math.floor(rnd() * 16 - 8));
      else if (kind === 2) x = Math.floor((rnd() - 0.5) * 4096) / 2 ** Math.floor(rnd() * 14); // dyadic ties
      else { view.setUint32(0, Math.floor(rnd() * 2 ** 31)); view.setUint32(4, Math.floor(rnd() * 2 ** 32)); x = view.getFloat64(0); }
      const p = Math.floor(rnd() * 12);
      if (pyFormatFixed(x, p) !== pyFormatFixed(x, p, true)) bad.push(`${x} .${p}f`);
      if (pyFormatExp(x, p) !== pyFormatExp(x, p, true)) bad.push(`${x} .${p}e`);
      const r = formatPyFloat(x);
      if (Number.isFinite(x) && Number(r) !== x) bad.push(`repr ${x} -> ${r}`);
    }
    expect(bad).toEqual([]);
  });
  it('str(int) beyond 2^53', () => {
    expect(formatPyInt(-(2 ** 63))).toBe('-9223372036854775808');
    expect(formatPyInt(2 ** 60)).toBe('1152921504606846976');
    expect(formatPyInt(-0)).toBe('0');
  });
});

describe('formatTensor details not reachable from CPU PyTorch', () => {
  it('prints a non-cpu device', () => {
    const t = printable({ shape: [2], dtype: 'float32', values: [1, 2] });
    const gpu = { ...t, device: { type: 'webgpu', toString: () => 'webgpu:0' } };
    expect(formatTensor(gpu)).toBe("tensor([1., 2.], device='webgpu:0')");
    const g2 = { ...gpu, dtype: dtypes.float64, requiresGrad: true };
    expect(formatTensor(g2)).toBe("tensor([1., 2.], device='webgpu:0', dtype=torch.float64, requires_grad=True)");
  });
  it('uses engine default dtype', () => {
    setDefaultDType(dtypes.float64);
    expect(getDefaultDType()).toBe(dtypes.float64);
    expect(formatTensor(printable({ shape: [1], dtype: 'float32', values: [1.5] }))).toBe('tensor([1.5000], dtype=torch.float32)');
  });
  it('formats an engine Tensor (structural Printable)', () => {
    const t: Printable = Tensor.fromArray(new Float32Array([1.5, -2, 0.25, 4]), [2, 2], dtypes.float32);
    expect(formatTensor(t)).toBe('tensor([[ 1.5000, -2.0000],\n        [ 0.2500,  4.0000]])');
    const p = Tensor.fromArray(new Uint8Array([1, 0]), [2], dtypes.bool);
    p.isParameter = true;
    expect(formatTensor(p)).toBe('Parameter containing:\ntensor([ True, False])');
  });
  it('per-call options do not change the global ones', () => {
    const t = printable({ shape: [2], dtype: 'float32', values: [1.25, 2] });
    expect(formatTensor(t, { precision: 1 })).toBe('tensor([1.2, 2.0])');
    expect(formatTensor(t)).toBe('tensor([1.2500, 2.0000])');
  });
});
