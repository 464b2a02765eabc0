// Python through the CLI (the built dist/): MLP train step and per-op overhead (the scripts time
// themselves inside Pyodide), session cold start to first output, and a warm small run (batch mode).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { root, benchDir } from './lib.mjs';

const gradscope = path.join(root, 'bin', 'gradscope.js');

/** Run a bench script through `gradscope run` and parse its "name value" lines. */
export function runScript(file, timeoutMs = 300_000) {
  const r = spawnSync(process.execPath, [gradscope, 'run', path.join(benchDir, file)], { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`gradscope run ${file} failed: ${(r.stderr || r.error || '').toString().trim().split('\n').pop()}`);
  return parseFigures(r.stdout);
}

export function parseFigures(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+) (-?[\d.]+)$/.exec(line.trim());
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** ms from spawning `gradscope run bench/hello.py` to its first stdout bytes (best of `reps`). */
export async function coldStartMs(reps = 3) {
  let bestMs = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const ms = await new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [gradscope, 'run', path.join(benchDir, 'hello.py')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let done = false;
      p.stdout.once('data', () => { done = true; resolve(performance.now() - t0); });
      p.on('exit', (code) => { if (!done) reject(new Error(`hello.py exited ${code} without output`)); });
    });
    bestMs = Math.min(bestMs, ms);
  }
  return bestMs;
}

/**
 * A warm small run: one batch-mode runtime, programs sent one at a time after the first has loaded
 * everything; ms from writing a program to reading its result line (includes the fresh-state reset).
 */
export async function warmRunMs(reps = 10) {
  const p = spawn(process.execPath, [gradscope, 'run', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buf = '';
  const waiters = [];
  p.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 1); waiters.shift()?.(line); }
  });
  const send = (id, code) => new Promise((resolve) => { waiters.push(resolve); p.stdin.write(`${JSON.stringify({ id, code })}\n`); });
  const code = 'import torch\nx = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)\ny = (x @ x).sum()\ny.backward()\nprint(x.grad)\n';
  try {
    const first = JSON.parse(await send('warmup', code));
    if (first.error) throw new Error(`warm-up program failed: ${first.error.type}: ${first.error.message}`);
    let bestMs = Infinity;
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await send(`r${i}`, code);
      bestMs = Math.min(bestMs, performance.now() - t0);
    }
    return bestMs;
  } finally {
    p.stdin.end();
    p.kill();
  }
}
