// PyTorch schema strings ("sum(Tensor self, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor")
// parsed once, and argument binding with python_arg_parser's rules: positional then keyword, defaults,
// int[] varargs (x.view(2, 3)), int[N] accepting a single int, `input` as the keyword for `self`.
import { DType, dtypeOf } from '../dtype';
import { TorchError } from '../errors';
import { PyFloat, isScalar, scalarKind, scalarValue } from '../scalar';
import { Device, Tensor, deviceContext } from '../tensor';

export type ParamType =
  | 'Tensor' | 'Tensor[]' | 'Tensor?[]' | 'Scalar' | 'int' | 'int[]' | 'float' | 'float[]' | 'bool' | 'str'
  | 'ScalarType' | 'Device' | 'Generator' | 'Layout' | 'MemoryFormat' | 'Any';

export interface Param {
  name: string;
  type: ParamType;
  optional: boolean;
  /** int[N]: a single int is accepted */
  fixedLen: number | null;
  hasDefault: boolean;
  default: unknown;
  kwOnly: boolean;
  /** Python-level *args, written `Tensor[] *tensors` (torch.broadcast_tensors(*tensors)): takes all remaining positionals */
  varargs?: boolean;
  /** written SymInt[]: messages say "tuple of SymInts" */
  sym?: boolean;
}

export interface Schema {
  name: string;
  params: Param[];
  text: string;
  /** number of positional params */
  nPositional: number;
  /** bind()'s per-schema plan, made on first use */
  plan?: BindPlan;
}

const TYPE_ALIASES: Record<string, ParamType> = {
  Tensor: 'Tensor', 'Tensor[]': 'Tensor[]', 'Tensor?[]': 'Tensor?[]', Scalar: 'Scalar', int: 'int', SymInt: 'int',
  'int[]': 'int[]', 'SymInt[]': 'int[]', float: 'float', 'float[]': 'float[]', bool: 'bool', str: 'str',
  ScalarType: 'ScalarType', Device: 'Device', Generator: 'Generator', Layout: 'Layout', MemoryFormat: 'MemoryFormat', Any: 'Any',
};

function parseDefault(s: string, type: ParamType): unknown {
  if (s === 'None') return null;
  if (s === 'True') return true;
  if (s === 'False') return false;
  if (s === '[]') return [];
  if (/^\[.*\]$/.test(s)) return s.slice(1, -1).split(',').map((x) => Number(x.trim()));
  if (/^".*"$|^'.*'$/.test(s)) return s.slice(1, -1);
  if (/^-?[\d.]+(e-?\d+)?$/.test(s)) {
    const v = Number(s);
    if ((type === 'float' || type === 'Scalar') && /[.e]/.test(s)) return new PyFloat(v);
    if (type === 'int[]') return [v];
    return v;
  }
  return s; // contiguous_format, strided, ...
}

