#!/usr/bin/env node
// `gradscope` command: the CLI lives in the built bundle (dist/cli.js, made by `npm run build`,
// which `npm ci` / `npm install` run through the prepare script).
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(`gradscope: ${cli} is missing; build it with \`npm run build\`\n`);
  process.exit(1);
}
require(cli).main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`gradscope: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 1; },
);
