/**
 * The namespace registry (metadata database) and the pool of open namespace databases.
 *
 * Each open namespace database costs about 3 file descriptors (the file, its WAL and its shared
 * memory; 4 with the durability sync's WAL descriptor, and 3 more while the checkpoint thread has
 * it open) and ~200 KB. The pool keeps at most `maxOpen` of them open (least recently used closed
 * first; `DEFAULT_MAX_OPEN`), opens the others on demand, and closes only idle ones (no reader,
 * no queued or running write), so under load on more namespaces than the limit at once it may
 * briefly hold more. `ns.list` reads message counts from the metadata database for namespaces
 * that are not open (schema.ts), so it never opens every database.
 *
 * Files are private (files.ts).
 */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isEventoError, namespaceExists, namespaceNotFound } from '../../errors.js';
import type { NamespaceRecord, NamespaceRef, NamespaceSummary } from '../store.js';
import { consumerGroupMember } from '../stream-name.js';
import { CheckpointThread, WalCheckpoints } from './checkpoints.js';
import { createPrivateFile, isResourceLimit, prepareDirectories, restrictCompanions } from './files.js';
import { NamespaceDb } from './namespace-db.js';
import {
  configure,
  initStats,
  METADATA_SCHEMA,
  migrateMetadata,
  NAMESPACE_SCHEMA,
  storageName,
  type Synchronous,
} from './schema.js';
import { WalSync } from './wal-sync.js';

export { NamespaceDb } from './namespace-db.js';

/**
 * Open namespace databases kept at most (`sqlite://...?maxOpen=`): 256 × ~7 descriptors stays well
 * under the usual 1024-per-process soft limit left for connections, and ~50 MB.
 */
export const DEFAULT_MAX_OPEN = 256;

/** Where and how databases are opened. */
export interface SqliteLocation {
  /** null: in memory. */
  metadataFile: string | null;
  dataDir: string | null;
  synchronous: Synchronous;
  /** Most namespace databases open at once (ignored in memory, where closing would lose data). */
  maxOpen: number;
}

interface NamespaceRow {
  id: string;
  incarnation: string;
  description: string;
  token_hash: string;
  created_at: number;
  message_count: number | null;
}

const toRecord = (r: NamespaceRow): NamespaceRecord => ({
  id: r.id,
  incarnation: r.incarnation,
  description: r.description,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
});

const refOf = (r: NamespaceRecord): NamespaceRef => ({ id: r.id, incarnation: r.incarnation });

/** The registry of namespaces and the pool of their open databases. */
export class NamespaceRegistry {
  readonly #meta: Db;
  readonly #location: SqliteLocation;
  readonly #maxOpen: number;
  /** Open handles, least recently used first (a Map iterates in insertion order). */
  readonly #open = new Map<string, NamespaceDb>();
  /** Records of existing namespaces; this process is the only writer of the registry. */
  readonly #records = new Map<string, NamespaceRecord>();
  readonly #selectOne: Statement;
  readonly #setCount: Statement;
  readonly #checkpointThread = new CheckpointThread();
  /** Handles being closed (evicted or deleted), by namespace id: opening that id waits for it. */
  readonly #closing = new Map<string, Promise<void>>();

