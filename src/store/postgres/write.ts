/**
 * Appends. Every writing transaction of a namespace, in every server process, first takes the
 * namespace's transaction-scoped advisory lock; under it the stream versions, the ids and the
 * sequence are read, positions are assigned, and the lock is held until COMMIT. So writers commit
 * one after another in global-position order, and a reader that sees a message also sees every
 * message with a lower global position (docs/adr/0005-postgresql.md has the argument).
 *
 * Group commit: the writes that arrive while a group is in flight form the next group (the
 * GroupWriter shared with SQLite), one transaction and one WAL flush per group. Each message is
 * checked before anything is inserted, so a conflict or a duplicate id fails that message alone.
 */
import type pg from 'pg';
import { EventoError, StreamVersionConflictError } from '../../errors.js';
import type { NewMessage } from '../store.js';
import type { AppendOutcome } from '../sqlite/write.js';
import { formatTime } from '../time.js';
import { inNamespace } from './namespace.js';
import type { NamespaceRef } from './schema.js';

export { GroupWriter } from '../sqlite/write.js';

/** What the group's messages need to know, read under the lock in one statement. */
function stateSql(ref: NamespaceRef): string {
  return `SELECT 0 AS k, s.name AS name,
      (SELECT position FROM ${ref.table} WHERE stream_name = s.name ORDER BY position DESC LIMIT 1) AS n
    FROM unnest($1::text[]) AS s(name)
  UNION ALL SELECT 1, id::text, NULL FROM ${ref.table} WHERE id = ANY($2::uuid[])
  UNION ALL SELECT 2, NULL, CASE WHEN is_called THEN last_value ELSE last_value - 1 END
    FROM ${ref.sequence}`;
}

function insertSql(ref: NamespaceRef): string {
  return `INSERT INTO ${ref.table} (global_position, position, time, stream_name, type, data, metadata, id)
    SELECT * FROM unnest($1::int8[], $2::int8[], $3::timestamp[], $4::text[], $5::text[], $6::json[],
      $7::json[], $8::uuid[])`;
}

interface StateRow {
  k: number;
  name: string | null;
  n: number | null;
}

/**
 * Appends `messages` in one transaction and returns each one's outcome. Throws only when the
 * transaction as a whole fails; then none of them is stored.
 */
export async function appendGroup(
  pool: pg.Pool,
  ref: NamespaceRef,
  messages: readonly NewMessage[],
): Promise<AppendOutcome[]> {
  return inNamespace(ref.id, async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${ref.lock})`);
      try {
        const outcomes = await appendLocked(client, ref, messages);
        return outcomes;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw err;
      }
    } catch (err) {
      broken ??= err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  });
}

async function appendLocked(
  client: pg.PoolClient,
  ref: NamespaceRef,
  messages: readonly NewMessage[],
): Promise<AppendOutcome[]> {
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
  const outcomes: AppendOutcome[] = [];
  const accepted: { message: NewMessage; position: number; globalPosition: number }[] = [];
  for (const message of messages) {
    const actual = versions.get(message.streamName) ?? -1;
    if (message.expectedVersion !== undefined && message.expectedVersion !== actual) {
      outcomes.push(new StreamVersionConflictError(message.streamName, message.expectedVersion, actual));
    } else if (ids.has(message.id)) {
      outcomes.push(new EventoError('DUPLICATE_MESSAGE_ID', `message id ${message.id} already exists`));
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
  await client.query(`SELECT setval(${ref.sequenceLiteral}, ${last}); COMMIT`);
  return outcomes;
}
