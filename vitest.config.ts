import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // as in the runtime worker (engine/runtime/session.ts, engine/backends/finalization.ts): the arena and
    // the webgpu device free dead tensors' memory mid-run with cleanupSome where V8 (before 12) has it
    poolOptions: { forks: { execArgv: Number(process.versions.v8.split('.')[0]) < 12 ? ['--harmony-weak-refs-with-cleanup-some'] : [] } },
  },
});
