// Autograd against real PyTorch: each scenario below repeats, step for step, the one of the same name
// in test/fixtures/gen_autograd.py, and must make the same observations (tensor reprs, node names,
// "Type: message" of errors, hook calls). Regenerate: /usr/bin/python3 test/fixtures/gen_autograd.py
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { torch } from '../../engine/index';
import { AccumulateGrad, Node } from '../../engine/autograd';
import { DType } from '../../engine/dtype';
import { TorchError } from '../../engine/errors';
import { PyFloat } from '../../engine/scalar';
import { Tensor } from '../../engine/tensor';

const fixture: Record<string, string[]> = JSON.parse(readFileSync(new URL('../fixtures/autograd.json', import.meta.url), 'utf8')).scenarios;

function enc(v: unknown): string {
  if (v instanceof Tensor) return String(v);
  if (v instanceof Node) return v.name;
  if (Array.isArray(v)) return `[${v.map(enc).join(', ')}]`;
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (v instanceof DType) return String(v);
  throw new Error(`cannot encode ${String(v)}`);
}

interface O {
  (...vs: unknown[]): void;
  err(fn: () => unknown): void;
  nexts(fn: Node | null): void;
}
function observer(items: string[]): O {
  const o = ((...vs: unknown[]) => { for (const v of vs) items.push(enc(v)); }) as O;
  o.err = (fn) => {
    try { fn(); items.push('OK'); } catch (e) {
      if (!(e instanceof TorchError)) throw e;
      items.push(`${e.pyType}: ${e.message}`);
    }
  };
  o.nexts = (fn) => items.push(enc(fn!.nextFunctions.map(([n, i]) => [n ? n.name : 'None', String(i)])));
  return o;
}

const f32 = torch.float32;
const fl = (v: unknown, dtype: DType = f32) => torch.tensor(v, { dtype });
const leaf = (v: unknown, dtype: DType = f32) => torch.tensor(v, { dtype, requires_grad: true });
const grad = torch.autograd.grad as (...a: unknown[]) => (Tensor | null)[];
const F = (x: number) => new PyFloat(x);
type Hook = (g: Tensor) => unknown;
const hook = (t: Tensor, fn: Hook) => t.register_hook(fn as (g: Tensor) => Tensor | void);

