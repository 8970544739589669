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

/** A JSON array of rows, encoded by `encodeRow`. */
export function encodeRows(
  messages: readonly StoredMessage[],
  encodeRow: (m: StoredMessage) => string,
): RawJson {
  if (messages.length === 0) return new RawJson('[]');
  // Appending builds a rope that is flattened once when sent; never compare it while building.
  let text = '[';
  for (let i = 0; i < messages.length; i++) text += (i === 0 ? '' : ',') + encodeRow(messages[i]!);
  return new RawJson(text + ']');
}
