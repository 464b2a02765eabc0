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
  /**
   * Sample calls for the generated op suite (test/engine/opSuite.test.ts): each runs here and in real
   * PyTorch (test/fixtures/gen_ops.py) and the values, dtype, grad_fn name and gradients must match;
   * differentiable float64 samples also pass a finite-difference gradcheck.
   */
  samples?: SampleCase[];
}

/**
 * A sample argument, built identically in TS and in the Python fixture generator:
 * - `{ t: [2, 3] }` a tensor of that shape with deterministic values (see test/engine/sampleValues.ts):
 *   dtype defaults to float32; `grad: true` makes it require grad; `domain: 'positive'` keeps values > 0,
 *   `domain: 'unit'` keeps them in (-1, 1); `values: [...]` gives explicit values instead.
 * - `{ f: 2.5 }` a Python float, plain numbers are Python ints, booleans are bools, strings are str,
 *   `{ dtype: 'float64' }` a torch dtype, arrays are Python lists (of any of these), null is None.
 */
export type SampleArg =
  | { t: number[]; dtype?: import('../dtype').DTypeName; grad?: boolean; domain?: 'any' | 'positive' | 'unit'; values?: number[] }
  | { f: number }
  | { dtype: import('../dtype').DTypeName }
  | number | boolean | string | null | SampleArg[];

export interface SampleCase {
  args: SampleArg[];
  kwargs?: Record<string, SampleArg>;
  /** call as a method on args[0] instead of torch.<name> */
  method?: boolean;
  /** skip the finite-difference gradcheck (e.g. non-smooth at the sample points) */
  noGradcheck?: boolean;
  /** compare float outputs with this relative tolerance instead of ~2 ulp */
  rtol?: number;
}

/** Identity helper so table files get type checking and inference. */
export const defineOps = (ops: OpDef[]): OpDef[] => ops;
