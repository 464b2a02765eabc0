// Bundles the in-VS Code suite (suite/*.ts) into test/electron/out/ (CommonJS for the extension host;
// `vscode` and `mocha` stay external: the host provides the first, node_modules the second).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const outDir = path.join(here, 'out');

export async function buildSuite() {
  await build({
    entryPoints: [path.join(here, 'suite/index.ts'), path.join(here, 'suite/extension.suite.ts')],
    outdir: outDir, bundle: true, platform: 'node', format: 'cjs', target: 'node18', sourcemap: 'inline',
    external: ['vscode', 'mocha'], logLevel: 'warning',
  });
  return path.join(outDir, 'index.js');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`built ${path.relative(process.cwd(), await buildSuite())}`);
}
