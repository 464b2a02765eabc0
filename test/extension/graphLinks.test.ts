// extension/graphLinks.ts: a node's source line (ops: the recorded site; leaves and outputs: where
// their variable is assigned) and the nodes a line created, on snapshots made by the engine.
import { describe, expect, it } from 'vitest';
import { findAssignment, nodesAtLine, sourceOf } from '../../extension/graphLinks';
import { mlpSnapshot } from '../webview/helpers';

describe('graph links', () => {
  it('finds assignments like Python writes them', () => {
    const src = ['import torch', 'w1 = torch.tensor([2.2], requires_grad=True)  # weight', 'x: torch.Tensor = w1 * 2', 'a, b = x, w1',
      'if w1 == 2: pass', 'class Net:', '    def __init__(self):', '        self.fc1 = Linear(3, 4)', 'model = Net()'];
    expect(findAssignment(src, 'w1')).toBe(2);
    expect(findAssignment(src, 'x')).toBe(3);
    expect(findAssignment(src, 'b')).toBe(4);
    expect(findAssignment(src, 'model.fc1.weight')).toBe(8);
    expect(findAssignment(src, 'model.head.weight')).toBe(9);
    expect(findAssignment(src, 'nope')).toBeNull();
  });

  it('links ops to their line, leaves and outputs to their assignment, and back', () => {
    const { snapshot: s } = mlpSnapshot();
    const lines = Array.from({ length: 30 }, (_, i) => (i === 4 ? 'loss = ((y1 - y2) ** 2).mean()' : `# line ${i + 1}`));
    lines[19] = '        self.fc1 = nn.Linear(3, 4)';
    const linesOf = (f: string) => (f === '/ws/net.py' ? lines : null);
    const op = s.nodes.find((n) => n.kind === 'op' && n.site)!;
    expect(sourceOf(s, op.id, linesOf)).toEqual(op.site);
    const out = s.nodes.find((n) => n.kind === 'output')!;
    expect(sourceOf(s, out.id, linesOf)).toEqual({ file: '/ws/net.py', line: 5 });
    const w = s.nodes.find((n) => n.name === 'model.fc1.weight')!;
    expect(sourceOf(s, w.id, linesOf)).toEqual({ file: '/ws/net.py', line: 20 });
    // without the file's text, a leaf points at the op that uses it
    const used = s.edges.find((e) => e.from === w.id)!;
    expect(sourceOf(s, w.id, () => null)).toEqual(s.nodes.find((n) => n.id === used.to)!.site);
    expect(sourceOf(s, 'nope', linesOf)).toBeNull();

    const at = (line: number) => nodesAtLine(s, '/ws/net.py', line, lines).sort();
    expect(at(op.site!.line)).toEqual(s.nodes.filter((n) => n.site?.line === op.site!.line).map((n) => n.id).sort());
    expect(at(5)).toEqual([out.id]);
    expect(at(20)).toEqual(s.nodes.filter((n) => n.name.startsWith('model.fc1.')).map((n) => n.id).sort());
    expect(nodesAtLine(s, '/ws/other.py', op.site!.line, lines)).toEqual([]);
  });
});
