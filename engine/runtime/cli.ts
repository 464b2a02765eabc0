// The `gradscope` command line (bin/gradscope.js → dist/cli.js), over the same Session as the editor:
//   gradscope run FILE.py|FILE.js|FILE.ts     run a file: its stdout/stderr as written, a traceback and exit 1 on error
//   gradscope run --batch [--timeout S]        JSON Lines {"id","code"} on stdin → {"id","stdout","error"} per program
// Options: --device cpu|webgpu|auto (or GRADSCOPE_DEVICE; webgpu runs on Dawn, the npm package `webgpu`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import pkg from '../../package.json';
import type { DeviceName, Language } from './protocol';
import { RunResult, Session, SessionOptions } from './session';

const USAGE = `usage: gradscope run FILE.py|FILE.js|FILE.ts [--device cpu]
       gradscope run --batch [--timeout SECONDS] [--device cpu]
       gradscope --version | --help

run FILE       run a Python (PyTorch), JavaScript or TypeScript file with Gradscope's engine
run --batch    read JSON Lines {"id","code"} on stdin and write one line {"id","stdout","error"} per
               program; each runs as __main__ in a fresh namespace with fresh torch state
--timeout S    per program in batch mode (default 30): the program is interrupted, and the worker
               restarted if it does not stop, with error TimeoutError
--device D     cpu (default), webgpu, or auto (the CPU, with large float32 matrix products on a hardware
               GPU where it computes them bit for bit as the CPU does); also GRADSCOPE_DEVICE
`;

interface Args { command: string | null; file: string | null; batch: boolean; timeout: number; device: string; help: boolean; version: boolean }

class UsageError extends Error {}

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Args {
  const a: Args = { command: null, file: null, batch: false, timeout: 30, device: env.GRADSCOPE_DEVICE || 'cpu', help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--help' || flag === '-h') a.help = true;
    else if (flag === '--version' || flag === '-V') a.version = true;
    else if (flag === '--batch') a.batch = true;
    else if (flag === '--device') a.device = value();
    else if (flag === '--timeout') {
      a.timeout = Number(value());
      if (!(a.timeout > 0)) throw new UsageError('--timeout must be a positive number of seconds');
    } else if (flag.startsWith('-') && flag !== '-') throw new UsageError(`unknown option ${flag}`);
    else if (a.command === null) a.command = flag;
    else if (a.file === null) a.file = flag;
    else throw new UsageError(`unexpected argument ${flag}`);
  }
  return a;
}

function checkDevice(device: string): DeviceName {
  if (device === 'cpu') return 'cpu';
  if (device === 'webgpu') return 'webgpu';
  if (device === 'auto') return 'auto';
  throw new UsageError(`unknown device '${device}' (expected cpu, webgpu or auto)`);
}

function languageOf(file: string): Language {
  const ext = path.extname(file).toLowerCase();
  if (['.js', '.mjs', '.cjs'].includes(ext)) return 'javascript';
  if (['.ts', '.mts', '.cts'].includes(ext)) return 'typescript';
  return 'python';
}

async function runFile(file: string, opts: SessionOptions): Promise<number> {
  const abs = path.resolve(file);
  let code: string;
  try {
    code = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    process.stderr.write(`gradscope: can't open file '${abs}': ${(e as Error).message}\n`);
    return 2;
  }
  const language = languageOf(abs);
  const session = new Session({ ...opts, loadPython: language === 'python' });
  session.onDidWrite((e) => { (e.stream === 'stdout' ? process.stdout : process.stderr).write(e.text); });
  let sigints = 0;
  const onSigint = () => { if (++sigints > 1) process.exit(130); session.interrupt(); };
  process.on('SIGINT', onSigint);
  try {
    const r = await session.run({ code, file: abs, language, fresh: true });
    if (r.error && r.error.type !== 'SystemExit') process.stderr.write(r.error.traceback);
    return r.error?.type === 'KeyboardInterrupt' ? 130 : r.exitCode;
  } finally {
    process.off('SIGINT', onSigint);
    await session.dispose();
  }
}

/** One batch program: fresh namespace, interrupted at the timeout and the worker restarted if it hangs. */
async function runOne(session: Session, code: string, timeoutS: number): Promise<RunResult> {
  try {
    return await session.run({ code, file: 'main.py', fresh: true, timeoutMs: timeoutS * 1000 });
  } catch (e) {
    // the worker could not be (re)started: report it for this program and go on with the next
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return {
      error: { type: 'WorkerCrashed', message, traceback: '', line: null }, exitCode: 1, stdout: '', stderr: '',
      durationMs: 0, truncated: false, interrupted: false, timedOut: false,
    };
  }
}

async function runBatch(timeoutS: number, opts: SessionOptions): Promise<number> {
  const session = new Session({ ...opts, loadPython: true, maxOutputChars: 8 * 1024 * 1024, hangTimeoutMs: 2000 });
  const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
  try {
    await session.start();
  } catch (e) {
    process.stderr.write(`gradscope: could not start the runtime: ${(e as Error).message}\n`);
  }
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let id: unknown = null;
    let code: unknown;
    try {
      const o = JSON.parse(line) as { id?: unknown; code?: unknown };
      id = o.id ?? null;
      code = o.code;
    } catch (e) {
      out({ id: null, stdout: '', error: { type: 'ValueError', message: `not a JSON line: ${(e as Error).message}` } });
      continue;
    }
    if (typeof code !== 'string') {
      out({ id, stdout: '', error: { type: 'TypeError', message: '"code" must be a string' } });
      continue;
    }
    const r = await runOne(session, code, timeoutS);
    out({ id, stdout: r.stdout, error: r.error ? { type: r.error.type, message: r.error.message } : null });
  }
  await session.dispose();
  return 0;
}

/** The CLI; resolves with the process exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  process.stdout.on('error', () => undefined); // a closed pipe (| head) is not an error of ours
  let args: Args;
  let device: DeviceName;
  try {
    args = parseArgs(argv, env);
    if (args.help) { process.stdout.write(USAGE); return 0; }
    if (args.version) { process.stdout.write(`gradscope ${pkg.version}\n`); return 0; }
    if (args.command !== 'run') throw new UsageError(args.command ? `unknown command '${args.command}'` : 'no command given');
    device = checkDevice(args.device);
    if (!args.batch && !args.file) throw new UsageError('run needs a FILE or --batch');
    if (args.batch && args.file) throw new UsageError('run --batch reads programs from stdin: give no FILE');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`gradscope: ${e.message}\n${USAGE}`);
    return 2;
  }
  // GRADSCOPE_PYTHON_DIR: another copy of the Python torch package (development)
  // GRADSCOPE_CUDA_ALIAS=1: code written for CUDA (.cuda(), device='cuda') uses the webgpu device
  // no graph panel here: autograd nodes need not know their source lines (a call into Python each)
  const opts: SessionOptions = { device, cudaAlias: env.GRADSCOPE_CUDA_ALIAS === '1', pythonDir: env.GRADSCOPE_PYTHON_DIR || undefined, sites: false };
  return args.batch ? runBatch(args.timeout, opts) : runFile(args.file!, opts);
}
