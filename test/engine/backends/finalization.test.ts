// engine/backends/finalization.ts: a finalizer whose callbacks a synchronous run can drain itself, in a
// plain Node process (no --harmony-weak-refs-with-cleanup-some on the command line).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Finalizer } from '../../../engine/backends/finalization';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('Finalizer', () => {
  it('drain() runs the callbacks of what a collection found dead, without a turn of the event loop', () => {
    const released: number[] = [];
    const f = new Finalizer<number>((n) => released.push(n));
    expect(f.canDrain).toBe(true);
    const keep = { id: 1 };
    f.register(keep, 1);
    (() => { for (let i = 2; i <= 4; i++) f.register({ id: i }, i); })();
    expect(f.drain()).toBe(true);
    expect(released).toEqual([]); // nothing collected yet
    gc();
    f.drain();
    expect(released.sort()).toEqual([2, 3, 4]);
    f.drain();
    expect(released.length).toBe(3); // each callback once
    expect(keep.id).toBe(1);
  });
});
