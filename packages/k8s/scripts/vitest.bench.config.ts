import { defineConfig } from 'vitest/config';

// The Kubernetes bench figures (`packages/k8s/scripts/k8s-bench.sh`); not part of the test suite.
export default defineConfig({
  test: {
    include: ['packages/k8s/scripts/k8s.bench-figures.ts'],
    pool: 'forks',
    testTimeout: 900_000,
    hookTimeout: 300_000,
  },
});
