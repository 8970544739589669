/** Reads: paged in global or stream order, each page one short statement (no open cursors). */
import type pg from 'pg';
import {
  messageSize,
  type CategorySummary,
  type ListStreamsOptions,
  type NamespaceStats,
  type ReadCategoryOptions,
  type ReadStreamOptions,
  type StoredMessage,
  type StreamSummary,
} from '../store.js';
import { formatTime } from '../time.js';
import { inNamespace } from './namespace.js';
import { micros, type SchemaRef } from './schema.js';

/** The message columns, read as arrays (no row objects) and mapped by `toMessage`. */
const COLUMNS = `id, stream_name, type, position, global_position, data, metadata, ${micros()}`;

type MessageRow = [string, string, string, number, number, string, string | null, number];

const toMessage = (r: MessageRow): StoredMessage => ({
  id: r[0],
  streamName: r[1],
  type: r[2],
  position: r[3],
  globalPosition: r[4],
  data: r[5],
  metadata: r[6],
  time: r[7],
});

/** Rows per statement. */
export const PAGE_SIZE = 1000;

async function messages(pool: pg.Pool, ref: SchemaRef, text: string, values: unknown[]) {
  const result = await inNamespace(ref.id, () => pool.query<MessageRow>({ text, values, rowMode: 'array' }));
  return result.rows.map(toMessage);
}

/**
 * Bytes (`messageSize`) a page aims at: after a page of large messages the next one asks for
 * fewer rows, so a read of large messages holds about this much at a time.
 */
export const PAGE_BYTES = 8 * 1024 * 1024;

/**
 * Pages of `fetch(from, n)` until `limit` rows, `maxBytes` (stop before the message that would
 * pass it, at least one message in all) or the end; `next` gives the following `from`.
 */
async function* paged(
  fetch: (from: number, n: number) => Promise<StoredMessage[]>,
  from: number,
  limit: number | null,
  maxBytes: number | undefined,
  next: (last: StoredMessage) => number,
): AsyncGenerator<StoredMessage[]> {
  let left = limit ?? Number.POSITIVE_INFINITY;
  let budget = maxBytes ?? Number.POSITIVE_INFINITY;
  let rows = PAGE_SIZE;
  let first = true;
  while (left > 0) {
    const n = Math.min(left, rows);
    const fetched = await fetch(from, n);
    let page = fetched;
    let pageBytes = 0;
    let full = false;
    for (const [i, m] of fetched.entries()) {
      const size = messageSize(m);
      if (!first && size > budget) {
        page = fetched.slice(0, i);
        full = true;
        break;
      }
      first = false;
      budget -= size;
      pageBytes += size;
    }
    const last = page.at(-1);
    if (last === undefined) return;
    left -= page.length;
    from = next(last);
    yield page;
    if (full || fetched.length < n) return;
    rows = Math.max(1, Math.min(PAGE_SIZE, Math.floor((n * PAGE_BYTES) / Math.max(1, pageBytes))));
  }
}

export function readStream(
  pool: pg.Pool,
  ref: SchemaRef,
  streamName: string,
  o: ReadStreamOptions,
): AsyncIterable<StoredMessage[]> {
  if (o.fromGlobalPosition !== undefined) {
    const sql = `SELECT ${COLUMNS} FROM ${ref.table}
      WHERE stream_name = $1 AND global_position >= $2 ORDER BY global_position LIMIT $3`;
    const fetch = (from: number, n: number) => messages(pool, ref, sql, [streamName, from, n]);
    return paged(fetch, o.fromGlobalPosition, o.limit, o.maxBytes, (m) => m.globalPosition + 1);
  }
  const sql = `SELECT ${COLUMNS} FROM ${ref.table}
    WHERE stream_name = $1 AND position >= $2 ORDER BY position LIMIT $3`;
  const fetch = (from: number, n: number) => messages(pool, ref, sql, [streamName, from, n]);
  return paged(fetch, o.fromPosition, o.limit, o.maxBytes, (m) => m.position + 1);
}

/** The consumer-group member owning a stream (stream-name.ts's rule, Message DB's `hash_64`). */
const MEMBER = `CASE WHEN strpos(stream_name, '-') = 0 THEN -1 ELSE
  mod(abs(('x' || left(md5(split_part(substr(stream_name, strpos(stream_name, '-') + 1), '+', 1)), 16))
    ::bit(64)::int8::numeric), $SIZE) END`;

/** A category read's statement: `values[fromIndex]` and `values[limitIndex]` are set per page. */
export interface CategoryQuery {
  text: string;
  values: unknown[];
  fromIndex: number;
  limitIndex: number;
}

