import { defineConfig } from 'vitest/config';

// Tests spawn real processes on loopback; two cores is the budget, so files run with limited parallelism.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/voice-api/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
