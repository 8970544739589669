/**
 * SQLite time windows (src/store/sqlite/read-window.ts): the statements use the time indexes (the
 * query plans), a database of an earlier version gains the indexes on open, and both ways of
 * reading (narrow: index chunks; wide: the filtered scan) return the window exactly, in global
 * order, on data whose times are not monotonic.
 */
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { CHUNK_ROWS, NARROW_ROWS, windowSql } from '../../src/store/sqlite/read-window.js';
import { NAMESPACE_SCHEMA, storageName } from '../../src/store/sqlite/schema.js';
import type { StoredMessage } from '../../src/store/store.js';
import { consumerGroupMember } from '../../src/store/stream-name.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const plan = (db: Database.Database, sql: string, args: unknown[]): string =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
    .map((r) => r.detail)
    .join(' | ');

describe('query plans', () => {
  const db = new Database(':memory:');
  db.exec(NAMESPACE_SCHEMA);
  db.function('eventodb_member', () => 0);
  const window = (category: string) =>
    windowSql({ category, since: 1, until: 2, columns: '*', filters: [], filterArgs: [] });

  it('finds the global positions of a window from a covering time index, for a category and for all', () => {
    const named = window('acct');
    expect(plan(db, named.positions, [...named.keyArgs, 1])).toMatch(
      /SEARCH messages USING COVERING INDEX messages_category_time \(category=\? AND time>\? AND time<\?\)/,
    );
    const all = window('');
    expect(plan(db, all.positions, [...all.keyArgs, 1])).toMatch(
      /SEARCH messages USING COVERING INDEX messages_time \(time>\? AND time<\?\)/,
    );
    expect(plan(db, all.count, [...all.keyArgs, 1])).toMatch(/COVERING INDEX messages_time/);
  });

  it('reads the messages of a chunk by primary key and the wide scan in global order', () => {
    const w = window('acct');
    expect(plan(db, w.rows, ['[1]'])).toMatch(/SEARCH messages USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(plan(db, w.scan, [...w.keyArgs, 1, 10])).toMatch(
      /SEARCH messages USING INDEX messages_category \(category=\? AND global_position>\?\)/,
    );
    expect(plan(db, window('').scan, [1, 2, 1, 10])).toMatch(
      /SEARCH messages USING INTEGER PRIMARY KEY \(rowid>\?\)/,
    );
  });
});

describe('reading windows', () => {
  const COUNT = NARROW_ROWS + 10_000;
  const SECOND = 1_000_000;
  const BASE = 1_752_573_600_000_000;
  /** Times out of order with global positions (a permutation of 0..COUNT-1 seconds). */
  const timeOf = (gpos: number) => BASE + ((gpos * 7919) % COUNT) * SECOND;
  let store: EventStore | undefined;
  const all: StoredMessage[] = [];

  const open = async (): Promise<EventStore> => {
    if (store !== undefined) return store;
    const dir = await mkdtemp(join(tmpdir(), 'evt-window-'));
    dirs.push(dir);
    store = await openStore(`sqlite://${join(dir, 'eventodb.db')}`);
    await store.createNamespace('w', 'a'.repeat(64));
    for (let g = 1; g <= COUNT; g++) {
      all.push({
        id: `00000000-0000-4000-8000-${String(g).padStart(12, '0')}`,
        streamName: `${g % 2 === 0 ? 'even' : 'odd'}-${g % 7}`,
        type: 'T',
        position: Math.floor(g / 14),
        globalPosition: g,
        data: '{}',
        metadata: null,
        time: timeOf(g),
      });
    }
    // Positions per stream: stream `even-k` holds gpos ≡ k (mod 7) and even, in gpos order.
    const next = new Map<string, number>();
    for (const m of all) {
      m.position = next.get(m.streamName) ?? 0;
      next.set(m.streamName, m.position + 1);
    }
    for (let i = 0; i < all.length; i += 10_000) await store.importBatch('w', all.slice(i, i + 10_000));
    return store;
  };

  afterAll(async () => store?.close());

  const expectWindow = async (category: string, since: number, until: number) => {
    const s = await open();
    const got = (await s.getCategory('w', category, { since, until, batchSize: -1 })).map(
      (m) => m.globalPosition,
    );
    const want = all
      .filter(
        (m) =>
          (category === '' || m.streamName.startsWith(`${category}-`)) && m.time >= since && m.time < until,
      )
      .map((m) => m.globalPosition);
    expect(got).toEqual(want);
    return want.length;
  };

  it('reads a narrow window of several chunks exactly, in global order', async () => {
    const rows = await expectWindow('', BASE + 1000 * SECOND, BASE + (1000 + 2 * CHUNK_ROWS + 500) * SECOND);
    expect(rows).toBeGreaterThan(2 * CHUNK_ROWS);
    expect(await expectWindow('even', BASE + 7 * SECOND, BASE + 20_007 * SECOND)).toBe(10_000);
  });

  it('reads a wide window exactly, in global order', async () => {
    const rows = await expectWindow('', BASE + 100 * SECOND, BASE + (COUNT - 100) * SECOND);
    expect(rows).toBeGreaterThanOrEqual(NARROW_ROWS);
    await expectWindow('odd', BASE, BASE + COUNT * SECOND);
  });

  it('pages from a global position into a window with a consumer group', async () => {
    const s = await open();
    const since = BASE + 500 * SECOND;
    const until = BASE + 3500 * SECOND;
    const got = (
      await s.getCategory('w', 'odd', {
        since,
        until,
        globalPosition: 30_000,
        consumerGroup: { member: 1, size: 3 },
      })
    ).map((m) => m.globalPosition);
    const want = all
      .filter(
        (m) =>
          m.globalPosition >= 30_000 &&
          m.streamName.startsWith('odd-') &&
          m.time >= since &&
          m.time < until &&
          consumerGroupMember(m.streamName, 3) === 1,
      )
      .map((m) => m.globalPosition);
    expect(want.length).toBeGreaterThan(0);
    expect(got).toEqual(want);
  });
});

it('adds the time indexes to a namespace database of an earlier version when it opens', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'evt-window-'));
  dirs.push(dir);
  let store = await openStore(`sqlite://${join(dir, 'eventodb.db')}`);
  await store.createNamespace('old', 'a'.repeat(64));
  await store.writeMessage('old', 'acct-1', { type: 'A', data: {} });
  await store.close();
  const file = join(dir, 'namespaces', `${storageName('old')}.db`);
  const db = new Database(file);
  db.exec('DROP INDEX messages_time; DROP INDEX messages_category_time');
  db.close();
  store = await openStore(`sqlite://${join(dir, 'eventodb.db')}`);
  try {
    expect(await store.getCategory('old', 'acct', { since: 1, until: Date.now() * 1000 + 1 })).toHaveLength(
      1,
    );
    const check = new Database(file, { readonly: true });
    const names = check
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
      .pluck()
      .all();
    check.close();
    expect(names).toEqual(expect.arrayContaining(['messages_category_time', 'messages_time']));
  } finally {
    await store.close();
  }
});
