import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Many tests spawn real processes (CLI, run workers, writers); forks isolate them best.
    pool: 'forks',
    // Most test files spend their time waiting on the processes they start (CLIs, run workers,
    // engines), so one file per core keeps the CPU busy; vitest's default (cores - 1) ran one file
    // at a time on 2-core CI machines. Capped: each Docker, PostgreSQL or Chromium suite starts its
    // own service, and more at once only queue for the same cores.
    maxWorkers: Math.min(4, Math.max(2, availableParallelism())),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The JSON report is what .ci/run counts to print its closing 'N passed, N failed' line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
