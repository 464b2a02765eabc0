// JavaScript / TypeScript runs inside the runtime worker: the code is transpiled with TypeScript's
// transpileModule (CommonJS, a source map for line numbers), every loop gets an interrupt check, and
// it runs in a vm context where `torch` (and `require('gradscope')`) is the engine and console.log
// prints tensors as PyTorch does. Runs share one context like a REPL (top-level let/const/class become
// var, so a cell can be re-run); a fresh run gets a new context and reset engine state.
import * as vm from 'node:vm';
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import type * as TS from 'typescript';
import * as engine from '../index';
import { setDefaultDType, dtypes } from '../dtype';
import { setGradEnabled, setInferenceMode } from '../autograd';
import { resetPrintOptions } from '../format';
import { DEFAULT_RNG_SEED, manualSeed } from '../random';
import { TorchError } from '../errors';
import { getWarningHandler, resetWarnOnce, setWarningHandler } from '../warnings';
import type { RunError, RunParams, Stream } from './protocol';

export interface JsIo {
  write(stream: Stream, text: string): void;
  /** the shared interrupt flag (2 = interrupt requested) */
  interrupt: Int32Array;
}

class KeyboardInterrupt extends Error {
  override name = 'KeyboardInterrupt';
  constructor() { super(''); }
}

let tsModule: typeof TS | null = null;
function typescript(): typeof TS {
  // loaded on the first JS/TS run only (it is large); kept outside the bundle
  return (tsModule ??= require('typescript') as typeof TS);
}

/** Python-fresh-process state of the engine: default dtype, grad mode, print options, seed, warn-once. */
export function resetEngineState(): void {
  setDefaultDType(dtypes.float32);
  setGradEnabled(true);
  setInferenceMode(false);
  resetPrintOptions();
  resetWarnOnce();
  manualSeed(DEFAULT_RNG_SEED);
}

// ---- transpiling --------------------------------------------------------------------------------------

/** `{ __gs_tick(); ...body }` for every loop, so an interrupt can stop `while (true) {}`. */
function loopGuard(ts: typeof TS): TS.TransformerFactory<TS.SourceFile> {
  return (ctx) => (sf) => {
    const f = ctx.factory;
    const guard = (body: TS.Statement) => f.createBlock(
      [f.createExpressionStatement(f.createCallExpression(f.createIdentifier('__gs_tick'), undefined, [])),
        ...(ts.isBlock(body) ? body.statements : [body])], true);
    const visit = (node: TS.Node): TS.Node => {
      const n = ts.visitEachChild(node, visit, ctx);
      if (ts.isWhileStatement(n)) return f.updateWhileStatement(n, n.expression, guard(n.statement));
      if (ts.isDoStatement(n)) return f.updateDoStatement(n, guard(n.statement), n.expression);
      if (ts.isForStatement(n)) return f.updateForStatement(n, n.initializer, n.condition, n.incrementor, guard(n.statement));
      if (ts.isForInStatement(n)) return f.updateForInStatement(n, n.initializer, n.expression, guard(n.statement));
      if (ts.isForOfStatement(n)) return f.updateForOfStatement(n, n.awaitModifier, n.initializer, n.expression, guard(n.statement));
      return n;
    };
    return ts.visitNode(sf, visit) as TS.SourceFile;
  };
}

/** REPL cells: top-level let/const become var and classes become `var C = class C {}`, so re-running works. */
function replScope(ts: typeof TS): TS.TransformerFactory<TS.SourceFile> {
  return (ctx) => (sf) => {
    const f = ctx.factory;
    const stmts = sf.statements.map((s): TS.Statement => {
      if (ts.isVariableStatement(s) && (s.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) {
        return f.updateVariableStatement(s, s.modifiers, f.createVariableDeclarationList(s.declarationList.declarations, ts.NodeFlags.None));
      }
      if (ts.isClassDeclaration(s) && s.name && !s.modifiers?.length) {
        const expr = f.createClassExpression(undefined, s.name, s.typeParameters, s.heritageClauses, s.members);
        return ts.setTextRange(f.createVariableStatement(undefined, f.createVariableDeclarationList(
          [f.createVariableDeclaration(s.name.text, undefined, undefined, expr)], ts.NodeFlags.None)), s);
      }
      return s;
    });
    return f.updateSourceFile(sf, stmts);
  };
}

function hasTopLevelAwait(ts: typeof TS, sf: TS.SourceFile): boolean {
  let found = false;
  const visit = (n: TS.Node): void => {
    if (found || ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isAwaitExpression(n) || (ts.isForOfStatement(n) && n.awaitModifier)) { found = true; return; }
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(sf, visit);
  return found;
}

interface Compiled { js: string; lineMap: LineMap; syntaxError: RunError | null }

function compile(p: RunParams): Compiled {
  const ts = typescript();
  const fileName = p.language === 'typescript' ? 'input.ts' : 'input.js';
  const sf = ts.createSourceFile(fileName, p.code, ts.ScriptTarget.ES2022, true);
  const out = ts.transpileModule(p.code, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, sourceMap: true, esModuleInterop: true,
      allowJs: true, removeComments: false,
    },
    // every run's namespace can become the REPL namespace, so top-level declarations are always var
    transformers: { before: [loopGuard(ts)], after: [replScope(ts)] },
  });
  const diag = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (diag) {
    const line = diag.start !== undefined ? sf.getLineAndCharacterOfPosition(diag.start).line + p.firstLine : null;
    const message = ts.flattenDiagnosticMessageText(diag.messageText, '\n');
    return { js: '', lineMap: new LineMap(''), syntaxError: { type: 'SyntaxError', message, traceback: `${p.file}:${line}\nSyntaxError: ${message}\n`, line } };
  }
  let js = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  // an async wrapper on the first line keeps line numbers; top-level names stay local to that run
  if (hasTopLevelAwait(ts, sf)) js = `(async () => {${js}\n})()`;
  return { js, lineMap: new LineMap(JSON.parse(out.sourceMapText ?? '{"mappings":""}').mappings), syntaxError: null };
}

