// Webpack bundles for Gradscope (run through scripts/build.mjs; `npm run build`). One config per
// target: the Node side (CLI, runtime worker; later the extension host) and, later, the webview.
// TypeScript goes through esbuild-loader (transpile only: `npm run typecheck` does the type check).
// pyodide (loads its wasm + stdlib from its own folder) and typescript (large, loaded on the first
// JS/TS run) stay external and are resolved from node_modules at run time.
'use strict';
const path = require('node:path');

const esbuildRule = {
  test: /\.ts$/,
  loader: 'esbuild-loader',
  options: { target: 'node20' },
};

/** @param {{ outDir?: string, mode?: 'development' | 'production' }} env */
module.exports = (env = {}) => {
  const outDir = path.resolve(env.outDir || path.join(__dirname, 'dist'));
  const mode = env.mode || 'production';
  /** @type {import('webpack').Configuration} */
  const node = {
    name: 'node',
    mode,
    target: 'node20',
    entry: {
      cli: './engine/runtime/cli.ts',
      worker: './engine/runtime/worker.ts',
      extension: './extension/extension.ts',   // the VS Code extension host entry
      'gpu-host': './engine/backends/webgpu/dawnHost.ts', // the webgpu device's thread (Dawn)
    },
    output: { path: outDir, filename: '[name].js', library: { type: 'commonjs2' }, clean: false },
    resolve: { extensions: ['.ts', '.js', '.json'] },
    module: { rules: [esbuildRule] },
    // webgpu (Dawn) is an ES module with a native addon: loaded with import() at run time
    externals: { pyodide: 'commonjs pyodide', typescript: 'commonjs typescript', vscode: 'commonjs vscode', webgpu: 'import webgpu' },
    // keep __dirname real: the session finds worker.js and python/ beside the bundle
    node: { __dirname: false, __filename: false },
    optimization: { minimize: false },
    devtool: 'source-map',
    performance: { hints: false },
    infrastructureLogging: { level: 'warn' },
    stats: 'errors-warnings',
  };
  // The graph panel's webview (extension/graphPanel.ts loads dist/webview.js): browser code, no Node
  // built-ins. elkjs's bundled build is already a self-contained bundle: not parsed again.
  /** @type {import('webpack').Configuration} */
  const webview = {
    name: 'webview',
    mode,
    target: 'web',
    entry: { webview: './webview/main.ts', 'gpu-webview': './webview/gpu.ts' },
    output: { path: outDir, filename: '[name].js', clean: false },
    resolve: { extensions: ['.ts', '.js'] },
    module: { noParse: /elk\.bundled\.js$/, rules: [{ ...esbuildRule, options: { target: 'es2020' } }] },
    optimization: { minimize: false },
    devtool: 'source-map',
    performance: { hints: false },
    infrastructureLogging: { level: 'warn' },
    stats: 'errors-warnings',
  };
  return [node, webview];
};
