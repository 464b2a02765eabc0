// `npm run test:electron`: the extension's mocha suite (suite/extension.suite.ts) inside a real VS Code
// desktop (Electron) started by @vscode/test-electron, for machines that can download VS Code (or have one).
// CI relies on the code-server suite (test/e2e) instead; `node test/electron/run-code-server.mjs` runs this
// same suite inside code-server's extension host.
//   node test/electron/run.mjs [--no-build]
// env: VSCODE_EXECUTABLE  an installed VS Code binary to use instead of downloading one
//      VSCODE_VERSION     what to download (default: stable; e.g. 1.90.0, insiders)
//      GRADSCOPE_TEST_GREP only the tests whose title matches
// On a Linux machine without a display, run it under `xvfb-run -a`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { buildSuite } from './build.mjs';
import { corpusPath, makeWorkspace, root } from './workspace.mjs';

async function main() {
  if (!process.argv.includes('--no-build')) {
    const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) return fail('the extension build (npm run build) failed');
  }
  if (!fs.existsSync(path.join(root, 'dist/extension.js'))) return fail('dist/extension.js is missing: run `npm run build`');
  if (!fs.existsSync(corpusPath)) return fail(`the conformance corpus (expected PyTorch output) is missing: ${corpusPath}`);
  const extensionTestsPath = await buildSuite();

  let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
  if (!vscodeExecutablePath) {
    const version = process.env.VSCODE_VERSION || 'stable';
    try {
      vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath: path.join(root, '.tools/vscode-test'), timeout: 60_000 });
    } catch (e) {
      return fail([
        `could not download VS Code (${version}) from update.code.visualstudio.com: ${e?.message ?? e}`,
        'This suite needs VS Code desktop. Either allow that download, or point VSCODE_EXECUTABLE at an installed',
        'VS Code binary, or run the same suite inside code-server instead: node test/electron/run-code-server.mjs',
        '(CI runs the code-server e2e suite: npm run test:e2e).',
      ].join('\n'));
    }
  } else if (!fs.existsSync(vscodeExecutablePath)) {
    return fail(`VSCODE_EXECUTABLE does not exist: ${vscodeExecutablePath}`);
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.warn('test:electron: no DISPLAY: VS Code (Electron) needs one; run under `xvfb-run -a npm run test:electron`');
  }

  const { tmp, ws, userData } = makeWorkspace();
  try {
    const code = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: root,
      extensionTestsPath,
      extensionTestsEnv: { GRADSCOPE_CORPUS: corpusPath, GRADSCOPE_TEST_GREP: process.env.GRADSCOPE_TEST_GREP },
      launchArgs: [ws, '--disable-extensions', '--user-data-dir', userData, '--extensions-dir', path.join(tmp, 'exts'),
        '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', '--disable-telemetry', '--disable-gpu'],
    });
    process.exitCode = code;
  } catch (e) {
    // TestRunFailedError: VS Code exited non-zero (a test failed, or it could not start)
    return fail(`the suite failed inside VS Code (${e?.message ?? e})`);
  } finally {
    if (!process.env.KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function fail(message) {
  console.error(`test:electron: ${message}`);
  process.exitCode = 1;
}

await main();
