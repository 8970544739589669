/** Reads: paged in global or stream order, each page one short statement (no open cursors). */
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
import type { NamespaceDb } from './namespace.js';
import { windowFetch } from './read-window.js';

/** The message columns, read as raw arrays (twice as fast as row objects) and mapped by `toMessage`. */
const COLUMNS = 'id, stream_name, type, position, global_position, data, metadata, time';

export type MessageRow = [string, string, string, number, number, string, string | null, number];

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

/** A cached statement returning message rows. */
function messages(
  h: NamespaceDb,
  sql: string,
): {
  iterate: (...args: unknown[]) => IterableIterator<MessageRow>;
  get: (...args: unknown[]) => StoredMessage | null;
} {
  const stmt = h.statement(sql).raw(true);
  return {
    iterate: (...args) => stmt.iterate(...args) as IterableIterator<MessageRow>,
    get: (...args) => {
      const row = stmt.get(...args) as MessageRow | undefined;
      return row === undefined ? null : toMessage(row);
    },
  };
}

/** Rows per statement. */
export const PAGE_SIZE = 1000;

/**
 * Bytes (`messageSize`) per page: a page ends after the row that reaches this, so a read of large
 * messages holds about this much at a time (1000 rows of 15 MB would otherwise be read at once).
 */
export const PAGE_BYTES = 8 * 1024 * 1024;

/** What `paged` reads and where it stops. */
interface PagedRead {
  /** Up to `n` rows from `from` on, in order. */
  fetch: (from: number, n: number) => IterableIterator<MessageRow>;
  from: number;
  limit: number | null;
  maxBytes: number | undefined;
  /** The `from` that follows a message. */
  next: (last: StoredMessage) => number;
}

/**
 * Pages until `limit` rows, `maxBytes` or the end. Rows are stepped through (not `.all()`), so a
 * page stops at PAGE_BYTES or at the size bound without reading further rows; the statement is
 * finished before each yield (better-sqlite3 allows no other statement while one iterates).
 */
async function* paged(read: PagedRead): AsyncGenerator<StoredMessage[]> {
  let left = read.limit ?? Number.POSITIVE_INFINITY;
  let budget = read.maxBytes ?? Number.POSITIVE_INFINITY;
  let from = read.from;
  let first = true;
  while (left > 0) {
    const n = Math.min(left, PAGE_SIZE);
    const page: StoredMessage[] = [];
    let pageBytes = 0;
    let full = false;
    for (const row of read.fetch(from, n)) {
      const m = toMessage(row);
      const size = messageSize(m);
      if (!first && size > budget) {
        full = true;
        break;
      }
      first = false;
      page.push(m);
      budget -= size;
      pageBytes += size;
      if (pageBytes >= PAGE_BYTES) break;
    }
    const last = page.at(-1);
    if (last === undefined) return;
    left -= page.length;
    from = read.next(last);
    yield page;
    if (full || (page.length < n && pageBytes < PAGE_BYTES)) return;
  }
}

export function readStream(
  h: NamespaceDb,
  streamName: string,
  o: ReadStreamOptions,
): AsyncIterable<StoredMessage[]> {
  if (o.fromGlobalPosition !== undefined) {
    const stmt = messages(
      h,
      `SELECT ${COLUMNS} FROM messages WHERE stream_name = ? AND global_position >= ? ORDER BY global_position LIMIT ?`,
    );
    const fetch = (from: number, n: number) => stmt.iterate(streamName, from, n);
    const next = (m: StoredMessage) => m.globalPosition + 1;
    return paged({ fetch, from: o.fromGlobalPosition, limit: o.limit, maxBytes: o.maxBytes, next });
  }
  const stmt = messages(
    h,
    `SELECT ${COLUMNS} FROM messages WHERE stream_name = ? AND position >= ? ORDER BY position LIMIT ?`,
  );
  const fetch = (from: number, n: number) => stmt.iterate(streamName, from, n);
  const next = (m: StoredMessage) => m.position + 1;
  return paged({ fetch, from: o.fromPosition, limit: o.limit, maxBytes: o.maxBytes, next });
}

const CORRELATION_CATEGORY = `(SELECT CASE WHEN instr(c, '-') > 0 THEN substr(c, 1, instr(c, '-') - 1) ELSE c END
  FROM (SELECT json_extract(metadata, '$.correlationStreamName') AS c))`;

