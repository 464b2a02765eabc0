// Build: the WebAssembly kernels compiled from their .wat sources (engine/backends/cpu/wasm/build.mjs),
// webpack bundles (webpack.config.js) into dist/, plus the Python `torch` package copied to
// dist/python (the runtime worker installs it into Pyodide).
//   node scripts/build.mjs [--out DIR] [--dev]
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const outIdx = argv.indexOf('--out');
const outDir = path.resolve(outIdx >= 0 ? argv[outIdx + 1] : path.join(root, 'dist'));
const mode = argv.includes('--dev') ? 'development' : 'production';

const webpack = require('webpack');
const makeConfig = require(path.join(root, 'webpack.config.js'));

const t0 = Date.now();
process.chdir(root);
mkdirSync(outDir, { recursive: true });

// WebAssembly kernels: engine/backends/cpu/wasm/*.wat → *.gen.ts (embedded, so the bundles carry them)
const { buildKernels } = await import('../engine/backends/cpu/wasm/build.mjs');
const wroteKernels = await buildKernels();
if (wroteKernels.length) console.log(`wasm kernels: wrote ${wroteKernels.join(', ')}`);

const stats = await new Promise((resolve, reject) => {
  webpack(makeConfig({ outDir, mode }), (err, s) => (err ? reject(err) : resolve(s)));
});
const info = stats.toJson({ all: false, errors: true, warnings: true });
for (const w of info.warnings ?? []) console.warn(`warning: ${w.message}`);
if (stats.hasErrors()) {
  for (const e of info.errors ?? []) console.error(e.message);
  process.exit(1);
}

// the Python package beside the bundles: dist/python/torch/...
const pyOut = path.join(outDir, 'python');
rmSync(pyOut, { recursive: true, force: true });
cpSync(path.join(root, 'engine/python'), pyOut, {
  recursive: true,
  filter: (src) => !src.includes('__pycache__') && !src.endsWith('.pyc'),
});
if (!existsSync(path.join(outDir, 'cli.js')) || !existsSync(path.join(outDir, 'worker.js'))) {
  console.error('build: missing outputs');
  process.exit(1);
}
console.log(`built ${path.relative(root, outDir) || outDir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