const scenarios: Record<string, (o: O) => void> = {
  grad_basic(o) {
    const x = leaf(3);
    const y = x.pow(3);
    o(grad(y, x), x.grad);
    const x2 = leaf([1, 2]);
    o(grad(x2.pow(2).sum(), x2));
    const w = leaf(2);
    o(grad(x.mul(w), [x, w]));
    o(grad(x2.mul(2), x2, fl([1, 0.5])));
    o(grad([x2.mul(2).sum(), x2.mul(3).sum()], [x2]));
    o(grad([x2.mul(2).sum(), x2.mul(3).sum()], [x2], [null, fl(2)]));
  },
  grad_errors(o) {
    const x = leaf([1, 2]), w = leaf([3, 4]);
    w.mul(1);
    o.err(() => grad(x.mul(2).sum(), torch.ones(2)));
    o.err(() => grad(x.mul(2).sum(), [x, w]));
    o(grad(x.mul(2).sum(), [x, w], { allow_unused: true }));
    o.err(() => grad(x.mul(2), [x]));
    o.err(() => grad(x.mul(2), [x], torch.ones(3)));
    o.err(() => grad(torch.ones(2), [x]));
    o.err(() => grad([x.mul(2).sum(), x.mul(3).sum()], [x], [fl(2)]));
    o.err(() => grad(x.sum(), []));
    o.err(() => grad([], [x]));
    o.err(() => grad(x.sum(), [x.detach()]));
    o.err(() => grad(x.mul(2), [x], [F(1)]));
  },
  grad_output_dtypes(o) {
    const x = leaf([1, 2]);
    o(grad(x.mul(2), [x], torch.ones(2, { dtype: torch.float64 })));
    o(grad(x.mul(2), [x], torch.ones(2, { dtype: torch.int64 })));
    const xd = leaf([1, 2], torch.float64);
    xd.to(f32).sum().backward();
    o(xd.grad);
    x.mul(2).backward(torch.ones(2, { dtype: torch.float64 }));
    o(x.grad);
  },
  higher_order(o) {
    const x = leaf(2);
    const [g] = grad(x.pow(3), x, { create_graph: true }) as Tensor[];
    o(g, g.grad_fn);
    const [g2] = grad(g, x, { create_graph: true }) as Tensor[];
    o(g2, g2.grad_fn);
    const [g3] = grad(g2, x) as Tensor[];
    o(g3, g3.grad_fn);
    o.err(() => grad(g3, x));
    const v = leaf([1, 2, 3]);
    const [gv] = grad(v.mul(v).mul(v).sum(), v, { create_graph: true }) as Tensor[];
    o(gv);
    o(grad(gv.sum(), v)[0]);
    const a = leaf([1, 2]);
    const [ga] = grad(a.mul(a).sum(), a, { create_graph: true }) as Tensor[];
    o(ga, ga.grad_fn);
    o.nexts(ga.grad_fn);
  },
  mixed_partials(o) {
    const x = leaf(1.5), y = leaf(-0.5);
    const f = x.mul(x).mul(y).add(y.mul(y).mul(y));
    const [gx, gy] = grad(f, [x, y], { create_graph: true }) as Tensor[];
    o(gx, gy);
    o(grad(gx, [x, y], { retain_graph: true }));
    o(grad(gy, [x, y]));
  },
  backward_gradient(o) {
    const x = leaf([1, 2, 3]);
    x.mul(2).backward(fl([1, 0.1, 0.01]));
    o(x.grad);
    o.err(() => x.backward(torch.ones(3)));
    o(x.grad);
    o.err(() => x.mul(2).backward(torch.ones(2)));
  },
  backward_scalar_errors(o) {
    o.err(() => torch.ones(3).backward());
    o.err(() => torch.ones(1).backward());
    const x = leaf([1, 2]);
    o.err(() => x.mul(2).backward());
    o.err(() => torch.autograd.backward([x.mul(2).sum(), torch.ones(1)]));
  },
  backward_inputs(o) {
    const x = leaf([1, 2]), w = leaf([3, 4]);
    x.mul(w).mul(2).sum().backward({ inputs: [x] });
    o(x.grad, w.grad);
    const y = x.mul(w);
    y.mul(2).sum().backward({ inputs: [y] });
    o(y.grad, y.retains_grad, x.grad);
    o.err(() => x.mul(w).sum().backward({ inputs: [] }));
    o.err(() => x.mul(w).sum().backward({ inputs: torch.ones(2) }));
    torch.autograd.backward([x.mul(w).sum()], { inputs: w });
    o(w.grad);
  },
  accumulation(o) {
    const x = leaf([1, 2]);
    x.mul(3).sum().backward();
    o(x.grad);
    const g = x.grad;
    x.mul(3).sum().backward();
    o(x.grad, x.grad === g, g);
    x.grad!.zero_();
    x.pow(2).sum().backward();
    o(x.grad);
    x.grad = null;
    x.mul(x).mul(x).sum().backward();
    o(x.grad);
    const a = torch.ones(3, 1, { requires_grad: true }), b = torch.ones(1, 4, { requires_grad: true });
    a.add(b).sum().backward();
    o(a.grad, b.grad);
  },
  create_graph_backward(o) {
    const x = leaf([2, 3]);
    x.pow(3).sum().backward({ create_graph: true });
    o(x.grad, x.grad!.grad_fn, x.grad!.requires_grad);
    o.nexts(x.grad!.grad_fn);
    x.pow(2).sum().backward({ create_graph: true });
    o(x.grad, x.grad!.grad_fn);
    x.grad!.sum().backward();
    o(x.grad);
  },
  retain_graph(o) {
    const p = leaf([1, 2]);
    let q = p.add(1).sum();
    q.backward();
    q.backward();
    o(p.grad);
    q = p.mul(p).sum();
    q.backward({ retain_graph: true });
    q.backward();
    o(p.grad);
    o.err(() => q.backward());
    const y = p.mul(2);
    y.sum().backward();
    o.err(() => y.sum().backward());
    const r = p.mul(3);
    let s = r.mul(r).sum();
    o(grad(s, r));
    o.err(() => s.backward());
    s = r.mul(r).sum();
    o(grad(s, r, { retain_graph: true }));
    p.grad = null;
    s.backward();
    o(p.grad);
  },
  exec_only_needed(o) {
    const x = leaf(2), z = leaf(3);
    z.mul(1);
    const y = x.mul(x);
    o(grad(y, z, { allow_unused: true }));
    y.backward();
    o(x.grad);
    const a = x.mul(2), b = a.mul(x), c = b.mul(3);
    o(grad(c, a, { retain_graph: true }));
    o(grad(c, b));
    o.err(() => c.backward());
  },
  hooks(o) {
    let x = leaf([1, 2]);
    const y = x.mul(2);
    hook(y, (g) => o('hook y', g));
    hook(x, (g) => g.mul(10));
    y.sum().backward();
    o(x.grad);
    x = leaf([1, 2]);
    const a = x.mul(2), b = x.mul(3);
    hook(a, (g) => o('a', g));
    hook(b, (g) => o('b', g));
    hook(x, (g) => o('x', g));
    a.add(b).sum().backward();
    x = leaf([1, 2]);
    hook(x, (g) => o('h1', g));
    hook(x, (g) => g.add(1));
    hook(x, (g) => o('h3', g));
    x.mul(1).sum().backward();
    o(x.grad);
    x = leaf([1, 2]);
    const h = hook(x, (g) => g.mul(2));
    h.remove();
    x.mul(1).sum().backward();
    o(x.grad);
  },
  hook_errors(o) {
    o.err(() => hook(torch.ones(2), (g) => g));
    function sizehook() { return torch.ones(3); }
    function typehook(g: Tensor) { return g.to(torch.float64); }
    function inthook() { return 5; }
    for (const h of [sizehook, typehook, inthook] as Hook[]) {
      const x = leaf([1, 2]);
      hook(x, h);
      o.err(() => x.mul(1).sum().backward());
      const y = leaf([1, 2]).mul(2);
      hook(y, h);
      o.err(() => y.sum().backward());
    }
  },
  hooks_and_grad(o) {
    const x = leaf([1, 2]);
    hook(x, (g) => { o('leafhook', g); return g.mul(10); });
    const y = x.mul(2);
    hook(y, (g) => { o('yhook', g); return g.mul(3); });
    const z = y.mul(y);
    o(grad(z.sum(), [x], { retain_graph: true }));
    o(grad(z.sum(), [y], { retain_graph: true }));
    z.sum().backward();
    o(x.grad);
  },
  retain_grad(o) {
    let x = leaf([1, 2]);
    let y = x.mul(2);
    y.retain_grad();
    hook(y, (g) => g.mul(100));
    y.sum().backward();
    o(y.grad, x.grad, y.retains_grad, x.retains_grad);
    x = leaf([1, 2]);
    y = x.mul(2);
    hook(y, (g) => g.mul(100));
    y.retain_grad();
    y.sum().backward({ retain_graph: true });
    o(y.grad, x.grad);
    y.sum().backward();
    o(y.grad, x.grad);
    o.err(() => torch.ones(2).retain_grad());
    x.retain_grad();
    o(x.retains_grad);
    const z = x.mul(2);
    z.mul(z).sum().backward();
    o(z.grad);
  },
  version_errors(o) {
    const a = leaf([1, 2, 3]);
    const s = a.sigmoid();
    s.mul_(2);
    o(s.version);
    o.err(() => s.sum().backward());
    const b = fl([1, 2, 3]);
    let y = a.mul(b);
    b.add_(1);
    o.err(() => y.sum().backward());
    const c = a.mul(1);
    y = c.mul(c);
    c.add_(1);
    o.err(() => y.sum().backward());
    const m = a.mul(2), n = m.mul(a);
    torch.no_grad(() => a.mul_(2));
    o.err(() => n.sum().backward());
    const e = a.exp();
    e.select(0, 1).add_(1);
    o.err(() => e.sum().backward());
    let z = torch.ones(2, 3, { requires_grad: true }).sigmoid();
    z.mul_(2);
    o.err(() => z.sum().backward());
    z = leaf(1.5).sigmoid();
    z.mul_(2);
    o.err(() => z.sum().backward());
    z = torch.ones(2, 3, { requires_grad: true, dtype: torch.float64 }).sigmoid();
    z.mul_(2);
    o.err(() => z.sum().backward());
    const u = a.sigmoid();
    u.detach().mul_(2);
    o.err(() => u.sum().backward());
  },
  inplace_leaf_errors(o) {
    const w = leaf([1, 2]);
    o.err(() => w.add_(1));
    o.err(() => w.select(0, 0).mul_(2));
    torch.no_grad(() => w.add_(1));
    o(w);
    o.err(() => w.view(2).detach_());
    const d = w.detach();
    d.add_(1);
    o(w, d.requires_grad);
  },
  inplace_history(o) {
    const a = leaf([1, 2, 3]);
    let x = a.mul(2);
    x.add_(1);
    o(x, x.grad_fn);
    o.nexts(x.grad_fn);
    x.mul_(x);
    o(x.grad_fn);
    o.err(() => x.sum().backward());
    x = a.mul(2);
    x.add_(1);
    x.mul_(3);
    x.sum().backward();
    o(a.grad);
    const b = torch.zeros(3);
    b.add_(a);
    o(b, b.is_leaf);
    b.sum().backward();
    o(a.grad);
    let y = a.clone();
    y.sigmoid_();
    y.mul_(2);
    o.err(() => y.sum().backward());
    y = a.clone();
    y.exp_();
    const z = y.mul(1);
    y.add_(1);
    o.err(() => z.sum().backward());
    y = a.clone();
    y.exp_();
    a.grad = null;
    y.sum().backward();
    o(a.grad);
  },
  copy_slices(o) {
    const a = leaf([[1, 2], [3, 4]]);
    let x = a.clone();
    const v = x.select(0, 0);
    v.mul_(2);
    o(x, v, x.grad_fn, v.grad_fn, v.version, x.version);
    o.nexts(x.grad_fn);
    o.nexts(v.grad_fn);
    o(v.grad_fn.nextFunctions[0][0] === x.grad_fn, v.base === x);
    x.sum().backward();
    o(a.grad);
    a.grad = null;
    x = a.clone();
    x.select(0, 1).mul_(a.select(0, 0));
    o(x);
    o.nexts(x.grad_fn);
    x.mul(x).sum().backward();
    o(a.grad);
  },
  copy_slices_setitem(o) {
    const x = torch.zeros(3, 2);
    const y = leaf([1, 2, 3]);
    const v0 = x.select(1, 0);
    x.select(1, 1).copy_(y);
    o(x, x.grad_fn, x.requires_grad, x.is_leaf);
    o.nexts(x.grad_fn);
    o(v0.grad_fn, v0.requires_grad);
    x.mul(fl([[0, 1], [2, 3], [4, 5]])).sum().backward();
    o(y.grad);
    const z = torch.zeros(2, 3);
    const w = leaf([1, 2]);
    z.select(1, 1).copy_(w);
    const z2 = z.mul(2);
    z.select(0, 0).select(0, 0).fill_(F(5));
    o(z);
    o.nexts(z.grad_fn);
    z.sum().add(z2.sum()).backward();
    o(w.grad);
  },
  stale_views(o) {
    const a = leaf([[1, 2], [3, 4]]);
    let x = a.clone();
    const v1 = x.select(0, 0);
    x.mul_(2);
    o(v1.grad_fn, v1.version);
    o.nexts(v1.grad_fn);
    x = a.clone();
    let v = x.select(0, 1);
    x.select(0, 0).mul_(3);
    o(v.grad_fn);
    v.sum().backward();
    o(a.grad);
    a.grad = null;
    x = a.clone();
    v = x.select(0, 0);
    const vv = v.narrow(0, 1, 1);
    vv.mul_(5);
    o(x.grad_fn, v.grad_fn, vv.grad_fn);
    x.sum().backward();
    o(a.grad);
  },
  copy_slices_double_backward(o) {
    const a = leaf([[1, 2], [3, 4]]);
    const x = a.clone();
    x.select(0, 0).mul_(2);
    const [g] = grad(x.mul(x).sum(), a, { create_graph: true }) as Tensor[];
    o(g, g.grad_fn);
    o(grad(g.sum(), a)[0]);
  },
  forbidden_views(o) {
    const a = leaf([[1, 2], [3, 4]]);
    o.err(() => a.unbind(0)[0].mul_(2));
    let x = a.clone();
    o.err(() => x.unbind(0)[0].mul_(2));
    const [u0] = x.unbind(0);
    x.mul_(2);
    o.err(() => u0.grad_fn);
    x = a.clone();
    const vv = torch.no_grad(() => x.select(0, 0));
    o(vv.requires_grad, vv.grad_fn);
    o.err(() => vv.mul_(2));
    const vv2 = torch.no_grad(() => a.clone().select(0, 0));
    vv2.mul_(2);
    o(vv2);
    const x3 = a.clone();
    const vv3 = torch.no_grad(() => x3.select(0, 0));
    x3.mul_(2);
    o.err(() => vv3.grad_fn);
    o.err(() => vv3.mul(2));
  },
  detach(o) {
    const x = leaf([1, 2]);
    let y = x.mul(2);
    const z = y.detach();
    o(z, z.requires_grad, z.is_leaf, z.grad_fn, z.base === null);
    z.select(0, 0).fill_(F(100));
    o(y);
    const w = x.detach().clone();
    w.add_(1);
    o(x);
    y = x.mul(2);
    const y2 = y.detach_();
    o(y2 === y, y.requires_grad, y.grad_fn, y.is_leaf);
    o.err(() => x.view(2).detach_());
  },
  requires_grad_flags(o) {
    const x = leaf([1, 2]);
    o.err(() => x.mul(2).requires_grad_(false));
    o.err(() => x.mul(2).requires_grad_(true));
    o.err(() => torch.ones(2, { dtype: torch.int64 }).requires_grad_());
    o.err(() => torch.ones(2, { dtype: torch.int64 }).requires_grad_(false));
    o.err(() => { x.mul(2).requires_grad = true; });
    o.err(() => { x.mul(2).requires_grad = false; });
    o.err(() => { torch.ones(2, { dtype: torch.int64 }).requires_grad = true; });
    const a = torch.ones(2);
    a.requires_grad = true;
    o(a, a.is_leaf);
    a.requires_grad_(false);
    o(a);
    const b = leaf([1]), c = fl([2]);
    const d = b.mul(c), e = c.mul(2);
    o(b.is_leaf, c.is_leaf, d.is_leaf, e.is_leaf, b.requires_grad, c.requires_grad, d.requires_grad, e.requires_grad);
  },
  grad_modes(o) {
    const x = leaf([1, 2]);
    torch.no_grad(() => {
      o(x.mul(2).requires_grad, torch.is_grad_enabled());
      torch.enable_grad(() => { const z = x.mul(2); o(z.requires_grad, z.grad_fn); });
    });
    torch.set_grad_enabled(false).run(() => o(torch.is_grad_enabled(), x.mul(2).requires_grad));
    o(torch.is_grad_enabled());
    torch.set_grad_enabled(false);
    o(torch.is_grad_enabled(), x.mul(2));
    torch.set_grad_enabled(true);
    o(torch.is_grad_enabled());
  },
  inference_mode(o) {
    const x = leaf([1, 2]);
    let i!: Tensor, j!: Tensor;
    torch.inference_mode(() => {
      i = x.mul(2);
      j = torch.ones(2);
      o(i.requires_grad, i.is_inference(), j.is_inference(), torch.is_inference_mode_enabled(), torch.is_grad_enabled());
      o(i);
      const k = x.view(2);
      o(k.is_inference(), k.requires_grad);
      torch.enable_grad(() => { const q = x.mul(2); o(torch.is_grad_enabled(), q.requires_grad, q.is_inference()); });
    });
    o(i.is_inference(), x.is_inference(), torch.is_inference_mode_enabled(), torch.is_grad_enabled());
    o.err(() => i.add_(1));
    o.err(() => x.mul(i));
    o(x.add(i).requires_grad);
    o(i.mul(2).is_inference(), i.clone().is_inference());
    o.err(() => j.requires_grad_());
    torch.inference_mode(false, () => o(torch.is_inference_mode_enabled(), torch.ones(1).is_inference()));
  },
  next_functions(o) {
    const x = leaf([1, 2]);
    const y = x.mul(2).add(x);
    o(y.grad_fn);
    o.nexts(y.grad_fn);
    const acc = y.grad_fn.nextFunctions[1][0] as AccumulateGrad;
    o(acc, acc.variable === x, acc.nextFunctions.length === 0);
    o.nexts(y.grad_fn.nextFunctions[0][0]);
    o(x.mul(2).grad_fn.nextFunctions[0][0] === acc);
    o.nexts(x.mul(torch.ones(2)).grad_fn);
    o.nexts(x.sub(1).sum().grad_fn);
  },
};

describe('autograd vs PyTorch', () => {
  it('implements every scenario of the fixture', () => {
    expect(Object.keys(fixture).filter((k) => !(k in scenarios))).toEqual([]);
  });
  for (const [name, run] of Object.entries(scenarios)) {
    it(name, () => {
      const items: string[] = [];
      try { run(observer(items)); } finally { torch.set_grad_enabled(true); }
      expect(items).toEqual(fixture[name]);
    });
  }
});