export function readCategory(
  h: NamespaceDb,
  name: string,
  o: ReadCategoryOptions,
): AsyncIterable<StoredMessage[]> {
  const filters: string[] = [];
  const filterArgs: (string | number)[] = [];
  if (o.correlation !== undefined) {
    filters.push(`${CORRELATION_CATEGORY} = ?`);
    filterArgs.push(o.correlation);
  }
  if (o.consumerGroup !== undefined) {
    filters.push('eventodb_member(stream_name, ?) = ?');
    filterArgs.push(o.consumerGroup.size, o.consumerGroup.member);
  }
  const next = (m: StoredMessage) => m.globalPosition + 1;
  const page = { from: o.fromGlobalPosition, limit: o.limit, maxBytes: o.maxBytes, next };
  if (o.since !== undefined || o.until !== undefined) {
    const w = { category: name, since: o.since, until: o.until, columns: COLUMNS, filters, filterArgs };
    return paged({ fetch: windowFetch(h, w), ...page });
  }
  const where = [...(name === '' ? [] : ['category = ?']), 'global_position >= ?', ...filters];
  const args = name === '' ? [] : [name];
  const stmt = messages(
    h,
    `SELECT ${COLUMNS} FROM messages WHERE ${where.join(' AND ')} ORDER BY global_position LIMIT ?`,
  );
  const fetch = (from: number, n: number) => stmt.iterate(...args, from, ...filterArgs, n);
  return paged({ fetch, ...page });
}

export function lastMessage(h: NamespaceDb, streamName: string, type?: string): StoredMessage | null {
  return type === undefined
    ? messages(h, `SELECT ${COLUMNS} FROM messages WHERE stream_name = ? ORDER BY position DESC LIMIT 1`).get(
        streamName,
      )
    : messages(
        h,
        `SELECT ${COLUMNS} FROM messages WHERE stream_name = ? AND type = ? ORDER BY position DESC LIMIT 1`,
      ).get(streamName, type);
}

/** The messages at these global positions, by the primary key (one JSON array parameter). */
export function readGlobalPositions(h: NamespaceDb, globalPositions: readonly number[]): StoredMessage[] {
  const rows = messages(
    h,
    `SELECT ${COLUMNS} FROM messages
     WHERE global_position IN (SELECT value FROM json_each(?)) ORDER BY global_position`,
  ).iterate(JSON.stringify(globalPositions));
  return Array.from(rows, toMessage);
}

export function streamVersion(h: NamespaceDb, streamName: string): number | null {
  const row = h.statement('SELECT max(position) AS v FROM messages WHERE stream_name = ?').get(streamName);
  return (row as { v: number | null }).v;
}

export function listStreams(h: NamespaceDb, o: ListStreamsOptions): StreamSummary[] {
  const stmt = h.statement(`SELECT stream_name AS stream, max(position) AS version, max(time) AS lastActivity
    FROM messages
    WHERE stream_name > @after AND stream_name >= @prefix AND substr(stream_name, 1, length(@prefix)) = @prefix
    GROUP BY stream_name ORDER BY stream_name LIMIT @limit`);
  return stmt.all({ after: o.after ?? '', prefix: o.prefix ?? '', limit: o.limit }) as StreamSummary[];
}

export function listCategories(h: NamespaceDb): CategorySummary[] {
  return h
    .statement(
      `SELECT category, count(DISTINCT stream_name) AS streamCount, count(*) AS messageCount
      FROM messages GROUP BY category ORDER BY category`,
    )
    .all() as CategorySummary[];
}

export function lastGlobalPosition(h: NamespaceDb): number {
  const row = h.statement('SELECT max(global_position) AS g FROM messages').get() as { g: number | null };
  return row.g ?? 0;
}

export function namespaceStats(h: NamespaceDb): NamespaceStats {
  const counts = h
    .statement('SELECT count(*) AS messageCount, count(DISTINCT stream_name) AS streamCount FROM messages')
    .get() as { messageCount: number; streamCount: number };
  const last = h.statement('SELECT max(time) AS t FROM messages').get() as { t: number | null };
  return { ...counts, lastActivity: last.t };
}
