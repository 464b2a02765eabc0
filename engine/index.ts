// The engine's public entry: `torch` with PyTorch's names, for TypeScript/JavaScript users and for
// the Python bridge.
import './tensorApi';
import { buildOps } from './ops/index';
import './backends/webgpu/index';

buildOps();

export { torch } from './torch';
export { Tensor } from './tensor';
export { TorchError } from './errors';
export { PyFloat } from './scalar';
export { dispatch } from './ops/registry';
export { NamedTuple } from './namedtuple';
