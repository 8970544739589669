/**
 * Paged reads of streams and categories.
 *
 * A source yields chunks of messages; each chunk is one synchronous range scan that ends before the
 * chunk is yielded, and the next resumes from a cursor, so no LMDB read transaction stays open while
 * the consumer awaits, and later pages see commits made meanwhile (a reader never skips a normal
 * write: global positions are handed out in commit order). A chunk stops after `CHUNK_BYTES` of
 * payload or `SCAN_LIMIT` index entries, so filtered reads (consumer group, correlation, time
 * window) keep scanning past non-matching messages however sparse the matches are, in steps that
 * let the event loop run between them, and never return an empty page before the end.
 *
 * Time windows (`since`/`until`) are served from the time index (keys.ts `T`, or `K` for a
 * category): one pass over the window's index entries keeps the `WINDOW_BATCH` smallest global
 * positions at or after the cursor (time need not be monotonic in global position), which are then
 * read in global order; the next pass starts after the last of them. A read thus touches only the
 * window's entries, holds at most 2 × `WINDOW_BATCH` positions, and ends with one empty pass.
 */
import { messageSize, type ReadCategoryOptions, type StoredMessage } from '../store.js';
import { category as categoryOf, isInConsumerGroup } from '../stream-name.js';
import { type SpaceKeys, encodeString, trailingU64 } from './keys.js';
import type { Db } from './namespace.js';
import { messageAt, toMessage } from './read.js';

/** Messages per page at most. */
export const PAGE_SIZE = 1000;
/** Payload (`messageSize`) per chunk and page: a read of large messages holds about this much. */
export const PAGE_BYTES = 8 * 1024 * 1024;
/** Index entries one chunk scans at most (a filtered read's step between event loop turns). */
export const SCAN_LIMIT = 4096;
/** Global positions one window pass keeps. */
export const WINDOW_BATCH = 65_536;

/** Resolves the namespace's keys before each chunk (throws NAMESPACE_NOT_FOUND once it is gone). */
export type KeysOf = () => SpaceKeys;

type Source = Generator<StoredMessage[], void, undefined>;

