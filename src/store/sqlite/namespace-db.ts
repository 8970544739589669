/**
 * One namespace incarnation's open database: its statement cache, its group writer, and what may
 * and may not close it.
 *
 * A handle serves exactly one incarnation (`NamespaceRef.incarnation`): after a delete it is closing
 * and refuses every write inside the write path (`write`), so nothing reaches a namespace created
 * later under the same id. Closing waits for writes in flight (their transaction and their WAL
 * sync), never for readers: a paged read checks `assertLive` before each page, and each page is one
 * synchronous statement, so no statement ever runs on a closed connection. The pool (namespace.ts)
 * closes only idle handles: `retain`/`release` count the readers and queued appends holding one.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { namespaceNotFound } from '../../errors.js';
import type { NamespaceRef, NewMessage, WriteResult } from '../store.js';
import type { WalCheckpoints } from './checkpoints.js';
import type { WalSync } from './wal-sync.js';
import { GroupWriter } from '../group-writer.js';
import { appendGroup } from './write.js';

/** What a handle needs besides its connection. */
export interface NamespaceDbOptions {
  /** Makes commits durable (null: in memory, or durability not asked for). */
  walSync: WalSync | null;
  /** Keeps the WAL short off the event loop (null: in memory). */
  checkpoints: WalCheckpoints | null;
  /**
   * Called once, before the first write transaction of this handle: the registry marks the
   * message count it keeps for `ns.list` as unknown until the handle closes.
   */
  beforeFirstWrite: () => void;
}

export class NamespaceDb {
  readonly id: string;
  readonly incarnation: string;
  readonly db: Db;
  readonly #statements = new Map<string, Statement>();
  readonly #options: NamespaceDbOptions;
  #closing = false;
  /** Readers and queued appends holding the handle. */
  #users = 0;
  /** `write` calls in progress (gate, transaction, sync). */
  #writing = 0;
  #writesDone: (() => void)[] = [];
  #writer: GroupWriter | null = null;
  #dirty = false;

  constructor(id: string, incarnation: string, db: Db, options: NamespaceDbOptions) {
    this.id = id;
    this.incarnation = incarnation;
    this.db = db;
    this.#options = options;
  }

  /** True when nothing holds the handle, so the pool may close it at once. */
  get isIdle(): boolean {
    return this.#users === 0 && this.#writing === 0 && !this.#closing;
  }

  /** True once a write transaction ran since the handle opened. */
  get isDirty(): boolean {
    return this.#dirty;
  }

  /** Throws NAMESPACE_NOT_FOUND unless this handle is open and serves `ref`'s incarnation. */
  assertLive(ref: NamespaceRef): void {
    if (this.#closing || ref.incarnation !== this.incarnation || !this.db.open) {
      throw namespaceNotFound(ref.id);
    }
  }

  retain(): void {
    this.#users++;
  }

  release(): void {
    this.#users--;
  }

  /** Appends with group commit (write.ts); the handle stays held until the write settles. */
  append(message: NewMessage): Promise<WriteResult> {
    this.#writer ??= new GroupWriter((messages) => this.write(() => appendGroup(this, messages)));
    this.retain();
    return this.#writer.write(message).finally(() => this.release());
  }

  /** Resolves once every queued append has committed (or failed). */
  async drained(): Promise<void> {
    await this.#writer?.drained();
  }

  /**
   * Runs `transact` (a synchronous write transaction) once no gated checkpoint holds writes back,
   * then resolves with its result once the commit is on disk (wal-sync.ts), starting a WAL
   * checkpoint when one is due (checkpoints.ts). NAMESPACE_NOT_FOUND once closing has begun: the
   * namespace may have been deleted while the write waited. The check and the transaction run in
   * one synchronous step, so no delete slips in between.
   */
  async write<T>(transact: () => T): Promise<T> {
    this.#writing++;
    try {
      await this.#options.checkpoints?.beforeWrite();
      if (this.#closing || !this.db.open) throw namespaceNotFound(this.id);
      if (!this.#dirty) {
        this.#options.beforeFirstWrite();
        this.#dirty = true;
      }
      const result = transact();
      this.#options.checkpoints?.afterCommit();
      await this.#options.walSync?.sync();
      return result;
    } finally {
      if (--this.#writing === 0) for (const done of this.#writesDone.splice(0)) done();
    }
  }

  /**
   * Refuses new writes, waits for those in flight, runs `whenQuiet` (nothing can write any more),
   * lets the checkpoint thread release the file, then closes it.
   */
  async close(whenQuiet?: (handle: NamespaceDb) => void): Promise<void> {
    this.#closing = true;
    if (this.#writing > 0) await new Promise<void>((done) => this.#writesDone.push(done));
    whenQuiet?.(this);
    await this.#options.checkpoints?.release();
    this.db.close();
    this.#options.walSync?.close();
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

  /** The namespace's message count, kept in its own database (schema.ts `stats`). */
  messageCount(): number {
    return (this.statement('SELECT message_count AS n FROM stats').get() as { n: number }).n;
  }
}
