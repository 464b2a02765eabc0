// Pyodide memory snapshots for the runtime worker (worker.ts): the first session on a machine starts
// Pyodide, imports torch and saves the interpreter's memory in a cache folder; later sessions restore
// that memory instead of booting Python and importing torch again (≈ 0.5 s instead of several).
//
// The file name carries a hash of everything the memory depends on (the worker bundle, which holds
// the engine and the runtime's Python modules; torch's Python files; Pyodide's version; the device),
// so a rebuilt extension or edited Python files make a new one. Pyodide checks its own build id on
// restore as well. Anything that fails falls back to the ordinary start.
//   GRADSCOPE_SNAPSHOT=0          never read or write snapshots
//   GRADSCOPE_CACHE_DIR=DIR       where they go (default: $XDG_CACHE_HOME/gradscope or ~/.cache/gradscope)
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PyodideAPI } from 'pyodide';
import type { SnapshotCodec, SnapshotKey } from './bridge';

/** Snapshots kept in the cache folder (the newest ones; a snapshot is ≈ 30 MB). */
const KEEP = 3;
const PREFIX = 'pyodide-';
const SUFFIX = '.snapshot';

/** Where this session's snapshot lives, or null when snapshots are off or no key can be made. */
export function snapshotPath(parts: (string | Uint8Array)[], env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.GRADSCOPE_SNAPSHOT === '0') return null;
  const dir = env.GRADSCOPE_CACHE_DIR
    || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'gradscope');
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(String(p.length));
    h.update(p);
  }
  return path.join(dir, `${PREFIX}${h.digest('hex').slice(0, 32)}${SUFFIX}`);
}

/** The snapshot's bytes, or null when there is none (or it cannot be read). */
export function readSnapshot(file: string): Uint8Array | null {
  try {
    return fs.readFileSync(file);
  } catch {
    return null;
  }
}

/**
 * The memory of `p` (loaded with `_makeSnapshot: true`) as a snapshot, with `codec` naming the JS
 * objects Python holds. Pyodide refuses table slots holding `undefined` (the `this` of a function a
 * JS call returned); they travel as a named marker and are put back afterwards.
 */
export function makeSnapshot(p: PyodideAPI, codec: SnapshotCodec): Uint8Array {
  const m = (p as unknown as { _module: { __hiwire_get(i: number): unknown; __hiwire_set(i: number, v: unknown): number } })._module;
  const UNDEFINED = {};
  const undefinedSlots: number[] = [];
  for (let i = 0; ; i++) {
    let v: unknown;
    try { v = m.__hiwire_get(i); } catch { break; }
    if (v === undefined && m.__hiwire_set(i, UNDEFINED) >= 0) undefinedSlots.push(i);
  }
  try {
    return p.makeMemorySnapshot({ serializer: (o: unknown) => (o === UNDEFINED ? UNDEFINED_KEY : codec.serialize(o)) });
  } finally {
    for (const i of undefinedSlots) m.__hiwire_set(i, undefined);
  }
}

const UNDEFINED_KEY: SnapshotKey = ['undefined'];

/** The deserializer loadPyodide's `_snapshotDeserializer` takes. */
export function snapshotDeserializer(codec: SnapshotCodec): (k: SnapshotKey) => unknown {
  return (k) => (k.length === 1 && k[0] === UNDEFINED_KEY[0] ? undefined : codec.deserialize(k));
}

/**
 * Save a snapshot (written beside, then renamed: a concurrent session reads either nothing or all of
 * it) and drop the older ones beyond the newest KEEP.
 */
export function writeSnapshot(file: string, bytes: Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const old = fs.readdirSync(dir)
      .filter((n) => n.startsWith(PREFIX) && n.endsWith(SUFFIX) && n !== path.basename(file))
      .map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { n } of old.slice(KEEP - 1)) fs.rmSync(path.join(dir, n), { force: true });
  } catch { /* another session pruned them first */ }
}
