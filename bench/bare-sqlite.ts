/**
 * The bare engine: better-sqlite3 on the same schema and pragmas as the SQLite backend, with no
 * server, no HTTP and no façade: what the hardware and SQLite allow, to compare against.
 *
 * The schema is imported from the backend (NAMESPACE_SCHEMA in src/store/sqlite/schema.ts) rather
 * than copied, so the comparison cannot drift when an index changes. Pragmas are set here, as the
 * backend's `configure` sets them: WAL, synchronous FULL (durable commits) or NORMAL.
 */
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { NAMESPACE_SCHEMA } from '../src/store/sqlite/schema.js';
import { runSyncLoad, type LoadResult } from './load.js';

export type Synchronous = 'FULL' | 'NORMAL';

/** Opens (creating) a bare database at `file`. */
export function openBare(file: string, synchronous: Synchronous): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 5000');
  db.exec(NAMESPACE_SCHEMA);
  return db;
}

/** The SQLite library version better-sqlite3 is built with. */
export function sqliteVersion(): string {
  const db = new Database(':memory:');
  const { v } = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
  db.close();
  return v;
}

const INSERT = `INSERT INTO messages (id, stream_name, category, type, position, data, metadata, time)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const VERSION = 'SELECT max(position) AS v FROM messages WHERE stream_name = ?';

/** An append as the backend does one: read the stream version, insert at version + 1. */
export function createBareAppend(db: Db, data: string): (stream: string) => void {
  const version = db.prepare(VERSION);
  const insert = db.prepare(INSERT);
  const append = db.transaction((stream: string) => {
    const { v } = version.get(stream) as { v: number | null };
    const category = stream.slice(0, Math.max(0, stream.indexOf('-'))) || stream;
    insert.run(randomUUID(), stream, category, 'Bench', (v ?? -1) + 1, data, null, Date.now() * 1000);
  });
  return (stream) => append.immediate(stream);
}

/** One transaction per append (one fsync each under FULL), sequentially on one stream. */
export function bareWrites(db: Db, data: string, maxOps: number, maxMs: number): LoadResult {
  const append = createBareAppend(db, data);
  for (let i = 0; i < 50; i++) append('warmup-1');
  return runSyncLoad(maxOps, maxMs, () => append('bare-1'));
}

/** Fills `stream` (category `stream`'s prefix) with `count` messages in one transaction. */
export function fillStream(db: Db, stream: string, count: number, data: string): void {
  const append = createBareAppend(db, data);
  db.transaction(() => {
    for (let i = 0; i < count; i++) append(stream);
  })();
}

const COLUMNS = 'id, stream_name, type, position, global_position, data, metadata, time';

/** A prepared SELECT of 100 rows of one stream, from position 0. */
export function bareStreamReads(db: Db, stream: string, maxOps: number, maxMs: number): LoadResult {
  const select = db.prepare(
    `SELECT ${COLUMNS} FROM messages WHERE stream_name = ? AND position >= ? ORDER BY position LIMIT 100`,
  );
  return runSyncLoad(maxOps, maxMs, () => {
    if (select.all(stream, 0).length !== 100) throw new Error('bare stream read: expected 100 rows');
  });
}

/** A prepared SELECT of 100 rows of one category in global order, from position 1. */
export function bareCategoryReads(db: Db, category: string, maxOps: number, maxMs: number): LoadResult {
  const select = db.prepare(
    `SELECT ${COLUMNS} FROM messages WHERE category = ? AND global_position >= ? ORDER BY global_position LIMIT 100`,
  );
  return runSyncLoad(maxOps, maxMs, () => {
    if (select.all(category, 1).length !== 100) throw new Error('bare category read: expected 100 rows');
  });
}
