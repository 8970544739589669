/** The namespace registry (metadata database) and the per-namespace database handles. */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EventoError } from '../../errors.js';
import type { NamespaceRecord } from '../store.js';
import { cardinalId, hash64 } from '../stream-name.js';
import { CheckpointThread, WalCheckpoints } from './checkpoints.js';
import { WalSync } from './wal-sync.js';
import { METADATA_SCHEMA, NAMESPACE_SCHEMA, configure, storageName, type Synchronous } from './schema.js';

/** Where and how databases are opened. */
export interface SqliteLocation {
  /** null: in memory. */
  metadataFile: string | null;
  dataDir: string | null;
  synchronous: Synchronous;
}

/** One namespace's open database with its statement cache. */
export class NamespaceDb {
  readonly id: string;
  readonly db: Db;
  readonly #statements = new Map<string, Statement>();
  readonly #walSync: WalSync | null;
  readonly #checkpoints: WalCheckpoints | null;
  #closing = false;

  /**
   * @param walSync Makes commits durable (null: in memory, or durability not asked for).
   * @param checkpoints Keeps the WAL short off the event loop (null: in memory).
   */
  constructor(id: string, db: Db, walSync: WalSync | null = null, checkpoints: WalCheckpoints | null = null) {
    this.id = id;
    this.db = db;
    this.#walSync = walSync;
    this.#checkpoints = checkpoints;
  }

  /**
   * Runs `transact` (a synchronous write transaction) once no gated checkpoint holds writes back,
   * then resolves with its result once the commit is on disk (wal-sync.ts), starting a WAL
   * checkpoint when one is due (checkpoints.ts). NAMESPACE_NOT_FOUND once closing has begun: the
   * namespace may have been deleted while the write waited.
   */
  async write<T>(transact: () => T): Promise<T> {
    await this.#checkpoints?.beforeWrite();
    if (this.#closing || !this.db.open) {
      throw new EventoError('NAMESPACE_NOT_FOUND', `namespace ${this.id} not found`);
    }
    const result = transact();
    this.#checkpoints?.afterCommit();
    await this.#walSync?.sync();
    return result;
  }

  /** Lets the checkpoint thread release the file, then closes it. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#checkpoints?.release();
    this.db.close();
    this.#walSync?.close();
  }

  /** A prepared statement, compiled once per SQL text. */
  statement(sql: string): Statement {
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }
}

interface NamespaceRow {
  id: string;
  description: string;
  token_hash: string;
  created_at: number;
}

const toRecord = (r: NamespaceRow): NamespaceRecord => ({
  id: r.id,
  description: r.description,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
});

/** The registry of namespaces and the cache of their open databases. */
export class NamespaceRegistry {
  readonly #meta: Db;
  readonly #location: SqliteLocation;
  readonly #open = new Map<string, NamespaceDb>();
  /** Records of existing namespaces; this process is the only writer of the registry. */
  readonly #records = new Map<string, NamespaceRecord>();
  readonly #selectOne: Statement;
  readonly #checkpointThread = new CheckpointThread();
  /** Files of deleted namespaces still being closed and removed, by namespace id. */
  readonly #removing = new Map<string, Promise<void>>();

  constructor(location: SqliteLocation) {
    this.#location = location;
    if (location.dataDir !== null) mkdirSync(join(location.dataDir, 'namespaces'), { recursive: true });
    this.#meta = new Database(location.metadataFile ?? ':memory:');
    configure(this.#meta, location.synchronous);
    this.#meta.exec(METADATA_SCHEMA);
    this.#selectOne = this.#meta.prepare('SELECT * FROM namespaces WHERE id = ?');
  }

  /** A namespace's record; hits are cached (every request authenticates through here). */
  get(id: string): NamespaceRecord | null {
    const cached = this.#records.get(id);
    if (cached !== undefined) return cached;
    const row = this.#selectOne.get(id) as NamespaceRow | undefined;
    if (row === undefined) return null;
    const record = toRecord(row);
    this.#records.set(id, record);
    return record;
  }

  list(): NamespaceRecord[] {
    return (this.#meta.prepare('SELECT * FROM namespaces ORDER BY id').all() as NamespaceRow[]).map(toRecord);
  }

  async create(record: NamespaceRecord): Promise<void> {
    await this.#removing.get(record.id);
    if (this.get(record.id) !== null)
      throw new EventoError('NAMESPACE_EXISTS', `namespace ${record.id} exists`);
    this.#openDb(record.id, true);
    this.#meta
      .prepare('INSERT INTO namespaces (id, description, token_hash, created_at) VALUES (?, ?, ?, ?)')
      .run(record.id, record.description, record.tokenHash, record.createdAt);
  }

  setTokenHash(id: string, tokenHash: string): void {
    this.#records.delete(id);
    const info = this.#meta.prepare('UPDATE namespaces SET token_hash = ? WHERE id = ?').run(tokenHash, id);
    if (info.changes === 0) throw new EventoError('NAMESPACE_NOT_FOUND', `namespace ${id} not found`);
  }

  /** Removes the namespace and its file; returns its message count, null if it did not exist. */
  async delete(id: string): Promise<number | null> {
    if (this.get(id) === null) return null;
    const handle = this.db(id);
    const { n } = handle.db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number };
    this.#meta.prepare('DELETE FROM namespaces WHERE id = ?').run(id);
    this.#records.delete(id);
    this.#open.delete(id);
    // From here on the namespace is gone for requests; its file goes once every connection to it
    // (ours and the checkpoint thread's) is closed. A create of the same id waits for that.
    const file = this.#file(id);
    const removal = handle.close().then(() => {
      if (file !== null) for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    });
    this.#removing.set(id, removal);
    try {
      await removal;
    } finally {
      this.#removing.delete(id);
    }
    return n;
  }

  /** The open database of a registered namespace. Throws NAMESPACE_NOT_FOUND. */
  db(id: string): NamespaceDb {
    const open = this.#open.get(id);
    if (open !== undefined) return open;
    if (this.get(id) === null) throw new EventoError('NAMESPACE_NOT_FOUND', `namespace ${id} not found`);
    return this.#openDb(id, false);
  }

  async close(): Promise<void> {
    const handles = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(handles.map((h) => h.close()));
    await this.#checkpointThread.close();
    this.#meta.close();
  }

  #file(id: string): string | null {
    const dir = this.#location.dataDir;
    return dir === null || this.#location.metadataFile === null
      ? null
      : join(dir, 'namespaces', `${storageName(id)}.db`);
  }

  #openDb(id: string, fresh: boolean): NamespaceDb {
    const file = this.#file(id);
    if (fresh && file !== null && existsSync(file)) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    }
    const db = new Database(file ?? ':memory:');
    // Commits skip SQLite's own fsync; WalSync makes them durable without blocking (wal-sync.ts).
    configure(db, 'normal');
    db.exec(NAMESPACE_SCHEMA);
    db.function('eventodb_member', { deterministic: true }, memberOf);
    const durable = file !== null && this.#location.synchronous === 'full';
    const checkpoints = file === null ? null : new WalCheckpoints(file, db, this.#checkpointThread);
    const handle = new NamespaceDb(id, db, durable ? new WalSync(file) : null, checkpoints);
    this.#open.set(id, handle);
    return handle;
  }
}

/** The consumer-group member (of `size`) owning a stream, -1 for a stream without an id. */
function memberOf(streamName: unknown, size: unknown): number {
  const id = cardinalId(String(streamName));
  if (id === null) return -1;
  const h = hash64(id);
  return Number((h < 0n ? -h : h) % BigInt(Number(size)));
}
