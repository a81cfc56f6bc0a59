import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/harness/redisGlobalSetup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Real processes on a shared 2-core machine: a test that met a noisy neighbour gets one more
          // try; one that fails twice fails the suite (scripts/test.sh names the tests that needed it).
          retry: 1,
          pool: 'forks',
          // One file at a time: the flood tests saturate a core on purpose and the HLS tests encode in
          // real time; side by side on a 2-core machine each would measure the other.
          maxWorkers: 1,
          // Each file in a fresh process (isolate, the default): the flood tests measure an in-process
          // server's ack times, and after forty files in one process (isolate: false, tried) its heap
          // made them miss their bound twice in a row in a clean-clone run.
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          retry: 1,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
