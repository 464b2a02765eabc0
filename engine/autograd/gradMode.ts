// Grad mode and inference mode: the two global flags (torch.is_grad_enabled, torch.is_inference_mode_enabled),
// withGradMode / noGrad for engine code, and GradModeGuard, the context behind no_grad, enable_grad,
// set_grad_enabled and inference_mode.
import { Storage } from '../tensor';

let gradEnabled = true;
let inferenceMode = false;
export const isGradEnabled = () => gradEnabled;
export const setGradEnabled = (on: boolean) => { gradEnabled = on; };
export const isInferenceMode = () => inferenceMode;
/** Only the flag (tensors made while it is on are inference tensors); inference_mode() also turns grad off. */
export const setInferenceMode = (on: boolean) => { inferenceMode = on; Storage.inferenceMode = on; };

export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try { return fn(); } finally { gradEnabled = prev; }
}
export const noGrad = <T>(fn: () => T) => withGradMode(false, fn);

/** A grad-mode context (no_grad, enable_grad, set_grad_enabled, inference_mode) usable as `with` or around a function. */
export class GradModeGuard {
  private saved: [boolean, boolean][] = [];
  constructor(private readonly grad: boolean | null, private readonly inference: boolean | null, private readonly eager = false) {
    if (eager) this.saved.push(this.enterState());
  }
  private enterState(): [boolean, boolean] {
    const prev: [boolean, boolean] = [gradEnabled, inferenceMode];
    if (this.inference !== null) { setInferenceMode(this.inference); if (this.inference) gradEnabled = false; }
    if (this.grad !== null) gradEnabled = this.grad;
    return prev;
  }
  __enter__(): this { if (!this.eager) this.saved.push(this.enterState()); return this; }
  __exit__(): void {
    const prev = this.saved.pop();
    if (prev) { gradEnabled = prev[0]; setInferenceMode(prev[1]); }
  }
  run<T>(fn: () => T): T {
    this.__enter__();
    try { return fn(); } finally { this.__exit__(); }
  }
}

/** torch.set_grad_enabled(mode): takes effect at once; as a context it restores the previous mode on exit. */
export const setGradEnabledGuard = (mode: boolean) => new GradModeGuard(mode, null, true);
