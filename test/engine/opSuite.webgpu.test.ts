// The generated op suite on the webgpu device: every sample of the op table runs with webgpu as the
// default device (its tensors are made there, like GRADSCOPE_DEVICE=webgpu) and must agree with real
// PyTorch's CPU results (test/fixtures/ops.json) within float32 tolerance: the GPU's exp, sum order
// etc. are not the CPU's bit for bit. Ops without a GPU kernel run on the CPU over the tensors' host
// copies, so this also checks that the device copies stay coherent.
//
// Needs a WebGPU adapter through Dawn (the npm package `webgpu`); on a machine without a GPU, Mesa's
// software Vulkan (lavapipe) serves (see .ci/run). Without an adapter the suite is skipped, unless
// GRADSCOPE_REQUIRE_WEBGPU=1 (CI) makes that a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDefaultDevice, unavailableReason, webgpuAvailable } from '../../engine/backends/webgpu/index';
import { compare, fresh, results, runEngine } from './opSuiteCore';

const available = webgpuAvailable();
const required = process.env.GRADSCOPE_REQUIRE_WEBGPU === '1';
/** relative tolerance of float results on the GPU (a few float32 ulps, with room for sum order) */
const GPU_RTOL = 1e-4;

describe('op suite on webgpu', () => {
  it('has a WebGPU adapter', () => {
    if (!available && !required) return;
    expect(available, `no WebGPU adapter: ${unavailableReason()}`).toBe(true);
  });
  if (!available) return;

  beforeAll(() => { setDefaultDevice('webgpu'); });
  afterAll(() => { setDefaultDevice('cpu'); });

  for (const { key, op, s } of fresh) {
    it(`${key} matches PyTorch on webgpu`, () => {
      const loose = { ...s, rtol: Math.max(s.rtol ?? 0, GPU_RTOL) };
      const errs = compare(runEngine(op, s), results[key], loose);
      if (errs.length) expect.fail(errs.join('\n'));
    });
  }
});
