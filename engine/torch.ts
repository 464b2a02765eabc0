// The `torch` namespace for TypeScript/JavaScript, built from the op registry plus the module-level
// state (dtypes, default dtype, grad mode, print options).
import { dtypes, getDefaultDType, setDefaultDType, promoteTypes, canCast, DType, dtypeOf } from './dtype';
import { isGradEnabled, noGrad, setGradEnabled, runBackward } from './autograd';
import { getPrintOptions, setPrintOptions } from './format';
import { PyFloat } from './scalar';
import { Tensor } from './tensor';
import { allOps, dispatch, splitKwargs } from './ops/registry';
import { buildOps } from './ops/index';
import './tensorApi';

buildOps();

const fns: Record<string, (...args: any[]) => any> = {};
for (const op of allOps()) {
  if (!op.function || (op.def.ns && op.def.ns !== 'torch')) continue;
  for (const name of [op.def.name, ...(op.def.aliases ?? [])]) {
    fns[name] = (...args: unknown[]) => {
      const [pos, kw] = splitKwargs(args);
      return dispatch(name, pos, kw);
    };
  }
}

export const torch = {
  ...fns,
  ...dtypes,
  float: dtypes.float32, double: dtypes.float64, half: dtypes.float16, long: dtypes.int64, int: dtypes.int32, short: dtypes.int16,
  Tensor,
  PyFloat,
  get_default_dtype: (): DType => getDefaultDType(),
  set_default_dtype: (d: DType | string) => setDefaultDType(dtypeOf(d)),
  promote_types: (a: DType, b: DType) => promoteTypes(a, b),
  can_cast: (a: DType, b: DType) => canCast(a, b),
  is_grad_enabled: () => isGradEnabled(),
  set_grad_enabled: (on: boolean) => setGradEnabled(on),
  no_grad: noGrad,
  set_printoptions: setPrintOptions,
  get_printoptions: getPrintOptions,
  autograd: {
    backward: (tensors: Tensor[], grads: Tensor[]) => runBackward(tensors, grads),
  },
} as Record<string, any>;
