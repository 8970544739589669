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

/** The fetch of a windowed read; decides narrow or wide on its first call. */
export function windowFetch(h: NamespaceDb, w: WindowRead): WindowFetch {
  const index = w.category === '' ? 'messages_time' : 'messages_category_time';
  const keyWhere = [...(w.category === '' ? [] : ['category = ?']), 'time >= ?', 'time < ?'];
  const keyArgs = [...(w.category === '' ? [] : [w.category]), w.since ?? MIN_TIME, w.until ?? END_TIME];
  const inWindow = `FROM messages INDEXED BY ${index} WHERE ${keyWhere.join(' AND ')} AND global_position >= ?`;
  let chosen: WindowFetch | undefined;
  return (from, n) => {
    if (chosen === undefined) {
      const counted = h
        .statement(`SELECT count(*) AS n FROM (SELECT 1 ${inWindow} LIMIT ${NARROW_ROWS})`)
        .get(...keyArgs, from) as { n: number };
      chosen = counted.n < NARROW_ROWS ? narrow(h, w, inWindow, keyArgs) : wide(h, w, keyWhere, keyArgs);
    }
    return chosen(from, n);
  };
}

function narrow(
  h: NamespaceDb,
  w: WindowRead,
  inWindow: string,
  keyArgs: readonly (string | number)[],
): WindowFetch {
  const positions = h
    .statement(`SELECT global_position ${inWindow} ORDER BY global_position LIMIT ${CHUNK_ROWS}`)
    .pluck(true);
  const rows = h
    .statement(
      `SELECT ${w.columns} FROM messages WHERE global_position IN (SELECT value FROM json_each(?))
      ${w.filters.map((f) => `AND ${f}`).join(' ')} ORDER BY global_position`,
    )
    .raw(true);
  let pending: number[] = [];
  let next = 0;
  return function* fetch(start: number, n: number): Generator<MessageRow> {
    let from = start;
    let left = n;
    while (left > 0) {
      while (next < pending.length && (pending[next] ?? 0) < from) next++;
      if (next >= pending.length) {
        pending = positions.all(...keyArgs, from) as number[];
        next = 0;
        if (pending.length === 0) return;
      }
      const slice = pending.slice(next, next + left);
      for (const row of rows.iterate(
        JSON.stringify(slice),
        ...w.filterArgs,
      ) as IterableIterator<MessageRow>) {
        yield row;
        left--;
      }
      from = (slice.at(-1) ?? from) + 1;
    }
  };
}

function wide(
  h: NamespaceDb,
  w: WindowRead,
  keyWhere: readonly string[],
  keyArgs: readonly (string | number)[],
): WindowFetch {
  const index = w.category === '' ? 'NOT INDEXED' : 'INDEXED BY messages_category';
  const stmt = h
    .statement(
      `SELECT ${w.columns} FROM messages ${index} WHERE ${keyWhere.join(' AND ')} AND global_position >= ?
      ${w.filters.map((f) => `AND ${f}`).join(' ')} ORDER BY global_position LIMIT ?`,
    )
    .raw(true);
  return (from, n) => stmt.iterate(...keyArgs, from, ...w.filterArgs, n) as IterableIterator<MessageRow>;
}