// ---- source maps (generated line/column → source line) -------------------------------------------------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The `mappings` of a v3 source map, decoded to [genColumn, srcLine] segments per generated line. */
export class LineMap {
  private readonly lines: [number, number][][] = [];
  constructor(mappings: string) {
    let srcLine = 0;
    for (const lineText of mappings.split(';')) {
      const segs: [number, number][] = [];
      let col = 0;
      for (const seg of lineText.split(',')) {
        if (!seg) continue;
        const v = decodeVlq(seg);
        col += v[0];
        if (v.length >= 4) { srcLine += v[2]; segs.push([col, srcLine]); }
      }
      this.lines.push(segs);
    }
  }
  /** 0-based source line of generated (1-based line, 1-based column), or null */
  source(line: number, column: number): number | null {
    let segs = this.lines[line - 1];
    // generated code with no mapping (the loop guard): the nearest mapped line above it
    for (let l = line - 1; (!segs || segs.length === 0) && l > 0; l--) { segs = this.lines[l - 1]; column = Infinity; }
    if (!segs || segs.length === 0) return null;
    let best = segs[0][1];
    for (const [c, l] of segs) { if (c <= column - 1) best = l; else break; }
    return best;
  }
}

function decodeVlq(seg: string): number[] {
  const out: number[] = [];
  let value = 0, shift = 0;
  for (const ch of seg) {
    const digit = B64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) { shift += 5; continue; }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0; shift = 0;
  }
  return out;
}

// ---- running -------------------------------------------------------------------------------------------

function describeError(e: unknown, p: RunParams, map: LineMap): RunError {
  const err = e as { name?: unknown; message?: unknown; stack?: unknown } | null;
  const isObj = typeof err === 'object' && err !== null;
  const type = e instanceof TorchError ? e.pyType : isObj && typeof err.name === 'string' ? err.name : 'Error';
  const message = isObj && typeof err.message === 'string' ? err.message : String(e);
  const frames: string[] = [];
  let line: number | null = null;
  const stack = isObj && typeof err.stack === 'string' ? err.stack : '';
  const at = new RegExp(`^\\s*at (?:(.*) \\()?${escapeRe(p.file)}:(\\d+):(\\d+)\\)?$`);
  for (const l of stack.split('\n')) {
    const m = at.exec(l);
    if (!m) continue;
    const src = map.source(Number(m[2]), Number(m[3]));
    const userLine = src === null ? null : src + p.firstLine;
    if (line === null) line = userLine;
    frames.push(`    at ${m[1] ? `${m[1]} (` : ''}${p.file}:${userLine ?? '?'}${m[1] ? ')' : ''}`);
  }
  const head = `${type}${message ? `: ${message}` : ''}`;
  return { type, message, traceback: [head, ...frames].join('\n') + '\n', line };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function streamTo(io: JsIo, stream: Stream): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: unknown, _enc, cb) { io.write(stream, typeof chunk === 'string' ? chunk : String(chunk)); cb(); },
  });
}

/** `require` inside user code: the engine under the names a user would import it by. */
function userRequire(name: string): unknown {
  if (name === 'gradscope' || name === 'gradscope/engine' || name === '@gradscope/engine') return engine;
  const e = new Error(`Cannot find module '${name}' (only 'gradscope' is available to Gradscope JS/TS runs)`);
  (e as { code?: string }).code = 'MODULE_NOT_FOUND';
  throw e;
}

export class JsRunner {
  private context: vm.Context | null = null;

  constructor(private readonly io: JsIo) {}

  private newContext(): vm.Context {
    const io = this.io;
    const buf = io.interrupt;
    const consoleObj = new Console({ stdout: streamTo(io, 'stdout'), stderr: streamTo(io, 'stderr'), colorMode: false });
    const module = { exports: {} as Record<string, unknown> };
    return vm.createContext({
      torch: engine.torch, console: consoleObj, require: userRequire, module, exports: module.exports,
      setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate, queueMicrotask,
      structuredClone, TextEncoder, TextDecoder, URL, performance,
      __gs_tick: () => {
        if (Atomics.load(buf, 0) !== 0) { Atomics.store(buf, 0, 0); throw new KeyboardInterrupt(); }
      },
    });
  }

  /** The vm context of the session (for inspect). */
  get globals(): vm.Context | null { return this.context; }

  async run(p: RunParams): Promise<{ error: RunError | null; exitCode: number }> {
    if (p.fresh) resetEngineState();
    if (p.fresh || !this.context) this.context = this.newContext();
    const c = compile(p);
    if (c.syntaxError) return { error: c.syntaxError, exitCode: 1 };
    const previous = getWarningHandler();
    setWarningHandler((category, message) => this.io.write('stderr', `${p.file}: ${category}: ${message}\n`));
    try {
      const script = new vm.Script(c.js, { filename: p.file });
      const r = script.runInContext(this.context);
      if (r && typeof (r as Promise<unknown>).then === 'function') await r;
      return { error: null, exitCode: 0 };
    } catch (e) {
      return { error: describeError(e, p, c.lineMap), exitCode: 1 };
    } finally {
      setWarningHandler(previous);
    }
  }
}
