// Pyodide in-process for the Python tests: one instance per test file, with Gradscope's torch installed
// from engine/python/ and a `run(code)` that captures stdout/stderr and the exception like the
// conformance corpus records it ({type, message} of the uncaught exception).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { loadPyodide } from 'pyodide';
import type { PyodideAPI } from 'pyodide';
import { installTorch, resetTorchState } from '../../engine/runtime/bridge';

export const PYTHON_DIR = join(__dirname, '../../engine/python');

/** Every .py file under engine/python, keyed by its path relative to it ('torch/__init__.py'). */
export function pythonFiles(dir = PYTHON_DIR): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.py')) out[relative(dir, p).split('\\').join('/')] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  error: { type: string; message: string } | null;
}

export interface PyRunner {
  pyodide: PyodideAPI;
  /** Run `code` as __main__ in a fresh namespace after resetting torch state. */
  run(code: string): RunResult;
}


export async function createRunner(): Promise<PyRunner> {
  const indexURL = dirname(createRequire(__filename).resolve('pyodide/package.json')) + '/';
  const pyodide = await loadPyodide({ indexURL, env: { PYTHONHASHSEED: '0' } });
  installTorch(pyodide, pythonFiles());
  let out = '';
  let err = '';
  const outDec = new TextDecoder();
  const errDec = new TextDecoder();
  pyodide.setStdout({ write: (b: Uint8Array) => { out += outDec.decode(b, { stream: true }); return b.length; } });
  pyodide.setStderr({ write: (b: Uint8Array) => { err += errDec.decode(b, { stream: true }); return b.length; } });
  pyodide.runPython(`
import sys, traceback, warnings
def _gs_run(code):
    ns = {'__name__': '__main__', '__builtins__': __builtins__}
    warnings.resetwarnings()
    warnings.simplefilter('default')
    try:
        exec(compile(code, '<snippet>', 'exec'), ns)
    except BaseException as e:
        traceback.print_exc()
        return [type(e).__name__, str(e)]
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return None
`);
  const runFn = pyodide.globals.get('_gs_run');
  return {
    pyodide,
    run(code: string): RunResult {
      out = '';
      err = '';
      resetTorchState(pyodide);
      const r = runFn(code);
      let error: RunResult['error'] = null;
      if (r) {
        const [type, message] = r.toJs();
        r.destroy();
        error = { type, message };
      }
      return { stdout: out, stderr: err, error };
    },
  };
}
