// Finalization a synchronous run can drain itself. Storages free their memory (arena blocks, GPU
// buffers) when the garbage collector finds their arrays dead; FinalizationRegistry callbacks normally
// wait for the current job to end, and a user program or training loop is one long job, so the memory of
// its dead tensors would come back only after it. FinalizationRegistry.prototype.cleanupSome runs the
// callbacks of what the collector has already found, right away (cheap: ~30 ns when nothing is pending).
// V8 offers it behind --harmony-weak-refs-with-cleanup-some; the runtime's workers get the flag at start
// (engine/runtime/session.ts), and elsewhere (a plain `node` running the engine) the flag is set now and
// the constructor taken from a new context, which V8 sets up with the flag's builtins.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Registry<T> = FinalizationRegistry<T> & { cleanupSome?: (cb: (held: T) => void) => void };

let draining: (new <T>(cb: (held: T) => void) => Registry<T>) | null | undefined;

/** A FinalizationRegistry constructor with cleanupSome, or null where this runtime has none. */
function drainingConstructor(): typeof draining {
  if (draining !== undefined) return draining;
  draining = null;
  if (typeof FinalizationRegistry !== 'function') return draining;
  const has = (C: unknown) => typeof (C as { prototype?: { cleanupSome?: unknown } })?.prototype?.cleanupSome === 'function';
  if (has(FinalizationRegistry)) return (draining = FinalizationRegistry as unknown as typeof draining);
  try {
    setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
    const C = runInNewContext('FinalizationRegistry');
    if (has(C)) draining = C;
  } catch {
    draining = null;
  }
  return draining;
}

/**
 * register(target, held) calls `release(held)` once `target` is garbage: from a task after the current
 * job as usual, or at once from drain() for whatever the collector has found dead by then.
 */
export class Finalizer<T> {
  private reg: Registry<T>;
  /** whether drain() can run callbacks inside a synchronous job (else it does nothing) */
  readonly canDrain: boolean;

  constructor(private release: (held: T) => void) {
    const C = drainingConstructor();
    this.reg = C ? new C<T>(release) : new FinalizationRegistry<T>(release);
    this.canDrain = !!C;
  }

  register(target: object, held: T): void { this.reg.register(target, held); }

  /** Run the callbacks of the targets found dead so far (by any collection); false where drain is unavailable. */
  drain(): boolean {
    if (!this.canDrain) return false;
    this.reg.cleanupSome!(this.release);
    return true;
  }
}
