// The graph panel's Python side: torch/_sites.py tells the engine the user's line (and nn.Module call)
// of each node as it is recorded, tensor_names() labels leaves with the session's names, and the
// worker's graph query (engine/runtime/graphQuery.ts) over the real runner module builds the snapshot.
// Expected graphs, source lines (PyTorch's anomaly-mode tracebacks), leaf gradients and the gradient
// on every edge come from real PyTorch: test/fixtures/gen_graph.py → graph.json.
import { beforeAll, describe, expect, it } from 'vitest';
import fixture from '../fixtures/graph.json';
import type { GraphSnapshot } from '../../engine/graph';
import { Tensor } from '../../engine/tensor';
import { GraphEnv, graphQuery, pythonGraphEnv } from '../../engine/runtime/graphQuery';
import { RUNNER_MODULE, RUNNER_PY } from '../../engine/runtime/pyfiles';
import { modulePaths } from '../../webview/graphModel';
import { PyRunner, createRunner } from './helpers';

interface Runner { run(code: string, file: string, firstLine: number, fresh: boolean): { error: unknown } }

let py: PyRunner;
let runner: Runner;
let env: GraphEnv;
const FILE = '/ws/prog.py';

beforeAll(async () => {
  py = await createRunner();
  const p = py.pyodide;
  p.registerJsModule('_gradscope_runtime', { is_engine_tensor: (x: unknown) => x instanceof Tensor });
  p.FS.mkdirTree('/gradscope/runtime');
  p.FS.writeFile(`/gradscope/runtime/${RUNNER_MODULE}.py`, RUNNER_PY);
  p.runPython(`import sys\nsys.path.insert(0, '/gradscope/runtime')`);
  runner = p.pyimport(RUNNER_MODULE) as unknown as Runner;
  p.runPython('import torch, torch._sites');
  (runner as unknown as { snapshot(): void }).snapshot();
  env = pythonGraphEnv(() => p.runPython('from torch._sites import tensor_names as _gs_names\n_gs_names()'),
    (e) => (runner as unknown as { inspect_value(e: string): unknown }).inspect_value(e));
});

function run(code: string): void {
  const r = runner.run(code, FILE, 1, true);
  expect(r.error ?? null).toBeNull();
}

/** The snapshot in the fixture's order: depth first from the output's op through each node's inputs. */
function canonical(s: GraphSnapshot) {
  const byId = new Map(s.nodes.map((n) => [n.id, n]));
  const inputs = new Map<string, { from: string; inputNr: number }[]>();
  for (const e of s.edges) inputs.set(e.to, [...(inputs.get(e.to) ?? []), e].sort((a, b) => a.inputNr - b.inputNr));
  const out = s.nodes.find((n) => n.kind === 'output')!;
  const order: string[] = [];
  const index = new Map<string, number>();
  const visit = (id: string) => {
    if (index.has(id)) return;
    index.set(id, order.length);
    order.push(id);
    for (const e of inputs.get(id) ?? []) visit(e.from);
  };
  visit(inputs.get(out.id)![0].from);
  const edges = order.flatMap((id, i) => (inputs.get(id) ?? []).map((e) => [i, e.inputNr, index.get(e.from)!]));
  return { nodes: order.map((id) => byId.get(id)!), edges, index };
}

const num = (v: number | string) => (typeof v === 'number' ? v : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : NaN);

