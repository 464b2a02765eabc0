// The worker's answer to a graph request (protocol.ts GraphRequest): which tensor (the one named, or
// the last loss-like output of the session), its autograd graph snapshot with leaves labelled by the
// session's variable names, and the list of tensors with a grad_fn for the panel's picker. Nothing of
// the user's code runs: names come from dicts (torch/_sites.py tensor_names, the JS context's own
// properties) and expressions are resolved like inspect().
import { gradFnOf } from '../autograd';
import { toGraph } from '../graph';
import { Tensor } from '../tensor';
import type { GraphParams, GraphResult, GraphTarget } from './protocol';

export interface GraphEnv {
  /** the tensor an expression names, or why not */
  resolve(expr: string): Tensor | { reason: string };
  /** every (name, tensor) the session's globals reach: variables first, then module parameters */
  names(): [string, Tensor][];
}

const LOSS = /loss|cost|objective/i;

/** The tensors with a grad_fn, most recent graph first. */
export function graphTargets(names: [string, Tensor][]): GraphTarget[] {
  const out: GraphTarget[] = [];
  const seen = new Set<Tensor>();
  for (const [expr, t] of names) {
    if (seen.has(t)) continue;
    const fn = gradFnOf(t);
    if (!fn) continue;
    seen.add(t);
    out.push({ expr, gradFn: fn.name, shape: t.shape.slice(), dtype: t.dtype.name, seq: fn.seq });
  }
  return out.sort((a, b) => b.seq - a.seq);
}

/** What the panel shows when no tensor was picked: the latest scalar named like a loss, else the latest scalar, else the latest. */
export function defaultTarget(targets: GraphTarget[]): GraphTarget | null {
  const scalar = (t: GraphTarget) => t.shape.reduce((a, b) => a * b, 1) === 1;
  return targets.find((t) => scalar(t) && LOSS.test(t.expr)) ?? targets.find(scalar) ?? targets[0] ?? null;
}

export function graphQuery(p: GraphParams, env: GraphEnv): GraphResult {
  const names = env.names();
  const targets = graphTargets(names);
  const expr = p.expr ?? defaultTarget(targets)?.expr ?? null;
  if (expr === null) return { kind: 'notFound', expr: null, reason: 'no tensor with a grad_fn in the session yet', targets };
  const t = env.resolve(expr);
  if (!(t instanceof Tensor)) return { kind: 'notFound', expr, reason: t.reason, targets };
  if (!gradFnOf(t) && !t.requiresGrad) return { kind: 'notFound', expr, reason: `${expr} has no grad_fn and does not require grad`, targets };
  const labels = new Map<Tensor, string>();
  for (const [name, v] of names) if (!labels.has(v)) labels.set(v, name);
  labels.set(t, expr);
  const snapshot = toGraph(t, { labels, savedNodes: p.savedNodes ?? false, maxNodes: p.maxNodes ?? 5000 });
  return { kind: 'graph', expr, snapshot, targets };
}

/** A JS/TS run's globals: its context's own data properties. */
export function jsGraphEnv(globals: object | null): GraphEnv {
  const props = (o: object) => Object.entries(Object.getOwnPropertyDescriptors(o)).filter(([, d]) => 'value' in d).map(([k, d]) => [k, d.value] as [string, unknown]);
  return {
    names: () => (globals ? props(globals).filter((e): e is [string, Tensor] => e[1] instanceof Tensor) : []),
    resolve: (expr) => {
      let obj: unknown = globals;
      for (const part of expr.trim().split('.')) {
        const d = obj !== null && typeof obj === 'object' ? Object.getOwnPropertyDescriptor(obj, part) : undefined;
        if (!d || !('value' in d)) return { reason: `${expr}: ${part} is not a plain property` };
        obj = d.value;
      }
      return obj instanceof Tensor ? obj : { reason: `${expr} is not a tensor` };
    },
  };
}

interface PyInspect { kind: string; tensor?: Tensor; reason?: string }

/** A Python session: names from torch/_sites.py, expressions resolved by the runner's inspect_value. */
export function pythonGraphEnv(tensorNames: () => unknown, inspect: (expr: string) => unknown): GraphEnv {
  return {
    names: () => Array.from(tensorNames() as ArrayLike<[string, Tensor]>).filter((e) => e[1] instanceof Tensor),
    resolve: (expr) => {
      const r = inspect(expr) as PyInspect;
      if (r.kind === 'tensor' && r.tensor instanceof Tensor) return r.tensor;
      return { reason: r.reason ?? `${expr} is not a tensor` };
    },
  };
}
