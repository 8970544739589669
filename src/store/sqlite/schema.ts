/**
 * SQLite layout.
 *
 * The metadata database (`eventodb.db`) holds the namespace registry:
 *   namespaces(id TEXT PK, description TEXT, token_hash TEXT, created_at INTEGER µs,
 *              incarnation TEXT     -- random UUID per creation of the id (store.ts NamespaceRef)
 *              message_count INTEGER NULL)  -- for ns.list; NULL: unknown, count the namespace
 * `message_count` is set to NULL (durably) before the first write through a newly opened
 * namespace database and written back when the pool closes it, so it is exact whenever it is not
 * NULL, even after a crash. Databases of earlier versions gain both columns on open.
 *
 * Each namespace has its own database file `namespaces/<storage name>.db`, where the storage name
 * is `ns_` + the namespace id in lower-case RFC 4648 base32 without padding: injective (one id,
 * one file), path-safe and safe on case-insensitive file systems. Its one table is Message DB's:
 *
 *   messages(global_position INTEGER PRIMARY KEY  -- rowid: a normal write takes max + 1
 *            id TEXT UNIQUE, stream_name TEXT, category TEXT, type TEXT, position INTEGER,
 *            data TEXT (JSON), metadata TEXT (JSON) NULL, time INTEGER µs since the epoch)
 *   unique (stream_name, position); index (category, global_position)
 *   index (time) and index (category, time): with the rowid each is (…, time, global_position),
 *     so a time window (category.get since/until) is found without reading other messages
 *     (read-window.ts)
 *   stats(k INTEGER PK = 0, message_count INTEGER)  -- one row, updated in each write transaction
 *
 * The schema is applied with IF NOT EXISTS every time a namespace database is opened, which is its
 * migration: a database of an earlier version gains the two time indexes on its first open (one
 * pass over its messages).
 *
 * All files use WAL. The metadata database commits with `synchronous=FULL`; namespace databases
 * run `synchronous=NORMAL` and are made durable by an fdatasync of the WAL in the thread pool
 * before anything is acknowledged (wal-sync.ts), unless the URL asks for `synchronous=normal`.
 */
import type { Database } from 'better-sqlite3';

export const METADATA_SCHEMA = `
CREATE TABLE IF NOT EXISTS namespaces (
  id TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);`;

/** Columns added after the first release, with their definitions (added on open when missing). */
export const METADATA_COLUMNS: readonly (readonly [string, string])[] = [
  ['incarnation', "TEXT NOT NULL DEFAULT ''"],
  ['message_count', 'INTEGER'],
];

export const NAMESPACE_SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  global_position INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  stream_name TEXT NOT NULL,
  category TEXT NOT NULL,
  type TEXT NOT NULL,
  position INTEGER NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT,
  time INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS messages_id ON messages (id);
CREATE UNIQUE INDEX IF NOT EXISTS messages_stream ON messages (stream_name, position);
CREATE INDEX IF NOT EXISTS messages_category ON messages (category, global_position);
CREATE INDEX IF NOT EXISTS messages_time ON messages (time);
CREATE INDEX IF NOT EXISTS messages_category_time ON messages (category, time);
CREATE TABLE IF NOT EXISTS stats (
  k INTEGER PRIMARY KEY CHECK (k = 0),
  message_count INTEGER NOT NULL
);`;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** The file name stem of a namespace's database (see the file comment). */
export function storageName(namespaceId: string): string {
  let bits = 0;
  let value = 0;
  let out = 'ns_';
  for (const byte of Buffer.from(namespaceId, 'utf8')) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Adds what earlier versions lack: metadata columns (a fresh incarnation for old rows). */
export function migrateMetadata(db: Database): void {
  const have = new Set((db.pragma('table_info(namespaces)') as { name: string }[]).map((c) => c.name));
  for (const [name, definition] of METADATA_COLUMNS) {
    if (!have.has(name)) db.exec(`ALTER TABLE namespaces ADD COLUMN ${name} ${definition}`);
  }
  db.exec("UPDATE namespaces SET incarnation = lower(hex(randomblob(16))) WHERE incarnation = ''");
}

/** Fills the `stats` row of a namespace database that has none (one count, once per file). */
export function initStats(db: Database): void {
  if (db.prepare('SELECT 1 FROM stats').get() !== undefined) return;
  db.exec('INSERT INTO stats (k, message_count) SELECT 0, count(*) FROM messages');
}

export type Synchronous = 'full' | 'normal';

/** Pragmas every database gets. */
export function configure(db: Database, synchronous: Synchronous): void {
  if (db.memory) {
    db.pragma('journal_mode = MEMORY');
  } else {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  }
  db.pragma('busy_timeout = 5000');
}
