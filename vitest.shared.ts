import type { ViteUserConfig } from 'vitest/config';

/**
 * Test settings every package shares: workspace packages resolve to their `src/` through the
 * `@rcnn/source` export condition, so tests and type checks never need a build first.
 */
export const sharedTestConfig: ViteUserConfig = {
  resolve: { conditions: ['@rcnn/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@rcnn/source', 'module', 'node', 'import', 'default'] } },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
};
