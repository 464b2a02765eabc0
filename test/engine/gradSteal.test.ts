// AccumulateGrad takes its incoming gradient as a leaf's first .grad without a copy (PyTorch steals it
// when nothing else holds it) only where no one else can see that memory: these cases check both that
// it happens where it should (the large weight gradients of a training step) and that a .grad never
// shares memory with a gradient someone else holds (another leaf, a hook, autograd.grad, a retained
// graph, a custom Function), with values and later accumulation unchanged.
import { describe, expect, it } from 'vitest';
import { torch } from '../../engine/index';
import { dispatch } from '../../engine/ops/registry';
import { Tensor } from '../../engine/tensor';
import { gradStats } from '../../engine/autograd/engine';
import { record } from '../../engine/autograd';

const F = (name: string, ...args: unknown[]) => dispatch(name, args, null) as Tensor;
const vals = (t: Tensor) => Array.from(t.toFlatArray() as ArrayLike<number>);
const taken = (f: () => void) => { const t0 = gradStats.taken; f(); return gradStats.taken - t0; };

describe('a first .grad without a copy', () => {
  it('linear layers: the weight gradients are taken, equal to a copy, not views', () => {
    torch.manual_seed(0);
    const x = torch.randn(8, 5);
    const w = torch.randn(4, 5).requires_grad_(true), b = torch.randn(4).requires_grad_(true);
    const n = taken(() => F('linear', x, w, b).relu().sum().backward());
    expect(n).toBeGreaterThanOrEqual(1);
    // the same gradient through a path that must copy (the weight used twice: two contributions summed)
    const w2 = w.detach().requires_grad_(true);
    const want = F('mm', F('threshold_backward', torch.ones(8, 4), F('linear', x, w2, b.detach()), 0).t(), x);
    expect(vals(w.grad!)).toEqual(vals(want));
    expect(w.grad!.is_contiguous()).toBe(true);
    expect(w.grad!.base).toBe(null);
    // a second backward accumulates in place into the taken gradient
    const before = vals(w.grad!);
    F('linear', x, w, b).relu().sum().backward();
    expect(vals(w.grad!)).toEqual(before.map((v) => Math.fround(v + v)));
  });

  it('one gradient passed to two leaves (AddBackward): the two .grad never share memory', () => {
    const a = torch.randn(300).requires_grad_(true), c = torch.randn(300).requires_grad_(true);
    F('mul', F('add', a, c), 3).sum().backward();
    expect(a.grad!.storage).not.toBe(c.grad!.storage);
    a.grad!.zero_();
    expect(vals(c.grad!).every((v) => v === 3)).toBe(true);
  });

  it('a leaf reached through a view of a gradient that also goes elsewhere', () => {
    const x = torch.randn(4, 4).requires_grad_(true), y = torch.randn(4, 4).requires_grad_(true);
    // y + y.t(): the gradient reaches y twice (once transposed), summed before AccumulateGrad
    F('mul', F('add', F('mul', x, 2), F('add', y, y.t())), torch.arange(16).reshape(4, 4)).sum().backward();
    const g = torch.arange(16).reshape(4, 4).float();
    expect(vals(y.grad!)).toEqual(vals(F('add', g, g.t())));
    expect(vals(x.grad!)).toEqual(vals(F('mul', g, 2)));
    expect(x.grad!.storage).not.toBe(y.grad!.storage);
  });

  it('a gradient a hook kept is copied', () => {
    const w = torch.randn(50, 50).requires_grad_(true);
    const h = F('mul', w, 2);
    let kept: Tensor | null = null;
    h.register_hook((g: Tensor) => { kept = g; });
    F('mul', h, 1.5).sum().backward();
    expect(kept!.storage).not.toBe(w.grad!.storage);
    const wh = torch.randn(50, 50).requires_grad_(true);
    let seen: Tensor | null = null;
    wh.register_hook((g: Tensor) => { seen = g; });
    F('mul', wh, 2).sum().backward();
    expect(seen!.storage).not.toBe(wh.grad!.storage);
  });

  it('with retain_graph (the graph view keeps the edge gradients) nothing is taken', () => {
    const w = torch.randn(40, 40).requires_grad_(true);
    const n = taken(() => F('mul', w, 2).sum().backward({ retain_graph: true }));
    expect(n).toBe(0);
    expect(vals(w.grad!).every((v) => v === 2)).toBe(true);
  });

  it('a custom backward that returns a tensor it keeps is copied', () => {
    const w = torch.randn(30).requires_grad_(true);
    const keep = torch.full([30], 7);
    const out = F('mul', w.detach(), 1);
    const node = record('MyFnBackward', [w], out, () => [keep]);
    node!.userBackward = true;
    out.sum().backward();
    expect(w.grad!.storage).not.toBe(keep.storage);
    w.grad!.zero_();
    expect(vals(keep).every((v) => v === 7)).toBe(true);
  });

  it('the gradient given to backward() is never taken', () => {
    const w = torch.randn(20).requires_grad_(true);
    const gy = torch.ones(20);
    F('mul', w, 1).backward(gy);
    w.grad!.zero_();
    expect(vals(gy).every((v) => v === 1)).toBe(true);
    const v2 = torch.randn(20).requires_grad_(true);
    v2.backward(gy); // the root gradient goes straight to the leaf
    v2.grad!.zero_();
    expect(vals(gy).every((v) => v === 1)).toBe(true);
  });
});
