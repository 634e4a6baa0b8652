import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests spawn real processes on loopback; two cores is the budget, so files run with limited parallelism.
export default defineConfig({
  // `import ... from 'shakedown'` in the repository's scripts resolves to the sources, as in bin/shakedown.js.
  ssr: { resolve: { conditions: ['shakedown-source', ...defaultServerConditions] } },
  test: {
    include: ['test/**/*.test.ts', 'examples/voice-api/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
