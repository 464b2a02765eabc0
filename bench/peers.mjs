// npm peers, run in the same process when installed in bench/peers (see README.md): TensorFlow.js
// with its CPU (plain JS) and WASM (XNNPACK) backends, on the same workloads as engine.mjs.
import { createRequire } from 'node:module';
import path from 'node:path';
import { benchDir, best, bestCpu } from './lib.mjs';
import { LAYOUTS } from './engine.mjs';

/** tfjs-core with both backends registered, or null when the peers are not installed. */
export async function loadTfjs() {
  const req = createRequire(path.join(benchDir, 'peers', 'package.json'));
  let tf;
  const { log, warn } = console;
  try {
    // tfjs greets Node users with a banner about tfjs-node: keep it out of the table
    console.log = console.warn = () => {};
    tf = req('@tensorflow/tfjs-core');
    req('@tensorflow/tfjs'); // the umbrella registers the gradients (tfjs-core's CJS bundle has none)
    req('@tensorflow/tfjs-backend-cpu');
    req('@tensorflow/tfjs-backend-wasm');
  } catch {
    return null;
  } finally {
    console.log = log; console.warn = warn;
  }
  return tf;
}

/** Run the workloads on one tfjs backend ('cpu' | 'wasm'); returns the figures keyed like ours. */
export async function tfjsFigures(tf, backend, { sizes, elemSizes, quick }) {
  const { log, warn } = console;
  console.log = console.warn = () => {}; // tfjs's banner about tfjs-node
  try {
    if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} unavailable`);
    await tf.ready();
  } finally {
    console.log = log; console.warn = warn;
  }
  const r = { matmul: {} };
  const dispose = (t) => t.dispose();
  for (const n of sizes) {
    // tfjs-cpu is ~1 GFLOP/s: keep its large matmuls out of quick runs
    if (backend === 'cpu' && n > (quick ? 256 : 512)) continue;
    const a = tf.randomUniform([n, n]), b = tf.randomUniform([n, n]);
    for (const layout of LAYOUTS) {
      const [ta, tb] = [layout === 'Aᵀ·B', layout === 'A·Bᵀ'];
      const ms = best(() => dispose(tf.matMul(a, b, ta, tb)), { reps: n >= 512 ? 3 : 7, inner: n <= 128 ? 10 : 1 });
      r.matmul[`${n} ${layout}`] = (2 * n ** 3) / (ms * 1e6);
    }
    a.dispose(); b.dispose();
  }
  for (const n of elemSizes) {
    const x = tf.randomUniform([n]), y = tf.randomUniform([n]);
    const inner = n <= 1 << 20 ? 10 : 1;
    r[`add ${n}`] = (12 * n) / (best(() => dispose(tf.add(x, y)), { reps: 9, inner }) * 1e6);
    r[`exp ${n}`] = (8 * n) / (best(() => dispose(tf.exp(x)), { reps: 9, inner }) * 1e6);
    x.dispose(); y.dispose();
  }
  const s = tf.randomUniform([1 << 24]);
  r.sum = (4 * (1 << 24)) / (best(() => dispose(tf.sum(s)), { reps: 7 }) * 1e6);
  s.dispose();
  const sm = tf.randomUniform([1024, 1024]);
  r.softmax = best(() => dispose(tf.softmax(sm)), { reps: quick ? 3 : 9 });
  sm.dispose();
  const a2 = tf.randomUniform([2, 2]), b2 = tf.randomUniform([2, 2]);
  const N = 20000;
  r.tiny = (bestCpu(() => { for (let i = 0; i < N; i++) tf.add(a2, b2).dispose(); }, { reps: 5 }) * 1000) / N;
  a2.dispose(); b2.dispose();
  r.mlp = mlp(tf, quick);
  return r;
}

function mlp(tf, quick) {
  const w1 = tf.variable(tf.randomNormal([784, 256], 0, 0.05)), b1 = tf.variable(tf.zeros([256]));
  const w2 = tf.variable(tf.randomNormal([256, 10], 0, 0.05)), b2 = tf.variable(tf.zeros([10]));
  const x = tf.randomNormal([64, 784]);
  const y = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32'), 10);
  const opt = tf.train.sgd(0.01);
  const loss = () => {
    const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
    const logits = tf.add(tf.matMul(h, w2), b2);
    return tf.mean(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1)));
  };
  const ms = best(() => tf.tidy(() => { opt.minimize(loss); }), { reps: quick ? 3 : 10, warmup: 2 });
  for (const v of [w1, b1, w2, b2]) v.dispose();
  return 1000 / ms;
}
