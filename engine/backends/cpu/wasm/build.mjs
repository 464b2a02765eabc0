// Compiles the WebAssembly text kernels in this folder (*.wat) with wabt (a devDependency) into
// `<name>.gen.ts` modules that embed the binary as base64, so the engine loads them synchronously in
// Node, in workers and under vitest without a compiler at run time. scripts/build.mjs runs this;
// test/engine/backends/wasm.test.ts checks that every .gen.ts is current.
//   node engine/backends/cpu/wasm/build.mjs [--check]
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inlineWat } from './inline.mjs';

const require = createRequire(import.meta.url);
export const wasmDir = path.dirname(fileURLToPath(import.meta.url));
/** Features the kernels may use: SIMD and shared memory; relaxed SIMD only in *.relaxed.wat. */
const FEATURES = { simd: true, threads: true, bulk_memory: true, relaxed_simd: false };

/** Binary of one .wat file (`;; include:` resolved and `;; inline:` helpers expanded first, see inline.mjs). */
export async function compileWat(file) {
  const wabt = await require('wabt')();
  const features = { ...FEATURES, relaxed_simd: file.endsWith('.relaxed.wat') };
  const read = (name) => readFileSync(path.join(path.dirname(file), name), 'utf8');
  const mod = wabt.parseWat(path.basename(file), inlineWat(read(path.basename(file)), { read }), features);
  try {
    mod.validate(features);
    return Buffer.from(mod.toBinary({ log: false, write_debug_names: true }).buffer);
  } finally {
    mod.destroy();
  }
}

/** The .gen.ts text for a .wat file. */
export async function generated(file) {
  const bin = await compileWat(file);
  const name = path.basename(file);
  const b64 = bin.toString('base64').replace(/.{1,100}/g, (s) => `  '${s}',\n`);
  return `// Generated from ${name} by engine/backends/cpu/wasm/build.mjs (run by \`npm run build\`): do not edit.\n`
    + `// test/engine/backends/wasm.test.ts fails when this file is out of date.\n`
    + `export const wasmBase64 = [\n${b64}].join('');\n`;
}

export const watFiles = () => readdirSync(wasmDir).filter((f) => f.endsWith('.wat')).map((f) => path.join(wasmDir, f));
export const genPath = (wat) => wat.replace(/\.wat$/, '.gen.ts');

/** Regenerate every .gen.ts (or with check, list the stale ones). */
export async function buildKernels({ check = false } = {}) {
  const stale = [];
  for (const wat of watFiles()) {
    const text = await generated(wat);
    let old = null;
    try { old = readFileSync(genPath(wat), 'utf8'); } catch { /* missing */ }
    if (old === text) continue;
    stale.push(path.basename(genPath(wat)));
    if (!check) writeFileSync(genPath(wat), text);
  }
  return stale;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const stale = await buildKernels({ check });
  if (check && stale.length) { console.error(`stale: ${stale.join(', ')}`); process.exit(1); }
  console.log(stale.length ? `${check ? 'stale' : 'wrote'}: ${stale.join(', ')}` : 'wasm kernels up to date');
}
