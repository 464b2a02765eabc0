// The WebAssembly float32 matmul kernel: the embedded binaries are current with their .wat sources,
// results are bit for bit PyTorch 1.13's with the reference BLAS (test/fixtures/backends_gemm.json from
// gen_backends_gemm.py) in every layout, and equal to the sequential float32 loop of matmul.ts for
// strided views, addmm's beta paths and worker threads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { torch } from '../../../engine/index';
import { dispatch } from '../../../engine/ops/registry';
import { Tensor } from '../../../engine/tensor';
import { kernels } from '../../../engine/backends/cpu/wasm/index';
import { WASM_GEMM_MIN_MACS, sgemmWasm } from '../../../engine/backends/cpu/wasm/gemm';
import { PARALLEL_MIN_MACS, threadsReady } from '../../../engine/backends/cpu/threads';
import { allocF32, arenaOffset } from '../../../engine/backends/cpu/alloc';

const fr = Math.fround;
const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/backends_gemm.json'), 'utf8'));

const vals = (n: number, seed: number) => Array.from({ length: n }, (_, i) => (((i + seed) * 2654435761) % 4294967296) / 4294967296 * 2 - 1);
const mat = (rows: number, cols: number, seed: number): Tensor => torch.tensor(vals(rows * cols, seed)).reshape(rows, cols);
const decode = (b64: string) => Array.from(new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer));
const bitsEqual = (got: number[], want: number[]) => got.length === want.length && got.every((v, i) => Object.is(v, want[i]));

describe('wasm kernel sources', () => {
  it('every .gen.ts is current with its .wat', async () => {
    // @ts-expect-error an .mjs build script without types
    const { buildKernels } = await import('../../../engine/backends/cpu/wasm/build.mjs');
    expect(await buildKernels({ check: true })).toEqual([]);
  });
  it('loads here (WebAssembly SIMD + shared memory)', () => {
    expect(kernels()).not.toBeNull();
  });
});

describe('float32 mm/addmm/linear match PyTorch (reference BLAS) bit for bit', () => {
  for (const c of fixture.cases) {
    const name = `${c.op} ${c.m}x${c.k}x${c.n} ${c.layout}${c.beta !== undefined ? ` beta=${c.beta}` : ''}`;
    it(name, () => {
      expect(c.m * c.k * c.n).toBeGreaterThanOrEqual(WASM_GEMM_MIN_MACS);
      let out: Tensor;
      if (c.op === 'linear') {
        out = dispatch('linear', [mat(c.m, c.k, 4), mat(c.n, c.k, 5), mat(1, c.n, 6).reshape(c.n)], null) as Tensor;
      } else {
        const a = c.layout === 'tn' ? mat(c.k, c.m, 1).t() : mat(c.m, c.k, 1);
        const b = c.layout === 'nt' ? mat(c.n, c.k, 2).t() : mat(c.k, c.n, 2);
        out = c.op === 'mm' ? torch.mm(a, b) : torch.addmm(mat(1, c.n, 3).reshape(c.n), a, b, { beta: new torch.PyFloat(c.beta) });
      }
      expect(bitsEqual(out.toFlatArray(), decode(c.out))).toBe(true);
    });
  }
});

/** The reference BLAS loop of matmul.ts for float32, alpha = 1 (column-major, as sgemmWasm takes it). */
function refGemm(ta: boolean, tb: boolean, m: number, n: number, k: number, a: Float32Array, aOff: number, lda: number,
  b: Float32Array, bOff: number, ldb: number, beta: number, c: Float64Array, cOff: number, ldc: number): void {
  for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) {
    const o = cOff + i + j * ldc;
    const A = (l: number) => (ta ? a[aOff + l + i * lda] : a[aOff + i + l * lda]);
    const B = (l: number) => (tb ? b[bOff + j + l * ldb] : b[bOff + l + j * ldb]);
    if (!ta) {
      let s = beta === 0 ? 0 : beta === 1 ? c[o] : fr(beta * c[o]);
      for (let l = 0; l < k; l++) s = fr(s + fr(B(l) * A(l)));
      c[o] = s;
    } else {
      let t = 0;
      for (let l = 0; l < k; l++) t = fr(t + fr(A(l) * B(l)));
      c[o] = beta === 0 ? t : fr(t + fr(beta * c[o]));
    }
  }
}

