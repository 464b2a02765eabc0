// Finalization a synchronous run can drain itself. Storages free their memory (arena blocks, GPU
// buffers) when the garbage collector finds their arrays dead; FinalizationRegistry callbacks normally
// wait for the current job to end, and a user program or training loop is one long job, so the memory of
// its dead tensors would come back only after it. Two ways to learn of dead targets inside a job:
// - FinalizationRegistry.prototype.cleanupSome (V8 before 12, behind --harmony-weak-refs-with-cleanup-some:
//   the runtime's workers get the flag at start, a plain `node` gets it here and takes the constructor
//   from a new context, which V8 sets up with the flag's builtins): it runs the callbacks of what any
//   collection has found dead, ~30 ns when nothing is pending.
// - Newer V8 (Node 24, VS Code's Electron) removed it. There each target also gets a WeakRef, and drain()
//   polls them. A WeakRef keeps its target alive until the job ends (KeepDuringJob), so drain() ends with
//   a microtask checkpoint of a context of its own (vm, microtaskMode 'afterEvaluate': V8 clears the kept
//   objects then, and runs none of the program's own microtasks); the next collection can then clear
//   what died. register() lets its new WeakRef's target go the same way at once, so short-lived arrays
//   die young and V8's frequent scavenges clear them. A sentinel WeakRef tells whether a collection ran
//   since, so a drain with nothing new to find costs one checkpoint (~3 µs), not a walk over every target.
import { setFlagsFromString } from 'node:v8';
import { Script, createContext, runInNewContext } from 'node:vm';

type Registry<T> = FinalizationRegistry<T> & { cleanupSome?: (cb: (held: T) => void) => void };
type Ctor = new <T>(cb: (held: T) => void) => Registry<T>;

const v8Major = (): number => Number((globalThis as { process?: { versions?: { v8?: string } } }).process?.versions?.v8?.split('.')[0] ?? 0);

/**
 * Turn on FinalizationRegistry.cleanupSome for isolates made from now on (worker threads), where this V8
 * has the flag (before 12: later ones print an error for an unknown flag). False where it has not.
 */
export function enableCleanupSome(): boolean {
  const major = v8Major();
  if (!(major > 0 && major < 12)) return false;
  try { setFlagsFromString('--harmony-weak-refs-with-cleanup-some'); return true; } catch { return false; }
}

let draining: Ctor | null | undefined;

/** A FinalizationRegistry constructor with cleanupSome, or null where this runtime has none. */
function drainingConstructor(): Ctor | null {
  if (draining !== undefined) return draining;
  draining = null;
  if (typeof FinalizationRegistry !== 'function') return draining;
  const has = (C: unknown) => typeof (C as { prototype?: { cleanupSome?: unknown } })?.prototype?.cleanupSome === 'function';
  if (has(FinalizationRegistry)) return (draining = FinalizationRegistry as unknown as Ctor);
  try {
    if (enableCleanupSome()) {
      const C = runInNewContext('FinalizationRegistry');
      if (has(C)) draining = C as Ctor;
    }
  } catch {
    draining = null;
  }
  return draining;
}

let checkpointFn: (() => void) | null | undefined;

/** A microtask checkpoint of a context of its own (clears V8's WeakRef-kept objects), or null where unavailable. */
function checkpoint(): (() => void) | null {
  if (checkpointFn !== undefined) return checkpointFn;
  checkpointFn = null;
  try {
    if (typeof WeakRef !== 'function') return checkpointFn;
    const ctx = createContext({}, { microtaskMode: 'afterEvaluate' });
    const script = new Script('0');
    const run = () => { script.runInContext(ctx); };
    run();
    checkpointFn = run;
  } catch {
    checkpointFn = null;
  }
  return checkpointFn;
}

/**
 * register(target, held) calls `release(held)` once `target` is garbage: from a task after the current
 * job as usual, or from drain() for whatever collections have found dead by then. `held` values must be
 * unique among registered live targets (an arena offset, a buffer id).
 */
export class Finalizer<T> {
  private reg: Registry<T>;
  /** how drain() finds dead targets */
  readonly mode: 'cleanupSome' | 'poll' | 'none';
  /** poll mode: the WeakRef of every registered target (also its unregister token) */
  private refs = new Map<T, WeakRef<object>>();
  private sentinel: WeakRef<object> | null = null;

  /** `poll`: poll WeakRefs even where cleanupSome exists (tests) */
  constructor(private release: (held: T) => void, poll = false) {
    const C = poll ? null : drainingConstructor();
    if (C) {
      this.reg = new C<T>(release);
      this.mode = 'cleanupSome';
    } else if (checkpoint()) {
      this.reg = new FinalizationRegistry<T>((held) => {
        const r = this.refs.get(held);
        if (r && r.deref() === undefined) { this.refs.delete(held); release(held); }
      });
      this.mode = 'poll';
    } else {
      this.reg = new FinalizationRegistry<T>(release);
      this.mode = 'none';
    }
  }

  /** whether drain() can free anything inside a synchronous job */
  get canDrain(): boolean { return this.mode !== 'none'; }

  register(target: object, held: T): void {
    if (this.mode !== 'poll') { this.reg.register(target, held); return; }
    const ref = new WeakRef(target);
    this.refs.set(held, ref);
    this.reg.register(target, held, ref);
    // a new WeakRef keeps its target alive until the job ends: let it go now, so that the target can
    // die young (a scavenge then clears it) instead of living until the next drain
    checkpointFn!();
  }

  /** Release the targets found dead so far (by any collection); false where drain is unavailable. */
  drain(): boolean {
    if (this.mode === 'cleanupSome') { this.reg.cleanupSome!(this.release); return true; }
    if (this.mode === 'none') return false;
    // nothing can have been cleared since the last drain while the sentinel is still there
    if (!this.sentinel || this.sentinel.deref() === undefined) {
      for (const [held, ref] of this.refs) {
        if (ref.deref() !== undefined) continue;
        this.refs.delete(held);
        this.reg.unregister(ref);
        this.release(held);
      }
      this.sentinel = new WeakRef({});
    }
    checkpointFn!();
    return true;
  }

  /** A full collection (`gc`) and a drain: every dead target released now. */
  collect(gc: () => void): void {
    if (this.mode === 'poll') checkpointFn!();
    gc();
    this.drain();
  }
}
