// `npm run bench`: the PERF.md workloads on Gradscope's engine, beside the peers that are installed
// (TensorFlow.js cpu/wasm from bench/peers, PyTorch 1.13 through /usr/bin/python3), printing tables
// with ratios (> 1× means Gradscope is better). Benchmarks never fail: errors become notes, exit code 0.
//   node bench/run.mjs [--quick] [--only matmul,elementwise,sum,softmax,tiny,mlp,cli,hover,webgpu]
//                      [--no-peers] [--no-torch] [--no-cli] [--build] [--threads N] [--baseline DIR]
// --baseline DIR adds a 'before' column: the engine of another checkout, e.g. an older commit unpacked
// with `git archive COMMIT engine | tar -x -C DIR`.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { loadEngine, guarded, printTable, root, benchDir } from './lib.mjs';
import { engineFigures } from './engine.mjs';
import * as E from './engine.mjs';
import { loadTfjs, tfjsFigures } from './peers.mjs';
import { runScript, coldStartMs, warmRunMs } from './cli.mjs';
import { runWebgpuBench } from './webgpu.mjs';
import { hoverFigures, hoverRows } from './hover.mjs';

const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : null);
const quick = flag('--quick');
const only = opt('--only')?.split(',') ?? null;
const want = (g) => !only || only.includes(g);
const sizes = quick ? [128, 256] : E.MATMUL_SIZES;
const elemSizes = quick ? [1 << 20] : [1 << 20, 1 << 24];
const threads = opt('--threads');

async function main() {
  console.log(`Gradscope benchmarks — node ${process.version}, ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, load ${os.loadavg()[0].toFixed(1)}${quick ? ', quick' : ''}`);
  if (threads !== null) process.env.GRADSCOPE_THREADS = threads;
  const engine = await loadEngine();
  const { torch } = engine;

  // ---- peers --------------------------------------------------------------------------------------
  const peers = {};
  if (!flag('--no-peers')) {
    const tf = await guarded('tfjs', loadTfjs);
    if (!tf) console.log('tfjs peers not installed (npm install --prefix bench/peers): no tfjs columns');
    else {
      for (const be of ['wasm', 'cpu']) {
        const f = await guarded(`tfjs-${be}`, () => tfjsFigures(tf, be, { sizes, elemSizes, quick }));
        if (f) peers[`tfjs-${be}`] = f;
      }
    }
  }
  if (!flag('--no-torch')) {
    const f = await guarded('pytorch', () => torchFigures());
    if (f) peers.pytorch = f;
  }
  const peerNames = Object.keys(peers);
  const pv = (get) => Object.fromEntries(peerNames.map((p) => { try { return [p, get(peers[p])]; } catch { return [p, null]; } }));

  // ---- engine figures ---------------------------------------------------------------------------
  const ours = engineFigures(engine, { sizes, elemSizes, want });
  const baseline = opt('--baseline');
  if (baseline) {
    const before = await guarded('baseline engine', () => loadEngine(path.resolve(baseline), 'baseline'));
    // the old JavaScript matmul needs minutes at 512² and up: the before column stops at 256²
    if (before) { peers.before = engineFigures(before, { sizes: sizes.filter((n) => n <= 256), elemSizes, want }); peerNames.push('before'); }
  }
  const get = (f, k) => { try { return k(f); } catch { return null; } };
  const row = (workload, unit, better, k) => rows.push({ workload, unit, better, ours: get(ours, k), peers: pv(k) });
  const rows = [];
  if (want('matmul')) for (const n of sizes) for (const l of E.LAYOUTS) row(`matmul ${n}² ${l}`, 'GFLOP/s', 'higher', (f) => f.matmul[`${n} ${l}`]);
  if (want('elementwise')) for (const n of elemSizes) for (const op of ['add', 'exp']) row(`${op} ${n >= 1 << 24 ? '16M' : '1M'} fp32`, 'GB/s', 'higher', (f) => f[`${op} ${n}`]);
  if (want('sum')) row('sum 16M fp32', 'GB/s', 'higher', (f) => f.sum);
  if (want('softmax')) row('softmax 1024² (rows)', 'ms', 'lower', (f) => f.softmax);
  if (want('tiny')) {
    row('tiny op 2×2 add (TS)', 'µs/op', 'lower', (f) => f.tiny);
    row('tiny op 2×2 add, autograd (TS)', 'µs/op', 'lower', (f) => f['tiny grad']);
  }
  if (want('mlp')) row('MLP train step (TS)', 'steps/s', 'higher', (f) => f.mlp);
  printTable('Engine (TypeScript API, this process)', rows, peerNames);

  // ---- the webgpu device (only when asked for: a software adapter needs minutes) --------------------
  if (only?.includes('webgpu')) await guarded('webgpu', () => runWebgpuBench({ quick }));

  // ---- Python through the CLI --------------------------------------------------------------------
  if (want('cli') && !flag('--no-cli')) {
    if (flag('--build')) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    const cli = path.join(root, 'dist', 'cli.js');
    if (!existsSync(cli)) console.log('\n(dist/cli.js missing: run `npm run build` or pass --build for the Python figures)');
    else {
      if (newestSource() > statSync(cli).mtimeMs) console.log('\nnote: engine sources are newer than dist/ — pass --build for current Python figures');
      const pyRows = [];
      const mlp = await guarded('mlp_step.py', () => runScript('mlp_step.py'));
      pyRows.push({ workload: 'MLP train step (Python, CLI)', unit: 'steps/s', ours: mlp?.mlp_steps_per_s, better: 'higher', peers: pv((p) => p.mlp) });
      const tiny = await guarded('tiny_ops.py', () => runScript('tiny_ops.py'));
      pyRows.push({ workload: 'tiny add from Python', unit: 'µs/op', ours: tiny?.tiny_add_us, better: 'lower', peers: pv((p) => p.tiny) });
      pyRows.push({ workload: 'tiny add from Python, autograd', unit: 'µs/op', ours: tiny?.tiny_add_grad_us, better: 'lower', peers: pv((p) => p['tiny grad']) });
      pyRows.push({ workload: 'cold start to first output', unit: 'ms', ours: await guarded('cold start', () => coldStartMs(quick ? 1 : 3)), better: 'lower', peers: {} });
      pyRows.push({ workload: 'warm small run (batch)', unit: 'ms', ours: await guarded('warm run', () => warmRunMs(quick ? 3 : 10)), better: 'lower', peers: {} });
      printTable('Python through the CLI (dist/)', pyRows, peerNames.filter((p) => p !== 'before'));
    }
  }
  // ---- hover on a warm session (bench/hover.mjs) ----------------------------------------------------
  if (want('hover')) {
    const f = await guarded('hover', () => hoverFigures({ quick }));
    printTable('Hover on a warm session (session.inspect → hoverMarkdown, as extension/hover.ts)', hoverRows(f), []);
  }
  console.log('\nRatios: > 1× means Gradscope is better (faster / higher throughput). PyTorch column: /usr/bin/python3, 1 thread, BLAS as the loader finds it.');
}

function torchFigures() {
  const args = [path.join(benchDir, 'torch_peer.py')];
  if (quick) args.push('--quick');
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error((r.stderr || String(r.error)).trim().split('\n').pop());
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|py|wat)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(path.join(root, 'engine'));
  return newest;
}

main().catch((e) => console.log(`benchmark error (ignored): ${e?.stack ?? e}`)).finally(() => { process.exitCode = 0; });