/** Pages of a source until `limit`, `maxBytes` or its end (see ReadStreamOptions for `maxBytes`). */
export async function* paged(
  source: Source,
  limit: number | null,
  maxBytes: number | undefined,
): AsyncGenerator<StoredMessage[]> {
  let left = limit ?? Number.POSITIVE_INFINITY;
  let budget = maxBytes ?? Number.POSITIVE_INFINITY;
  let first = true;
  let page: StoredMessage[] = [];
  let pageBytes = 0;
  for (const chunk of source) {
    for (const m of chunk) {
      const size = messageSize(m);
      if (!first && size > budget) {
        if (page.length > 0) yield page;
        return;
      }
      first = false;
      page.push(m);
      budget -= size;
      pageBytes += size;
      if (--left === 0) break;
      if (page.length >= PAGE_SIZE || pageBytes >= PAGE_BYTES) {
        yield page;
        page = [];
        pageBytes = 0;
      }
    }
    if (left === 0) break;
    if (chunk.length === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  if (page.length > 0) yield page;
}

/**
 * Messages one chunk holds at most for a read of `limit` messages: a chunk never decodes more
 * messages than the page can take (a 250-message page used to decode a 1,000-message chunk).
 */
export function chunkSize(limit: number | null): number {
  return limit === null ? PAGE_SIZE : Math.max(1, Math.min(PAGE_SIZE, limit));
}

/** A stream's messages from a position, in position order, `max` per chunk at most. */
export function* streamChunks(
  db: Db,
  keysOf: KeysOf,
  name: string,
  from: number,
  max: number,
  fromGpos = 0,
): Source {
  const stream = encodeString(name);
  let cursor = from;
  for (;;) {
    const keys = keysOf();
    const chunk: StoredMessage[] = [];
    let bytes = 0;
    let scanned = 0;
    let full = false;
    const range = { start: keys.stream(stream, cursor), end: keys.streamEnd(stream), limit: SCAN_LIMIT };
    for (const { key, value } of db.getRange(range)) {
      scanned++;
      cursor = trailingU64(key) + 1;
      if ((value as number) < fromGpos) continue;
      const m = messageAt(db, keys, value as number);
      if (m === null) continue;
      chunk.push(m);
      bytes += messageSize(m);
      full = bytes >= PAGE_BYTES || chunk.length >= max;
      if (full) break;
    }
    yield chunk;
    if (!full && scanned < SCAN_LIMIT) return;
  }
}

/** A filter of a category read (consumer group, correlation), or null when there is none. */
export function categoryFilter(o: ReadCategoryOptions): ((m: StoredMessage) => boolean) | null {
  const { correlation, consumerGroup } = o;
  if (correlation === undefined && consumerGroup === undefined) return null;
  return (m) =>
    (consumerGroup === undefined || isInConsumerGroup(m.streamName, consumerGroup)) &&
    (correlation === undefined || correlationCategory(m.metadata) === correlation);
}

function correlationCategory(metadata: string | null): string | null {
  if (metadata === null || !metadata.includes('correlationStreamName')) return null;
  const value = (JSON.parse(metadata) as Record<string, unknown>)['correlationStreamName'];
  return typeof value === 'string' ? categoryOf(value) : null;
}

/**
 * A category's (every message's, for '') matching messages from a global position, in order,
 * `max` per chunk at most.
 */
export function* categoryChunks(
  db: Db,
  keysOf: KeysOf,
  name: string,
  from: number,
  max: number,
  keep: ((m: StoredMessage) => boolean) | null,
): Source {
  const cat = name === '' ? null : encodeString(name);
  let cursor = from;
  for (;;) {
    const keys = keysOf();
    const chunk: StoredMessage[] = [];
    let bytes = 0;
    let scanned = 0;
    let full = false;
    const range =
      cat === null
        ? { ...keys.messagesFrom(cursor), limit: SCAN_LIMIT }
        : { start: keys.category(cat, cursor), end: keys.categoryEnd(cat), limit: SCAN_LIMIT };
    for (const { key, value } of db.getRange(range)) {
      scanned++;
      const gpos = trailingU64(key);
      cursor = gpos + 1;
      const m = cat === null ? toMessage(gpos, value as never) : messageAt(db, keys, gpos);
      if (m === null || (keep !== null && !keep(m))) continue;
      chunk.push(m);
      bytes += messageSize(m);
      full = bytes >= PAGE_BYTES || chunk.length >= max;
      if (full) break;
    }
    yield chunk;
    if (!full && scanned < SCAN_LIMIT) return;
  }
}

/** A time window's matching messages from a global position, in global order (file comment). */
export function* windowChunks(
  db: Db,
  keysOf: KeysOf,
  name: string,
  o: ReadCategoryOptions,
  max: number,
  keep: ((m: StoredMessage) => boolean) | null,
): Source {
  const cat = name === '' ? null : encodeString(name);
  const since = o.since ?? Number.NEGATIVE_INFINITY;
  const until = o.until ?? Number.POSITIVE_INFINITY;
  let cursor = o.fromGlobalPosition;
  for (;;) {
    const keys = keysOf();
    const batch = windowPass(db, keys.timeRange(cat, since, until), cursor);
    if (batch.length === 0) return;
    for (let i = 0; i < batch.length;) {
      const chunk: StoredMessage[] = [];
      let bytes = 0;
      const chunkKeys = keysOf();
      for (; i < batch.length && chunk.length < max && bytes < PAGE_BYTES; i++) {
        const m = messageAt(db, chunkKeys, batch[i] as number);
        if (m === null || (keep !== null && !keep(m))) continue;
        chunk.push(m);
        bytes += messageSize(m);
      }
      yield chunk;
    }
    cursor = (batch.at(-1) as number) + 1;
  }
}

/** The `WINDOW_BATCH` smallest global positions ≥ `from` in a time index range, sorted. */
function windowPass(db: Db, range: { start: Buffer; end: Buffer }, from: number): number[] {
  let kept: number[] = [];
  let ceiling = Number.POSITIVE_INFINITY;
  for (const key of db.getKeys(range)) {
    const gpos = trailingU64(key);
    if (gpos < from || gpos >= ceiling) continue;
    kept.push(gpos);
    if (kept.length >= 2 * WINDOW_BATCH) {
      // Only the smallest WINDOW_BATCH can be returned: drop the rest and everything above them.
      kept.sort((a, b) => a - b);
      kept = kept.slice(0, WINDOW_BATCH);
      ceiling = kept[WINDOW_BATCH - 1] as number;
    }
  }
  kept.sort((a, b) => a - b);
  return kept.slice(0, WINDOW_BATCH);
}
