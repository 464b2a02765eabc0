// Products and norms against real PyTorch 1.13 (test/fixtures/linalg.json from gen_linalg.py): matmul in
// every dim combination (grad_fn as PyTorch dispatches it), mm/bmm/mv/dot/addmm/... bit for bit in
// float32, einsum/tensordot/trace/kron, norms, gradients and exact error texts; and the corpus programs
// about products, written again in TypeScript, print what PyTorch printed.
import { describe, expect, it } from 'vitest';
import { torch } from '../../engine/index';
import { TorchError } from '../../engine/errors';
import { formatPyFloat } from '../../engine/format';
import { dispatch } from '../../engine/ops/registry';
import { Tensor } from '../../engine/tensor';
import { describeCases, loadPrograms } from './fixtureCases';

describeCases('linalg.json', 'products and norms match PyTorch');

// ---- corpus programs, line for line --------------------------------------------------------------

const programs = loadPrograms('linalg.json');

const F = (v: unknown) => torch.tensor(v, { dtype: torch.float32 });
const G = (v: unknown) => torch.tensor(v, { dtype: torch.float32, requires_grad: true });
const size = (t: Tensor) => `torch.Size([${t.shape.join(', ')}])`;
const pyList = (x: unknown): string => (Array.isArray(x) ? `[${x.map(pyList).join(', ')}]` : formatPyFloat(x as number));
const ar = (n: number) => torch.arange(new torch.PyFloat(n));

const TS: Record<string, (print: (...xs: unknown[]) => void) => void> = {
  'seed-matmul': (print) => {
    const t = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    print(size(t)); print(t.matmul(t.T)); print(torch.matmul(t, t.T));
  },
  'math-matmul-shapes': (print) => {
    const v = F([1, 2, 3]), w = F([4, 5, 6]), M = ar(6).reshape(2, 3), N = ar(6).reshape(3, 2);
    print(v.matmul(w), size(v.matmul(w))); print(M.matmul(v)); print(F([1, 2]).matmul(M)); print(M.matmul(N));
    print(size(torch.matmul(N, M))); print(M.mm(N)); print(torch.mv(M, v)); print(torch.dot(v, w)); print(torch.outer(v, w));
  },
  'math-matmul-batched': (print) => {
    const A = ar(12).reshape(2, 2, 3), B = ar(12).reshape(2, 3, 2);
    print(A.matmul(B)); print(size(torch.bmm(A, B))); print(size(A.matmul(torch.ones(3, 4))));
    print(size(torch.ones(4, 2).matmul(A))); print(size(A.matmul(torch.ones(3)))); print(size(torch.ones(5, 1, 2, 3).matmul(torch.ones(4, 3, 7))));
  },
  'math-bmm-shape-error': () => { torch.bmm(torch.ones(2, 2, 3), torch.ones(2, 4, 2)); },
  'math-batched-matmul-broadcast-error': () => { torch.ones(2, 2, 3).matmul(torch.ones(3, 3, 2)); },
  'math-dot-2d-error': () => { torch.dot(torch.ones(2, 2), torch.ones(2, 2)); },
  'math-matmul-dtype-mismatch-error': () => { torch.tensor([[1, 2]]).matmul(F([[1.0], [2.0]])); },
  'math-float32-matmul-exact': (print) => {
    const A = F([[1.5410, -0.2934, -2.1788, 0.5684, -1.0845], [-1.3986, 0.4033, 0.8380, -0.7193, -0.4033],
      [-0.5966, 0.1820, -0.8567, 1.1006, -1.0712]]);
    const B = F([[0.1227, -0.5663], [0.3731, -0.8920], [-1.5091, 0.3704], [1.4565, 0.9398], [0.7748, 0.1919]]);
    print(A.matmul(B)); print(pyList(A.matmul(B).tolist()));
    print(formatPyFloat(F([0.1, -0.2, 0.3, 1.7, -2.5, 0.25, 3.0]).matmul(F([1.1, 0.7, -0.3, 0.2, 0.9, -1.25, 0.5])).item()));
  },
  'math-norm': (print) => {
    const x = F([3, 4]);
    print(x.norm()); print(torch.norm(x, { p: 1 })); print(dispatch('linalg_norm', [F([[1, 2], [3, 4]])], null)); print(x.norm({ dim: 0, keepdim: true }));
  },
  'math-einsum': (print) => {
    const a = ar(6).reshape(2, 3), b = ar(12).reshape(3, 4);
    print(torch.einsum('ij,jk->ik', a, b)); print(torch.einsum('ij->ji', a)); print(torch.einsum('i,i->', F([1, 2]), F([3, 4])));
  },
  'autograd-matmul-grads': (print) => {
    const W = G([[1, 2, 3], [4, 5, 6]]), x = G([0.5, -1.0, 2.0]);
    const y = W.matmul(x);
    y.sum().backward();
    print(y); print(W.grad); print(x.grad);
    const A = G([[1, 2], [3, 4]]), B = G([[0.5, 0.0], [1.0, -1.0]]);
    A.matmul(B).pow(2).sum().backward();
    print(A.grad); print(B.grad);
  },
  'errors-shape-error-after-output': (print) => {
    const a = torch.ones(2, 3); print('a:', size(a));
    const b = torch.ones(4, 5); print('b:', size(b));
    a.matmul(b); print('never printed');
  },
  'autograd-grad-fn-names-products': (print) => {
    const x = G([1, 2]), W = torch.ones(2, 2, { requires_grad: true });
    const ops: Record<string, Tensor> = {
      matmul_1d: x.matmul(x), mv: W.matmul(x), mm: W.matmul(W), bmm: W.unsqueeze(0).matmul(W.unsqueeze(0)), vec_mat: x.matmul(W),
      addmm: torch.addmm(x, W, W), einsum: torch.einsum('ij,j->i', W, x), norm: x.norm(), trace: W.trace(),
    };
    for (const [k, v] of Object.entries(ops)) print(k, v.grad_fn?.name, v.grad_fn?.name);
  },
};

describe('corpus programs about products and norms print what PyTorch printed', () => {
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
