// The Node transport's GPU thread: a worker thread that opens Dawn (the npm package `webgpu`) and
// serves the device protocol (server.ts). The engine thread (client.ts) starts it on first use and
// posts batches to it; reads come back through the shared reply block.
import { parentPort, workerData } from 'node:worker_threads';
import { GpuServer } from './server';
import { writeHello } from './client';
import { GPU_CLOSE } from './protocol';
import type { GpuBatch, GpuHello } from './protocol';

const keep: unknown[] = [];

async function open(): Promise<{ server: GpuServer | null; hello: GpuHello }> {
  try {
    const mod = await import('webgpu');
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create([]);
    keep.push(gpu); // Dawn's instance must outlive its devices (collecting it crashes the process)
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { server: null, hello: { kind: 'unavailable', reason: 'Dawn found no WebGPU adapter (no GPU and no software Vulkan driver)' } };
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      },
    });
    const info = adapter.info ?? ({} as GPUAdapterInfo);
    return {
      server: new GpuServer(device),
      hello: {
        kind: 'ready',
        adapter: {
          vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '',
          fallback: (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info.architecture === 'software',
        },
      },
    };
  } catch (e) {
    return { server: null, hello: { kind: 'unavailable', reason: `Dawn (npm webgpu) could not start: ${e instanceof Error ? e.message : String(e)}` } };
  }
}

// The client waits (blocking) for the hello before it sends anything, so no batch arrives before the
// server exists; the first batch carries the same reply block again only when it has grown.
// 'close' (nodeTransport's close): finish the batches received so far, then end this thread.
const port = parentPort;
if (port) {
  const reply = (workerData as { reply: SharedArrayBuffer }).reply;
  const opening = open();
  port.on('message', (b: GpuBatch | typeof GPU_CLOSE) => {
    if (b === GPU_CLOSE) {
      void opening.then(({ server }) => server?.close()).catch(() => {}).finally(() => process.exit(0));
      return;
    }
    void opening.then(({ server }) => server?.receive(b));
  });
  void opening.then(({ server, hello }) => {
    server?.receive({ cmds: [], reply });
    writeHello(reply, hello);
  });
}
