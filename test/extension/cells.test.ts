import { describe, expect, it } from 'vitest';
import { cellAt, dedent, findCells, jsAssignments, pythonAssignments } from '../../extension/cells';

describe('cells', () => {
  const src = ['import torch', '# %%', 'x = 1', '', '# %% second', 'y = 2', 'print(y)'];
  it('splits on # %% and keeps a leading code cell', () => {
    expect(findCells(src)).toEqual([
      { start: 0, end: 0, header: -1 },
      { start: 2, end: 3, header: 1 },
      { start: 5, end: 6, header: 4 },
    ]);
  });
  it('finds the cell under the cursor, including its header line', () => {
    const cells = findCells(src);
    expect(cellAt(cells, 4)!.header).toBe(4);
    expect(cellAt(cells, 3)!.header).toBe(1);
  });
  it('has no cells without delimiters', () => {
    expect(findCells(['a = 1'])).toEqual([]);
  });
});

describe('dedent', () => {
  it('removes the common indentation of a selection', () => {
    expect(dedent('    x = 1\n    if x:\n        y = 2\n')).toBe('x = 1\nif x:\n    y = 2\n');
  });
});

describe('assignments', () => {
  it('finds Python assignments but not comparisons or keywords', () => {
    const code = 'x = torch.ones(2)\nif x == 1:\n    pass\na, b = 1, 2\nloss += 1\nw: float = 3\nz = f(\n  1,\n  2)\nself.w = 1';
    expect(pythonAssignments(code)).toEqual([
      { line: 0, names: ['x'] },
      { line: 3, names: ['a', 'b'] },
      { line: 4, names: ['loss'] },
      { line: 5, names: ['w'] },
      { line: 8, names: ['z'] },
      { line: 9, names: ['self.w'] },
    ]);
  });
  it('finds JS declarations', () => {
    expect(jsAssignments('const t = torch.ones(2);\nlet u = t;\nu == t')).toEqual([
      { line: 0, names: ['t'] }, { line: 1, names: ['u'] },
    ]);
  });
});
