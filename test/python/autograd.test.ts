// The autograd scenarios of test/fixtures/gen_autograd.py run as Python through Pyodide: the generator
// module itself is loaded (its scenarios, Obs and enc are the ones real PyTorch ran) and each scenario's
// observations must equal the ones recorded in test/fixtures/autograd.json. The TS replay of the same
// scenarios is test/engine/autograd.test.ts; this one checks the Python bridge on top.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PyRunner, createRunner } from './helpers';

const fixture: Record<string, string[]> = JSON.parse(readFileSync(new URL('../fixtures/autograd.json', import.meta.url), 'utf8')).scenarios;
const generator = readFileSync(new URL('../fixtures/gen_autograd.py', import.meta.url), 'utf8');

let py: PyRunner;
beforeAll(async () => {
  py = await createRunner();
  py.run('import torch\n');
  py.pyodide.globals.set('_gs_gen_src', generator);
  py.pyodide.runPython([
    'import json, types, warnings, torch',
    '_gs_gen = types.ModuleType("gen_autograd")',
    '_gs_gen.__file__ = "/tmp/gen_autograd.py"',
    'exec(compile(_gs_gen_src, "gen_autograd.py", "exec"), _gs_gen.__dict__)',
    'def _gs_scenario(name):',
    '    with warnings.catch_warnings():',
    '        o = _gs_gen.Obs()',
    '        try:',
    '            _gs_gen.SCENARIOS[name](o)',
    '        except BaseException as e:',
    '            o.items.append("UNCAUGHT %s: %s" % (type(e).__name__, e))',
    '        torch.set_grad_enabled(True)',
    '    return json.dumps(o.items)',
  ].join('\n'));
});

describe('autograd scenarios through Python (fixtures from real PyTorch)', () => {
  for (const [name, want] of Object.entries(fixture)) {
    it(name, () => {
      py.run('import torch\n'); // resets engine state between scenarios
      const fn = py.pyodide.globals.get('_gs_scenario');
      const got = JSON.parse(fn(name) as string) as string[];
      fn.destroy();
      expect(got).toEqual(want);
    });
  }
});
