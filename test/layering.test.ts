// Imports flow one way: engine/ and webview/ never import `vscode` (webview may import types only
// from engine/); engine/ never imports from extension/ or webview/.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts|js|mjs)$/.test(e.name)) out.push(p);
    }
  };
  walk(path.join(root, dir));
  return out;
}
const imports = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|require\(['"]([^'"]+)['"]\)/gm)]
  .map((m) => ({ spec: m[3] ?? m[4], typeOnly: !!m[2] }));

/** engine modules written for the browser too (no Node imports), which webview/ may import */
const BROWSER_SAFE = new Set(['../engine/backends/webgpu/server']);

describe('layering', () => {
  it('the browser-safe engine modules import no Node built-ins', () => {
    for (const m of BROWSER_SAFE) {
      const f = path.join(root, 'webview', `${m}.ts`);
      const bad = imports(f).filter((i) => i.spec.startsWith('node:') || !i.spec.startsWith('.') || (!i.typeOnly && !/\/(protocol)$/.test(i.spec)));
      expect(bad, f).toEqual([]);
    }
  });
  it('engine/ never imports vscode, extension/ or webview/', () => {
    const bad = files('engine').flatMap((f) => imports(f)
      .filter((i) => i.spec === 'vscode' || /(^|\/)(extension|webview)\//.test(i.spec.replace(/^(\.\.\/)+/, '')))
      .map((i) => `${path.relative(root, f)} → ${i.spec}`));
    expect(bad).toEqual([]);
  });
  it('webview/ never imports vscode, and takes only types from engine/ and extension/', () => {
    const bad = files('webview').flatMap((f) => imports(f)
      // the GPU page runs the engine's device-protocol server, which is browser code on purpose
      .filter((i) => i.spec === 'vscode' || (!i.typeOnly && /(^|\/)(engine|extension)\//.test(i.spec) && !BROWSER_SAFE.has(i.spec)))
      .map((i) => `${path.relative(root, f)} → ${i.spec}`));
    expect(bad).toEqual([]);
  });
});
