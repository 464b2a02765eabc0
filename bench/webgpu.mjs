// WebGPU benchmarks (`node bench/run.mjs --only webgpu`, or `node bench/webgpu.mjs` directly): matmul
// GFLOP/s on the webgpu device (512² … 4096²) and the PERF.md MLP train step there (steps/s), with the
// adapter's name. GPU work is queued, so each figure times N operations followed by one read of a single
// element (the queue runs in order: the read returns after all N have finished), never one op alone.
// Runs in a child process of run.mjs (with --expose-gc: device buffers of dead tensors are freed between
// repetitions), so the Dawn host thread and its memory go away with it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { printTable } from './lib.mjs';
import { mlpStep } from './engine.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const require = createRequire(import.meta.url);
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

export const WEBGPU_SIZES = [512, 1024, 2048, 4096];

/** run.mjs's entry: the figures from a child process, printed as a table. */
export function runWebgpuBench({ quick = false } = {}) {
  const args = [path.join(here, 'webgpu.mjs'), '--json', ...(quick ? ['--quick'] : [])];
  const r = spawnSync(process.execPath, ['--expose-gc', ...args], {
    encoding: 'utf8', timeout: 1_800_000, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = (r.stdout ?? '').trim().split('\n');
  for (const l of lines.slice(0, -1)) console.log(l);
  if (r.status !== 0) throw new Error(`bench/webgpu.mjs exited with ${r.status ?? r.signal}`);
  const f = JSON.parse(lines[lines.length - 1]);
  const rows = [];
  for (const [n, v] of Object.entries(f.matmul)) rows.push({ workload: `webgpu matmul ${n}² A·B`, unit: 'GFLOP/s', better: 'higher', ours: v, peers: {} });
  rows.push({ workload: 'webgpu MLP train step (TS)', unit: 'steps/s', better: 'higher', ours: f.mlp, peers: {} });
  printTable(`WebGPU — ${f.adapter}${f.fallback ? ' (software / fallback adapter: figures say nothing about GPU speed)' : ''}`, rows, []);
  return f;
}

/**
 * The engine with the webgpu device's controls (and `extra` export lines, e.g. single kernels), bundled
 * from the sources as `.cache/<name>.cjs`, and the Dawn host beside it.
 */
export async function loadWebgpuEngine(extra = '', name = 'engine-webgpu') {
  const esbuild = require('esbuild');
  const dir = path.join(here, '.cache');
  mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, `${name}.cjs`);
  await esbuild.build({
    stdin: {
      contents: `export * from './engine/index';
export { setDefaultDevice, adapterInfo, webgpuAvailable, unavailableReason } from './engine/backends/webgpu/index';
export { kernelStats, resetKernelStats } from './engine/backends/webgpu/kernels';
${extra}`,
      resolveDir: root, loader: 'ts', sourcefile: `${name}-entry.ts`,
    },
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'error',
  });
  // nodeTransport looks for gpu-host.js beside the bundle
  await esbuild.build({
    entryPoints: [path.join(root, 'engine/backends/webgpu/dawnHost.ts')],
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: path.join(dir, 'gpu-host.js'), external: ['webgpu'], logLevel: 'error',
  });
  return require(outfile);
}

/** Wait for everything queued before it: a read of one element of `t` (copied out on the device first). */
function sync(torch, t) {
  return torch.flatten(t).narrow(0, 0, 1).clone().item();
}

/** Let finalizers run (they free device buffers) between repetitions. */
const settle = () => new Promise((r) => setImmediate(r)).then(() => { globalThis.gc?.(); return new Promise((r) => setImmediate(r)); });

/** GFLOP/s of n×n fp32 A·B on the device: best of a few repetitions of N matmuls then one read. */
async function matmulGflops(torch, n, budgetMs) {
  const a = torch.rand(n, n), b = torch.rand(n, n);
  const t0 = now();
  sync(torch, torch.mm(a, b)); // warm-up (pipeline creation, uploads)
  const first = now() - t0;
  const count = Math.max(2, Math.min(20, Math.floor(budgetMs / 4 / Math.max(first, 1e-3))));
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    await settle();
    const s = now();
    let c = null;
    for (let i = 0; i < count; i++) c = torch.mm(a, b);
    sync(torch, c);
    best = Math.min(best, (now() - s) / count);
    if (best * count * (rep + 1) > budgetMs) break;
  }
  return { gflops: (2 * n ** 3) / (best * 1e6), msPerMatmul: best, first };
}

/** The PERF.md MLP (batch 64, 784→256→10, ReLU, cross-entropy, backward, SGD lr 0.01) on the device. */
async function mlpStepsPerSec(engine, budgetMs) {
  const step = mlpStep(engine);
  let t0 = now();
  step().item();
  step().item();
  const first = (now() - t0) / 2;
  const count = Math.max(3, Math.min(200, Math.floor(budgetMs / 4 / Math.max(first, 1e-3))));
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    await settle();
    t0 = now();
    let loss = null;
    for (let i = 0; i < count; i++) loss = step();
    loss.item();
    best = Math.min(best, (now() - t0) / count);
  }
  return 1000 / best;
}

async function main() {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const budgetMs = quick ? 2000 : 8000;
  const engine = await loadWebgpuEngine();
  if (!engine.webgpuAvailable()) {
    console.log(`no WebGPU adapter: ${engine.unavailableReason()}`);
    if (argv.includes('--json')) console.log(JSON.stringify({ adapter: 'none', fallback: true, matmul: {}, mlp: null }));
    return;
  }
  const info = engine.adapterInfo();
  const adapter = info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') || '(unnamed adapter)';
  console.log(`WebGPU adapter: ${adapter}${info.fallback ? ' — software/fallback adapter: correctness only, the figures say nothing about GPU speed' : ''}`);
  engine.setDefaultDevice('webgpu');
  const { torch } = engine;
  const f = { adapter, fallback: info.fallback, matmul: {}, mlp: null };
  // on a software adapter the big sizes take minutes: stop once one matmul takes longer than the budget
  const sizes = quick ? [256, 512] : WEBGPU_SIZES;
  for (const n of sizes) {
    const r = await matmulGflops(torch, n, budgetMs);
    f.matmul[n] = r.gflops;
    console.log(`  matmul ${n}²: ${r.gflops.toFixed(1)} GFLOP/s (${r.msPerMatmul.toFixed(2)} ms each, first ${r.first.toFixed(0)} ms)`);
    if (r.msPerMatmul * 8 > budgetMs * 4) { console.log(`  (larger sizes skipped: ${r.msPerMatmul.toFixed(0)} ms per matmul)`); break; }
  }
  engine.resetKernelStats();
  f.mlp = await mlpStepsPerSec(engine, budgetMs);
  console.log(`  MLP train step: ${f.mlp.toFixed(1)} steps/s; kernel launches: ${JSON.stringify(engine.kernelStats())}`);
  if (argv.includes('--json')) console.log(JSON.stringify(f));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // exit explicitly: Dawn's native handles keep the event loop alive after the work is done
  main().then(() => process.exit(0), (e) => { console.log(`webgpu benchmark error: ${e?.stack ?? e}`); process.exit(1); });
}
