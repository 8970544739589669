/**
 * Message DB's stream-order invariant, checked on import by every backend: within one stream,
 * position order and global order agree (a higher position has a higher global position). An
 * import record that would break it is refused with INVALID_RECORD (field `pos`, the record's
 * index) naming both records, so reading a stream by position or by global position gives the
 * same order.
 *
 * The check is cheap in the common case: per stream of the batch the backend looks up the stored
 * message with the highest position (one lookup per stream per batch). A record above it needs a
 * higher global position than it; records of one stream in the batch must agree among
 * themselves (checked in memory). Only a record whose position falls below the stored highest
 * (filling a gap of a sparse stream) needs its stored neighbours, the nearest lower and higher
 * positions of its stream, which the backend fetches and hands back. That is complete: a stream
 * is in order exactly when each pair of adjacent positions is, and every adjacent pair the batch
 * creates is one of these. Backends run it inside their import transaction, under the same lock
 * as writes, so concurrent imports cannot slip past it.
 */
import { InvalidRecordError } from '../errors.js';
import type { StoredMessage } from './store.js';

/** A stored message's place: its stream position and global position. */
export interface Place {
  position: number;
  globalPosition: number;
}

/** The stored messages next to a record's position in its stream (excluding that position). */
export interface Neighbours {
  /** The stored message with the nearest lower position, if any. */
  lower?: Place | undefined;
  /** The stored message with the nearest higher position, if any. */
  higher?: Place | undefined;
}

/** The distinct stream names of a batch, in first-seen order. */
export function batchStreams(messages: readonly StoredMessage[]): string[] {
  return [...new Set(messages.map((m) => m.streamName))];
}

/**
 * The in-memory part of the check, made from each batch stream's stored highest message (taken
 * before the batch is stored). `below` lists the records whose stored neighbours decide; pass
 * them to `violation`.
 */
export class StreamOrderCheck {
  /** Indexes (ascending) of the records below their stream's stored highest position. */
  readonly below: readonly number[];
  readonly #messages: readonly StoredMessage[];
  readonly #found: InvalidRecordError | undefined;

  /**
   * @param messages the batch
   * @param highest per stream of the batch, its stored message with the highest position (absent
   *   for a stream with no stored message)
   */
  constructor(messages: readonly StoredMessage[], highest: ReadonlyMap<string, Place>) {
    this.#messages = messages;
    const below: number[] = [];
    const seen = new Map<string, Place[]>();
    let found: InvalidRecordError | undefined;
    for (let index = 0; index < messages.length && found === undefined; index++) {
      const m = messages[index] as StoredMessage;
      const top = highest.get(m.streamName);
      if (top !== undefined && m.position > top.position) found = breach(m, index, { lower: top });
      else if (top !== undefined && m.position < top.position) below.push(index);
      found ??= breach(m, index, insertPlace(seen, m));
    }
    this.below = below;
    this.#found = found;
  }

  /**
   * The refusal of the first record (in batch order) that breaks the rule, or undefined.
   * `neighbours[i]` are the stored neighbours of record `below[i]`.
   */
  violation(neighbours: readonly Neighbours[]): InvalidRecordError | undefined {
    for (const [i, index] of this.below.entries()) {
      if (this.#found !== undefined && this.#found.index < index) break;
      const error = breach(this.#messages[index] as StoredMessage, index, neighbours[i] ?? {});
      if (error !== undefined) return error;
    }
    return this.#found;
  }
}

/**
 * Adds `m` to its stream's earlier batch records (kept sorted by position) and returns its
 * neighbours among them. An export arrives in global order, so the common case appends.
 */
function insertPlace(seen: Map<string, Place[]>, m: StoredMessage): Neighbours {
  let places = seen.get(m.streamName);
  if (places === undefined) seen.set(m.streamName, (places = []));
  const place = { position: m.position, globalPosition: m.globalPosition };
  const last = places[places.length - 1];
  if (last === undefined || last.position < m.position) {
    places.push(place);
    return { lower: last };
  }
  let lo = 0;
  let hi = places.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((places[mid] as Place).position < m.position) lo = mid + 1;
    else hi = mid;
  }
  const higher = places[lo];
  // An equal position is an exact clash, reported as POSITION_EXISTS by the backend.
  const result = { lower: places[lo - 1], higher: higher?.position === m.position ? undefined : higher };
  places.splice(lo, 0, place);
  return result;
}

/** The refusal when `m` (at `index`) is out of order with one of its neighbours, or undefined. */
function breach(
  m: StoredMessage,
  index: number,
  { lower, higher }: Neighbours,
): InvalidRecordError | undefined {
  const at = `stream ${m.streamName} position ${m.position} at global position ${m.globalPosition}`;
  if (lower !== undefined && lower.position < m.position && lower.globalPosition > m.globalPosition) {
    return new InvalidRecordError(
      index,
      'pos',
      `${at} would precede position ${lower.position} at global position ${lower.globalPosition}`,
    );
  }
  if (higher !== undefined && higher.position > m.position && higher.globalPosition < m.globalPosition) {
    return new InvalidRecordError(
      index,
      'pos',
      `${at} would follow position ${higher.position} at global position ${higher.globalPosition}`,
    );
  }
  return undefined;
}
