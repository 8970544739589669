/**
 * Appends. Every writing transaction of a namespace, in every server process, first takes the
 * namespace's transaction-scoped advisory lock; under it the incarnation is checked, the stream
 * versions, the ids and the sequence are read, positions are assigned, and the lock is held until
 * COMMIT. So writers commit one after another in global-position order, and a reader that sees a
 * message also sees every message with a lower global position (docs/adr/0005-postgresql.md has
 * the argument).
 *
 * Group commit: the writes that arrive while a group is in flight form the next group (the
 * GroupWriter shared with SQLite), one transaction and one WAL flush per group. The whole group is
 * one call of the namespace's append function (append-function.ts) in autocommit: one round trip,
 * so the lock is held for the function's work and the commit, not for network turns. Each message
 * is checked before anything is inserted, so a conflict, a duplicate id or a position past
 * `MAX_POSITION` fails that message alone.
 */
import type pg from 'pg';
import {
  PositionLimitError,
  StreamVersionConflictError,
  namespaceNotFound,
  duplicateMessageId,
} from '../../errors.js';
import type { AppendOutcome } from '../group-writer.js';
import { MAX_POSITION, type NewMessage } from '../store.js';
import { formatTime } from '../time.js';
import { OUTCOME } from './append-function.js';
import { inNamespace, isNotCurrent } from './namespace.js';
import { REGISTRY, quoteLiteral, type SchemaRef } from './schema.js';

/** The registry's message count, kept in the transaction that changes it (listNamespaces). */
export function countSql(ref: SchemaRef, added: number, reset = false): string {
  const base = reset ? '0' : 'message_count';
  return `UPDATE ${REGISTRY}.namespaces SET message_count = ${base} + ${added}
    WHERE id = ${quoteLiteral(ref.id)}`;
}

/** What the append function returns: per message, its outcome and positions (int8 as text). */
interface AppendRow {
  outcomes: number[];
  positions: (string | null)[];
  globals: (string | null)[];
}

/**
 * Appends `messages` in one transaction and returns each one's outcome. Throws only when the
 * transaction as a whole fails; then none of them is stored. `origin` names this backend instance
 * in the commit notification (notify.ts).
 */
export async function appendGroup(
  pool: pg.Pool,
  ref: SchemaRef,
  origin: string,
  messages: readonly NewMessage[],
): Promise<AppendOutcome[]> {
  const streams = new Map<string, number>();
  const streamOf = messages.map((m) => {
    let index = streams.get(m.streamName);
    if (index === undefined) streams.set(m.streamName, (index = streams.size + 1));
    return index;
  });
  const seen = new Set<string>();
  const repeated = messages.map((m) => {
    const id = m.id.toLowerCase();
    return seen.has(id) || (seen.add(id), false);
  });
  const notify = JSON.stringify({ o: origin, n: ref.id, s: ref.schema }).slice(0, -1);
  const row = await inNamespace(ref.id, async () => {
    try {
      const { rows } = await pool.query<AppendRow>(
        `SELECT outcomes, positions, globals FROM ${ref.append}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
          $11, $12, $13, $14)`,
        [
          ref.lockKey,
          ref.id,
          ref.incarnation,
          ref.sequence,
          notify,
          [...streams.keys()],
          streamOf,
          messages.map((m) => m.id),
          repeated,
          messages.map((m) => m.expectedVersion ?? null),
          messages.map((m) => formatTime(m.time)),
          messages.map((m) => m.type),
          messages.map((m) => m.data),
          messages.map((m) => m.metadata),
        ],
      );
      return rows[0];
    } catch (err) {
      if (isNotCurrent(err)) throw namespaceNotFound(ref.id);
      throw err;
    }
  });
  if (row === undefined) throw new Error('the append function returned no row');
  return messages.map((m, i) => outcomeOf(m, row, i));
}

function outcomeOf(message: NewMessage, row: AppendRow, i: number): AppendOutcome {
  const position = Number(row.positions[i]);
  switch (row.outcomes[i]) {
    case OUTCOME.accepted:
      return { position, globalPosition: Number(row.globals[i]) };
    case OUTCOME.versionConflict:
      return new StreamVersionConflictError(message.streamName, message.expectedVersion ?? -1, position);
    case OUTCOME.positionLimit:
      return new PositionLimitError('position', MAX_POSITION);
    case OUTCOME.globalPositionLimit:
      return new PositionLimitError('globalPosition', MAX_POSITION);
    case OUTCOME.duplicateId:
      return duplicateMessageId(`message id ${message.id} already exists`);
    default:
      return new Error(`unknown append outcome ${String(row.outcomes[i])}`);
  }
}