function randomF32(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // include exact zeros, negative zeros and values of very different magnitude
    out[i] = i % 97 === 0 ? -0 : ((s / 4294967296) - 0.5) * 2 ** ((s % 9) - 4);
  }
  return out;
}

describe('sgemmWasm equals the sequential float32 loop', () => {
  const shapes = [[1, 1, 4096], [3, 5, 300], [8, 4, 128], [13, 21, 17], [40, 33, 600], [4, 8, 129]];
  for (const [m, n, k] of shapes) for (const ta of [false, true]) for (const tb of [false, true]) for (const beta of [0, 1, 0.75]) {
    it(`m=${m} n=${n} k=${k} ta=${ta} tb=${tb} beta=${beta}`, () => {
      // leading dimensions larger than needed: strided views inside bigger storages
      const lda = (ta ? k : m) + 3, ldb = (tb ? n : k) + 2, ldc = m + 1;
      const a = randomF32(lda * (ta ? m : k) + 5, m * 31 + k), b = randomF32(ldb * (tb ? k : n) + 7, n * 17 + k);
      const c0 = Float64Array.from(randomF32(ldc * n + 2, 99));
      const want = c0.slice(), got = c0.slice();
      refGemm(ta, tb, m, n, k, a, 5, lda, b, 7, ldb, beta, want, 2, ldc);
      expect(sgemmWasm(ta, tb, m, n, k, a, 5, lda, b, 7, ldb, beta, got, 2, ldc)).toBe(true);
      expect(bitsEqual(Array.from(got), Array.from(want))).toBe(true);
    });
  }
});

describe('sgemmWasm with C in the arena', () => {
  // the result of a linear layer: C holds the bias, the dot products come first and C is added last
  for (const [m, n, k, pad] of [[130, 140, 50, 0], [129, 131, 33, 3]]) {
    it(`transposed A, beta 1, m=${m} n=${n} k=${k} ldc=m+${pad}`, () => {
      const ldc = m + pad, lda = k;
      const a = randomF32(lda * m, 5), b = randomF32(k * n, 6);
      const c = allocF32(ldc * n, false);
      expect(arenaOffset(c)).toBeGreaterThanOrEqual(0);
      c.set(randomF32(ldc * n, 7));
      const want = Float64Array.from(c);
      refGemm(true, false, m, n, k, a, 0, lda, b, 0, k, 1, want, 0, ldc);
      expect(sgemmWasm(true, false, m, n, k, a, 0, lda, b, 0, k, 1, c, 0, ldc)).toBe(true);
      expect(bitsEqual(Array.from(c), Array.from(want))).toBe(true);
    });
  }
});

describe('worker threads', () => {
  it('a product split across threads equals the one-thread result', async () => {
    const n = 160, k = 100;
    expect(2 * n * n * k).toBeGreaterThanOrEqual(PARALLEL_MIN_MACS);
    const a = torch.randn(2 * n, k), b = torch.randn(k, n);
    const single = torch.mm(a, b).toFlatArray(); // starts the workers
    for (let i = 0; i < 100 && threadsReady(kernels()) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    if (threadsReady(kernels()) < 2) return; // a one-core machine (or GRADSCOPE_THREADS=1): nothing to split
    const want = Float64Array.from(single);
    const multi = torch.mm(a, b).toFlatArray();
    expect(bitsEqual(multi, Array.from(want))).toBe(true);
    // and after the memory grows (the workers see the larger shared memory)
    const x = torch.randn(600, 300), y = torch.randn(300, 500);
    const big = torch.mm(x, y).toFlatArray();
    const X = x.toFlatArray(), Y = y.toFlatArray();
    for (const i of [0, 301, 599]) for (let j = 0; j < 500; j++) {
      let s = 0;
      for (let l = 0; l < 300; l++) s = fr(s + fr(X[i * 300 + l] * Y[l * 500 + j]));
      expect(Object.is(big[i * 500 + j], s)).toBe(true);
    }
  });
});
