/**
 * Appends with group commit: writes that arrive in the same turn of the event loop share one
 * transaction (and so one fsync), while each keeps its own outcome. A failed INSERT aborts only
 * its own statement (SQLite's ABORT conflict resolution), so one conflict never fails the group.
 */
import { EventoError, StreamVersionConflictError } from '../../errors.js';
import type { NewMessage, WriteResult } from '../store.js';
import { category } from '../stream-name.js';
import type { NamespaceDb } from './namespace.js';

interface Pending {
  message: NewMessage;
  resolve: (result: WriteResult) => void;
  reject: (err: unknown) => void;
}

const VERSION_SQL = 'SELECT max(position) AS v FROM messages WHERE stream_name = ?';
const INSERT_SQL = `INSERT INTO messages (id, stream_name, category, type, position, data, metadata, time)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

/** Queues writes for one namespace database and commits them in groups. */
export class GroupWriter {
  readonly #handle: NamespaceDb;
  #pending: Pending[] = [];
  #scheduled = false;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => undefined;

  constructor(handle: NamespaceDb) {
    this.#handle = handle;
  }

  /** Queues a write; resolves once its group has committed. */
  write(message: NewMessage): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ message, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        this.#idle = new Promise((done) => (this.#markIdle = done));
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Resolves when every queued write has been committed. */
  drained(): Promise<void> {
    return this.#idle;
  }

  #flush(): void {
    const group = this.#pending;
    this.#pending = [];
    this.#scheduled = false;
    const outcomes: (WriteResult | Error)[] = [];
    if (!this.#handle.db.open) {
      // The namespace was deleted while these writes waited.
      for (const p of group) p.reject(new EventoError('NAMESPACE_NOT_FOUND', 'the namespace was deleted'));
      this.#markIdle();
      return;
    }
    try {
      this.#handle.db
        .transaction(() => {
          for (const { message } of group) outcomes.push(this.#tryAppend(message));
        })
        .immediate();
    } catch (err) {
      for (const p of group) p.reject(err);
      this.#markIdle();
      return;
    }
    group.forEach((p, i) => {
      const outcome = outcomes[i];
      if (outcome instanceof Error) p.reject(outcome);
      else if (outcome !== undefined) p.resolve(outcome);
    });
    this.#markIdle();
  }

  #tryAppend(message: NewMessage): WriteResult | Error {
    const row = this.#handle.statement(VERSION_SQL).get(message.streamName) as { v: number | null };
    const actual = row.v ?? -1;
    if (message.expectedVersion !== undefined && message.expectedVersion !== actual) {
      return new StreamVersionConflictError(message.streamName, message.expectedVersion, actual);
    }
    try {
      const info = this.#handle
        .statement(INSERT_SQL)
        .run(
          message.id,
          message.streamName,
          category(message.streamName),
          message.type,
          actual + 1,
          message.data,
          message.metadata,
          message.time,
        );
      return { position: actual + 1, globalPosition: Number(info.lastInsertRowid) };
    } catch (err) {
      if (isUniqueViolation(err)) {
        return new EventoError('DUPLICATE_MESSAGE_ID', `message id ${message.id} already exists`);
      }
      throw err;
    }
  }
}

/** True for SQLite's UNIQUE / PRIMARY KEY constraint failures. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
