import { defineConfig } from 'vitest/config';

// Test files run in separate forks: each one gets its own database cloned from a migrated
// template (see test/helpers/db.ts), so files never see each other's rows.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
