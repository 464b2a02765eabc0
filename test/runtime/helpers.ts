// Test helpers for the runtime: build the bundles from the current sources with the real build
// (scripts/build.mjs → webpack) into a temp folder, and run the built CLI the way bin/gradscope.js does.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export interface Built { dir: string; worker: string; cli: string; python: string }

/** `node scripts/build.mjs --out TMP`; node_modules is linked beside it so pyodide/typescript resolve. */
export function buildRuntime(): Built {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-dist-'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--out', dir], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return { dir, worker: path.join(dir, 'worker.js'), cli: path.join(dir, 'cli.js'), python: path.join(dir, 'python') };
}

export function removeBuild(b: Built | undefined): void {
  if (b) fs.rmSync(b.dir, { recursive: true, force: true });
}

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
