// Shared checks of the webgpu kernel suites: an op on GPU inputs that exist only on the device (made by a
// kernel, no host copy) must give the CPU engine's values, keep its results on the GPU, and read nothing
// back (GpuClient.read is counted), in its forward and in its backward.
import { expect, vi } from 'vitest';
import { torch } from '../../../engine/index';
import { Tensor } from '../../../engine/tensor';
import { dispatch } from '../../../engine/ops/registry';
import { NamedTuple } from '../../../engine/namedtuple';
import { GpuClient } from '../../../engine/backends/webgpu/client';
import { onGpu } from '../../../engine/backends/webgpu/kernels';
import { stateOf } from '../../../engine/backends/webgpu/storage';

export const T = torch as unknown as Record<string, (...a: unknown[]) => Tensor>;
export const F = (name: string, ...args: unknown[]) => dispatch(name, args, null) as Tensor;
export const FK = (name: string, args: unknown[], kw: Record<string, unknown>) => dispatch(name, args, kw) as Tensor;
export const gpu = (t: Tensor) => t.to('webgpu') as Tensor;

/** Same shape, dtype and values (NaN matches NaN; exact unless rtol/atol). */
export function close(a: Tensor, b: Tensor, rtol = 0, atol = 0): void {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  const x = a.toFlatArray(), y = b.toFlatArray();
  x.forEach((v, i) => {
    if (Number.isNaN(y[i]) && Number.isNaN(v)) return;
    if (!(v === y[i] || Math.abs(v - y[i]) <= atol + rtol * Math.abs(y[i]))) expect.fail(`[${i}] ${v} != ${y[i]}`);
  });
}

/** Device buffer reads (host round trips) made while `f` runs. */
export function reads<R>(f: () => R): [R, number] {
  const spy = vi.spyOn(GpuClient.prototype, 'read');
  try {
    const r = f();
    return [r, spy.mock.calls.length];
  } finally {
    spy.mockRestore();
  }
}

const outs = (r: Tensor | NamedTuple | Tensor[]): Tensor[] => (r instanceof Tensor ? [r] : r instanceof NamedTuple ? r.values : r);

/**
 * A GPU copy of `x` whose only current copy is the device's (made by a kernel), so an op that fell back
 * to the CPU would have to read it back. int64 (index) tensors stay host values on the device.
 */
export function dev(x: Tensor): Tensor {
  const g = gpu(x);
  if (x.dtype === torch.int64 as never) return g;
  const c = F('clone', g);
  expect(stateOf(c.storage).hostValid, 'input only on the device').toBe(false);
  return c;
}

/** Is `t` on the GPU with no host copy (made there by a kernel)? */
export function madeOnGpu(t: Tensor, what: string): void {
  expect(onGpu(t), `${what} on the GPU`).toBe(true);
  expect(stateOf(t.storage).hostValid, `${what} made on the device`).toBe(false);
}

/**
 * f on CPU tensors and on their GPU copies: same values, every result made by a kernel (on the GPU, no
 * host copy), no read back (or `expectReads`: ops whose output size depends on the values read a count).
 */
export function same(name: string, xs: Tensor[], f: (...ts: Tensor[]) => Tensor | NamedTuple | Tensor[], rtol = 0, atol = 0, expectReads = 0): void {
  try {
    const want = outs(f(...xs));
    const gs = xs.map(dev);
    const [got, n] = reads(() => outs(f(...gs)));
    expect(n, 'reads of device buffers').toBe(expectReads);
    got.forEach((g, k) => {
      madeOnGpu(g, `result ${k}`);
      close(g.cpu(), want[k], rtol, atol);
    });
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`);
  }
}

/**
 * Gradients of sum(f(...xs) * w) wrt every float x of `xs` on both devices: on the GPU (made there) with no
 * read back during the forward and the backward (or `expectReads`), equal to the CPU's. Non-float xs (indices) are passed as
 * they are (moved to the device).
 */
export function sameGrads(name: string, xs: Tensor[], f: (...ts: Tensor[]) => Tensor, rtol = 0, atol = 0, expectReads = 0): void {
  try {
    torch.manual_seed(11);
    const w = T.randn(f(...xs).shape);
    const isFloat = (x: Tensor) => x.dtype === torch.float32 as never;
    const run = (where: 'cpu' | 'webgpu') => {
      const xi = xs.map((x) => {
        if (!isFloat(x)) return where === 'cpu' ? x : gpu(x);
        return (where === 'cpu' ? x.clone() : dev(x)).detach().requires_grad_(true);
      });
      const wi = where === 'cpu' ? w : dev(w);
      const [, n] = reads(() => T.mul(f(...xi), wi).sum().backward());
      const grads = xi.filter(isFloat).map((x) => x.grad!);
      if (where === 'webgpu') {
        expect(n, 'reads of device buffers during forward and backward').toBe(expectReads);
        grads.forEach((g, k) => madeOnGpu(g, `gradient ${k}`));
      }
      return grads.map((g) => g.cpu());
    };
    const got = run('webgpu'), want = run('cpu');
    got.forEach((g, k) => {
      try { close(g, want[k], rtol, atol); } catch (e) { throw new Error(`gradient ${k}: ${(e as Error).message}`); }
    });
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`);
  }
}
