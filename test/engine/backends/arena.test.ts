// The storage arena (engine/backends/cpu/alloc.ts): which storages it holds, that memory of dead tensors
// is handed out again (after a GC and a turn of the event loop), that memory a live tensor or view still
// uses never is, that views stay valid when the memory grows, and the cap.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { dispatch } from '../../../engine/ops/registry';
import { Tensor } from '../../../engine/tensor';
import { dtypes } from '../../../engine/dtype';
import { newTensor } from '../../../engine/backends/cpu/elementwise';
import { ARENA_MIN_ELEMS, allocF32, arenaOffset, arenaStats, sizeClass } from '../../../engine/backends/cpu/alloc';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const f32 = dtypes.float32;
const F = (name: string, ...args: unknown[]) => dispatch(name, args, null) as Tensor;

/**
 * GC until at least `frees` more arena blocks have been given back (their registry callbacks run between
 * tasks), over at least three tasks: where dead blocks are found through WeakRefs (newer V8), an array
 * made in the current task stays alive until it ends.
 */
async function collect(frees = 1): Promise<void> {
  const want = arenaStats().frees + frees;
  for (let i = 0; i < 50 && (i < 3 || arenaStats().frees < want); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(arenaStats().frees).toBeGreaterThanOrEqual(want);
}

/** [start, end) bytes of an arena array. */
const range = (a: ArrayLike<number>): [number, number] => {
  const at = arenaOffset(a);
  expect(at).toBeGreaterThanOrEqual(0);
  return [at, at + (a as Float32Array).byteLength];
};
const overlaps = (x: [number, number], y: [number, number]) => x[0] < y[1] && y[0] < x[1];

describe('which storages live in the arena', () => {
  it('large float32 ones; small ones and other dtypes stay on plain arrays', () => {
    expect(arenaStats().enabled).toBe(true);
    expect(arenaOffset(newTensor([ARENA_MIN_ELEMS], f32).storage.data)).toBeGreaterThanOrEqual(0);
    expect(arenaOffset(torch.rand(300, 300).storage.data)).toBeGreaterThanOrEqual(0);
    expect(arenaOffset(newTensor([ARENA_MIN_ELEMS - 1], f32).storage.data)).toBe(-1);
    expect(arenaOffset(newTensor([ARENA_MIN_ELEMS], dtypes.float64).storage.data)).toBe(-1);
    expect(arenaOffset(new Float32Array(ARENA_MIN_ELEMS))).toBe(-1);
  });
  it('blocks are 64-byte aligned size classes with at most 25 % waste', () => {
    for (let b = 1; b < 1 << 26; b = Math.ceil(b * 1.37) + 3) {
      const c = sizeClass(b);
      expect(c).toBeGreaterThanOrEqual(b);
      expect(c % 64).toBe(0);
      expect(c).toBeLessThanOrEqual(Math.max(64, b * 1.25 + 64));
    }
    const a = allocF32(ARENA_MIN_ELEMS + 5);
    expect(arenaOffset(a) % 64).toBe(0);
  });
});

describe('reuse', () => {
  it('memory of a dead tensor is handed out again, zero-filled', async () => {
    let off = -1;
    (() => {
      const t = newTensor([1 << 16], f32);
      off = arenaOffset(t.storage.data);
      (t.storage.data as Float32Array).fill(7);
    })();
    await collect();
    const seen: number[] = [];
    const keep: Tensor[] = [];
    for (let i = 0; i < 64 && !seen.includes(off); i++) {
      const u = newTensor([1 << 16], f32);
      keep.push(u);
      seen.push(arenaOffset(u.storage.data));
      if (seen[seen.length - 1] === off) expect((u.storage.data as Float32Array).every((v) => v === 0)).toBe(true);
    }
    expect(seen).toContain(off);
    expect(arenaStats().reuses).toBeGreaterThan(0);
  });

  it('inside a synchronous run, memory of tensors a collection found dead is handed out again', () => {
    // no turn of the event loop: the finalizer's callbacks would not run on their own (a training loop)
    const n = 3 << 16;
    const offs = new Set<number>();
    const before = arenaStats().frees;
    for (let i = 0; i < 12; i++) {
      (() => { offs.add(arenaOffset(newTensor([n], f32).storage.data)); })();
      gc();
    }
    expect(arenaStats().frees).toBeGreaterThan(before);
    // each tensor died before the next collection, so the run keeps reusing a block or two
    expect(offs.size).toBeLessThanOrEqual(3);
  });

  it('never hands out memory a live tensor, a view or a shared storage still uses', async () => {
    const n = 40000;
    const live: { t: Tensor; fill: number }[] = [];
    for (let k = 0; k < 6; k++) {
      const t = newTensor([n], f32);
      (t.storage.data as Float32Array).fill(k + 1);
      live.push({ t, fill: k + 1 });
    }
    // a view whose base is dropped, and a second Storage over the same array
    let view: Tensor;
    let shared: Tensor;
    (() => {
      const base = newTensor([n], f32);
      (base.storage.data as Float32Array).fill(100);
      view = F('narrow', base, 0, 10, 1000);
      const other = newTensor([n], f32);
      (other.storage.data as Float32Array).fill(200);
      shared = Tensor.fromArray(other.storage.data, [n], f32);
      for (let g = 0; g < 20; g++) newTensor([n], f32); // garbage of the same class
    })();
    await collect(10);
    const kept = [...live.map((l) => l.t.storage.data), view!.storage.data, shared!.storage.data].map(range);
    const fresh: Tensor[] = [];
    for (let g = 0; g < 40; g++) {
      const u = newTensor([n], f32);
      (u.storage.data as Float32Array).fill(-1);
      for (const r of kept) expect(overlaps(range(u.storage.data), r)).toBe(false);
      fresh.push(u);
    }
    expect(arenaStats().reuses).toBeGreaterThan(0);
    for (const { t, fill } of live) expect((t.storage.data as Float32Array).every((v) => v === fill)).toBe(true);
    expect(view!.toFlatArray().every((v) => v === 100)).toBe(true);
    expect((shared!.storage.data as Float32Array).every((v) => v === 200)).toBe(true);
  });

  it('results computed into reused memory are right (kernels in place)', async () => {
    const x = torch.rand(1 << 17), y = torch.rand(1 << 17);
    const want = F('add', x, y).toFlatArray();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) F('mul', F('add', x, y), 2);
      await collect();
      expect(F('add', x, y).toFlatArray()).toEqual(want);
    }
  });
});

describe('growth', () => {
  it('arrays made before the memory grows stay valid and recognised', () => {
    const a = newTensor([1 << 16], f32);
    (a.storage.data as Float32Array).fill(3);
    const grows = arenaStats().grows;
    const hold: Tensor[] = [];
    for (let i = 0; i < 12; i++) hold.push(newTensor([1 << 20], f32)); // 48 MiB more
    expect(arenaStats().grows).toBeGreaterThan(grows);
    expect(arenaOffset(a.storage.data)).toBeGreaterThanOrEqual(0);
    expect((a.storage.data as Float32Array).every((v) => v === 3)).toBe(true);
    const s = F('add', a, a);
    expect(arenaOffset(s.storage.data)).toBeGreaterThanOrEqual(0);
    expect(s.toFlatArray().every((v) => v === 6)).toBe(true);
    expect(F('sum', a).scalarValue()).toBe(3 * (1 << 16));
  });
});