  constructor(location: SqliteLocation) {
    this.#location = location;
    const onDisk = location.dataDir !== null && location.metadataFile !== null;
    this.#maxOpen = onDisk ? location.maxOpen : Number.POSITIVE_INFINITY;
    if (location.dataDir !== null) prepareDirectories(location.dataDir);
    if (location.metadataFile !== null) createPrivateFile(location.metadataFile);
    this.#meta = new Database(location.metadataFile ?? ':memory:');
    configure(this.#meta, location.synchronous);
    this.#meta.exec(METADATA_SCHEMA);
    migrateMetadata(this.#meta);
    if (location.metadataFile !== null) restrictCompanions(location.metadataFile);
    this.#selectOne = this.#meta.prepare('SELECT * FROM namespaces WHERE id = ?');
    this.#setCount = this.#meta.prepare(
      'UPDATE namespaces SET message_count = ? WHERE id = ? AND incarnation = ?',
    );
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

  /** Every namespace with its message count; opens (through the pool) only those of unknown count. */
  async list(): Promise<NamespaceSummary[]> {
    const rows = this.#meta.prepare('SELECT * FROM namespaces ORDER BY id').all() as NamespaceRow[];
    const out: NamespaceSummary[] = [];
    for (const row of rows) {
      const count = await this.#messageCount(row);
      if (count !== null) out.push({ ...toRecord(row), messageCount: count });
    }
    return out;
  }

  async create(record: NamespaceRecord): Promise<void> {
    // Checked right before the synchronous part: a delete's removal of the old file must be over.
    while (this.#closing.has(record.id)) await this.#closed(record.id);
    if (this.get(record.id) !== null) throw namespaceExists(`namespace ${record.id} exists`);
    // The database is created on first use: a namespace costs no descriptor until then. Files
    // left by an earlier incarnation (a crash during its delete) must not be inherited.
    this.#removeFiles(record.id);
    this.#meta
      .prepare(
        `INSERT INTO namespaces (id, incarnation, description, token_hash, created_at, message_count)
        VALUES (?, ?, ?, ?, ?, 0)`,
      )
      .run(record.id, record.incarnation, record.description, record.tokenHash, record.createdAt);
  }

  setTokenHash(id: string, tokenHash: string): void {
    this.#records.delete(id);
    const info = this.#meta.prepare('UPDATE namespaces SET token_hash = ? WHERE id = ?').run(tokenHash, id);
    if (info.changes === 0) throw namespaceNotFound(id);
  }

  /**
   * Removes the namespace and its file; returns its message count, null if it did not exist.
   * Writes not yet committed fail with NAMESPACE_NOT_FOUND (namespace-db.ts).
   */
  async delete(id: string): Promise<number | null> {
    while (this.#closing.has(id)) await this.#closed(id);
    const record = this.get(id);
    if (record === null) return null;
    const known = this.#open.has(id) ? null : this.#storedCount(id);
    if (known !== null) {
      // Not open and its count is known: nothing to close, nothing to open.
      this.#unregister(id);
      this.#removeFiles(id);
      return known;
    }
    let handle: NamespaceDb;
    try {
      handle = await this.acquire(refOf(record));
    } catch (err) {
      if (isEventoError(err) && err.code === 'NAMESPACE_NOT_FOUND') return null;
      throw err;
    }
    let removal: Promise<void>;
    let count: number;
    try {
      // A concurrent delete got there first.
      if (this.get(id)?.incarnation !== record.incarnation) return null;
      // From here to `close()` (which refuses writes at once) nothing else runs: the count is final.
      count = handle.messageCount();
      this.#unregister(id);
      removal = handle.close().then(() => this.#removeFiles(id));
    } finally {
      handle.release();
    }
    // The file goes once every connection to it (ours and the checkpoint thread's) is closed; a
    // create of the same id waits for that.
    await this.#track(id, removal);
    return count;
  }

  /**
   * The open database of `ref`'s incarnation, held (`retain`) for the caller, who must `release`
   * it. Opens it (closing the least recently used idle ones beyond the limit) when needed.
   * Throws NAMESPACE_NOT_FOUND when the namespace or that incarnation is gone.
   */
  async acquire(ref: NamespaceRef): Promise<NamespaceDb> {
    while (this.#closing.has(ref.id)) await this.#closed(ref.id);
    let handle = this.#open.get(ref.id);
    if (handle === undefined) {
      const record = this.get(ref.id);
      if (record === null || record.incarnation !== ref.incarnation) throw namespaceNotFound(ref.id);
      handle = this.#tryOpen(record) ?? (await this.#openAfterFreeing(record));
    } else {
      this.#open.delete(ref.id);
      this.#open.set(ref.id, handle);
    }
    handle.assertLive(ref);
    handle.retain();
    return handle;
  }

  /** Runs `fn` on `ref`'s open database, held for the duration. See `acquire`. */
  async use<T>(ref: NamespaceRef, fn: (handle: NamespaceDb) => T | Promise<T>): Promise<T> {
    const handle = await this.acquire(ref);
    try {
      return await fn(handle);
    } finally {
      handle.release();
    }
  }

  /** Number of namespace databases open now. */
  get openCount(): number {
    return this.#open.size;
  }

  /** Commits what is queued, records the message counts, closes every file. */
  async close(): Promise<void> {
    const handles = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(
      handles.map(async (h) => {
        await h.drained();
        await h.close((quiet) => this.#saveCount(quiet));
      }),
    );
    await Promise.all(this.#closing.values());
    await this.#checkpointThread.close();
    this.#meta.close();
  }

  /** A namespace's message count without keeping its database open; null once it is deleted. */
  async #messageCount(row: NamespaceRow): Promise<number | null> {
    const open = this.#open.get(row.id);
    if (open?.incarnation === row.incarnation) return open.messageCount();
    if (row.message_count !== null) return row.message_count;
    try {
      return await this.use(refOf(toRecord(row)), (h) => {
        if (!h.isDirty) this.#saveCount(h);
        return h.messageCount();
      });
    } catch (err) {
      if (isEventoError(err) && err.code === 'NAMESPACE_NOT_FOUND') return null;
      throw err;
    }
  }

  #unregister(id: string): void {
    this.#meta.prepare('DELETE FROM namespaces WHERE id = ?').run(id);
    this.#records.delete(id);
    this.#open.delete(id);
  }

  /** The message count kept in the metadata row; null when unknown (see schema.ts). */
  #storedCount(id: string): number | null {
    const row = this.#meta.prepare('SELECT message_count AS n FROM namespaces WHERE id = ?').get(id);
    return (row as { n: number | null } | undefined)?.n ?? null;
  }

  #removeFiles(id: string): void {
    const file = this.#file(id);
    if (file !== null) for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }

  #saveCount(handle: NamespaceDb): void {
    this.#setCount.run(handle.messageCount(), handle.id, handle.incarnation);
  }

  #file(id: string): string | null {
    const dir = this.#location.dataDir;
    return dir === null || this.#location.metadataFile === null
      ? null
      : join(dir, 'namespaces', `${storageName(id)}.db`);
  }

  /** Closes an idle handle out of the pool, recording its count first when it wrote. */
  #retire(handle: NamespaceDb): void {
    this.#open.delete(handle.id);
    const closed = handle.close((quiet) => {
      if (quiet.isDirty) this.#saveCount(quiet);
    });
    void this.#track(handle.id, closed).catch(() => undefined);
  }

  /** Resolves once no handle of `id` is being closed (a delete's removal included). */
  async #closed(id: string): Promise<void> {
    for (let c = this.#closing.get(id); c !== undefined; c = this.#closing.get(id)) {
      await c.catch(() => undefined);
    }
  }