export function parseSchema(text: string): Schema {
  const m = /^([\w.]+)\((.*)\)(\s*->.*)?$/.exec(text.trim());
  if (!m) throw new Error(`bad schema: ${text}`);
  const params: Param[] = [];
  let kwOnly = false;
  for (const raw of splitTop(m[2])) {
    const p = raw.trim();
    if (!p) continue;
    if (p === '*') { kwOnly = true; continue; }
    const eq = p.indexOf('=');
    const decl = eq >= 0 ? p.slice(0, eq).trim() : p;
    const def = eq >= 0 ? p.slice(eq + 1).trim() : undefined;
    const sp = decl.lastIndexOf(' ');
    let tstr = decl.slice(0, sp).trim();
    const varargs = decl.slice(sp + 1).startsWith('*');
    const name = decl.slice(sp + 1 + (varargs ? 1 : 0));
    let optional = false;
    if (tstr.endsWith('?')) { optional = true; tstr = tstr.slice(0, -1); }
    let fixedLen: number | null = null;
    const lm = /^(\w+)\[(\d+)\]$/.exec(tstr);
    if (lm) { fixedLen = Number(lm[2]); tstr = `${lm[1]}[]`; }
    const type = TYPE_ALIASES[tstr];
    if (!type) throw new Error(`bad type ${tstr} in ${text}`);
    params.push({
      name, type, optional, fixedLen, kwOnly, varargs, sym: tstr === 'SymInt[]',
      hasDefault: def !== undefined, default: def !== undefined ? parseDefault(def, type) : undefined,
    });
  }
  const name = m[1].split('.')[0];
  return { name, params, text, nPositional: params.filter((p) => !p.kwOnly).length };
}

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = '';
  for (const ch of s) {
    if (ch === '[' || ch === '(') depth++;
    if (ch === ']' || ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

// ---- binding -----------------------------------------------------------------------------------

export type Bound = Record<string, any>;

class BindFailure {
  /** element: a list element is wrong (the message has no "(position N)"); raw: the message is complete
   * except "{arg}", the argument's index (a Tensor list element: "expected Tensor as element i in argument n") */
  constructor(readonly message: string, readonly kind: 'element' | 'raw' | null = null) {}
}

/** Python type name of a JS argument, as PyTorch's messages print it. */
export function pyTypeName(x: unknown): string {
  if (x === null || x === undefined) return 'NoneType';
  if (x instanceof Tensor) return x.isParameter ? 'Parameter' : 'Tensor';
  if (x instanceof PyFloat) return 'float';
  if (typeof x === 'boolean') return 'bool';
  if (typeof x === 'number') return Number.isInteger(x) ? 'int' : 'float';
  if (typeof x === 'bigint') return 'int';
  if (typeof x === 'string') return 'str';
  if (x instanceof DType) return 'torch.dtype';
  if (Array.isArray(x)) return 'list';
  return typeof x === 'object' ? ((x as object).constructor?.name ?? 'object') : typeof x;
}

function asInt(x: unknown): number | undefined {
  if (typeof x === 'number' && Number.isInteger(x)) return x;
  if (typeof x === 'bigint') return Number(x);
  if (x instanceof Tensor && x.numel() === 1 && x.dtype.category === 'int') return x.scalarValue();
  return undefined;
}

function convert(p: Param, x: unknown): unknown {
  if (x === null || x === undefined) {
    if (p.optional || (p.hasDefault && p.default === null)) return null;
    return new BindFailure(`must be ${typeLabel(p)}, not NoneType`);
  }
  switch (p.type) {
    case 'Tensor':
      return x instanceof Tensor ? x : new BindFailure(`must be Tensor, not ${pyTypeName(x)}`);
    case 'Scalar':
      if (isScalar(x)) return x;
      if (x instanceof Tensor && x.numel() === 1 && x.ndim === 0) {
        const v = x.scalarValue();
        return x.dtype.category === 'float' ? new PyFloat(v) : x.dtype.category === 'bool' ? v !== 0 : v;
      }
      return new BindFailure(`must be Number, not ${pyTypeName(x)}`);
    case 'int': {
      if (typeof x === 'boolean') return new BindFailure(`must be int, not bool`);
      const v = asInt(x);
      return v !== undefined ? v : new BindFailure(`must be int, not ${pyTypeName(x)}`);
    }
    case 'float':
      if (typeof x === 'number') return x;
      if (x instanceof PyFloat) return x.value;
      if (typeof x === 'bigint') return Number(x);
      if (x instanceof Tensor && x.numel() === 1) return x.scalarValue();
      return new BindFailure(`must be float, not ${pyTypeName(x)}`);
    case 'bool':
      return typeof x === 'boolean' ? x : new BindFailure(`must be bool, not ${pyTypeName(x)}`);
    case 'str':
      return typeof x === 'string' ? x : new BindFailure(`must be str, not ${pyTypeName(x)}`);
    case 'int[]': {
      if (p.fixedLen !== null) { const v = asInt(x); if (v !== undefined && typeof x !== 'boolean') return [v]; }
      if (!Array.isArray(x)) return new BindFailure(`must be tuple of ${p.sym ? 'SymInts' : 'ints'}, not ${pyTypeName(x)}`);
      const out: number[] = [];
      for (const e of x) {
        const v = typeof e === 'boolean' ? undefined : asInt(e);
        // python_arg_parser matches an int list on its first element; a later bad one fails at unpacking (no other overload is tried)
        if (v === undefined && out.length === 0) return new BindFailure(`must be tuple of ${p.sym ? 'SymInts' : 'ints'}, not ${pyTypeName(x)}`);
        if (v === undefined) return new BindFailure(`must be tuple of ${p.sym ? 'SymInts' : 'ints'}, but found element of type ${pyTypeName(e)} at pos ${out.length + 1}`, 'element');
        out.push(v);
      }
      return out;
    }
    case 'float[]':
      if (!Array.isArray(x)) return new BindFailure(`must be tuple of floats, not ${pyTypeName(x)}`);
      return x.map((e) => (isScalar(e) ? scalarValue(e) : Number(e)));
    case 'Tensor[]':
    case 'Tensor?[]':
      if (!Array.isArray(x)) return new BindFailure(`must be tuple of Tensors, not ${pyTypeName(x)}`);
      for (const [i, e] of x.entries()) {
        if (!(e instanceof Tensor) && !(p.type === 'Tensor?[]' && (e === null || e === undefined))) {
          return new BindFailure(`expected Tensor as element ${i} in argument {arg}, but got ${pyTypeName(e)}`, 'raw');
        }
      }
      return x.map((e) => e ?? null);
    case 'ScalarType':
      if (x instanceof DType) return x;
      if (typeof x === 'string') { try { return dtypeOf(x); } catch { /* fallthrough */ } }
      return new BindFailure(`must be torch.dtype, not ${pyTypeName(x)}`);
    case 'Device':
      if (typeof x === 'string' || typeof x === 'number' || x instanceof Device) return checkDevice(x);
      return new BindFailure(`must be torch.device, not ${pyTypeName(x)}`);
    default:
      return x;
  }
}

const DEVICE_TYPES = ['cpu', 'cuda', 'ipu', 'xpu', 'mkldnn', 'opengl', 'opencl', 'ideep', 'hip', 've', 'fpga', 'ort', 'xla',
  'lazy', 'vulkan', 'mps', 'meta', 'hpu', 'privateuseone'];

/** A device argument as a CPU-only PyTorch build treats it (cuda, or an int ordinal, and mps are not built in), plus webgpu. */
function checkDevice<T>(x: T): T | string {
  const type = typeof x === 'number' ? 'cuda' : String(x).split(':')[0];
  if (type === 'webgpu') return x;
  // the setting that lets code written for CUDA use the WebGPU device
  if (type === 'cuda' && deviceContext.cudaAlias) return 'webgpu';
  if (!DEVICE_TYPES.includes(type)) {
    throw new TorchError('RuntimeError', `Expected one of ${DEVICE_TYPES.join(', ')} device type at start of device string: ${String(x)}`);
  }
  if (type === 'cuda') throw new TorchError('AssertionError', 'Torch not compiled with CUDA enabled');
  if (type === 'mps') throw new TorchError('RuntimeError', 'PyTorch is not linked with support for mps devices');
  return x;
}

function typeLabel(p: Param): string {
  switch (p.type) {
    case 'Scalar': return 'Number';
    case 'int[]': return 'tuple of ints';
    case 'ScalarType': return 'torch.dtype';
    case 'Tensor[]': return 'tuple of Tensors';
    default: return p.type;
  }
}

const NUMPY_KWARGS: Record<string, string> = { axis: 'dim', keepdims: 'keepdim' };

/**
 * Bind positional `args` and `kwargs` to the schema. Returns the bound values by name, or a
 * BindFailure describing why this overload does not match.
 */
export function bind(s: Schema, args: readonly unknown[], kwargs: Record<string, unknown> | null, isMethod: boolean): Bound | BindFailure {
  const out: Bound = {};
  const ps = s.params;
  const plan = s.plan ?? (s.plan = bindPlan(s));
  // a method whose schema puts self later (where(condition, self, other), polygamma(n, self)): self comes first
  const positional = isMethod ? plan.methodPositional : plan.positional;
  let ai = 0;
  let pi = 0;
  // a parameter is given once out holds it (bound values are never undefined)
  const fname = () => `${s.name}()`;
  // int[] varargs: the only positional parameter (besides self) is an int list and ints are given
  const firstFree = isMethod ? plan.methodFirstFree : plan.firstFree;
  const restPositional = isMethod ? plan.methodRestPositional : plan.restPositional;
  for (; ai < args.length; ai++, pi++) {
    const p = positional[pi];
    const x = args[ai];
    if (!p) {
      return new BindFailure(`${fname()} takes ${positional.length - (isMethod ? 1 : 0)} positional argument${positional.length - (isMethod ? 1 : 0) === 1 ? '' : 's'} but ${args.length - (isMethod ? 1 : 0)} were given`);
    }
    if (p.varargs || (p === firstFree && p.type === 'int[]' && restPositional === 1 && asInt(x) !== undefined && typeof x !== 'boolean' && (args.length - ai > 1 || p.fixedLen === null))) {
      const rest = args.slice(ai);
      const v = convert(p, rest);
      if (v instanceof BindFailure) {
        // (another overload may still take these ints; if none does, noMatchError reports this one)
        if (v.kind === 'element') return new BindFailure(`${fname()}: argument '${p.name}' ${v.message}`, 'element');
        return v.kind === 'raw' ? new BindFailure(v.message.replace('{arg}', String(pi - (isMethod ? 1 : 0))))
          : new BindFailure(`${fname()}: argument '${p.name}' ${v.message}`);
      }
      out[p.name] = v;
      ai = args.length;
      pi++;
      break;
    }
    const v = convert(p, x);
    if (v instanceof BindFailure) {
      const label = p.name === 'self' && !isMethod ? 'input' : p.name;
      // positions count from 1 after self for a method call (x.mul('a'): position 1)
      const position = ai + (isMethod ? 0 : 1);
      if (v.kind === 'raw') return new BindFailure(v.message.replace('{arg}', String(position - 1)));
      if (v.kind === 'element') throw new TorchError('TypeError', `${fname()}: argument '${label}' ${v.message}`);
      return new BindFailure(`${fname()}: argument '${label}' (position ${position}) ${v.message}`);
    }
    out[p.name] = v;
  }
  if (kwargs) {
    for (const key of Object.keys(kwargs)) {
      let name = key === 'input' && !isMethod && plan.hasSelf && !plan.hasInput ? 'self' : key;
      // python_arg_parser's numpy spellings: axis= for dim=, keepdims= for keepdim=
      if (NUMPY_KWARGS[key] && !plan.byName.has(key)) name = NUMPY_KWARGS[key];
      const p = plan.byName.get(name);
      if (!p || (p.name === 'self' && isMethod)) return new BindFailure(`${fname()} got an unexpected keyword argument '${key}'`);
      if (out[name] !== undefined) return new BindFailure(`${fname()} got multiple values for argument '${key}'`);
      const v = convert(p, kwargs[key]);
      if (v instanceof BindFailure) {
        if (v.kind === 'raw') return new BindFailure(v.message.replace('{arg}', String(Math.max(0, positional.indexOf(p) - (isMethod ? 1 : 0)))));
        if (v.kind === 'element') throw new TorchError('TypeError', `${fname()}: argument '${key}' ${v.message}`);
        return new BindFailure(`${fname()}: argument '${key}' ${v.message}`);
      }
      out[name] = v;
    }
  }
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i];
    if (out[p.name] !== undefined) continue;
    if (p.hasDefault) out[p.name] = cloneDefault(p.default);
    else if (p.optional) out[p.name] = null;
    else return new BindFailure(`${fname()} missing 1 required positional arguments: "${p.name === 'self' ? 'input' : p.name}"`);
  }
  return out;
}

