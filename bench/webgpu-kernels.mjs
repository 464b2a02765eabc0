// Times of single webgpu kernels (`node bench/webgpu-kernels.mjs`): conv2d's grad_weight, batch_norm's
// training forward and backward (the per-channel reductions), and cumsum (one long line, a few long lines,
// many short ones) on whatever adapter Dawn finds (on a machine without a GPU: Mesa's lavapipe, where the
// figures measure a CPU, not a GPU). Each figure: the best of 3 repetitions of N launches followed by one
// read of a single element (the queue runs in order), divided by N; the first launch (pipeline creation)
// is left out. `--json` adds a JSON line of the figures.
import { loadWebgpuEngine } from './webgpu.mjs';

const now = () => Number(process.hrtime.bigint()) / 1e6;

const load = () => loadWebgpuEngine(`export { gpuConvBackwardWeight } from './engine/backends/webgpu/kernelsConv';
export { gpuBatchNorm, gpuBatchNormBackward } from './engine/backends/webgpu/kernelsNorm';
export { gpuScan } from './engine/backends/webgpu/kernelsScan';`, 'engine-webgpu-kernels');

/** ms per call of f (its result: a tensor, or an array whose first tensor is read) */
function time(torch, f, count) {
  const sync = (r) => torch.flatten(Array.isArray(r) ? r.find(Boolean) : r).narrow(0, 0, 1).clone().item();
  sync(f());
  let best = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    const t0 = now();
    let r = null;
    for (let i = 0; i < count; i++) r = f();
    sync(r);
    best = Math.min(best, (now() - t0) / count);
  }
  return best;
}

async function main() {
  const e = await load();
  if (!e.webgpuAvailable()) { console.log(`no WebGPU adapter: ${e.unavailableReason()}`); return; }
  const info = e.adapterInfo();
  console.log(`adapter: ${info.description || info.vendor || '(unnamed)'}${info.fallback ? ' (software)' : ''}`);
  e.setDefaultDevice('webgpu');
  const { torch } = e;
  torch.manual_seed(0);
  const rows = [];
  const add = (name, ms) => { rows.push({ name, ms }); console.log(`  ${name.padEnd(58)} ${ms.toFixed(2)} ms`); };

  const conv = (N, C, H, W, OC, K, pad) => {
    const OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
    const g = { N, C, H, W, OC, KH: K, KW: K, OH, OW, sH: 1, sW: 1, pH: pad, pW: pad, dH: 1, dW: 1, groups: 1 };
    const x = torch.randn(N, C, H, W), go = torch.randn(N, OC, OH, OW);
    add(`conv2d grad_weight x[${N},${C},${H},${W}] w[${OC},${C},${K},${K}]`, time(torch, () => e.gpuConvBackwardWeight(x, go, g, [OC, C, K, K]), 10));
  };
  conv(8, 16, 32, 32, 16, 3, 1);
  conv(16, 1, 28, 28, 8, 5, 0);
  conv(2, 32, 16, 16, 32, 3, 1);

  const bn = (N, C, HW) => {
    const x = torch.randn(N, C, HW), w = torch.randn(C), b = torch.randn(C), go = torch.randn(N, C, HW);
    const rm = torch.zeros(C), rv = torch.ones(C);
    add(`batch_norm train forward x[${N},${C},${HW}]`, time(torch, () => e.gpuBatchNorm(x, w, b, rm, rv, true, 0.1, 1e-5, N, C, HW), 10));
    const [, mean, invstd] = e.gpuBatchNorm(x, w, b, rm, rv, true, 0.1, 1e-5, N, C, HW);
    add(`batch_norm train backward x[${N},${C},${HW}]`, time(torch, () => e.gpuBatchNormBackward(go, x, w, mean, invstd, true, N, C, HW, [true, true, true]), 10));
  };
  bn(32, 8, 4096);
  bn(64, 64, 256);

  for (const [shape, dim] of [[[1, 200000], 1], [[4, 50000], 1], [[8, 20000], 1], [[64, 2048], 1], [[2048, 64], 1], [[512, 256], 0]]) {
    const x = torch.randn(...shape);
    add(`cumsum [${shape}] dim ${dim}`, time(torch, () => e.gpuScan(x, dim, 'sum'), 5));
  }
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
}

main().then(() => process.exit(0), (err) => { console.log(`error: ${err?.stack ?? err}`); process.exit(1); });
