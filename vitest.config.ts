import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once (the e2e tests spawn bin/eventodb); starts one PostgreSQL for the run.
    globalSetup: ['test/global-setup.ts', 'test/pg-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
