// Errors carry the Python exception type PyTorch raises, so the Python shim re-raises the same class.

export type PyErrorType =
  | 'RuntimeError' | 'IndexError' | 'ValueError' | 'TypeError' | 'NotImplementedError'
  | 'AttributeError' | 'KeyError' | 'ZeroDivisionError' | 'StopIteration' | 'AssertionError'
  | '_LinAlgError'; // torch._C._LinAlgError (torch.linalg.LinAlgError), a RuntimeError subclass

export class TorchError extends Error {
  constructor(readonly pyType: PyErrorType, message: string) {
    super(message);
    this.name = pyType;
  }
}

export const runtimeError = (msg: string) => new TorchError('RuntimeError', msg);
export const indexError = (msg: string) => new TorchError('IndexError', msg);
export const valueError = (msg: string) => new TorchError('ValueError', msg);
export const typeError = (msg: string) => new TorchError('TypeError', msg);
export const notImplemented = (msg: string) => new TorchError('NotImplementedError', msg);

/** TORCH_CHECK */
export function check(cond: unknown, msg: string | (() => string), type: PyErrorType = 'RuntimeError'): asserts cond {
  if (!cond) throw new TorchError(type, typeof msg === 'string' ? msg : msg());
}
