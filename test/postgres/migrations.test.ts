/**
 * A database made by the first PostgreSQL release (registry migration 1, schemas named `ns_<id>`)
 * is upgraded at start: its namespaces get an incarnation, their message counts and the append
 * function (a write after the upgrade goes through it), and keep their schemas and messages.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { MIGRATIONS, namespaceDdl } from '../../src/store/postgres/schema.js';
import { createTestDatabase, dropTestDatabase } from '../pg-helpers.js';

let url = '';

beforeAll(async () => {
  url = await createTestDatabase();
});

afterAll(async () => {
  if (url !== '') await dropTestDatabase(url);
});

it('upgrades a first-release database, keeping its namespaces, schemas and messages', async () => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA eventodb;
      CREATE TABLE eventodb.migrations (version int PRIMARY KEY, applied_at timestamp NOT NULL DEFAULT now());
      ${MIGRATIONS[0] ?? ''};
      INSERT INTO eventodb.migrations (version) VALUES (1);
      INSERT INTO eventodb.namespaces (id, schema_name, description, token_hash, created_at)
        VALUES ('legacy', 'ns_legacy', 'old', '${'b'.repeat(64)}', '2025-07-15T10:00:00Z');
      ${namespaceDdl('ns_legacy')}
      DROP FUNCTION "ns_legacy".eventodb_append;
      INSERT INTO "ns_legacy".messages (position, time, stream_name, type, data, metadata, id) VALUES
        (0, '2025-07-15T10:00:00Z', 'acct-1', 'Opened', '{"a":1}', NULL, gen_random_uuid()),
        (1, '2025-07-15T10:00:01Z', 'acct-1', 'Closed', '{"b":2}', NULL, gen_random_uuid());`);
  } finally {
    await client.end();
  }
  const store = await openStore(url);
  try {
    const record = await store.getNamespace('legacy');
    expect(record?.incarnation).toMatch(/^[0-9a-f-]{36}$/);
    expect((await store.listNamespaces()).map((n) => [n.id, n.messageCount])).toEqual([['legacy', 2]]);
    const written = await store.writeMessage('legacy', 'acct-1', { type: 'Reopened', data: {} });
    expect(written).toEqual({ position: 2, globalPosition: 3 });
    expect((await store.getStream('legacy', 'acct-1')).map((m) => m.data)).toEqual([
      '{"a":1}',
      '{"b":2}',
      '{}',
    ]);
    expect((await store.listNamespaces())[0]?.messageCount).toBe(3);
  } finally {
    await store.close();
  }
});
