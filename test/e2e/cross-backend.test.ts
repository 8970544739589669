/**
 * A slice moves between backends with nothing changed: exported from a SQLite server, imported
 * into a PostgreSQL server, exported again (the same bytes), and back into a fresh SQLite server.
 * Both backends keep JSON text byte for byte (`jsonFidelity: 'text'`), so the files must be equal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase } from '../pg-helpers.js';
import { cli } from './cli.js';
import { makeTempDir, rpc, startServer, type StartedServer } from './helpers.js';
import { generateRecords, makeRecord, toNdjson } from './records.js';

let dir: string;
let removeDir: () => Promise<void>;
let pgUrl: string;
const servers: StartedServer[] = [];

beforeAll(async () => {
  ({ dir, remove: removeDir } = await makeTempDir());
  pgUrl = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await dropTestDatabase(pgUrl);
  await removeDir();
});

async function serve(...extra: string[]): Promise<StartedServer> {
  const name = `data-${servers.length}`;
  const server = await startServer(['serve', '--data-dir', join(dir, name), '--log-level', 'warn', ...extra]);
  servers.push(server);
  return server;
}

async function exportAll(server: StartedServer, file: string): Promise<string> {
  const result = await cli(['export', '--url', server.url, '--token', server.token ?? '', '-o', file]);
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(file, 'utf8');
}

async function importFile(server: StartedServer, file: string): Promise<void> {
  const result = await cli(['import', '--url', server.url, '--token', server.token ?? '', '--input', file]);
  expect(result.code, result.stderr).toBe(0);
}

it('moves a slice SQLite → PostgreSQL → SQLite with identical records and positions', async () => {
  const sqlite = await serve();
  const postgres = await serve('--db-url', pgUrl);
  // Sparse positions, odd JSON (key order, unicode, nesting, numbers), microsecond times.
  const records = [
    ...generateRecords(1500, 10),
    {
      ...makeRecord({ stream: 'odd-1', pos: 7, gpos: 5000, time: '2025-07-15T10:00:00.000001Z' }),
      data: { z: 1, a: [1.5, 'ü', { n: null }], e: 1e21 },
    },
  ];
  const seeded = await cli(['import', '--url', sqlite.url, '--token', sqlite.token ?? ''], {
    input: toNdjson(records),
  });
  expect(seeded.code, seeded.stderr).toBe(0);

  const fromSqlite = await exportAll(sqlite, join(dir, 'a.ndjson'));
  await importFile(postgres, join(dir, 'a.ndjson'));
  const fromPostgres = await exportAll(postgres, join(dir, 'b.ndjson'));
  expect(fromPostgres).toBe(fromSqlite);
  expect(fromSqlite.trim().split('\n')).toHaveLength(records.length);

  const back = await serve();
  await importFile(back, join(dir, 'b.ndjson'));
  expect(await exportAll(back, join(dir, 'c.ndjson'))).toBe(fromSqlite);

  // Both continue at the same positions: a service that processed up to some gpos resumes alike.
  const next = await Promise.all(
    [sqlite, postgres].map(
      async (s) => (await rpc(s.url, s.token, 'stream.write', 'odd-1', { type: 'T', data: {} })).body,
    ),
  );
  expect(next[1]).toEqual(next[0]);
  expect(next[0]).toEqual({ position: 8, globalPosition: 5001 });
});