/** What bind() needs from a schema besides its params, worked out once per schema (dispatch is hot). */
export interface BindPlan {
  positional: Param[];
  /** positional order for a method call: self first */
  methodPositional: Param[];
  firstFree: Param | undefined;
  restPositional: number;
  methodFirstFree: Param | undefined;
  methodRestPositional: number;
  byName: Map<string, Param>;
  hasSelf: boolean;
  hasInput: boolean;
}

function bindPlan(s: Schema): BindPlan {
  const positional = s.params.filter((p) => !p.kwOnly);
  const selfAt = positional.findIndex((p) => p.name === 'self');
  const methodPositional = positional.slice();
  if (selfAt > 0) methodPositional.unshift(...methodPositional.splice(selfAt, 1));
  const skip = positional[0]?.name === 'self' ? 1 : 0;
  return {
    positional, methodPositional,
    firstFree: positional[skip], restPositional: positional.length - skip,
    methodFirstFree: methodPositional[1], methodRestPositional: methodPositional.length - 1,
    byName: new Map(s.params.map((p) => [p.name, p])),
    hasSelf: s.params.some((q) => q.name === 'self'),
    hasInput: s.params.some((q) => q.name === 'input'),
  };
}

function cloneDefault(d: unknown): unknown {
  return Array.isArray(d) ? d.slice() : d;
}

