// The registry built from the op table: dispatch by name with PyTorch's argument binding.
import { TorchError } from '../errors';
import { OpDef } from './spec';
import { Bound, Schema, bind, isBindFailure, noMatchError, parseSchema } from './schema';
import { Device, Tensor, cpu, deviceContext, webgpu } from '../tensor';

export interface RegisteredOp {
  def: OpDef;
  schemas: Schema[];
  function: boolean;
  method: boolean;
}

const registry = new Map<string, RegisteredOp>();

export function registerOps(defs: OpDef[]): void {
  for (const def of defs) {
    const sigs = Array.isArray(def.sig) ? def.sig : [def.sig];
    const variants = def.variants ?? ['function', 'method'];
    const op: RegisteredOp = {
      def,
      schemas: sigs.map(parseSchema),
      function: variants.includes('function'),
      method: variants.includes('method'),
    };
    for (const n of [def.name, ...(def.aliases ?? [])]) {
      if (registry.has(n)) throw new Error(`op ${n} registered twice`);
      registry.set(n, op);
    }
  }
}

export function getOp(name: string): RegisteredOp | undefined {
  return registry.get(name);
}

export function allOps(): RegisteredOp[] {
  return [...new Set(registry.values())];
}

export function opNames(): string[] {
  return [...registry.keys()];
}

/**
 * Call op `name` the way Python would: `args` positional (for a method call, args[0] is self),
 * `kwargs` by name.
 */
export function dispatch(name: string, args: readonly unknown[], kwargs: Record<string, unknown> | null, isMethod = false): unknown {
  const op = registry.get(name);
  if (!op) throw new TorchError('AttributeError', `module 'torch' has no attribute '${name}'`);
  if (op.schemas.length === 1) {
    const b = bind(op.schemas[0], args, kwargs, isMethod);
    if (isBindFailure(b)) throw noMatchError(name, op.schemas, [b], args, kwargs);
    return deviceContext.active || kwargs?.device != null ? onDevice(op, b, 0, args, kwargs) : op.def.impl(b, 0);
  }
  const failures = [];
  for (let i = 0; i < op.schemas.length; i++) {
    const b = bind(op.schemas[i], args, kwargs, isMethod);
    if (!isBindFailure(b)) return deviceContext.active || kwargs?.device != null ? onDevice(op, b, i, args, kwargs) : op.def.impl(b, i);
    failures.push(b);
  }
  throw noMatchError(name, op.schemas, failures, args, kwargs);
}

/**
 * Run an op once some storage lives on a device: the op runs on its tensors' device (new storages go
 * there), or on its `device` argument's, or on the default device; tensors on two devices are refused
 * like PyTorch refuses them (a 0-dim CPU tensor may join, as a scalar). Device storages that the op only
 * reads are marked so, so reading their host copy keeps their device copy current.
 */
function onDevice(op: RegisteredOp, b: Bound, overload: number, args: readonly unknown[], kwargs: Record<string, unknown> | null): unknown {
  let dev: Device | null = null;
  let first: Tensor | null = null;
  const see = (x: unknown) => {
    if (x instanceof Tensor) {
      if (first === null) { first = x; dev = x.device; return; }
      const d = x.device;
      if (d !== dev && d.type !== dev!.type && !(x.ndim === 0 && d.type === 'cpu') && !MIXED_OK.has(op.def.name)) {
        if (first.ndim === 0 && dev!.type === 'cpu') { first = x; dev = d; return; }
        throw new TorchError('RuntimeError', `Expected all tensors to be on the same device, but found at least two devices, ${dev} and ${d}!`);
      }
    } else if (Array.isArray(x)) for (const e of x) see(e);
  };
  for (const a of args) see(a);
  if (kwargs) for (const k in kwargs) see(kwargs[k]);
  const requested = b.device;
  if (requested !== undefined && requested !== null) dev = deviceOf(requested);
  const ctx = deviceContext;
  const prevDev = ctx.current, prevRO = ctx.readOnlyBelow;
  ctx.current = dev ?? ctx.default;
  const mutates = op.def.name.endsWith('_') || (b.out !== undefined && b.out !== null) || b.inplace === true || b.running_mean !== undefined;
  ctx.readOnlyBelow = mutates ? 0 : ctx.serial;
  try {
    return op.def.impl(b, overload);
  } finally {
    ctx.current = prevDev;
    ctx.readOnlyBelow = prevRO;
  }
}

/** ops that take CPU index tensors for a tensor on another device, as PyTorch's indexing does */
const MIXED_OK = new Set(['index', 'index_put', 'index_put_', '_index_put_impl_']);

/** A Device from a bound device argument ('cpu', 'webgpu:0', a Device). */
export function deviceOf(x: unknown): Device {
  if (x instanceof Device) return x.type === 'webgpu' ? webgpu : x;
  const type = String(x).split(':')[0];
  return type === 'webgpu' ? webgpu : cpu;
}

/** Split a JS call's trailing plain-object kwargs: torch.sum(t, 0, { keepdim: true }). */
export function splitKwargs(args: unknown[]): [unknown[], Record<string, unknown> | null] {
  const last = args[args.length - 1];
  // a plain object from any realm (JS runs execute in a vm context with its own Object.prototype)
  const proto = last !== null && typeof last === 'object' ? Object.getPrototypeOf(last) : undefined;
  if (proto === Object.prototype || (proto != null && Object.getPrototypeOf(proto) === null)) {
    return [args.slice(0, -1), last as Record<string, unknown>];
  }
  return [args, null];
}
