// Hover latency (issue #5: "Hover never runs user code and answers in under 50 ms on a warm session"):
// a runtime session started the way the extension starts one (engine/runtime/session.ts with the
// worker and the Python sources), the seed tutorial run in it (examples/tutorial.py, plus a small
// nn.Module and a dict), then many hover inspections timed as the hover provider makes them
// (extension/hover.ts: session.inspect(expr) → hoverMarkdown(result)). The session and worker are
// bundled from the working tree with esbuild (bench/.cache/runtime/), so no build is needed.
//   node bench/hover.mjs [--quick] [--baseline DIR]     (or: node bench/run.mjs --only hover)
// --baseline DIR: also the worker of another checkout (`git archive COMMIT engine | tar -x -C DIR`).
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { root, benchDir, printTable } from './lib.mjs';

const require = createRequire(import.meta.url);

/** the hover targets: [label, expression as the hover provider sends it, the result kind it must give] */
export const HOVER_CASES = [
  ['tensor, 2×3 int64 (tensor_2d)', 'tensor_2d', 'tensor'],
  ['tensor with grad_fn (loss)', 'loss', 'tensor'],
  ['Module attribute chain, 256×784 weight (model.fc1.weight)', 'model.fc1.weight', 'tensor'],
  ['tensor, 1024×1024 float32 (activations)', 'activations', 'tensor'],
  ['Module (model)', 'model', 'module'],
  ['non-tensor value (config)', 'config', 'value'],
  ['unknown name', 'not_defined_anywhere', 'notFound'],
];

const EXTRA = `
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 256)
        self.fc2 = torch.nn.Linear(256, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))

torch.manual_seed(0)
model = Net()
activations = torch.randn(1024, 1024)
config = {"lr": 0.01, "epochs": 3, "layers": [784, 256, 10]}
`;

async function bundleRuntime(from = root, name = 'runtime') {
  const esbuild = require('esbuild');
  const outdir = path.join(benchDir, '.cache', name);
  mkdirSync(outdir, { recursive: true });
  const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error',
    external: ['pyodide', 'typescript', 'webgpu'] };
  await esbuild.build({ ...common, entryPoints: { worker: path.join(from, 'engine/runtime/worker.ts') }, outdir,
    nodePaths: [path.join(root, 'node_modules')] });
  await esbuild.build({
    ...common, outfile: path.join(outdir, 'hover-api.cjs'),
    stdin: { contents: "export { Session } from './engine/runtime/session';\nexport { hoverMarkdown } from './extension/format';\n", resolveDir: root, loader: 'ts' },
  });
  return { api: require(path.join(outdir, 'hover-api.cjs')), workerPath: path.join(outdir, 'worker.js') };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** { label: { p50, p95, max, n } } in ms, plus how long the session took to start and run the tutorial */
export async function hoverFigures({ quick = false, from = root, name = 'runtime' } = {}) {
  const { api, workerPath } = await bundleRuntime(from, name);
  const session = new api.Session({ workerPath, pythonDir: path.join(from, 'engine/python') });
  try {
    const t0 = performance.now();
    await session.start();
    const startMs = performance.now() - t0;
    const code = readFileSync(path.join(root, 'examples/tutorial.py'), 'utf8') + EXTRA;
    const r = await session.run({ code, file: 'tutorial.py' });
    if (r.error) throw new Error(`the tutorial failed: ${r.error.type}: ${r.error.message}`);
    const n = quick ? 30 : 200;
    const figures = { startMs, tutorialMs: r.durationMs };
    for (const [label, expr, kind] of HOVER_CASES) {
      const hover = async () => {
        const res = await session.inspect(expr);
        return { res, md: api.hoverMarkdown(res) };
      };
      const first = await hover();
      if (first.res.kind !== kind) throw new Error(`${expr}: expected a ${kind}, got ${first.res.kind} (${first.res.reason ?? ''})`);
      for (let i = 0; i < 5; i++) await hover();
      const ms = [];
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        await hover();
        ms.push(performance.now() - s);
      }
      ms.sort((a, b) => a - b);
      figures[label] = { p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), max: ms[ms.length - 1], n };
    }
    return figures;
  } finally {
    await session.dispose();
  }
}

/** the table rows for bench/run.mjs's printTable (and this script) */
export function hoverRows(f, before = null) {
  const rows = [];
  for (const [label] of HOVER_CASES) {
    const x = f?.[label], b = before?.[label];
    rows.push({ workload: `hover ${label}, p50`, unit: 'ms', better: 'lower', ours: x?.p50 ?? null, peers: before ? { before: b?.p50 ?? null } : {} });
    rows.push({ workload: `hover ${label}, p95`, unit: 'ms', better: 'lower', ours: x?.p95 ?? null, peers: before ? { before: b?.p95 ?? null } : {} });
    rows.push({ workload: `hover ${label}, max`, unit: 'ms', better: 'lower', ours: x?.max ?? null, peers: before ? { before: b?.max ?? null } : {} });
  }
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(benchDir, 'hover.mjs')) {
  const quick = process.argv.includes('--quick');
  const bi = process.argv.indexOf('--baseline');
  const before = bi > 0 ? await hoverFigures({ quick, from: path.resolve(process.argv[bi + 1]), name: 'runtime-baseline' }) : null;
  const f = await hoverFigures({ quick });
  console.log(`session start ${f.startMs.toFixed(0)} ms, tutorial run ${f.tutorialMs.toFixed(0)} ms`);
  printTable('Hover on a warm session (session.inspect → hoverMarkdown, as extension/hover.ts)', hoverRows(f, before), before ? ['before'] : []);
}
