/** Reads: paged in global or stream order, each page one short statement (no open cursors). */
import type {
  CategorySummary,
  ListStreamsOptions,
  NamespaceStats,
  ReadCategoryOptions,
  ReadStreamOptions,
  StoredMessage,
  StreamSummary,
} from '../store.js';
import type { NamespaceDb } from './namespace.js';

/** The message columns, read as raw arrays (twice as fast as row objects) and mapped by `toMessage`. */
const COLUMNS = 'id, stream_name, type, position, global_position, data, metadata, time';

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

/** A cached statement returning message rows. */
function messages(
  h: NamespaceDb,
  sql: string,
): { all: (...args: unknown[]) => StoredMessage[]; get: (...args: unknown[]) => StoredMessage | null } {
  const stmt = h.statement(sql).raw(true);
  return {
    all: (...args) => (stmt.all(...args) as MessageRow[]).map(toMessage),
    get: (...args) => {
      const row = stmt.get(...args) as MessageRow | undefined;
      return row === undefined ? null : toMessage(row);
    },
  };
}

/** Rows per statement. */
export const PAGE_SIZE = 1000;

/** Pages of `fetch(from, n)` until `limit` rows or the end; `next` gives the following `from`. */
async function* paged(
  fetch: (from: number, n: number) => StoredMessage[],
  from: number,
  limit: number | null,
  next: (last: StoredMessage) => number,
): AsyncGenerator<StoredMessage[]> {
  let left = limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const n = Math.min(left, PAGE_SIZE);
    const page = fetch(from, n);
    const last = page.at(-1);
    if (last === undefined) return;
    left -= page.length;
    from = next(last);
    yield page;
    if (page.length < n) return;
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
    const fetch = (from: number, n: number) => stmt.all(streamName, from, n);
    return paged(fetch, o.fromGlobalPosition, o.limit, (m) => m.globalPosition + 1);
  }
  const stmt = messages(
    h,
    `SELECT ${COLUMNS} FROM messages WHERE stream_name = ? AND position >= ? ORDER BY position LIMIT ?`,
  );
  const fetch = (from: number, n: number) => stmt.all(streamName, from, n);
  return paged(fetch, o.fromPosition, o.limit, (m) => m.position + 1);
}

const CORRELATION_CATEGORY = `(SELECT CASE WHEN instr(c, '-') > 0 THEN substr(c, 1, instr(c, '-') - 1) ELSE c END
  FROM (SELECT json_extract(metadata, '$.correlationStreamName') AS c))`;

export function readCategory(
  h: NamespaceDb,
  name: string,
  o: ReadCategoryOptions,
): AsyncIterable<StoredMessage[]> {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (name !== '') {
    where.push('category = ?');
    args.push(name);
  }
  where.push('global_position >= ?');
  if (o.correlation !== undefined) where.push(`${CORRELATION_CATEGORY} = ?`);
  if (o.consumerGroup !== undefined) where.push('eventodb_member(stream_name, ?) = ?');
  const stmt = messages(
    h,
    `SELECT ${COLUMNS} FROM messages WHERE ${where.join(' AND ')} ORDER BY global_position LIMIT ?`,
  );
  const tail: (string | number)[] = [];
  if (o.correlation !== undefined) tail.push(o.correlation);
  if (o.consumerGroup !== undefined) tail.push(o.consumerGroup.size, o.consumerGroup.member);
  const fetch = (from: number, n: number) => stmt.all(...args, from, ...tail, n);
  return paged(fetch, o.fromGlobalPosition, o.limit, (m) => m.globalPosition + 1);
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

export function namespaceStats(h: NamespaceDb): NamespaceStats {
  const counts = h
    .statement('SELECT count(*) AS messageCount, count(DISTINCT stream_name) AS streamCount FROM messages')
    .get() as { messageCount: number; streamCount: number };
  const last = h.statement('SELECT max(time) AS t FROM messages').get() as { t: number | null };
  return { ...counts, lastActivity: last.t };
}
