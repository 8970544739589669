/**
 * Time windows (`ReadCategoryOptions.since/until`) on SQLite, served from the indexes
 * `messages_category_time (category, time)` and `messages_time (time)`, whose entries end in the
 * rowid, which is the global position (schema.ts).
 *
 * Imported data need not be monotonic in time, so a window is not one range of global positions:
 * its messages are found in the time index and put in global order. Each read chooses how, from
 * the number of window entries at or after `from` (counted in the index, at most NARROW_ROWS):
 * - narrow (the usual "one day out of a hundred"): the window's global positions, CHUNK_ROWS at a
 *   time and in order, come from the covering index alone (a sort of index entries, no message
 *   read); the messages at those positions then come by primary key, with the other filters
 *   (correlation, consumer group). Every statement costs one pass over the window's index entries
 *   and never touches a message outside the window.
 * - wide (NARROW_ROWS or more): the plain scan in global order with the time as a filter. The
 *   window is then a large read by itself, and sorting it again for every chunk would cost more.
 * EXPLAIN QUERY PLAN of the narrow statements: `SEARCH messages USING COVERING INDEX
 * messages_category_time (category=? AND time>? AND time<?)` + `USE TEMP B-TREE FOR ORDER BY`, then
 * `SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)` (test/sqlite/time-window-plan.test.ts).
 */
import { END_TIME, MIN_TIME } from '../time.js';
import type { NamespaceDb } from './namespace-db.js';
import type { MessageRow } from './read.js';

/** Window entries (from `from` on) up to which a read takes the narrow way (see the file comment). */
export const NARROW_ROWS = 50_000;

/** Global positions fetched per index statement on the narrow way (numbers held: 80 KB). */
export const CHUNK_ROWS = 10_000;

/** What a windowed category read needs from read.ts. */
export interface WindowRead {
  /** '' for every category. */
  category: string;
  since: number | undefined;
  until: number | undefined;
  /** The message columns. */
  columns: string;
  /** Extra conditions on the message (correlation, consumer group) and their arguments. */
  filters: readonly string[];
  filterArgs: readonly (string | number)[];
}

/** `fetch(from, n)`: up to `n` message rows of the window from global position `from` on, in order. */
export type WindowFetch = (from: number, n: number) => IterableIterator<MessageRow>;

/** The statements of a windowed read (exported for the query-plan test). */
export interface WindowSql {
  /** Counts window entries from global position ? on, at most NARROW_ROWS. */
  count: string;
  /** The next CHUNK_ROWS global positions of the window from ? on, from the index alone. */
  positions: string;
  /** The messages at a JSON array of global positions that pass the filters. */
  rows: string;
  /** The wide way: the scan in global order with the time as a filter. */
  scan: string;
  /** The arguments of the window before the global position. */
  keyArgs: (string | number)[];
}

export function windowSql(w: WindowRead): WindowSql {
  const all = w.category === '';
  const key = [...(all ? [] : ['category = ?']), 'time >= ?', 'time < ?'].join(' AND ');
  const inWindow = `FROM messages INDEXED BY ${all ? 'messages_time' : 'messages_category_time'}
    WHERE ${key} AND global_position >= ?`;
  const filters = w.filters.map((f) => `AND ${f}`).join(' ');
  return {
    count: `SELECT count(*) AS n FROM (SELECT 1 ${inWindow} LIMIT ${NARROW_ROWS})`,
    positions: `SELECT global_position ${inWindow} ORDER BY global_position LIMIT ${CHUNK_ROWS}`,
    rows: `SELECT ${w.columns} FROM messages WHERE global_position IN (SELECT value FROM json_each(?))
      ${filters} ORDER BY global_position`,
    scan: `SELECT ${w.columns} FROM messages ${all ? 'NOT INDEXED' : 'INDEXED BY messages_category'}
      WHERE ${key} AND global_position >= ? ${filters} ORDER BY global_position LIMIT ?`,
    keyArgs: [...(all ? [] : [w.category]), w.since ?? MIN_TIME, w.until ?? END_TIME],
  };
}

/** The fetch of a windowed read; decides narrow or wide on its first call. */
export function windowFetch(h: NamespaceDb, w: WindowRead): WindowFetch {
  const sql = windowSql(w);
  let chosen: WindowFetch | undefined;
  return (from, n) => {
    if (chosen === undefined) {
      const counted = h.statement(sql.count).get(...sql.keyArgs, from) as { n: number };
      chosen = counted.n < NARROW_ROWS ? narrow(h, sql, w.filterArgs) : wide(h, sql, w.filterArgs);
    }
    return chosen(from, n);
  };
}

function narrow(h: NamespaceDb, sql: WindowSql, filterArgs: readonly (string | number)[]): WindowFetch {
  const positions = h.statement(sql.positions).pluck(true);
  const rows = h.statement(sql.rows).raw(true);
  let pending: number[] = [];
  let next = 0;
  return function* fetch(start: number, n: number): Generator<MessageRow> {
    let from = start;
    let left = n;
    while (left > 0) {
      while (next < pending.length && (pending[next] ?? 0) < from) next++;
      if (next >= pending.length) {
        pending = positions.all(...sql.keyArgs, from) as number[];
        next = 0;
        if (pending.length === 0) return;
      }
      const slice = pending.slice(next, next + left);
      for (const row of rows.iterate(JSON.stringify(slice), ...filterArgs) as IterableIterator<MessageRow>) {
        yield row;
        left--;
      }
      from = (slice.at(-1) ?? from) + 1;
    }
  };
}

function wide(h: NamespaceDb, sql: WindowSql, filterArgs: readonly (string | number)[]): WindowFetch {
  const stmt = h.statement(sql.scan).raw(true);
  return (from, n) => stmt.iterate(...sql.keyArgs, from, ...filterArgs, n) as IterableIterator<MessageRow>;
}
