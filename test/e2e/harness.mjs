// A real VS Code (code-server) in headless Chromium, driven by playwright-core. Shared by the e2e tests.
// env: CODE_SERVER, NODE24_BIN, EXT_DIR (unpacked extension), ARTIFACTS
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { chromium } from 'playwright-core';

const CHROME = process.env.CHROME || '/usr/bin/chromium';
export const ARTIFACTS = process.env.ARTIFACTS || path.resolve('test/e2e/artifacts');
const CHROME_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu'];

const freePort = () => new Promise((res) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
export const norm = (s) => s.replace(/\u00a0/g, ' ');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startVSCode(files, settings = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-e2e-'));
  const dirs = Object.fromEntries(['data', 'exts', 'ws', 'xdg', 'chrome'].map((d) => [d, path.join(tmp, d)]));
  Object.values(dirs).forEach((d) => fs.mkdirSync(d, { recursive: true }));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.mkdirSync(path.join(dirs.data, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.data, 'User', 'settings.json'), JSON.stringify({
    'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false, 'telemetry.telemetryLevel': 'off', 'update.mode': 'none',
    'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false, 'extensions.ignoreRecommendations': true,
    'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden', 'editor.hover.delay': 100,
    'editor.minimap.enabled': false, 'files.autoSave': 'off', ...settings,
  }, null, 1));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dirs.ws, name), text);
  const env = { ...process.env, PATH: `${process.env.NODE24_BIN}:${process.env.PATH}`, XDG_CONFIG_HOME: `${dirs.xdg}/config`,
    XDG_DATA_HOME: `${dirs.xdg}/data`, XDG_CACHE_HOME: `${dirs.xdg}/cache` };
  fs.cpSync(process.env.EXT_DIR, path.join(dirs.exts, path.basename(process.env.EXT_DIR)), { recursive: true });
  const port = await freePort();
  const log = fs.openSync(`${ARTIFACTS}/code-server.log`, 'w');
  const cs = spawn(process.env.CODE_SERVER, ['--user-data-dir', dirs.data, '--extensions-dir', dirs.exts, '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened', dirs.ws], { env, detached: true, stdio: ['ignore', log, log] });
  const t0 = Date.now();
  for (;;) {
    try { const r = await fetch(`http://127.0.0.1:${port}/healthz`); if (r.ok) break; } catch { /* not yet */ }
    if (Date.now() - t0 > 60000) throw new Error('code-server did not start');
    await sleep(100);
  }
  const ctx = await chromium.launchPersistentContext(dirs.chrome, { executablePath: CHROME, headless: true, args: CHROME_ARGS,
    viewport: { width: 1400, height: 900 }, env: { ...process.env, XDG_CONFIG_HOME: `${dirs.xdg}/chrome-config` } });
  const page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(30000);
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.ws)}`);
  await page.locator('.monaco-workbench .part.editor').waitFor({ timeout: 60000 });
  return new VSCode(page, ctx, cs, tmp, dirs);
}

export class VSCode {
  constructor(page, ctx, cs, tmp, dirs) { Object.assign(this, { page, ctx, cs, tmp, dirs }); }

  quickInput() { return this.page.locator('.quick-input-widget .quick-input-box input'); }

  /** Run a palette command by title; retried until the extension host has registered it. */
  async command(title, { tries = 40 } = {}) {
    const page = this.page;
    for (let i = 0; ; i++) {
      await page.keyboard.press('F1');
      await this.quickInput().waitFor({ state: 'visible' });
      await this.quickInput().fill('>' + title);
      const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first();
      try { await row.waitFor({ timeout: 2000 }); } catch (e) {
        if (i >= tries) throw e;
        await page.keyboard.press('Escape'); await sleep(1000); continue;
      }
      await page.keyboard.press('Enter');
      await this.quickInput().waitFor({ state: 'hidden' });
      return;
    }
  }

  async openFile(name, marker) {
    const page = this.page;
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await this.quickInput().waitFor({ state: 'visible' });
    await this.quickInput().fill(name);
    await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor();
    await this.editor().locator('.view-lines', { hasText: marker }).waitFor();
  }

  editor() { return this.page.locator('.editor-group-container.active .monaco-editor[data-uri]').first(); }

  /** Put the cursor on a 1-based line (quick input in go-to-line mode) and optionally select through `toLine`. */
  async gotoLine(line, toLine) {
    const page = this.page;
    await this.editor().locator('.view-lines').click();
    await page.keyboard.press('F1');
    await this.quickInput().waitFor({ state: 'visible' });
    await this.quickInput().fill(`:${line}`);
    await page.keyboard.press('Enter');
    await this.quickInput().waitFor({ state: 'hidden' });
    await page.keyboard.press('Home');
    await page.keyboard.press('Home');
    if (toLine) {
      for (let l = line; l <= toLine; l++) await page.keyboard.press('Shift+ArrowDown');
    }
  }

  /** The text of the "Gradscope" output channel, from its log file. */
  outputText() {
    const logs = path.join(this.dirs.data, 'logs');
    const found = [];
    const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else if (/-Gradscope\.log$/.test(e.name)) found.push(p);
    } };
    if (fs.existsSync(logs)) walk(logs);
    return found.map((f) => fs.readFileSync(f, 'utf8')).join('');
  }

  async waitOutput(re, timeout = 60000) {
    const t0 = Date.now();
    for (;;) {
      const text = this.outputText();
      if (re.test(text)) return text;
      if (Date.now() - t0 > timeout) throw new Error(`output never matched ${re}:\n${text.slice(-2000)}`);
      await sleep(200);
    }
  }

  /** Centre of the first occurrence of `text` in the rendered editor lines. */
  async textPoint(text) {
    return this.editor().evaluate((ed, text) => {
      for (const line of ed.querySelectorAll('.view-line')) {
        const w = document.createTreeWalker(line, NodeFilter.SHOW_TEXT); let n;
        while ((n = w.nextNode())) {
          const i = n.data.indexOf(text);
          if (i >= 0) { const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + text.length);
            const b = r.getBoundingClientRect(); return { x: b.x + b.width / 2, y: b.y + b.height / 2 }; }
        }
      }
      return null;
    }, text);
  }

  async hover(text, containing) {
    const hover = this.page.locator('.monaco-hover', { hasText: containing });
    for (let i = 0; ; i++) {
      const p = await this.textPoint(text);
      if (!p) throw new Error(`${text} not rendered`);
      await this.page.mouse.move(p.x, p.y + 40);
      await this.page.mouse.move(p.x, p.y);
      try { await hover.first().waitFor({ timeout: 3000 }); break; } catch (e) { if (i > 8) throw e; }
    }
    const t = norm(await hover.first().innerText());
    await this.page.mouse.move(5, 5);
    return t;
  }

  /** Ghost texts (after-decorations) rendered in the active editor. */
  async decorations() {
    return this.editor().evaluate((ed) => [...ed.querySelectorAll('.view-line span[class*="TextEditorDecorationType"]')]
      .map((e) => getComputedStyle(e, '::after').content).filter((c) => c && c !== 'none'));
  }

  async close() {
    await this.ctx.close().catch(() => {});
    try { process.kill(-this.cs.pid, 'SIGTERM'); } catch { /* gone */ }
    if (!process.env.KEEP_TMP) fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
