// What the Select Device picker lists: whether Dawn (the npm package `webgpu`) finds an adapter on
// this machine, asked without blocking the extension host (a short-lived gpu-host.js thread answers
// in a shared block that we wait on asynchronously).
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { HELLO_SEQ } from '../engine/backends/webgpu/client';
import { GpuHello, REPLY_DATA_OFFSET, REPLY_LENGTH, REPLY_SEQ } from '../engine/backends/webgpu/protocol';

let cached: Promise<GpuHello> | null = null;

export function probeDawn(distDir: string, timeoutMs = 20_000): Promise<GpuHello> {
  return (cached ??= probe(distDir, timeoutMs));
}

async function probe(distDir: string, timeoutMs: number): Promise<GpuHello> {
  const reply = new SharedArrayBuffer(REPLY_DATA_OFFSET + 4096);
  const w = new Int32Array(reply);
  let worker: Worker;
  try {
    worker = new Worker(path.join(distDir, 'gpu-host.js'), { workerData: { reply }, stderr: true, stdout: true });
  } catch (e) {
    return { kind: 'unavailable', reason: `the Dawn host could not start: ${(e as Error).message}` };
  }
  try {
    const deadline = Date.now() + timeoutMs;
    while (Atomics.load(w, REPLY_SEQ) !== HELLO_SEQ) {
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'unavailable', reason: 'Dawn did not answer in time' };
      // Atomics.waitAsync (Node 16+; not in this TypeScript lib)
      const r = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string } })
        .waitAsync(w, REPLY_SEQ, 0, Math.min(left, 500));
      if (r.async) await r.value;
    }
    const n = Atomics.load(w, REPLY_LENGTH);
    return JSON.parse(new TextDecoder().decode(new Uint8Array(reply, REPLY_DATA_OFFSET, n).slice())) as GpuHello;
  } finally {
    void worker.terminate();
  }
}

/** A short name for an adapter: its description, else vendor/architecture. */
export function adapterName(h: GpuHello): string {
  if (h.kind !== 'ready') return '';
  const a = h.adapter;
  return a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'adapter';
}
