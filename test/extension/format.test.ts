import { describe, expect, it } from 'vitest';
import { exprAt, hoverMarkdown, inlineHint, shapeTuple } from '../../extension/format';
import type { TensorInfo } from '../../engine/runtime/protocol';

const info = (over: Partial<TensorInfo> = {}): TensorInfo => ({
  shape: [2, 3], dtype: 'torch.int64', device: 'cpu', requiresGrad: false, gradFn: null, isLeaf: true, isParameter: false,
  strides: [3, 1], isView: false, numel: 6, stats: { min: 1, max: 6, mean: null, nanCount: 0, infCount: 0 },
  preview: 'tensor([[1, 2, 3],\n        [4, 5, 6]])', grad: null, ...over,
});

describe('extension text', () => {
  it('writes shapes as Python tuples', () => {
    expect(shapeTuple([])).toBe('()');
    expect(shapeTuple([3])).toBe('(3,)');
    expect(shapeTuple([2, 3])).toBe('(2, 3)');
  });
  it('makes inline hints', () => {
    expect(inlineHint({ kind: 'tensor', expr: 'x', type: 'Tensor', tensor: info() })).toBe('→ (2, 3) int64');
    expect(inlineHint({ kind: 'tensor', expr: 'y', type: 'Tensor', tensor: info({ dtype: 'float32', requiresGrad: true, gradFn: 'MulBackward0', isLeaf: false }) }))
      .toBe('→ (2, 3) float32 grad_fn=<MulBackward0>');
    expect(inlineHint({ kind: 'value', expr: 'n', type: 'int', repr: '3' })).toBeNull();
  });
  it('hover shows size, dtype, stats, preview and grad', () => {
    const md = hoverMarkdown({ kind: 'tensor', expr: 'w', type: 'Tensor', tensor: info({ dtype: 'float32', requiresGrad: true, grad: info({ dtype: 'float32' }) }) })!;
    expect(md).toContain('`torch.Size([2, 3])` · `float32`');
    expect(md).toContain('min 1 · max 6');
    expect(md).toContain('tensor([[1, 2, 3],');
    expect(md).toContain('**w.grad**');
    expect(hoverMarkdown({ kind: 'notFound', expr: 'z', reason: 'no' })).toBeNull();
  });
  it('finds the expression under the cursor', () => {
    const line = 'y = model.fc1.weight @ x';
    expect(exprAt(line, 5)!.expr).toBe('model');
    expect(exprAt(line, 11)!.expr).toBe('model.fc1');
    expect(exprAt(line, 16)!.expr).toBe('model.fc1.weight');
    expect(exprAt(line, 23)!.expr).toBe('x');
    expect(exprAt('f(x).shape', 6)).toBeNull();
  });
});
