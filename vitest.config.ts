import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // `extends: false`: the web project's React/jsdom set-up must not leak into these.
        extends: false,
        test: {
          name: 'node',
          include: ['apps/*/test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'scripts/test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Suites create their own databases, so files can run side by side.
          pool: 'forks',
        },
      },
      // The web client's component and slice tests run in jsdom, configured next to the app.
      'apps/web/vite.config.ts',
    ],
  },
});
