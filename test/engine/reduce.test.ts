// Reductions and sorting against real PyTorch 1.13 (test/fixtures/reduce.json from gen_reduce.py):
// values bit for bit (float32 cascade sums, prod, var, cumsum), dtypes, keepdim, negative and tuple dims,
// grad_fn names, gradients (ties split or routed to one index) and exact error texts; and the corpus
// programs about reductions, written again in TypeScript, print what PyTorch printed.
import { describe, expect, it } from 'vitest';
import { torch } from '../../engine/index';
import { TorchError } from '../../engine/errors';
import { formatPyFloat } from '../../engine/format';
import { Tensor } from '../../engine/tensor';
import { describeCases, loadPrograms } from './fixtureCases';

describeCases('reduce.json', 'reductions and sorting match PyTorch');

// ---- corpus programs, line for line --------------------------------------------------------------

const programs = loadPrograms('reduce.json');

const F = (v: unknown) => torch.tensor(v, { dtype: torch.float32 });
const G = (v: unknown) => torch.tensor(v, { dtype: torch.float32, requires_grad: true });
const tuple = (xs: Tensor[]) => `(${xs.map(String).join(', ')})`;

const TS: Record<string, (print: (...xs: unknown[]) => void) => void> = {
  'math-mean': (print) => {
    const x = F([[1, 2, 3], [4, 5, 6]]);
    print(x.mean()); print(x.mean({ dim: 0 })); print(x.mean(1, { keepdim: true })); print(x.mean([0, 1]));
    print(torch.mean(x, { dim: -1 })); print(formatPyFloat(x.mean().item()));
  },
  'math-argmax-argmin-ties': (print) => {
    const x = torch.tensor([[1, 7, 7], [9, 0, 9]]);
    print(x.argmax()); print(x.argmax({ dim: 1 })); print(x.argmin({ dim: 0 })); print(x.argmax(1, { keepdim: true }));
    const f = F([0.5, 2.0, 2.0, -1.0]);
    print(f.argmax(), f.argmin()); print(torch.argmax(f).item()); print(f.max(0));
  },
  'math-prod-std-var': (print) => {
    const x = F([[1, 2, 3], [4, 5, 6]]);
    print(x.prod()); print(x.prod(0)); print(x.std()); print(x.var()); print(x.std({ dim: 1 }));
    print(x.var(0, { unbiased: false })); print(x.std({ unbiased: false })); print(tuple(torch.var_mean(x, { dim: 1 })));
    print(torch.tensor([1, 2, 3]).prod());
  },
  'math-cumsum-cumprod': (print) => {
    const x = torch.tensor([1, 2, 3, 4]);
    print(x.cumsum(0)); print(torch.cumprod(x, { dim: 0 }));
    const m = F([[1, 2], [3, 4]]);
    print(m.cumsum(1)); print(m.cumsum({ dim: 0 }));
  },
  'math-sort-topk': (print) => {
    const x = F([3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0]);
    print(torch.sort(x)); print(x.sort({ descending: true }).values[0]); print(torch.topk(x, 3));
    print(x.topk(2, { largest: false }).indices); print(torch.argsort(x));
  },
  'math-float32-sum-exact': (print) => {
    print(formatPyFloat(torch.full([10], new torch.PyFloat(0.1)).sum().item()));
    print(formatPyFloat(torch.full([1000], new torch.PyFloat(0.1)).sum().item()));
    print(formatPyFloat(F([0.1, 0.2, 0.3]).mean().item()));
    print(formatPyFloat(F([1e8, 1.0, -1e8]).sum().item()));
  },
  'math-max-empty-error': () => { torch.tensor([], { dtype: torch.float32 }).max(); },
  'autograd-reduction-grads': (print) => {
    const x = G([[1, 2], [3, 4]]);
    x.mean().backward(); print(x.grad); x.grad = null;
    x.sum({ dim: 0 }).sum().backward(); print(x.grad); x.grad = null;
    x.max().backward(); print(x.grad); x.grad = null;
    x.max({ dim: 1 }).indices; x.max({ dim: 1 }).values[0].sum().backward(); print(x.grad); x.grad = null;
    x.prod().backward(); print(x.grad); x.grad = null;
    x.std().backward(); print(x.grad);
  },
  'autograd-max-ties-grad': (print) => {
    const x = G([1.0, 3.0, 3.0]); x.max().backward(); print(x.grad);
    const y = G([[3.0, 3.0]]); y.max({ dim: 1 }).values[0].sum().backward(); print(y.grad);
    const z = G([2.0, 2.0]); z.amax().backward(); print(z.grad);
  },
  'autograd-grad-fn-names-reductions': (print) => {
    const x = G([1.0, 2.0]), W = torch.ones(2, 2, { requires_grad: true });
    const ops: Record<string, Tensor> = {
      sum: x.sum(), sum_dim: W.sum(0), mean: x.mean(), mean_dim: W.mean(1), max: x.max(),
      max_dim: W.max(1).values[0], prod: x.prod(), std: x.std(), cumsum: x.cumsum(0), sort: x.sort().values[0],
    };
    for (const [k, v] of Object.entries(ops)) print(k, v.grad_fn?.name, v.grad_fn?.name);
  },
  'math-any-all': (print) => {
    const a = torch.tensor([1, 2, 3, 4]), b = torch.tensor([4, 2, 1, 4]);
    print(torch.eq(a, b).any(), torch.eq(a, b).all(), torch.any(torch.gt(a, 3)), torch.all(torch.gt(a, 0)));
  },
};

describe('corpus programs about reductions print what PyTorch printed', () => {
  it('covers every recorded program', () => expect(Object.keys(TS).sort()).toEqual(Object.keys(programs).sort()));
  for (const [id, rec] of Object.entries(programs)) {
    it(id, () => {
      let out = '';
      const print = (...xs: unknown[]) => { out += `${xs.map(String).join(' ')}\n`; };
      let err: unknown = null;
      try { TS[id](print); } catch (e) { err = e; }
      expect(out).toBe(rec.stdout);
      if (rec.error) {
        expect(err).toBeInstanceOf(TorchError);
        expect(`${(err as TorchError).pyType}: ${(err as TorchError).message}`).toBe(`${rec.error.type}: ${rec.error.message}`);
      } else expect(err).toBeNull();
    });
  }
});
