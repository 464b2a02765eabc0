// The `torch` namespace for TypeScript/JavaScript, built from the op registry plus the module-level
// state (dtypes, default dtype, grad mode, print options).
import { dtypes, getDefaultDType, setDefaultDType, promoteTypes, canCast, DType, dtypeOf } from './dtype';
import { GradModeGuard, autogradApi, isGradEnabled, isInferenceMode, noGrad, setGradEnabledGuard, withGradMode } from './autograd';
import { getPrintOptions, setPrintOptions } from './format';
import { PyFloat } from './scalar';
import { Generator, defaultGenerator } from './random';
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

// torch.nn.functional for TypeScript callers: the op table's 'nn.functional' ops (F.linear, F.mse_loss, ...)
const functional: Record<string, (...args: any[]) => any> = {};
for (const op of allOps()) {
  if (!op.function || op.def.ns !== 'nn.functional') continue;
  for (const name of [op.def.name, ...(op.def.aliases ?? [])]) {
    functional[name] = (...args: unknown[]) => {
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
  // torch.Generator / torch.default_generator (manual_seed, initial_seed, seed, get/set_rng_state are ops)
  Generator,
  default_generator: defaultGenerator,
  get_default_dtype: (): DType => getDefaultDType(),
  set_default_dtype: (d: DType | string) => setDefaultDType(dtypeOf(d)),
  promote_types: (a: DType, b: DType) => promoteTypes(a, b),
  can_cast: (a: DType, b: DType) => canCast(a, b),
  is_grad_enabled: () => isGradEnabled(),
  set_grad_enabled: (on: boolean) => setGradEnabledGuard(on),
  // grad-mode contexts: torch.no_grad(fn) runs fn; torch.no_grad() is a guard with __enter__/__exit__/run
  no_grad: <T>(fn?: () => T) => (fn ? noGrad(fn) : new GradModeGuard(false, null)),
  enable_grad: <T>(fn?: () => T) => (fn ? withGradMode(true, fn) : new GradModeGuard(true, null)),
  inference_mode: <T>(mode: boolean | (() => T) = true, fn?: () => T) => (typeof mode === 'function'
    ? new GradModeGuard(null, true).run(mode) : fn ? new GradModeGuard(null, mode).run(fn) : new GradModeGuard(null, mode)),
  is_inference_mode_enabled: () => isInferenceMode(),
  set_printoptions: setPrintOptions,
  get_printoptions: getPrintOptions,
  autograd: autogradApi,
  nn: { functional },
} as Record<string, any>;