/** The statement of `readCategory` (exported for the query-plan test). */
export function categoryQuery(ref: SchemaRef, name: string, o: ReadCategoryOptions): CategoryQuery {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown): string => `$${values.push(value)}`;
  if (name !== '') where.push(`category = ${param(name)}`);
  const from = param(0);
  where.push(`global_position >= ${from}`);
  if (o.correlation !== undefined) {
    where.push(`split_part(metadata ->> 'correlationStreamName', '-', 1) = ${param(o.correlation)}`);
  }
  if (o.consumerGroup !== undefined) {
    const size = param(o.consumerGroup.size);
    where.push(`${MEMBER.replace('$SIZE', size)} = ${param(o.consumerGroup.member)}`);
  }
  // Served by the (category, time, global_position) or (time, global_position) index; the plans
  // PostgreSQL picks are pinned by test/postgres/time-window-plan.test.ts.
  if (o.since !== undefined) where.push(`time >= ${param(formatTime(o.since))}::timestamp`);
  if (o.until !== undefined) where.push(`time < ${param(formatTime(o.until))}::timestamp`);
  const limit = param(0);
  const text = `SELECT ${COLUMNS} FROM ${ref.table} WHERE ${where.join(' AND ')}
    ORDER BY global_position LIMIT ${limit}`;
  return { text, values, fromIndex: Number(from.slice(1)) - 1, limitIndex: Number(limit.slice(1)) - 1 };
}

export function readCategory(
  pool: pg.Pool,
  ref: SchemaRef,
  name: string,
  o: ReadCategoryOptions,
): AsyncIterable<StoredMessage[]> {
  const q = categoryQuery(ref, name, o);
  const fetch = (start: number, n: number) => {
    const values = [...q.values];
    values[q.fromIndex] = start;
    values[q.limitIndex] = n;
    return messages(pool, ref, q.text, values);
  };
  return paged(fetch, o.fromGlobalPosition, o.limit, o.maxBytes, (m) => m.globalPosition + 1);
}

export async function lastMessage(
  pool: pg.Pool,
  ref: SchemaRef,
  streamName: string,
  type?: string,
): Promise<StoredMessage | null> {
  const rows =
    type === undefined
      ? await messages(
          pool,
          ref,
          `SELECT ${COLUMNS} FROM ${ref.table} WHERE stream_name = $1 ORDER BY position DESC LIMIT 1`,
          [streamName],
        )
      : await messages(
          pool,
          ref,
          `SELECT ${COLUMNS} FROM ${ref.table} WHERE stream_name = $1 AND type = $2
            ORDER BY position DESC LIMIT 1`,
          [streamName, type],
        );
  return rows[0] ?? null;
}

async function query<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  ref: SchemaRef,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  return (await inNamespace(ref.id, () => pool.query<R>(text, values))).rows;
}

/** The messages at these global positions, by the primary key. */
export async function readGlobalPositions(
  pool: pg.Pool,
  ref: SchemaRef,
  globalPositions: readonly number[],
): Promise<StoredMessage[]> {
  return messages(
    pool,
    ref,
    `SELECT ${COLUMNS} FROM ${ref.table} WHERE global_position = ANY($1::bigint[]) ORDER BY global_position`,
    [globalPositions],
  );
}

export async function streamVersion(
  pool: pg.Pool,
  ref: SchemaRef,
  streamName: string,
): Promise<number | null> {
  const rows = await query<{ v: number }>(
    pool,
    ref,
    `SELECT position AS v FROM ${ref.table} WHERE stream_name = $1 ORDER BY position DESC LIMIT 1`,
    [streamName],
  );
  return rows[0]?.v ?? null;
}

export async function listStreams(
  pool: pg.Pool,
  ref: SchemaRef,
  o: ListStreamsOptions,
): Promise<StreamSummary[]> {
  const prefix = o.prefix ?? '';
  return query<StreamSummary>(
    pool,
    ref,
    `SELECT stream_name AS stream, max(position) AS version, ${micros('max(time)')} AS "lastActivity"
    FROM ${ref.table}
    WHERE stream_name > $1 AND stream_name >= $2 AND starts_with(stream_name, $2)
    GROUP BY stream_name ORDER BY stream_name LIMIT $3`,
    [o.after ?? '', prefix, o.limit],
  );
}

export async function listCategories(pool: pg.Pool, ref: SchemaRef): Promise<CategorySummary[]> {
  return query<CategorySummary>(
    pool,
    ref,
    `SELECT category, count(DISTINCT stream_name) AS "streamCount", count(*) AS "messageCount"
    FROM ${ref.table} GROUP BY category ORDER BY category`,
  );
}

export async function lastGlobalPosition(pool: pg.Pool, ref: SchemaRef): Promise<number> {
  const [row] = await query<{ g: string | null }>(
    pool,
    ref,
    `SELECT max(global_position) AS g FROM ${ref.table}`,
  );
  return row?.g == null ? 0 : Number(row.g);
}

export async function namespaceStats(pool: pg.Pool, ref: SchemaRef): Promise<NamespaceStats> {
  const [row] = await query<NamespaceStats>(
    pool,
    ref,
    `SELECT count(*) AS "messageCount", count(DISTINCT stream_name) AS "streamCount",
      ${micros('max(time)')} AS "lastActivity" FROM ${ref.table}`,
  );
  return row ?? { messageCount: 0, streamCount: 0, lastActivity: null };
}
