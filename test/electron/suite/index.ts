// The extensionTestsPath module: VS Code's extension host calls run() once the window is up and
// the extension under development is loaded, and exits with 0 when it resolves, 1 when it rejects.
// Bundled with extension.suite.ts into test/electron/out/ by ../build.mjs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: !process.env.NO_COLOR, timeout: 180_000, reporter: 'spec' });
  const grep = process.env.GRADSCOPE_TEST_GREP;
  if (grep) mocha.grep(grep);
  mocha.addFile(path.join(__dirname, 'extension.suite.js'));
  // GRADSCOPE_TEST_OUTPUT: also append the report (and the suite's figures, printed through the same
  // function) to that file, for hosts whose console the runner cannot read (code-server:
  // run-code-server.mjs tails it). console.log itself cannot be replaced: the extension host pins it.
  const outFile = process.env.GRADSCOPE_TEST_OUTPUT;
  const log = Mocha.reporters.Base.consoleLog;
  if (outFile) {
    Mocha.reporters.Base.consoleLog = (...args: unknown[]) => { log(...args); fs.appendFileSync(outFile, format(...args) + '\n'); };
  }
  return new Promise<void>((resolve, reject) => {
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
    } catch (e) {
      reject(e);
    }
  }).finally(() => { Mocha.reporters.Base.consoleLog = log; });
}
