/**
 * A PostgreSQL server of one test file's own (not the run's, test/pg-global-setup.ts), for tests
 * that stop and start it while eventodb servers use it. Its data directory survives `stop()` and
 * is removed by `remove()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedPostgres, freePort } from '../embedded-pg.js';

/** A PostgreSQL the test controls. */
export interface OwnPostgres {
  /** URL of its `postgres` database. */
  readonly url: string;
  /** Fast shutdown (SIGINT: open connections are terminated); resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (if running) and deletes its data. */
  remove(): Promise<void>;
}

/** Initialises and starts a PostgreSQL on a free loopback port in a temporary directory. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'eventodb-own-pg-'));
  const port = await freePort();
  const log: string[] = [];
  const server = embeddedPostgres({ databaseDir: dir, port, password: 'own-pg', persistent: true, log });
  const start = async (): Promise<void> => {
    try {
      await server.start();
    } catch (err) {
      throw new Error(`could not start PostgreSQL:\n${log.join('').slice(-4000)}`, { cause: err });
    }
  };
  await server.initialise();
  await start();
  let running = true;
  return {
    url: `postgres://postgres:own-pg@127.0.0.1:${port}/postgres`,
    stop: async () => {
      running = false;
      await server.stop();
    },
    start: async () => {
      await start();
      running = true;
    },
    remove: async () => {
      if (running) await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
