// The registry built from the op table: dispatch by name with PyTorch's argument binding.
import { TorchError } from '../errors';
import { OpDef } from './spec';
import { Schema, bind, isBindFailure, noMatchError, parseSchema } from './schema';

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
    return op.def.impl(b, 0);
  }
  const failures = [];
  for (let i = 0; i < op.schemas.length; i++) {
    const b = bind(op.schemas[i], args, kwargs, isMethod);
    if (!isBindFailure(b)) return op.def.impl(b, i);
    failures.push(b);
  }
  throw noMatchError(name, op.schemas, failures, args, kwargs);
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
