/**
 * Message rows on the wire (contract §4), encoded straight to JSON text.
 *
 * - `stream.get` / `stream.last` row: `[id, type, position, globalPosition, data, metadata, time]`
 * - `category.get` row: `[id, streamName, type, position, globalPosition, data, metadata, time]`
 *
 * `data` and `metadata` are stored as JSON text already, so they are spliced into the reply
 * verbatim rather than parsed and re-serialised (reads of 10000 rows stay cheap). `metadata` is
 * `null` when absent; `time` is RFC 3339 UTC with microseconds (`formatTime`), which needs no
 * escaping. Strings that come from clients (id, type, stream name) go through JSON.stringify.
 */
import type { StoredMessage } from '../store/store.js';
import { formatTime } from '../store/time.js';

/** A result that is already JSON text; the RPC route sends it as is. */
export class RawJson {
  /** @param text A complete JSON document. */
  constructor(readonly text: string) {}
}

/** The elements after the id and stream name, which both row kinds share. */
function encodeRowTail(m: StoredMessage): string {
  return `,${JSON.stringify(m.type)},${m.position},${m.globalPosition},${m.data},${m.metadata ?? 'null'},"${formatTime(m.time)}"]`;
}

/** The JSON text of one `stream.get` row. */
export function encodeStreamRow(m: StoredMessage): string {
  return `[${JSON.stringify(m.id)}${encodeRowTail(m)}`;
}

/** The JSON text of one `category.get` row. */
export function encodeCategoryRow(m: StoredMessage): string {
  return `[${JSON.stringify(m.id)},${JSON.stringify(m.streamName)}${encodeRowTail(m)}`;
}

/**
 * A result sent as a stream of JSON text chunks (chunked transfer encoding), written one after
 * another with backpressure; together they form one JSON document.
 */
export class RawJsonChunks {
  /** @param chunks Lazily encoded pieces of one JSON document. */
  constructor(readonly chunks: Iterable<string>) {}
}

/**
 * Bytes of JSON text per chunk of a streamed reply (a single row may be larger). Replies up to
 * this size are one `RawJson`, as fast as before streaming; larger ones hold one chunk at a time.
 */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * A JSON array of rows, encoded by `encodeRow`, of at most `budget` bytes: rows stop before the
 * one that would pass it, but the first row is always sent. A reply that fits in one chunk is a
 * `RawJson` (sent with a Content-Length); a larger one is encoded chunk by chunk as it is sent.
 */
export function encodeRows(
  messages: readonly StoredMessage[],
  encodeRow: (m: StoredMessage) => string,
  budget = Number.POSITIVE_INFINITY,
): RawJson | RawJsonChunks {
  if (messages.length === 0) return new RawJson('[]');
  const chunks = rowChunks(messages, encodeRow, budget);
  const first = chunks.next();
  if (first.done === true) return new RawJson('[]');
  const second = chunks.next();
  if (second.done === true) return new RawJson(first.value);
  return new RawJsonChunks(
    (function* () {
      yield first.value;
      yield second.value;
      yield* chunks;
    })(),
  );
}

function* rowChunks(
  messages: readonly StoredMessage[],
  encodeRow: (m: StoredMessage) => string,
  budget: number,
): Generator<string, void> {
  // Appending builds a rope that is flattened once when written; never compare it while building.
  let chunk = '[';
  let chunkBytes = 1;
  let total = 2; // the brackets
  for (let i = 0; i < messages.length; i++) {
    const row = (i === 0 ? '' : ',') + encodeRow(messages[i]!);
    const bytes = Buffer.byteLength(row);
    if (i > 0 && total + bytes > budget) break;
    total += bytes;
    if (chunkBytes + bytes > CHUNK_BYTES && chunkBytes > 1) {
      yield chunk;
      chunk = '';
      chunkBytes = 0;
    }
    chunk += row;
    chunkBytes += bytes;
  }
  yield chunk + ']';
}
