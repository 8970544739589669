/**
 * Appends. Every writing transaction of a namespace, in every server process, first takes the
 * namespace's transaction-scoped advisory lock; under it the incarnation is checked, the stream
 * versions, the ids and the sequence are read, positions are assigned, and the lock is held until
 * COMMIT. So writers commit one after another in global-position order, and a reader that sees a
 * message also sees every message with a lower global position (docs/adr/0005-postgresql.md has
 * the argument).
 *
 * Group commit: the writes that arrive while a group is in flight form the next group (the
 * GroupWriter shared with SQLite), one transaction and one WAL flush per group. Each message is
 * checked before anything is inserted, so a conflict, a duplicate id or a position past
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
import { assertCurrentSql, inNamespace, isNotCurrent } from './namespace.js';
import { notifySql } from './notify.js';
import { quoteLiteral, REGISTRY, type SchemaRef } from './schema.js';

/** What the group's messages need to know, read under the lock in one statement. */
function stateSql(ref: SchemaRef): string {
  return `SELECT 0 AS k, s.name AS name,
      (SELECT position FROM ${ref.table} WHERE stream_name = s.name ORDER BY position DESC LIMIT 1) AS n
    FROM unnest($1::text[]) AS s(name)
  UNION ALL SELECT 1, id::text, NULL FROM ${ref.table} WHERE id = ANY($2::uuid[])
  UNION ALL SELECT 2, NULL, CASE WHEN is_called THEN last_value ELSE last_value - 1 END
    FROM ${ref.sequence}`;
}

function insertSql(ref: SchemaRef): string {
  return `INSERT INTO ${ref.table} (global_position, position, time, stream_name, type, data, metadata, id)
    SELECT * FROM unnest($1::int8[], $2::int8[], $3::timestamp[], $4::text[], $5::text[], $6::json[],
      $7::json[], $8::uuid[])`;
}

/** The registry's message count, kept in the transaction that changes it (listNamespaces). */
export function countSql(ref: SchemaRef, added: number, reset = false): string {
  const base = reset ? '0' : 'message_count';
  return `UPDATE ${REGISTRY}.namespaces SET message_count = ${base} + ${added}
    WHERE id = ${quoteLiteral(ref.id)}`;
}

interface StateRow {
  k: number;
  name: string | null;
  n: number | null;
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
  return inNamespace(ref.id, async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await appendLocked(client, ref, origin, messages);
    } catch (err) {
      // A failed ROLLBACK means the connection itself is broken: it is not reused.
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      if (isNotCurrent(err)) throw namespaceNotFound(ref.id);
      throw err;
    } finally {
      client.release(broken);
    }
  });
}

async function appendLocked(
  client: pg.PoolClient,
  ref: SchemaRef,
  origin: string,
  messages: readonly NewMessage[],
): Promise<AppendOutcome[]> {
  await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${ref.lock}); ${assertCurrentSql(ref)}`);
  const streams = [...new Set(messages.map((m) => m.streamName))];
  const { rows } = await client.query<StateRow>(stateSql(ref), [streams, messages.map((m) => m.id)]);
  const versions = new Map<string, number>();
  const ids = new Set<string>();
  let last = 0;
  for (const row of rows) {
    if (row.k === 0 && row.n !== null) versions.set(row.name ?? '', row.n);
    else if (row.k === 1) ids.add(row.name ?? '');
    else if (row.k === 2) last = row.n ?? 0;
  }
  const first = last + 1;
  const outcomes: AppendOutcome[] = [];
  const accepted: { message: NewMessage; position: number; globalPosition: number }[] = [];
  for (const message of messages) {
    const actual = versions.get(message.streamName) ?? -1;
    if (message.expectedVersion !== undefined && message.expectedVersion !== actual) {
      outcomes.push(new StreamVersionConflictError(message.streamName, message.expectedVersion, actual));
    } else if (actual + 1 > MAX_POSITION) {
      outcomes.push(new PositionLimitError('position', MAX_POSITION));
    } else if (last + 1 > MAX_POSITION) {
      outcomes.push(new PositionLimitError('globalPosition', MAX_POSITION));
    } else if (ids.has(message.id)) {
      outcomes.push(duplicateMessageId(`message id ${message.id} already exists`));
    } else {
      const result = { position: actual + 1, globalPosition: ++last };
      versions.set(message.streamName, result.position);
      ids.add(message.id);
      accepted.push({ message, ...result });
      outcomes.push(result);
    }
  }
  if (accepted.length === 0) {
    await client.query('COMMIT');
    return outcomes;
  }
  await client.query(insertSql(ref), [
    accepted.map((a) => a.globalPosition),
    accepted.map((a) => a.position),
    accepted.map((a) => formatTime(a.message.time)),
    accepted.map((a) => a.message.streamName),
    accepted.map((a) => a.message.type),
    accepted.map((a) => a.message.data),
    accepted.map((a) => a.message.metadata),
    accepted.map((a) => a.message.id),
  ]);
  // setval is not transactional: if the commit fails, the sequence has only skipped numbers.
  await client.query(
    `SELECT setval(${ref.sequenceLiteral}, ${last}); ${countSql(ref, accepted.length)};
    ${notifySql(origin, ref, first, last, false)}; COMMIT`,
  );
  return outcomes;
}
