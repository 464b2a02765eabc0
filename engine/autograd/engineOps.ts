// The ops autograd itself runs: call() by name through the dispatcher (recorded when grad mode is on,
// so create_graph works), and the EngineOps table that engine/ops/index.ts registers (a lazy hook, to
// keep imports one-way), with a dispatcher fallback; plus the shape predicates the engine shares.
import type { DType } from '../dtype';
import type { Tensor } from '../tensor';
import { dispatch } from '../ops/registry';
import { noGrad } from './gradMode';

/** Ops the engine runs by name (recorded when grad mode is on, so create_graph works). */
export const call = (name: string, ...args: unknown[]): Tensor => dispatch(name, args, null) as Tensor;

export interface EngineOps {
  add(a: Tensor, b: Tensor): Tensor;
  detach(t: Tensor): Tensor;
  clone(t: Tensor): Tensor;
  onesLike(t: Tensor): Tensor;
  zerosLike(t: Tensor): Tensor;
  cast(t: Tensor, dtype: DType): Tensor;
}
let ops: EngineOps | null = null;
/** The op table registers the few ops the engine itself needs (to keep imports one-way). */
export function registerEngineOps(o: EngineOps): void { ops = o; }
export const engineOps = (): EngineOps => ops ?? {
  add: (a, b) => call('add', a, b), detach: (t) => call('detach', t), clone: (t) => call('clone', t),
  onesLike: (t) => call('ones_like', t), zerosLike: (t) => call('zeros_like', t), cast: (t, d) => noGrad(() => call('to', t, d)),
};

export const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((s, i) => s === b[i]);
export const expandable = (from: readonly number[], to: readonly number[]) => from.length <= to.length
  && from.every((s, i) => s === 1 || s === to[to.length - from.length + i]);
