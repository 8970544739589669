/**
 * ImportBatch: explicit positions, one child transaction per batch (a throw stores nothing).
 *
 * Every check runs before the first key is put. Clashes first, record by record in batch order:
 * the global position, then (stream, position), then the id, each against the stored keys and the
 * batch's earlier records; the first hit is POSITION_EXISTS. Then the stream-order check
 * (../stream-order.ts): each batch stream's stored highest message comes from its version record
 * (keys.ts `V`), and records below it get their stored neighbours from the stream index. Then the
 * puts, which advance the namespace's next global position to above the batch's highest and each
 * stream's version to its highest position, whatever order the records came in.
 *
 * `clearFirst` gives the namespace a fresh space in the same transaction (the old one is purged
 * in the background), so clearing costs the same whatever the namespace holds.
 */
import { PositionExistsError, namespaceNotFound } from '../../errors.js';
import type { ImportOptions, NamespaceRef, StoredMessage } from '../store.js';
import { type Neighbours, type Place, StreamOrderCheck, batchStreams } from '../stream-order.js';
import { SpaceKeys, encodeString, registryKey, trailingU64 } from './keys.js';
import { allocateSpace, liveEntry, readStats, type Db, type NamespaceEntry } from './namespace.js';
import { putMessage, versionOf } from './write.js';

/** What an import changed in the registry: the entry when `clearFirst` moved it to a new space. */
export interface ImportResult {
  moved: { entry: NamespaceEntry; oldSpace: number } | null;
}

export function importBatch(
  db: Db,
  ref: NamespaceRef,
  messages: readonly StoredMessage[],
  options: ImportOptions,
  markForPurge: (space: number) => void,
): Promise<ImportResult> {
  return db.childTransaction(() => {
    let entry = liveEntry(db, ref);
    if (entry === null) throw namespaceNotFound(ref.id);
    let moved: ImportResult['moved'] = null;
    if (options.clearFirst === true) {
      const oldSpace = entry.space;
      entry = { ...entry, space: allocateSpace(db) };
      db.putSync(registryKey(ref.id), entry);
      markForPurge(oldSpace);
      moved = { entry, oldSpace };
    }
    const keys = new SpaceKeys(entry.space);
    checkClashes(db, keys, messages);
    const disorder = streamOrder(db, keys, messages);
    if (disorder !== undefined) throw disorder;
    const stats = readStats(db, keys);
    for (const m of messages) putMessage(db, keys, stats, m);
    db.putSync(keys.stats(), stats);
    return { moved };
  });
}

/** Throws POSITION_EXISTS for the first record that clashes (see the file comment). */
function checkClashes(db: Db, keys: SpaceKeys, messages: readonly StoredMessage[]): void {
  const gpos = new Set<number>();
  const places = new Set<string>();
  const ids = new Set<string>();
  messages.forEach((m, index) => {
    const place = `${m.position}\u0000${m.streamName}`;
    if (gpos.has(m.globalPosition) || db.doesExist(keys.message(m.globalPosition))) {
      throw new PositionExistsError(index, 'gpos', `global position ${m.globalPosition} already exists`);
    }
    if (places.has(place) || db.doesExist(keys.stream(encodeString(m.streamName), m.position))) {
      throw new PositionExistsError(
        index,
        'stream-position',
        `stream ${m.streamName} position ${m.position} already exists`,
      );
    }
    if (ids.has(m.id) || db.doesExist(keys.id(m.id))) {
      throw new PositionExistsError(index, 'id', `message id ${m.id} already exists`);
    }
    gpos.add(m.globalPosition);
    places.add(place);
    ids.add(m.id);
  });
}

/** The stream-order refusal of the batch against the stored messages, if any. */
function streamOrder(db: Db, keys: SpaceKeys, messages: readonly StoredMessage[]) {
  const highest = new Map<string, Place>();
  for (const stream of batchStreams(messages)) {
    const version = versionOf(db, keys, stream);
    if (version !== undefined) highest.set(stream, { position: version[0], globalPosition: version[1] });
  }
  const check = new StreamOrderCheck(messages, highest);
  const neighbours = check.below.map((index): Neighbours => {
    const m = messages[index] as StoredMessage;
    const stream = encodeString(m.streamName);
    return {
      lower: nearest(db, { start: keys.streamStart(stream), end: keys.stream(stream, m.position) }, true),
      higher: nearest(db, { start: keys.stream(stream, m.position + 1), end: keys.streamEnd(stream) }, false),
    };
  });
  return check.violation(neighbours);
}

/** The first (or, `reverse`, last) stream index entry of a range as a place. */
function nearest(db: Db, range: { start: Buffer; end: Buffer }, reverse: boolean): Place | undefined {
  const options = reverse
    ? { start: range.end, end: range.start, reverse, limit: 1 }
    : { ...range, limit: 1 };
  for (const { key, value } of db.getRange(options)) {
    return { position: trailingU64(key), globalPosition: value as number };
  }
  return undefined;
}
