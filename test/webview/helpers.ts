// Graph snapshots for the webview tests, made by the engine itself (no hand-written graphs): an MLP
// whose ops run "inside" module calls (through the site provider the runtime normally sets), and a
// deep residual network for the layout's size and speed.
import { setSiteProvider } from '../../engine/autograd';
import { GraphSnapshot, toGraph } from '../../engine/graph';
import { torch } from '../../engine/index';
import { Tensor } from '../../engine/tensor';

const param = (shape: number[], seed: number) =>
  torch.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed * 7.1 + i) * 0.5), { requires_grad: true }).reshape(...shape).detach().requires_grad_();

/** model = Net(fc1: Linear, act: ReLU, fc2: Linear) applied twice (two calls of each module), loss = mse */
export function mlpSnapshot(opts: { retain?: boolean; saved?: boolean } = {}): { snapshot: GraphSnapshot; labels: Map<Tensor, string> } {
  const labels = new Map<Tensor, string>();
  const p = (name: string, shape: number[], seed: number) => { const t = param(shape, seed); labels.set(t, name); return t; };
  const w1 = p('model.fc1.weight', [4, 3], 1), b1 = p('model.fc1.bias', [4], 2);
  const w2 = p('model.fc2.weight', [2, 4], 3), b2 = p('model.fc2.bias', [2], 4);
  const x = torch.tensor([[0.5, -1, 2], [1.5, 0.25, -0.5]]);
  let call = 0;
  let path = '';
  setSiteProvider(() => ({ file: '/ws/net.py', line: 10 + call, module: path }));
  const within = <T>(p2: string, fn: () => T): T => { const prev = path; path = p2; try { return fn(); } finally { path = prev; } };
  try {
    const forward = (inp: Tensor, k: number) => within(`model:Net:${k}`, () => {
      call++;
      const h = within(`model:Net:${k}/fc1:Linear:${k + 1}`, () => inp.matmul(w1.t()).add(b1));
      const a = within(`model:Net:${k}/act:ReLU:${k + 2}`, () => h.relu());
      return within(`model:Net:${k}/fc2:Linear:${k + 3}`, () => a.matmul(w2.t()).add(b2));
    });
    const y1 = forward(x, 1);
    const y2 = forward(x.mul(2), 10);
    path = '';
    const loss = y1.sub(y2).pow(2).mean();
    labels.set(loss, 'loss');
    if (opts.retain) loss.backward({ retain_graph: true });
    return { snapshot: toGraph(loss, { labels, savedNodes: opts.saved }), labels };
  } finally {
    setSiteProvider(null);
  }
}

/** A residual network of `blocks` blocks (about 10 nodes each) as the engine records it. */
export function deepSnapshot(blocks: number): GraphSnapshot {
  let x = torch.tensor([[0.1, 0.2, 0.3, 0.4]]);
  for (let i = 0; i < blocks; i++) {
    const w = param([4, 4], i), b = param([4], i + 0.5);
    const h = x.matmul(w.t()).add(b).relu();
    const g = param([4], i + 0.25);
    x = h.mul(g).add(x);
  }
  return toGraph(x.sum(), { maxNodes: 100000 });
}