export function isBindFailure(x: unknown): x is BindFailure {
  return x instanceof BindFailure;
}

/** The TypeError raised when no overload matches. */
export function noMatchError(name: string, schemas: Schema[], failures: BindFailure[], args: readonly unknown[], kwargs: Record<string, unknown> | null): TorchError {
  if (schemas.length === 1) return new TorchError('TypeError', failures[0].message);
  // ints taken as varargs (x.view(2, 'a')) fail where python_arg_parser unpacks them, after matching
  const unpacked = failures.find((f) => f.kind === 'element');
  if (unpacked) return new TorchError('TypeError', unpacked.message);
  // python_arg_parser's print_error: when one signature alone is plausible by argument count, its own error
  const n = args.length + Object.keys(kwargs ?? {}).length;
  const plausible = schemas.map((_, i) => i).filter((i) => !isScalarTwin(schemas, i) && plausibleCount(schemas[i], n));
  if (plausible.length === 1) return new TorchError('TypeError', failures[plausible[0]].message);
  const got = [...args.map(pyTypeName), ...Object.entries(kwargs ?? {}).map(([k, v]) => `${k}=${pyTypeName(v)}`)];
  const lines = schemas.map((s) => ` * (${s.params.map((p) => `${p.type === 'Scalar' ? 'Number' : p.type} ${p.name === 'self' ? 'input' : p.name}`).join(', ')})`);
  return new TorchError('TypeError', `${name}() received an invalid combination of arguments - got (${got.join(', ')}), but expected one of:\n${lines.join('\n')}\n`);
}

