// Test helpers for the runtime: build the bundles from the current sources with the real build
// (scripts/build.mjs → webpack) into a temp folder, and run the built CLI the way bin/gradscope.js does.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export interface Built { dir: string; worker: string; cli: string; python: string }

/** The sources a build depends on: their hash names the shared build. */
function sourceKey(): string {
  const h = createHash('sha1');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else { h.update(p); h.update(fs.readFileSync(p)); }
    }
  };
  for (const d of ['engine', 'extension', 'webview']) walk(path.join(ROOT, d));
  for (const f of ['scripts/build.mjs', 'webpack.config.js', 'package-lock.json']) h.update(fs.readFileSync(path.join(ROOT, f)));
  return h.digest('hex').slice(0, 16);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `node scripts/build.mjs --out DIR` for the current sources, built once and shared by every test
 * file (and later runs) that asks while the sources are unchanged: the first caller builds (without
 * blocking its thread), the others wait for it. node_modules is linked beside it so pyodide resolves.
 */
export async function buildRuntime(): Promise<Built> {
  const dir = path.join(os.tmpdir(), `gradscope-test-dist-${sourceKey()}`);
  const built: Built = { dir, worker: path.join(dir, 'worker.js'), cli: path.join(dir, 'cli.js'), python: path.join(dir, 'python') };
  const done = path.join(dir, '.built'), lock = `${dir}.lock`;
  const deadline = Date.now() + 15 * 60_000;
  while (!fs.existsSync(done)) {
    let mine = false;
    try { fs.mkdirSync(lock); mine = true; } catch { /* another test file is building it */ }
    if (mine) {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
        const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
          const child = spawn(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--out', dir], { cwd: ROOT });
          let out = '';
          child.stdout.on('data', (d) => { out += d; });
          child.stderr.on('data', (d) => { out += d; });
          child.on('close', (code) => resolve({ code, out }));
        });
        if (r.code !== 0) throw new Error(`build failed:\n${r.out}`);
        fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
        fs.writeFileSync(done, new Date().toISOString());
      } finally {
        fs.rmSync(lock, { recursive: true, force: true });
      }
      break;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for the shared build in ${dir}`);
    await sleep(500);
  }
  if (!fs.existsSync(done)) throw new Error(`the shared build in ${dir} failed (see the test file that built it)`);
  return built;
}

/** Shared builds stay for later test files and runs (they are named by the sources' hash). */
export function removeBuild(_b: Built | undefined): void { /* kept: see buildRuntime */ }

export interface CliResult { code: number | null; stdout: string; stderr: string; ms: number }

/** Run the built CLI (what bin/gradscope.js does with dist/cli.js) with args and optional stdin. */
export function runCli(b: Built, args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const t0 = Date.now();
  const loader = 'require(process.argv[1]).main(process.argv.slice(2)).then((c) => { process.exitCode = c; })';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', loader, b.cli, ...args], {
      cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 110_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - t0 });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** A fixture written by a generator run with real PyTorch (/usr/bin/python3 test/fixtures/gen_*.py). */
export function fixture<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures', name), 'utf8')) as T;
}