describe('graph snapshots of Python programs match PyTorch', () => {
  for (const prog of fixture.programs) {
    it(prog.id, () => {
      run(prog.code);
      const r = graphQuery({ requestId: 0, expr: 'out' }, env);
      expect(r.kind).toBe('graph');
      if (r.kind !== 'graph') return;
      const c = canonical(r.snapshot);
      expect(c.nodes.map((n) => (n.kind === 'leaf' ? 'AccumulateGrad' : n.name))).toEqual(prog.nodes.map((n) => n.name));
      expect(c.edges).toEqual(prog.edges);
      // each op's line is PyTorch's (the innermost frame of the program in its anomaly traceback)
      c.nodes.forEach((n, i) => {
        if (n.kind === 'op') expect({ i, site: n.site }).toEqual({ i, site: { file: FILE, line: prog.nodes[i].line } });
      });
      for (const [i, leaf] of Object.entries(prog.leaves)) {
        const n = c.nodes[Number(i)];
        expect(n.name).toBe(leaf.name);
        expect(n.gradPreview?.preview).toBe(leaf.grad);
      }
      // the gradient along every edge (retain_graph=True), summarised
      const grads = prog.grads as unknown as Record<string, (number | string)[]>;
      let checked = 0;
      for (const [consumer, inputNr, producer] of c.edges) {
        const want = grads[`${consumer}:${inputNr}`];
        const e = r.snapshot.edges.find((x) => x.to === c.nodes[consumer].id && x.inputNr === inputNr && x.from === c.nodes[producer].id)!;
        expect(e.grad === undefined).toBe(want === undefined);
        if (!want || !e.grad) continue;
        const v = want.map(num);
        expect(e.grad.numel).toBe(v.length);
        const finite = v.filter(Number.isFinite);
        expect(e.grad.flags.includes('nonfinite')).toBe(finite.length < v.length);
        expect(e.grad.absMax).toBeCloseTo(Math.max(0, ...finite.map(Math.abs)), 5);
        if (finite.length === v.length) {
          expect(e.grad.norm).toBeCloseTo(Math.hypot(...v), 5);
          expect(e.grad.min).toBeCloseTo(Math.min(...v), 5);
          expect(e.grad.max).toBeCloseTo(Math.max(...v), 5);
        }
        checked++;
      }
      expect(checked).toBe(Object.keys(grads).length);
    });
  }
});

describe('sites, modules and names', () => {
  it('records the nn.Module call each op ran in, and labels parameters by their path', () => {
    run(fixture.programs.find((p) => p.id === 'mlp-module')!.code);
    const r = graphQuery({ requestId: 0, expr: 'out' }, env);
    if (r.kind !== 'graph') throw new Error(r.reason);
    const s = r.snapshot;
    const paths = modulePaths(s.modules);
    const at = (line: number) => s.nodes.filter((n) => n.site?.line === line).map((n) => `${n.name} ${n.module ? paths.get(n.module) : '-'}`).sort();
    // line 12: h = torch.relu(self.fc1(x)); line 13: return self.fc2(h); line 18: the loss outside the model
    expect(at(12)).toEqual(['AddmmBackward0 model.fc1', 'ReluBackward0 model', 'TBackward0 model.fc1']);
    expect(at(13)).toEqual(['AddmmBackward0 model.fc2', 'TBackward0 model.fc2']);
    expect(at(18).every((t) => t.endsWith(' -'))).toBe(true);
    expect(s.modules.map((m) => `${paths.get(m.id)}:${m.type}`).sort()).toEqual(['model.fc1:Linear', 'model.fc2:Linear', 'model:Net']);
    const leaves = s.nodes.filter((n) => n.kind === 'leaf');
    for (const l of leaves) expect(paths.get(l.module!)).toBe(l.name.slice(0, l.name.lastIndexOf('.')));
  });

  it('lists the tensors with a grad_fn, the latest loss-like one first as the default', () => {
    run('import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 3\nloss = y.sum()\nz = y.exp()\nn = 4\n');
    const r = graphQuery({ requestId: 0, expr: null }, env);
    expect(r.kind).toBe('graph');
    expect(r.expr).toBe('loss');
    expect(r.targets.map((t) => [t.expr, t.gradFn])).toEqual([['z', 'ExpBackward0'], ['loss', 'SumBackward0'], ['y', 'MulBackward0']]);
    const missing = graphQuery({ requestId: 0, expr: 'n' }, env);
    expect(missing).toMatchObject({ kind: 'notFound', expr: 'n' });
  });

  it('gives no site to nodes recorded outside the program, and runs none of its code', () => {
    run('import torch\nclass P:\n    @property\n    def boom(self):\n        raise RuntimeError("ran user code")\np = P()\nx = torch.ones(2, requires_grad=True)\ny = x * 2\n');
    const r = graphQuery({ requestId: 0, expr: 'y' }, env);
    if (r.kind !== 'graph') throw new Error(r.reason);
    expect(r.snapshot.nodes.find((n) => n.kind === 'op')!.site).toEqual({ file: FILE, line: 8 });
    expect(graphQuery({ requestId: 0, expr: 'p.boom' }, env).kind).toBe('notFound');
    // a node made by code outside any user file (Pyodide's own `<exec>`) has no site
    const t = py.pyodide.runPython('import torch\n(torch.ones(1, requires_grad=True) * 2)._t') as Tensor;
    expect(t.gradFn!.name).toBe('MulBackward0');
    expect(t.gradFn!.site).toBeNull();
  });
});
