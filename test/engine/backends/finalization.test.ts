// engine/backends/finalization.ts: a finalizer whose callbacks a synchronous run can drain itself, in a
// plain Node process (no flags on the command line), both ways: cleanupSome (V8 before 12) and WeakRef
// polling (newer V8, also forced here).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Finalizer } from '../../../engine/backends/finalization';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

for (const poll of [false, true]) {
  describe(`Finalizer (${poll ? 'WeakRef polling' : 'the default for this V8'})`, () => {
    it('releases what a collection found dead, without a turn of the event loop, each once', () => {
      const released: number[] = [];
      const f = new Finalizer<number>((n) => released.push(n), poll);
      if (poll) expect(f.mode).toBe('poll');
      expect(f.canDrain).toBe(true);
      const keep = { id: 1 };
      f.register(keep, 1);
      (() => { for (let i = 2; i <= 4; i++) f.register({ id: i }, i); })();
      f.drain();
      expect(released).toEqual([]); // nothing collected yet
      f.collect(gc);
      expect(released.sort()).toEqual([2, 3, 4]);
      f.collect(gc);
      f.drain();
      expect(released.length).toBe(3);
      expect(keep.id).toBe(1);
    });

    it('a target dropped in the job that registered it is found dead by the next collection', () => {
      // WeakRef polling: a new WeakRef would keep its target alive until the job ends; register() lets go
      const released: number[] = [];
      const f = new Finalizer<number>((n) => released.push(n), poll);
      (() => { f.register({ v: 1 }, 11); })();
      gc(); // a plain collection, no checkpoint of collect()'s
      f.drain();
      expect(released).toEqual([11]);
    });

    it('a held value released and registered again for a new target is not released for the old one', async () => {
      const released: number[] = [];
      const f = new Finalizer<number>((n) => released.push(n), poll);
      (() => { f.register({ v: 'old' }, 7); })();
      f.collect(gc);
      expect(released).toEqual([7]);
      const fresh = { v: 'new' };
      f.register(fresh, 7); // the same key for a live target (a reused arena block)
      for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 5)); } // the registry's own tasks run
      f.drain();
      expect(released).toEqual([7]);
      expect(fresh.v).toBe('new');
    });
  });
}
