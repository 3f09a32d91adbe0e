import { defineConfig } from 'vitest/config';

/**
 * Two suites. `fast`: every unit, each module's own test file mirroring
 * pipeline/ (about 3 minutes on 2 cores shared with other work; the
 * staged runs its stage tests start from are built once, see
 * tests/helpers/stagedRun.ts). `e2e`: whole runs of the CLI,
 * killed runs, parallel workers, the notebooks (tests/e2e/). `npm test`
 * runs both, the fast one first.
 */
export default defineConfig({
  test: {
    setupFiles: ['tests/helpers/setup.ts'],
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'fast', include: ['tests/**/*.test.ts'], exclude: ['tests/e2e/**'], testTimeout: 30_000, hookTimeout: 30_000, isolate: false,
          // The staged runs (tests/helpers/stagedRun.ts) are built once per suite run into the folder this makes.
          globalSetup: ['tests/helpers/stagedCache.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000 },
      },
    ],
  },
});
