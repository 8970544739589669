/**
 * Two stores on one database, as two server processes behind a load balancer: a commit through
 * one pokes the other's commit listeners (LISTEN/NOTIFY, also after the LISTEN connection was
 * cut), and a namespace deleted and created again through one is out of reach of the other's
 * stale incarnation for reads, writes and imports.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { MIGRATIONS } from '../../src/store/postgres/schema.js';
import type { Commit, NamespaceRef, StoredMessage } from '../../src/store/store.js';
import { createTestDatabase, dropTestDatabase, resetDatabase } from '../pg-helpers.js';

const TOKEN_HASH = 'a'.repeat(64);

let url = '';
let a: EventStore;
let b: EventStore;

beforeAll(async () => {
  url = await createTestDatabase();
});

afterAll(async () => {
  if (url !== '') await dropTestDatabase(url);
});

beforeEach(async () => {
  await resetDatabase(url);
  a = await openStore(url);
  b = await openStore(url);
});

afterEach(async () => {
  await Promise.all([a.close(), b.close()]);
});

function recordCommits(store: EventStore): Commit[] {
  const commits: Commit[] = [];
  store.onCommit((commit) => commits.push(commit));
  return commits;
}

function imported(streamName: string, position: number, globalPosition: number): StoredMessage {
  return {
    id: randomUUID(),
    streamName,
    type: 'Imported',
    position,
    globalPosition,
    data: '{}',
    metadata: null,
    time: 1_752_573_600_123_456,
  };
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Process ids of the LISTEN connections on the test database. */
async function listenPids(): Promise<number[]> {
  return withClient(async (c) => {
    const { rows } = await c.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database()
        AND application_name = 'eventodb-listen' ORDER BY pid`,
    );
    return rows.map((r) => r.pid);
  });
}

it("pokes the other store's commit listener with a write's positions, and its own only once", async () => {
  await a.createNamespace('shop', TOKEN_HASH);
  const seenByB = recordCommits(b);
  const seenByA = recordCommits(a);
  const written = await a.writeMessage('shop', 'order-1', { type: 'Placed', data: {} });
  await vi.waitFor(() => expect(seenByB).toHaveLength(1), { timeout: 5000 });
  expect(seenByB).toEqual([{ namespace: 'shop', messages: [{ streamName: 'order-1', ...written }] }]);
  expect(seenByA).toEqual([{ namespace: 'shop', messages: [{ streamName: 'order-1', ...written }] }]);
});

it("reports only an import batch's own records to the other store, even among stored ones", async () => {
  await a.createNamespace('shop', TOKEN_HASH);
  const seenByB = recordCommits(b);
  await a.importBatch('shop', [imported('order-1', 0, 10), imported('order-1', 1, 30)]);
  await vi.waitFor(() => expect(seenByB).toHaveLength(1), { timeout: 5000 });
  // Global positions 20 and 40 straddle the stored 30: the report must not include it.
  await a.importBatch('shop', [imported('order-2', 0, 20), imported('order-2', 1, 40)]);
  await vi.waitFor(() => expect(seenByB).toHaveLength(2), { timeout: 5000 });
  expect(seenByB[1]).toEqual({
    namespace: 'shop',
    messages: [
      { streamName: 'order-2', position: 0, globalPosition: 20 },
      { streamName: 'order-2', position: 1, globalPosition: 40 },
    ],
  });
});

it('listens again after its LISTEN connection is cut, and then reports the next commit', async () => {
  await a.createNamespace('shop', TOKEN_HASH);
  const before = await listenPids();
  expect(before).toHaveLength(2);
  await withClient((c) =>
    c.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]),
  );
  await vi.waitFor(
    async () => {
      const now = await listenPids();
      expect(now).toHaveLength(2);
      expect(now.filter((pid) => before.includes(pid))).toEqual([]);
    },
    { timeout: 10_000, interval: 50 },
  );
  const seenByB = recordCommits(b);
  const written = await a.writeMessage('shop', 'order-1', { type: 'Placed', data: {} });
  await vi.waitFor(() => expect(seenByB).toHaveLength(1), { timeout: 5000 });
  expect(seenByB[0]?.messages).toEqual([{ streamName: 'order-1', ...written }]);
});

it('reports every namespace as missed once its LISTEN connection is back, so subscribers re-read', async () => {
  await a.createNamespace('shop', TOKEN_HASH);
  await a.createNamespace('mall', TOKEN_HASH);
  const seenByB = recordCommits(b);
  const before = await listenPids();
  await withClient((c) =>
    c.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]),
  );
  await vi.waitFor(() => expect(seenByB).toHaveLength(2), { timeout: 10_000, interval: 50 });
  expect([...seenByB].sort((x, y) => x.namespace.localeCompare(y.namespace))).toEqual([
    { namespace: 'mall', messages: [], missed: true },
    { namespace: 'shop', messages: [], missed: true },
  ]);
});

it("refuses the other store's stale incarnation for read, write and import once the namespace is re-created", async () => {
  const first = await a.createNamespace('shop', TOKEN_HASH);
  const stale: NamespaceRef = { id: 'shop', incarnation: first.incarnation };
  // B has used the incarnation, so it knows where that incarnation's messages are.
  await b.writeMessage(stale, 'order-1', { type: 'Placed', data: {} });
  expect(await b.getStream(stale, 'order-1')).toHaveLength(1);
  await a.deleteNamespace('shop');
  const second = await a.createNamespace('shop', TOKEN_HASH);
  expect(second.incarnation).not.toBe(first.incarnation);
  const attempts: (() => Promise<unknown>)[] = [
    () => b.getStream(stale, 'order-1'),
    () => b.getCategory(stale, 'order'),
    () => b.writeMessage(stale, 'order-1', { type: 'Late', data: {} }),
    () => b.importBatch(stale, [imported('order-9', 0, 5)]),
  ];
  for (const attempt of attempts) {
    await expect(attempt()).rejects.toMatchObject({ code: 'NAMESPACE_NOT_FOUND' });
  }
  const fresh: NamespaceRef = { id: 'shop', incarnation: second.incarnation };
  expect(await a.getCategory(fresh, '')).toEqual([]);
  expect(await b.getCategory(fresh, '')).toEqual([]);
  expect((await a.listNamespaces()).find((n) => n.id === 'shop')?.messageCount).toBe(0);
});

it('starts two stores at once on an empty database, running the migrations once', async () => {
  await Promise.all([a.close(), b.close()]);
  await resetDatabase(url);
  [a, b] = await Promise.all([openStore(url), openStore(url)]);
  const versions = await withClient(async (c) => {
    const { rows } = await c.query<{ version: number }>('SELECT version FROM eventodb.migrations ORDER BY 1');
    return rows.map((r) => r.version);
  });
  // Each migration once, in order.
  expect(versions).toEqual(MIGRATIONS.map((_, i) => i + 1));
  await a.createNamespace('shop', TOKEN_HASH);
  expect((await b.getNamespace('shop'))?.id).toBe('shop');
});
