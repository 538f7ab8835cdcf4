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
    env: { BRANCHNET_CACHE: path.join(os.tmpdir(), `branchnet-test-cache-${process.pid}`) },
  },
});
