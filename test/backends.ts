/**
 * The backend the server and e2e tests run on, from one environment variable:
 * `EVENTODB_TEST_DB_URL`, a `--db-url` (default: SQLite). Each test gets storage of its own on that
 * backend through `freshStorage`; a scheme this file cannot provision fails the run (never skips).
 *
 *   EVENTODB_TEST_DB_URL=memory: npx vitest run test/server      # SQLite in memory
 *   EVENTODB_TEST_DB_URL=sqlite: npx vitest run test/e2e         # SQLite files (the default)
 *   EVENTODB_TEST_DB_URL=postgres: npx vitest run test/server    # the run's PostgreSQL
 *   EVENTODB_TEST_DB_URL=postgres://u:p@host/db ...              # databases created on that server
 *   EVENTODB_TEST_DB_URL=lmdb: npx vitest run test/server        # an LMDB environment per test
 *
 * `npm test` runs the server and e2e tests twice: on SQLite, and as the `postgres` project
 * (vitest.config.ts) on the PostgreSQL that test/pg-global-setup.ts starts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, dropTestDatabase } from './pg-helpers.js';

/** Storage of one test: a `--db-url`, the data directory to pass with it, and its removal. */
export interface TestStorage {
  url: string;
  dataDir: string;
  remove(): Promise<void>;
}

/** The `--db-url` the tests were asked to use, or undefined for the default (SQLite). */
export function testDbUrl(): string | undefined {
  const url = process.env['EVENTODB_TEST_DB_URL'];
  return url === undefined || url === '' ? undefined : url;
}

type Provisioner = (base: string, dataDir: string) => Promise<{ url: string; remove(): Promise<void> }>;

/** Scheme → how to make fresh, isolated storage on that backend. */
const PROVISIONERS: ReadonlyMap<string, Provisioner> = new Map<string, Provisioner>([
  ['memory', async () => ({ url: 'memory:', remove: async () => {} })],
  [
    'sqlite',
    async (_base, dataDir) => ({ url: `sqlite://${join(dataDir, 'eventodb.db')}`, remove: async () => {} }),
  ],
  ['postgres', postgres],
  ['postgresql', postgres],
  ['lmdb', lmdb],
  ['pebble', lmdb],
]);

/** A fresh LMDB environment in the test's data directory (removed with it). */
async function lmdb(_base: string, dataDir: string): Promise<{ url: string; remove(): Promise<void> }> {
  return { url: `lmdb://${join(dataDir, 'kv')}`, remove: async () => {} };
}

/** A fresh database on the run's PostgreSQL (`postgres:`) or on the server the URL names. */
async function postgres(base: string): Promise<{ url: string; remove(): Promise<void> }> {
  const url = await createTestDatabase(base.includes('//') ? base : undefined);
  return { url, remove: () => dropTestDatabase(url) };
}

/**
 * Fresh, empty storage on the test backend (`fallback` when EVENTODB_TEST_DB_URL is unset), with
 * a temporary data directory. Throws for a backend it cannot provision.
 */
export async function freshStorage(fallback = 'sqlite:'): Promise<TestStorage> {
  const base = testDbUrl() ?? fallback;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(base)?.[1]?.toLowerCase() ?? '';
  const provision = PROVISIONERS.get(scheme);
  if (provision === undefined) {
    throw new Error(
      `EVENTODB_TEST_DB_URL: no test provisioning for scheme "${scheme}" (see test/backends.ts)`,
    );
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'evt-storage-'));
  const storage = await provision(base, dataDir);
  return {
    url: storage.url,
    dataDir,
    remove: async () => {
      await storage.remove();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
