// The op table's entry type. One entry per torch op: names, PyTorch schema(s), docs, and the
// implementation (which records its own backward node next to the forward, see engine/autograd.ts).
import type { Bound } from './schema';

export type Variant = 'function' | 'method';

export interface OpDef {
  /** torch's spelling: 'sum', 'log_softmax', 'add_' */
  name: string;
  aliases?: string[];
  /**
   * PyTorch schema(s), tried in order like python_arg_parser. The op's Python and TS signatures,
   * keyword names and defaults all come from here.
   */
  sig: string | string[];
  /** torch.x (function), Tensor.x (method); default both */
  variants?: Variant[];
  /** one-line doc shown on hover and in generated docs */
  doc: string;
  /** namespace for functions: 'torch' (default), 'nn.functional', 'linalg', 'special' */
  ns?: 'torch' | 'nn.functional' | 'linalg' | 'special' | 'internal';
  /** the implementation: bound arguments by schema name, and the index of the overload that matched */
  impl: (a: Bound, overload: number) => unknown;
}

/** Identity helper so table files get type checking and inference. */
export const defineOps = (ops: OpDef[]): OpDef[] => ops;
