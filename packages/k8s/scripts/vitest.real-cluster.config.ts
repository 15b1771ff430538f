import { defineConfig } from 'vitest/config';

// Only the opt-in real-cluster suite: the repository's own config never includes scripts/.
export default defineConfig({
  test: {
    include: ['packages/k8s/scripts/real-cluster.conformance.ts'],
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
