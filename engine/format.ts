// The tensor printer: repr(tensor) == str(tensor), byte-identical to PyTorch 1.13's torch/_tensor_str.py
// (_Formatter, _scalar_str, _vector_str, _tensor_str_with_formatter, get_summarized_data, _str_intern,
// _add_suffixes) for dense strided real tensors. Python float formatting lives in format/pyfloat.ts.
import { DType, getDefaultDType } from './dtype';
import { formatPyInt, pyFormatExp, pyFormatFixed } from './format/pyfloat';

export { formatPyFloat, formatPyInt, pyFormatExp, pyFormatFixed } from './format/pyfloat';

/** What the printer needs from a tensor (engine Tensor satisfies it structurally). */
export interface Printable {
  readonly shape: readonly number[];
  readonly dtype: DType;
  toFlatArray(): number[];
  readonly requiresGrad: boolean;
  readonly gradFn: { readonly name: string } | null;
  readonly isParameter?: boolean;
  readonly device: { readonly type: string; toString(): string };
  readonly isLeaf?: boolean;
}

/** torch._tensor_str.PRINT_OPTS */
export interface PrintOptions {
  precision: number;
  threshold: number;
  edgeitems: number;
  linewidth: number;
  sciMode: boolean | null;
}

export interface SetPrintOptionsArgs {
  precision?: number | null;
  threshold?: number | null;
  edgeitems?: number | null;
  linewidth?: number | null;
  profile?: 'default' | 'short' | 'full' | string | null;
  sci_mode?: boolean | null;
  /** camelCase alias of sci_mode */
  sciMode?: boolean | null;
}

const DEFAULTS: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null };
let PRINT_OPTS: PrintOptions = { ...DEFAULTS };

/** torch.set_printoptions: profile first, then explicit options; sci_mode is always assigned (None resets it). */
export function setPrintOptions(o: SetPrintOptionsArgs = {}): void {
  const p = PRINT_OPTS;
  if (o.profile != null) {
    if (o.profile === 'default') Object.assign(p, { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 });
    else if (o.profile === 'short') Object.assign(p, { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 });
    else if (o.profile === 'full') Object.assign(p, { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 });
  }
  if (o.precision != null) p.precision = o.precision;
  if (o.threshold != null) p.threshold = o.threshold;
  if (o.edgeitems != null) p.edgeitems = o.edgeitems;
  if (o.linewidth != null) p.linewidth = o.linewidth;
  p.sciMode = o.sci_mode ?? o.sciMode ?? null;
}

export function getPrintOptions(): PrintOptions { return { ...PRINT_OPTS }; }
export function resetPrintOptions(): void { PRINT_OPTS = { ...DEFAULTS }; }

// ---- _Formatter --------------------------------------------------------------------------------

/** str() of one element of a non-floating tensor: Python int or bool. */
function intStr(v: number, isBool: boolean): string {
  return isBool ? (v ? 'True' : 'False') : formatPyInt(v);
}

class Formatter {
  readonly floating: boolean;
  private readonly isBool: boolean;
  intMode = true;
  sciMode = false;
  maxWidth = 1;

  /** `values`: the (summarized) elements the widths are measured over. */
  constructor(values: readonly number[], dtype: DType, private readonly o: PrintOptions) {
    this.floating = dtype.category === 'float';
    this.isBool = dtype.category === 'bool';
    if (!this.floating) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, intStr(v, this.isBool).length);
    } else {
      const nz = values.filter((v) => Number.isFinite(v) && v !== 0);
      if (nz.length === 0) return; // sci_mode option is not applied either
      let min = Infinity, max = 0;
      for (const v of nz) { const a = Math.abs(v); if (a < min) min = a; if (a > max) max = a; }
      this.intMode = nz.every((v) => v === Math.ceil(v));
      const p = o.precision;
      let measure: (v: number) => number;
      if (this.intMode) {
        if (max / min > 1000.0 || max > 1.0e8) {
          this.sciMode = true;
          measure = (v) => pyFormatExp(v, p).length;
        } else {
          measure = (v) => pyFormatFixed(v, 0).length + 1;
        }
      } else if (max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4) {
        this.sciMode = true;
        measure = (v) => pyFormatExp(v, p).length;
      } else {
        measure = (v) => pyFormatFixed(v, p).length;
      }
      for (const v of nz) this.maxWidth = Math.max(this.maxWidth, measure(v));
    }
    if (o.sciMode !== null) this.sciMode = o.sciMode;
  }

  format(v: number): string {
    let ret: string;
    if (this.floating) {
      if (this.sciMode) ret = pyFormatExp(v, this.o.precision);
      else if (this.intMode) ret = pyFormatFixed(v, 0) + (Number.isFinite(v) ? '.' : '');
      else ret = pyFormatFixed(v, this.o.precision);
    } else {
      ret = intStr(v, this.isBool);
    }
    return ret.length < this.maxWidth ? ' '.repeat(this.maxWidth - ret.length) + ret : ret;
  }
}

// ---- layout ------------------------------------------------------------------------------------

/** A row-major block of the flat value array: values[offset ..] with `shape`. */
interface Block { shape: readonly number[]; offset: number }

function strideOf(shape: readonly number[]): number {
  let s = 1;
  for (let i = 1; i < shape.length; i++) s *= shape[i];
  return s;
}

