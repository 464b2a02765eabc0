// The Node transport: the GPU side runs in a worker thread over Dawn (dawnHost.ts). The bundle ships
// it as gpu-host.js beside the other bundles; from the TypeScript sources (tests, vite-node) it is
// bundled once with esbuild into a temporary file.
import { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { TransportFactory } from './client';
import { waitHello } from './client';
import { GPU_CLOSE } from './protocol';

/** How long a closing GPU thread may take to finish its work before it is terminated. */
const CLOSE_GRACE_MS = 5_000;
/** How long Dawn may take to find its adapter (a software Vulkan driver is slow to start). */
const START_TIMEOUT_MS = 30_000;

function hostScript(): string {
  const env = process.env.GRADSCOPE_GPU_HOST;
  if (env) return env;
  const beside = path.join(__dirname, 'gpu-host.js');
  if (fs.existsSync(beside)) return beside;
  const dist = path.resolve(__dirname, '../../../dist/gpu-host.js');
  const src = path.join(__dirname, 'dawnHost.ts');
  if (fs.existsSync(src)) {
    // running from the sources: bundle dawnHost.ts (cached by content)
    const here = __filename; // through a variable: the bundler leaves the call alone
    const req = createRequire(here);
    const esbuild = req('esbuild') as typeof import('esbuild');
    // inside the repository's node_modules, so that the host's import('webgpu') resolves
    const dir = path.resolve(__dirname, '../../../node_modules/.cache/gradscope-gpu-host');
    fs.mkdirSync(dir, { recursive: true });
    const out = path.join(dir, `host-${process.pid}.cjs`);
    esbuild.buildSync({ entryPoints: [src], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, external: ['webgpu'], logLevel: 'error' });
    return out;
  }
  if (fs.existsSync(dist)) return dist;
  throw new Error('gpu-host.js not found beside the bundle');
}

export const dawnTransport: TransportFactory = (reply) => {
  let worker: Worker;
  try {
    worker = new Worker(hostScript(), { workerData: { reply }, stdout: false, stderr: true });
  } catch (e) {
    return { transport: { post() {}, close() {} }, hello: { kind: 'unavailable', reason: `the WebGPU host could not start: ${(e as Error).message}` } };
  }
  // Dawn's warnings (e.g. reduced dynamic buffer limits) go to the worker's stderr: keep them out of
  // the user's output unless asked for
  worker.stderr?.on('data', (d: Buffer) => { if (process.env.GRADSCOPE_GPU_DEBUG) process.stderr.write(d); });
  worker.unref();
  const hello = waitHello(reply, START_TIMEOUT_MS);
  return {
    transport: {
      post: (b) => worker.postMessage(b),
      // the thread finishes its batches (a pending mapAsync) and ends itself; a thread terminated
      // while Dawn still holds a mapping crashes the process from native code. Terminated after a grace
      // period all the same (a hung device).
      close: () => new Promise<void>((resolve) => {
        const t = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
        t.unref();
        worker.once('exit', () => { clearTimeout(t); resolve(); });
        try { worker.postMessage(GPU_CLOSE); } catch { void worker.terminate(); }
      }),
    },
    hello,
  };
};