  async #track(id: string, closing: Promise<void>): Promise<void> {
    this.#closing.set(id, closing);
    try {
      await closing;
    } finally {
      if (this.#closing.get(id) === closing) this.#closing.delete(id);
    }
  }

  /** Makes room under the limit by closing idle handles, least recently used first. */
  #makeRoom(): void {
    for (const handle of this.#open.values()) {
      if (this.#open.size < this.#maxOpen) return;
      if (handle.isIdle) this.#retire(handle);
    }
  }

  /** Opens `record`'s database, or returns null when the process is out of file descriptors. */
  #tryOpen(record: NamespaceRecord): NamespaceDb | null {
    try {
      return this.#openDb(record);
    } catch (err) {
      if (isResourceLimit(err)) return null;
      throw err;
    }
  }

  /** Closes every idle database (descriptors of the process ran out), then opens `record`'s. */
  async #openAfterFreeing(record: NamespaceRecord): Promise<NamespaceDb> {
    for (const handle of [...this.#open.values()]) if (handle.isIdle) this.#retire(handle);
    await Promise.all(this.#closing.values());
    const open = this.#open.get(record.id);
    if (open !== undefined) return open;
    if (this.get(record.id)?.incarnation !== record.incarnation) throw namespaceNotFound(record.id);
    return this.#openDb(record);
  }

  #openDb(record: NamespaceRecord): NamespaceDb {
    this.#makeRoom();
    const { id } = record;
    const file = this.#file(id);
    if (file !== null) createPrivateFile(file);
    const db = new Database(file ?? ':memory:');
    try {
      // Commits skip SQLite's own fsync; WalSync makes them durable without blocking (wal-sync.ts).
      configure(db, 'normal');
      db.exec(NAMESPACE_SCHEMA);
      initStats(db);
      db.function('eventodb_member', { deterministic: true }, (name: unknown, size: unknown) =>
        consumerGroupMember(String(name), Number(size)),
      );
      if (file !== null) restrictCompanions(file);
    } catch (err) {
      db.close();
      throw err;
    }
    const durable = file !== null && this.#location.synchronous === 'full';
    const handle = new NamespaceDb(id, record.incarnation, db, {
      walSync: durable ? new WalSync(file) : null,
      checkpoints: file === null ? null : new WalCheckpoints(file, db, this.#checkpointThread),
      // The count kept for ns.list is unknown from the first write until this handle closes.
      beforeFirstWrite: () => this.#setCount.run(null, id, record.incarnation),
    });
    this.#open.set(id, handle);
    return handle;
  }
}