function sub(b: Block, i: number): Block {
  return { shape: b.shape.slice(1), offset: b.offset + i * strideOf(b.shape) };
}

/** Python's `self[-e:]` start index for a length-n axis (e == 0 gives the whole axis). */
function tailStart(n: number, e: number): number {
  return e === 0 ? 0 : Math.max(0, n - e);
}

/** get_summarized_data, flattened. */
function summarizedValues(vals: readonly number[], b: Block, e: number, out: number[]): void {
  const dim = b.shape.length;
  if (dim === 0) { out.push(vals[b.offset]); return; }
  const n = b.shape[0];
  if (dim === 1) {
    const push = (from: number, to: number) => { for (let i = from; i < to; i++) out.push(vals[b.offset + i]); };
    if (n > 2 * e) { push(0, Math.min(e, n)); push(tailStart(n, e), n); } else push(0, n);
    return;
  }
  if (n > 2 * e) {
    if (e === 0) throw new Error('stack expects a non-empty TensorList');
    for (let i = 0; i < e; i++) summarizedValues(vals, sub(b, i), e, out);
    for (let i = n - e; i < n; i++) summarizedValues(vals, sub(b, i), e, out);
  } else {
    for (let i = 0; i < n; i++) summarizedValues(vals, sub(b, i), e, out);
  }
}

function vectorStr(vals: readonly number[], b: Block, indent: number, summarize: boolean, f: Formatter, o: PrintOptions): string {
  const elementLength = f.maxWidth + 2;
  const perLine = Math.max(1, Math.floor((o.linewidth - indent) / elementLength));
  const n = b.shape[0], e = o.edgeitems;
  const data: string[] = [];
  const push = (from: number, to: number) => { for (let i = from; i < to; i++) data.push(f.format(vals[b.offset + i])); };
  if (summarize && n > 2 * e) {
    push(0, Math.min(e, n));
    data.push(' ...');
    push(tailStart(n, e), n);
  } else {
    push(0, n);
  }
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(', '));
  return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
}

function tensorStrWithFormatter(vals: readonly number[], b: Block, indent: number, summarize: boolean, f: Formatter, o: PrintOptions): string {
  const dim = b.shape.length;
  if (dim === 0) return f.format(vals[b.offset]);
  if (dim === 1) return vectorStr(vals, b, indent, summarize, f, o);
  const n = b.shape[0], e = o.edgeitems;
  const rec = (i: number) => tensorStrWithFormatter(vals, sub(b, i), indent + 1, summarize, f, o);
  const slices: string[] = [];
  if (summarize && n > 2 * e) {
    for (let i = 0; i < e; i++) slices.push(rec(i));
    slices.push('...');
    for (let i = n - e; i < n; i++) slices.push(rec(i));
  } else {
    for (let i = 0; i < n; i++) slices.push(rec(i));
  }
  return '[' + slices.join(',' + '\n'.repeat(dim - 1) + ' '.repeat(indent + 1)) + ']';
}

/** _tensor_str for a non-empty tensor. */
function tensorStr(vals: readonly number[], shape: readonly number[], dtype: DType, indent: number, o: PrintOptions): string {
  const numel = vals.length;
  const summarize = numel > o.threshold;
  const root: Block = { shape, offset: 0 };
  let fvals: readonly number[] = vals;
  if (summarize) { const s: number[] = []; summarizedValues(vals, root, o.edgeitems, s); fvals = s; }
  const f = new Formatter(fvals, dtype, o);
  return tensorStrWithFormatter(vals, root, indent, summarize, f, o);
}

function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** _add_suffixes (including its off-by-two measure of the last line). */
function addSuffixes(s: string, suffixes: string[], indent: number, linewidth: number): string {
  const parts = [s];
  let lastLineLen = s.length - s.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > linewidth) {
      parts.push(',\n' + ' '.repeat(indent) + suffix);
      lastLineLen = indent + suffix.length;
    } else {
      parts.push(', ' + suffix);
      lastLineLen += suffix.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/**
 * repr(t) == str(t) in PyTorch 1.13, including the "Parameter containing:\n" line of nn.Parameter.
 * `opts` overrides the global print options for this call only. The default float dtype is
 * engine/dtype's getDefaultDType().
 */
export function formatTensor(t: Printable, opts?: Partial<PrintOptions>): string {
  const o: PrintOptions = opts ? { ...PRINT_OPTS, ...opts } : PRINT_OPTS;
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  if (t.device.type !== 'cpu') suffixes.push(`device='${t.device.toString()}'`);
  const dtype = t.dtype;
  const defaultName = getDefaultDType().name;
  const hasDefaultDType = dtype.name === defaultName || dtype.name === 'int64' || dtype.name === 'bool';
  let numel = 1;
  for (const d of t.shape) numel *= d;
  let body: string;
  if (numel === 0) {
    if (t.shape.length !== 1) suffixes.push(`size=${pyTuple(t.shape)}`);
    if (dtype.name !== defaultName) suffixes.push(`dtype=torch.${dtype.name}`);
    body = '[]';
  } else {
    if (!hasDefaultDType) suffixes.push(`dtype=torch.${dtype.name}`);
    body = tensorStr(t.toFlatArray(), t.shape, dtype, indent, o);
  }
  if (t.gradFn) suffixes.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  const s = addSuffixes(prefix + body, suffixes, indent, o.linewidth);
  return t.isParameter ? 'Parameter containing:\n' + s : s;
}
