/**
 * Appends with group commit: one group per namespace is committed and synced at a time, and the
 * writes that arrive meanwhile share the next transaction (and so one fsync), while each keeps
 * its own outcome. A failed INSERT aborts only its own statement (SQLite's ABORT conflict
 * resolution), so one conflict never fails the group.
 *
 * Global positions are given explicitly (the highest + 1), never left to SQLite's rowid choice:
 * past the largest rowid SQLite picks a random one, and past 2^53 a JS number is no longer exact.
 * A write whose next global or stream position would exceed `MAX_POSITION` is refused with
 * `PositionLimitError`, inside the transaction that would have stored it.
 */
import type { Transaction } from 'better-sqlite3';
import { PositionLimitError, StreamVersionConflictError, duplicateMessageId } from '../../errors.js';
import { MAX_POSITION, type NewMessage, type WriteResult } from '../store.js';
import { category } from '../stream-name.js';
import type { NamespaceDb } from './namespace-db.js';

interface Pending {
  message: NewMessage;
  resolve: (result: WriteResult) => void;
  reject: (err: unknown) => void;
}

const VERSION_SQL = 'SELECT max(position) AS v FROM messages WHERE stream_name = ?';
const LAST_GPOS_SQL = 'SELECT max(global_position) AS g FROM messages';
const INSERT_SQL = `INSERT INTO messages
  (global_position, id, stream_name, category, type, position, data, metadata, time)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
/** Keeps the namespace's message count (schema.ts `stats`) in the transaction that changes it. */
export const COUNT_ADD_SQL = 'UPDATE stats SET message_count = message_count + ?';

/** An append's outcome: its positions, or the error it alone failed with. */
export type AppendOutcome = WriteResult | Error;

/**
 * Appends `messages` in one transaction (one fsync) and returns each one's outcome. Throws only
 * when the transaction as a whole fails; then none of them is stored.
 */
export function appendGroup(handle: NamespaceDb, messages: readonly NewMessage[]): AppendOutcome[] {
  const outcomes: AppendOutcome[] = [];
  appendTransaction(handle).immediate(messages, outcomes);
  return outcomes;
}

type AppendTransaction = Transaction<(messages: readonly NewMessage[], outcomes: AppendOutcome[]) => void>;

/** better-sqlite3 transaction wrappers cost a few µs to build: one per database. */
const appendTransactions = new WeakMap<NamespaceDb, AppendTransaction>();

function appendTransaction(handle: NamespaceDb): AppendTransaction {
  let transaction = appendTransactions.get(handle);
  if (transaction === undefined) {
    transaction = handle.db.transaction((messages: readonly NewMessage[], outcomes: AppendOutcome[]) => {
      let last = (handle.statement(LAST_GPOS_SQL).get() as { g: number | null }).g ?? 0;
      let added = 0;
      for (const message of messages) {
        const outcome = tryAppend(handle, message, last + 1);
        if (!(outcome instanceof Error)) {
          last = outcome.globalPosition;
          added++;
        }
        outcomes.push(outcome);
      }
      if (added > 0) handle.statement(COUNT_ADD_SQL).run(added);
    });
    appendTransactions.set(handle, transaction);
  }
  return transaction;
}

function tryAppend(handle: NamespaceDb, message: NewMessage, globalPosition: number): AppendOutcome {
  const row = handle.statement(VERSION_SQL).get(message.streamName) as { v: number | null };
  const actual = row.v ?? -1;
  if (message.expectedVersion !== undefined && message.expectedVersion !== actual) {
    return new StreamVersionConflictError(message.streamName, message.expectedVersion, actual);
  }
  if (actual + 1 > MAX_POSITION) return new PositionLimitError('position', MAX_POSITION);
  if (globalPosition > MAX_POSITION) return new PositionLimitError('globalPosition', MAX_POSITION);
  try {
    handle
      .statement(INSERT_SQL)
      .run(
        globalPosition,
        message.id,
        message.streamName,
        category(message.streamName),
        message.type,
        actual + 1,
        message.data,
        message.metadata,
        message.time,
      );
    return { position: actual + 1, globalPosition };
  } catch (err) {
    if (isUniqueViolation(err)) {
      return duplicateMessageId(`message id ${message.id} already exists`);
    }
    throw err;
  }
}

/**
 * Hands queued writes to `commit` as one group, one group at a time: a group starts on the
 * event-loop turn after its first write, or once the previous group is durable if that is later.
 * Each caller gets its own outcome.
 */
export class GroupWriter {
  readonly #commit: (messages: NewMessage[]) => Promise<AppendOutcome[]>;
  #pending: Pending[] = [];
  #scheduled = false;
  #inFlight: Promise<void> | null = null;
  #idle: Promise<void> = Promise.resolve();

  constructor(commit: (messages: NewMessage[]) => Promise<AppendOutcome[]>) {
    this.#commit = commit;
  }

  /** Queues a write; resolves once its group has committed. */
  write(message: NewMessage): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ message, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves when every queued write has been committed. */
  async drained(): Promise<void> {
    while (this.#scheduled || this.#inFlight !== null) await (this.#inFlight ?? this.#idle);
  }

  #schedule(): void {
    // One group at a time: writes that arrive while a group commits and syncs form the next one.
    if (this.#scheduled || this.#inFlight !== null) return;
    this.#scheduled = true;
    this.#idle = new Promise((done) => setImmediate(() => void this.#run().then(done)));
  }

  async #run(): Promise<void> {
    this.#scheduled = false;
    this.#inFlight = this.#flush();
    await this.#inFlight;
    this.#inFlight = null;
    if (this.#pending.length > 0) this.#schedule();
  }

  async #flush(): Promise<void> {
    const group = this.#pending;
    this.#pending = [];
    let outcomes: AppendOutcome[];
    try {
      outcomes = await this.#commit(group.map((p) => p.message));
    } catch (err) {
      for (const p of group) p.reject(err);
      return;
    }
    group.forEach((p, i) => {
      const outcome = outcomes[i];
      if (outcome instanceof Error) p.reject(outcome);
      else if (outcome !== undefined) p.resolve(outcome);
      else p.reject(new Error('no outcome for a write'));
    });
  }
}

/** True for SQLite's UNIQUE / PRIMARY KEY constraint failures. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
