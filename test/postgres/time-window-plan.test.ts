/**
 * PostgreSQL time windows: on a namespace of 200,000 messages over 100 days (times shuffled by up
 * to an hour around their place, as imported data may be), the plans PostgreSQL picks for
 * `category.get` with since/until read the window from a time index, never the whole table; and
 * the registry migration adds the time indexes to namespaces made before them.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categoryQuery } from '../../src/store/postgres/read.js';
import { MIGRATIONS, namespaceDdl, schemaRef } from '../../src/store/postgres/schema.js';
import type { ReadCategoryOptions } from '../../src/store/store.js';
import { openStore } from '../../src/store/open-store.js';
import { createTestDatabase, dropTestDatabase } from '../pg-helpers.js';

const DAY = 86_400_000_000;
const START = Date.UTC(2025, 0, 1) * 1000;
let url = '';
let client: pg.Client | undefined;
const ref = schemaRef('plan', 'x', 'ns_plan_1');

beforeAll(async () => {
  url = await createTestDatabase();
  client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(namespaceDdl('ns_plan_1'));
  await client.query(`INSERT INTO ${ref.table} (position, time, stream_name, type, data, metadata, id)
    SELECT g / 5, timestamp '2025-01-01' + (g * interval '43.2 seconds') + ((g * 7919) % 7200 - 3600) * interval '1 second',
      (ARRAY['order','payment','shipment','customer','inventory'])[g % 5 + 1] || '-' || (g % 5),
      'T', '{"n":1}', NULL, gen_random_uuid()
    FROM generate_series(1, 200000) AS g`);
  await client.query(`ANALYZE ${ref.table}`);
});

afterAll(async () => {
  await client?.end();
  if (url !== '') await dropTestDatabase(url);
});

async function plan(name: string, o: Omit<ReadCategoryOptions, 'limit'>): Promise<string> {
  const q = categoryQuery(ref, name, { ...o, limit: 1000 });
  const values = [...q.values];
  values[q.fromIndex] = o.fromGlobalPosition;
  values[q.limitIndex] = 1000;
  const result = await client?.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.text}`, values);
  return (result?.rows ?? []).map((r) => r['QUERY PLAN']).join('\n');
}

describe('plans of a one-day window out of 100 days', () => {
  const day = { since: START + 50 * DAY, until: START + 51 * DAY, fromGlobalPosition: 1 };

  it('reads a window of the whole namespace from the (time, global_position) index', async () => {
    const text = await plan('', day);
    expect(text).toMatch(/messages_time/);
    expect(text).not.toMatch(/Seq Scan/);
  });

  it('reads a window of one category from the (category, time, global_position) index', async () => {
    const text = await plan('order', day);
    expect(text).toMatch(/messages_category_time/);
    expect(text).not.toMatch(/Seq Scan/);
  });

  it('still uses a time index with a consumer group and when paging from a global position', async () => {
    const text = await plan('order', {
      ...day,
      fromGlobalPosition: 100_000,
      consumerGroup: { member: 0, size: 2 },
    });
    expect(text).toMatch(/messages_category_time/);
  });
});

it('adds the time indexes to the namespaces of a database from before them', async () => {
  const legacy = await createTestDatabase();
  const c = new pg.Client({ connectionString: legacy });
  await c.connect();
  try {
    await c.query(`CREATE SCHEMA eventodb;
      CREATE TABLE eventodb.migrations (version int PRIMARY KEY, applied_at timestamp NOT NULL DEFAULT now());
      ${MIGRATIONS[0] ?? ''};
      ${MIGRATIONS[1] ?? ''};
      INSERT INTO eventodb.migrations (version) VALUES (1), (2);
      INSERT INTO eventodb.namespaces (id, schema_name, description, token_hash, created_at, incarnation)
        VALUES ('old', 'ns_old_1', '', '${'b'.repeat(64)}', now(), 'i1');
      ${namespaceDdl('ns_old_1')}
      DROP INDEX "ns_old_1".messages_time;
      DROP INDEX "ns_old_1".messages_category_time;`);
    const store = await openStore(legacy);
    await store.close();
    const { rows } = await c.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE schemaname = 'ns_old_1' ORDER BY indexname",
    );
    expect(rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining(['messages_category_time', 'messages_time']),
    );
  } finally {
    await c.end();
    await dropTestDatabase(legacy);
  }
});
