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
import type { AppendOutcome } from '../group-writer.js';
import { MAX_POSITION, type NewMessage } from '../store.js';
import { category } from '../stream-name.js';
import type { NamespaceDb } from './namespace-db.js';

const VERSION_SQL = 'SELECT max(position) AS v FROM messages WHERE stream_name = ?';
const LAST_GPOS_SQL = 'SELECT max(global_position) AS g FROM messages';
const INSERT_SQL = `INSERT INTO messages
  (global_position, id, stream_name, category, type, position, data, metadata, time)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
/** Keeps the namespace's message count (schema.ts `stats`) in the transaction that changes it. */
export const COUNT_ADD_SQL = 'UPDATE stats SET message_count = message_count + ?';

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

/** True for SQLite's UNIQUE / PRIMARY KEY constraint failures. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
