import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // CI has 2 cores; TF.js work is CPU-bound, so more parallel files only thrash.
    maxWorkers: 2,
    // Tests never see the user's downloaded weights (~/.cache/branchnet): an empty cache of their own.
    env: {
      BRANCHNET_CACHE: path.join(os.tmpdir(), `branchnet-test-cache-${process.pid}`),
      // Two test files run at once on 2 cores: one wasm thread each. (Two each oversubscribed the
      // cores, and a pthread pool that never finished starting under that load hung a file's
      // beforeAll once.) The threaded start is tested in a child process: src/core/threads.test.ts.
      BRANCHNET_THREADS: '1',
    },
  },
});
