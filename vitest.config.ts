import { defineConfig } from 'vitest/config';

/** The server and e2e tests that run on every backend (test/backends.ts). */
const BACKEND_TESTS = [
  'test/server/**/*.test.ts',
  'test/e2e/export-import.test.ts',
  'test/e2e/resilience.test.ts',
  'test/e2e/durability.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          // Builds dist/ once (the e2e tests spawn bin/eventodb); starts one PostgreSQL for the run.
          globalSetup: ['test/global-setup.ts', 'test/pg-global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: BACKEND_TESTS,
          // The same server and e2e tests on PostgreSQL (a database per test, test/backends.ts).
          env: { EVENTODB_TEST_DB_URL: 'postgres:' },
          globalSetup: ['test/pg-global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'kv',
          include: BACKEND_TESTS,
          // The same server and e2e tests on the LMDB backend (an environment per test).
          env: { EVENTODB_TEST_DB_URL: 'lmdb:' },
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
