// axpy32 (self + alpha * other in float32, the optimizers' update) must equal the exact single-rounding
// fma32 bit for bit, including the inputs where rounding the double sum to float32 would round twice.
import { describe, expect, it } from 'vitest';
import { axpy32, fma32 } from '../../../engine/random/fma';

const f = Math.fround;

function check(al: number, ys: number[], xs: number[]): void {
  const out = new Float32Array(ys.length);
  axpy32(ys.length, al, ys, 0, xs, 0, out, 0);
  ys.forEach((y, i) => {
    const want = fma32(al, y, xs[i]);
    if (!Object.is(out[i], want)) expect.fail(`axpy32(${al}, ${y}, ${xs[i]}) = ${out[i]}, fma32 = ${want}`);
  });
}

describe('axpy32', () => {
  it('equals fma32 on random float32 operands', () => {
    let s = 12345;
    const rnd = () => { s = (s * 1103515245 + 12345) % 2 ** 31; return s / 2 ** 31; };
    const ys: number[] = [], xs: number[] = [];
    for (let i = 0; i < 100000; i++) { ys.push(f((rnd() - 0.5) * 2 ** (rnd() * 20 - 10))); xs.push(f((rnd() - 0.5) * 2 ** (rnd() * 20 - 10))); }
    for (const al of [f(-0.01), f(0.9), f(-3.5e-4), f(1e-30)]) check(al, ys, xs);
  });

  it('equals fma32 where the double sum lands on a float32 midpoint (rounding twice would differ)', () => {
    // al * y = 2^-24 (1 - 2^-46) = 2^-24 - 2^-70, x = 1 + 2^-23: the double sum drops the 2^-70 and lands
    // on the float32 midpoint 1 + 2^-23 + 2^-24, which ties to even upwards; the exact result is below it
    const al = f(2 ** -24 * (1 + 2 ** -23)), y = f(1 - 2 ** -23), x = f(1 + 2 ** -23);
    expect(f(al * y + x)).not.toBe(fma32(al, y, x)); // the case is real
    expect(fma32(al, y, x)).toBe(x);
    check(al, [y, -y, y], [x, -x, f(x * 2)]);
    check(-al, [y], [-x]);
  });

  it('handles zeros, infinities, NaN and float32 subnormal results', () => {
    check(f(-0.5), [0, -0, Infinity, -Infinity, NaN, f(2 ** -140), f(2 ** -126), 1e-45], [-0, 0, 1, Infinity, 1, f(2 ** -141), f(-(2 ** -127)), 0]);
  });
});
