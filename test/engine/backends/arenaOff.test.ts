// The storage arena's limits (engine/backends/cpu/alloc.ts): past the cap (GRADSCOPE_ARENA_MB) storages
// are plain arrays, and with GRADSCOPE_WASM=0 there is no arena at all; results are the same either way.
// Each setting is read once, on first use, so the engine is imported after the variable is set (and
// the variable restored at once: test files may share a process).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function engineWith(vars: Record<string, string>) {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  vi.resetModules();
  try {
    const alloc = await import('../../../engine/backends/cpu/alloc');
    const { torch } = await import('../../../engine/index');
    const { dispatch } = await import('../../../engine/ops/registry');
    const { newTensor } = await import('../../../engine/backends/cpu/elementwise');
    const { dtypes } = await import('../../../engine/dtype');
    alloc.arenaKernels(); // latch the setting
    /** a float32 tensor of these values made by newTensor (one allocation) */
    const f32 = (v: number[]) => { const t = newTensor([v.length], dtypes.float32); (t.storage.data as Float32Array).set(v); return t; };
    return { alloc, torch, f32, F: (name: string, ...args: unknown[]) => dispatch(name, args, null) as import('../../../engine/tensor').Tensor };
  } finally {
    for (const [k, v] of Object.entries(old)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

const vals = (n: number) => Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 999 - 0.5);

describe('limits', () => {
  it('past the cap, storages are plain arrays and results do not change', async () => {
    const { alloc, f32, F } = await engineWith({ GRADSCOPE_ARENA_MB: '1' });
    const n = 100000; // 400 KB (a 448 KiB block): two fit under 1 MiB, the third does not
    const ts = [0, 1, 2, 3].map(() => f32(vals(n)));
    const where = ts.map((t) => alloc.arenaOffset(t.storage.data) >= 0);
    expect(where.slice(0, 2)).toEqual([true, true]);
    expect(where.slice(2)).toEqual([false, false]);
    expect(alloc.arenaStats().fallbacks).toBeGreaterThan(0);
    const inArena = F('add', ts[0], ts[1]), plain = F('add', ts[2], ts[3]);
    expect(alloc.arenaOffset(plain.storage.data)).toBe(-1);
    expect(plain.toFlatArray()).toEqual(inArena.toFlatArray());
    expect(F('sum', ts[2]).scalarValue()).toBe(F('sum', ts[0]).scalarValue());
  });

  it('at the cap, free blocks of other sizes are merged and split to serve a request', async () => {
    const { alloc } = await engineWith({ GRADSCOPE_ARENA_MB: '2' });
    const small = () => { for (let i = 0; i < 12; i++) alloc.allocF32(1 << 14); }; // 12 × 64 KiB, then dropped
    small();
    const live = alloc.allocF32(1 << 16).fill(5); // 256 KiB that must survive
    expect(alloc.arenaOffset(live)).toBeGreaterThanOrEqual(0);
    small();
    for (let i = 0; i < 50 && alloc.arenaStats().frees < 24; i++) { gc(); await new Promise((r) => setTimeout(r, 5)); }
    expect(alloc.arenaStats().frees).toBeGreaterThanOrEqual(24);
    const big = alloc.allocF32(180000); // 720 KB: no free block of its class (768 KiB), no room at the top
    expect(alloc.arenaOffset(big)).toBeGreaterThanOrEqual(0);
    expect(alloc.arenaStats().coalesces).toBeGreaterThan(0);
    const [b0, b1] = [alloc.arenaOffset(big), alloc.arenaOffset(big) + big.byteLength];
    const [l0, l1] = [alloc.arenaOffset(live), alloc.arenaOffset(live) + live.byteLength];
    expect(b0 < l1 && l0 < b1).toBe(false);
    expect(big.every((v) => v === 0)).toBe(true);
    big.fill(-1);
    expect(live.every((v) => v === 5)).toBe(true);
  });

  it('memory a merge gives back to the bump region (a dead run at the top) is zero-filled when handed out again', async () => {
    const { alloc } = await engineWith({ GRADSCOPE_ARENA_MB: '8' });
    const dirty = () => { for (let i = 0; i < 7; i++) alloc.allocF32(1 << 18).fill(7); }; // 7 × 1 MiB, then dropped
    dirty();
    for (let i = 0; i < 50 && alloc.arenaStats().frees < 7; i++) { gc(); await new Promise((r) => setTimeout(r, 5)); }
    expect(alloc.arenaStats().frees).toBeGreaterThanOrEqual(7);
    // 3 MiB requests: no free block of their class; at the cap the dead run at the top is merged back
    const got = [0, 1, 2, 3].map(() => alloc.allocF32(3 << 18));
    expect(alloc.arenaStats().coalesces).toBeGreaterThan(0);
    for (const a of got) if (alloc.arenaOffset(a) >= 0) expect(a.every((v) => v === 0)).toBe(true);
    expect(got.some((a) => alloc.arenaOffset(a) >= 0)).toBe(true);
    // and without zeroing asked for, the kernels' outputs still come from there
    expect(alloc.arenaOffset(alloc.allocF32(1 << 18, false))).toBeGreaterThanOrEqual(0);
  });

  it('inside one synchronous loop, dead blocks are freed at the cap (cleanupSome, or WeakRefs on newer V8)', async () => {
    const { alloc, f32, F } = await engineWith({ GRADSCOPE_ARENA_MB: '4' });
    const live = f32(vals(1 << 16)); // 256 KiB kept throughout
    const want = live.toFlatArray();
    let acc = 0;
    for (let i = 0; i < 200; i++) acc += F('sum', F('add', live, F('mul', live, 2))).scalarValue(); // 2 × 256 KiB of garbage per step
    const st = alloc.arenaStats();
    expect(st.collects).toBeGreaterThan(0);
    expect(st.reuses).toBeGreaterThan(100);
    expect(st.fallbacks).toBe(0);
    expect(live.toFlatArray()).toEqual(want);
    expect(acc).toBe(200 * F('sum', F('add', live, F('mul', live, 2))).scalarValue());
  });

  it('GRADSCOPE_WASM=0: no arena, plain arrays, same results', async () => {
    const off = await engineWith({ GRADSCOPE_WASM: '0' });
    expect(off.alloc.arenaStats().enabled).toBe(false);
    const on = await engineWith({});
    expect(on.alloc.arenaStats().enabled).toBe(true);
    const n = 1 << 18;
    const run = (e: typeof on) => {
      const x = e.torch.tensor(vals(n)), y = e.torch.tensor(vals(n).reverse());
      const s = e.F('add', e.F('mul', x, y), e.F('div', x, 3));
      return { s, out: [...s.toFlatArray(), e.F('sum', s).scalarValue(), e.F('sum', s.reshape(512, 512), 1).toFlatArray()].flat() };
    };
    const a = run(off), b = run(on);
    expect(off.alloc.arenaOffset(a.s.storage.data)).toBe(-1);
    expect(on.alloc.arenaOffset(b.s.storage.data)).toBeGreaterThanOrEqual(0);
    expect(a.out).toEqual(b.out);
  });
});
