// Shape/view ops against real PyTorch 1.13: test/fixtures/shape.json (made by gen_shape.py) replayed
// step by step (values, strides, storage sharing, grad_fn names, gradients, error texts, repr).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { torch } from '../../engine/index';
import { broadcastAll } from '../../engine/shape';
import { Tensor } from '../../engine/tensor';
import { CORPUS, CaseRec, PySize, S, corpusRecord, gi, replayCase, runProgram, size, tup } from './shapeIndexingReplay';

const fx: { cases: CaseRec[] } = JSON.parse(readFileSync(join(__dirname, '../fixtures/shape.json'), 'utf8'));

describe('shape ops vs PyTorch 1.13', () => {
  it('has the fixture cases', () => { expect(fx.cases.length).toBeGreaterThan(100); });
  it.each(fx.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    expect(replayCase(c).join('\n')).toBe('');
  });
});

// ---- the corpus's `shape` programs, re-expressed with engine calls; stdout/error from public.jsonl ----

const T = (data: unknown, kw?: Record<string, unknown>) => torch.tensor(data, ...(kw ? [kw] : [])) as Tensor;
const CASES: Record<string, (print: (...xs: unknown[]) => void) => void> = {
  'shape-view': (print) => {
    const x = torch.arange(24);
    const y = x.view(2, 3, 4);
    print(y); print(size(y.view(-1, 4))); print(size(y.view(6, -1))); print(gi(x.view(4, 6), 1));
  },
  'shape-view-invalid-size-error': () => { torch.arange(6).view(4, 2); },
  'shape-contiguous-strides': (print) => {
    const x = torch.arange(6).view(2, 3);
    const y = x.t();
    print(x.is_contiguous(), y.is_contiguous());
    const z = y.contiguous();
    print(z.is_contiguous()); print(z.view(6)); print(y.reshape(6));
    print(tup(...x.stride()), tup(...y.stride()), tup(...z.stride()));
  },
  'shape-T-property': (print) => {
    const m = T([[1, 2, 3], [4, 5, 6]]);
    print(m.T); print(size(m.T));
    print(T([1, 2, 3]).T); print(m.t()); print(m.T.T); print(m.mT);
  },
  'shape-T-on-3d': (print) => {
    const x = torch.arange(24).reshape(2, 3, 4);
    print(size(x.T)); print(size(x.mT));
  },
  'shape-permute': (print) => {
    const x = torch.arange(24).reshape(2, 3, 4);
    const p = x.permute(2, 0, 1);
    print(size(p)); print(gi(p, 1)); print(x.permute(0, 2, 1).is_contiguous()); print(size(torch.permute(x, [1, 0, 2])));
  },
  'shape-squeeze-unsqueeze': (print) => {
    const x = torch.zeros(1, 3, 1, 2);
    print(size(x.squeeze())); print(size(x.squeeze(0))); print(size(x.squeeze(2))); print(size(x.squeeze(1)));
    const v = T([1, 2, 3]);
    print(v.unsqueeze(0)); print(v.unsqueeze(1)); print(size(v.unsqueeze(-1)));
    print(size(gi(v, null)), size(gi(v, S(), null)));
  },
  'shape-flatten': (print) => {
    const x = torch.arange(24).reshape(2, 3, 4);
    print(size(x.flatten())); print(size(x.flatten(1))); print(size(x.flatten(0, 1))); print(torch.flatten(x, { start_dim: 1 }));
  },
  'shape-cat': (print) => {
    const a = T([[1, 2], [3, 4]]), b = T([[5, 6]]);
    print(torch.cat([a, b])); print(torch.cat([a, a], { dim: 1 })); print(size(torch.cat([a, b], 0)));
    print(torch.cat([T([1, 2]), T([3])])); print(torch.cat([T([1.5]), T([2])]));
  },
  'shape-split': (print) => {
    const x = torch.arange(5);
    print(x.split(2)); print(torch.split(x, [1, 4]));
    const m = torch.arange(12).reshape(3, 4);
    for (const part of m.split(2, { dim: 1 })) print(part);
    print(m.split(1).length);
  },
  'shape-chunk': (print) => {
    const x = torch.arange(6);
    print(x.chunk(3)); print(x.chunk(4)); print(torch.arange(5).chunk(2)); print(torch.arange(6).chunk(5).length);
  },
  'shape-expand': (print) => {
    const x = T([[1], [2], [3]]);
    print(x.expand(3, 4)); print(x.expand(-1, 2)); print(size(x.expand(2, 3, 2)));
    print(T([1, 2]).expand(3, 2));
    print(x.expand(3, 4).is_contiguous(), tup(...x.expand(3, 4).stride()));
  },
  'shape-expand-error': () => { T([1, 2, 3]).expand(2, 2); },
  'shape-permute-wrong-ndims-error': () => { torch.zeros(2, 3).permute(1, 0, 2); },
  'shape-flip-unbind-roll': (print) => {
    const x = torch.arange(6).reshape(2, 3);
    print(x.flip(0)); print(x.flip(1)); print(x.unbind(0)); print(torch.roll(torch.arange(5), 2));
  },
  'shape-zero-dim-reshapes': (print) => {
    const s = T(5);
    print(s.reshape(1)); print(size(s.unsqueeze(0))); print(T([5]).squeeze()); print(size(T([[5]]).reshape([])));
    print(s.view(1, 1)); print(s.flatten());
  },
  'shape-narrow-select-unflatten': (print) => {
    const x = torch.arange(12).reshape(3, 4);
    print(x.narrow(1, 1, 2)); print(x.select(0, 1)); print(size(x.unflatten(1, [2, 2])));
  },
  'shape-broadcast-to-tile': (print) => {
    const x = T([1, 2, 3]);
    print(torch.broadcast_to(x, [2, 3])); print(x.tile([2])); print(x.tile([2, 1]));
    print(x.expand_as(torch.zeros(2, 3)));
    // torch.broadcast_shapes is Python-level (torch/functional.py): the shim computes it with infer_size
    print(new PySize(broadcastAll([[2, 1], [1, 3]])));
  },
  'shape-multihead-split-pattern': (print) => {
    const [b, t, dOut, heads] = [2, 3, 4, 2];
    const x = torch.arange(b * t * dOut, { dtype: torch.float32 }).view(b, t, dOut);
    const h = x.view(b, t, heads, dOut / heads).transpose(1, 2);
    print(size(h)); print(gi(h, 0));
    const back = h.transpose(1, 2).contiguous().view(b, t, dOut);
    print(torch.equal(back, x)); print(h.is_contiguous());
  },
};

describe('corpus shape programs', () => {
  it.each(Object.keys(CASES))('%s', (id) => {
    const rec = corpusRecord(id);
    if (!rec) return; // corpus not present on this machine
    expect(runProgram(CASES[id])).toEqual({ stdout: rec.stdout, error: rec.error });
  });
  it('mirrors every shape program of the corpus', () => {
    if (!corpusRecord('shape-view')) return;
    const ids = readFileSync(CORPUS, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)).filter((r) => r.category === 'shape').map((r) => r.id);
    expect(ids.filter((id) => !(id in CASES))).toEqual([]);
  });
});