/** Whether n arguments (self included) fit the schema's count: required ones at least, all at most. */
function plausibleCount(s: Schema, n: number): boolean {
  const required = s.params.filter((p) => !p.hasDefault && !p.optional).length;
  return n >= required && (n <= s.params.length || s.params.some((p) => p.varargs));
}

/** Ops whose `Scalar other` overload PyTorch does not bind in Python (gen_python_functions' SKIP_PYTHON_BINDINGS_SIGNATURES). */
const SCALAR_TWINS_UNBOUND = new Set(['add', 'add_', 'sub', 'sub_', 'mul', 'mul_', 'div', 'div_']);

/**
 * A `Scalar other` overload that repeats an earlier `Tensor other` one for add/sub/mul/div: Python binds
 * only the Tensor form (a number becomes a wrapped tensor), so it is not a signature of its own.
 */
function isScalarTwin(schemas: Schema[], i: number): boolean {
  const s = schemas[i];
  return SCALAR_TWINS_UNBOUND.has(s.name) && schemas.slice(0, i).some((t) => t.params.length === s.params.length && t.params.every((p, k) => {
    const q = s.params[k];
    return p.name === q.name && (p.type === q.type || (p.type === 'Tensor' && q.type === 'Scalar'));
  }) && t.params.some((p, k) => p.type !== s.params[k].type));
}

export { scalarKind, scalarValue };
