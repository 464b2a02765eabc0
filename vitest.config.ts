import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // as in the runtime worker (engine/runtime/session.ts): the webgpu device frees dead tensors' buffers mid-run
    poolOptions: { forks: { execArgv: ['--harmony-weak-refs-with-cleanup-some'] } },
  },
});
