import { describe, expect, it } from 'vitest';
import { torch } from '../../engine/index';

describe('engine smoke', () => {
  it('creates, computes, backprops and prints like PyTorch', () => {
    const a = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(String(a)).toBe('tensor([[1, 2, 3],\n        [4, 5, 6]])');
    const b = torch.tensor([1.5, 2, 3], { requires_grad: true });
    const c = a.mul(b).add(1);
    expect(String(c)).toBe('tensor([[ 2.5000,  5.0000, 10.0000],\n        [ 7.0000, 11.0000, 19.0000]], grad_fn=<AddBackward0>)');
    const s = c.sum();
    s.backward();
    expect(String(b.grad)).toBe('tensor([5., 7., 9.])');
    expect(String(a.view(3, 2))).toBe('tensor([[1, 2],\n        [3, 4],\n        [5, 6]])');
    expect(String(torch.zeros(2, 3, { dtype: torch.int32 }))).toBe('tensor([[0, 0, 0],\n        [0, 0, 0]], dtype=torch.int32)');
  });
});
