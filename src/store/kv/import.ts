/**
 * ImportBatch: explicit positions, one child transaction per batch (a throw stores nothing).
 *
 * Each batch stream's name and category are encoded once and its version record (keys.ts `V`) is
 * read once. Every check runs before the other keys are put. Clashes first, record by record in
 * batch order: the global position, then (stream, position), then the id, each against the
 * batch's earlier records and the stored keys; the first hit is POSITION_EXISTS. A stored key is
 * looked up only where one can exist (below the namespace's next global position, at or below
 * the stream's version); the id check is the put of the id key itself with LMDB's no-overwrite
 * flag (refused when the id is stored or earlier in the batch), so an import above everything
 * stored costs no lookup at all (a refusal throws, and the child transaction stores nothing).
 * Then the stream-order check (../stream-order.ts): each batch stream's stored highest message
 * comes from its version record, and records below it get their stored neighbours from the
 * stream index. Then the puts: five more keys per record, and once per batch each stream's
 * version record, each category's counters and the namespace's counters, which advance the next
 * global position to above the batch's highest and each stream's version to its highest
 * position, whatever order the records came in. Last, `onStored` tells the caller it may start
 * its next batch (store.ts): this child transaction commits with its parent, before any later.
 *
 * `clearFirst` gives the namespace a fresh space in the same transaction (the old one is purged
 * in the background), so clearing costs the same whatever the namespace holds.
 */
import { PositionExistsError, namespaceNotFound } from '../../errors.js';
import type { ImportOptions, NamespaceRef, StoredMessage } from '../store.js';
import { type Neighbours, type Place, StreamOrderCheck } from '../stream-order.js';
import { category } from '../stream-name.js';
import { SpaceKeys, encodeString, isHashedName, registryKey, trailingU64 } from './keys.js';
import {
  allocateSpace,
  liveEntry,
  readStats,
  type Db,
  type NamespaceEntry,
  type SpaceStats,
} from './namespace.js';
import {
  advanceStats,
  advanceVersion,
  claimId,
  putMessageKeys,
  type CategoryStats,
  type VersionRecord,
} from './write.js';

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
    const stats = readStats(db, keys);
    const streams = batchStreamsOf(db, keys, messages);
    checkClashes(db, keys, stats, streams, messages);
    const disorder = streamOrder(db, keys, streams, messages);
    if (disorder !== undefined) throw disorder;
    putBatch(db, keys, stats, streams, messages);
    // Checked and put: this child transaction commits with its parent, before any later one.
    options.onStored?.();
    return { moved };
  });
}

/** One stream of the batch: its encoded name and category, and its version record as stored. */
interface BatchStream {
  key: Buffer;
  category: string;
  categoryKey: Buffer;
  stored: VersionRecord | undefined;
}

/**
 * The batch's streams by name: each name and category encoded once, each version record read
 * once per batch (not once per record).
 */
function batchStreamsOf(
  db: Db,
  keys: SpaceKeys,
  messages: readonly StoredMessage[],
): Map<string, BatchStream> {
  const streams = new Map<string, BatchStream>();
  const categories = new Map<string, Buffer>();
  for (const m of messages) {
    if (streams.has(m.streamName)) continue;
    const key = encodeString(m.streamName);
    const name = category(m.streamName);
    let categoryKey = categories.get(name);
    if (categoryKey === undefined) {
      categoryKey = encodeString(name);
      categories.set(name, categoryKey);
    }
    const stored = db.get(keys.version(key)) as VersionRecord | undefined;
    streams.set(m.streamName, { key, category: name, categoryKey, stored });
  }
  return streams;
}

/**
 * Throws POSITION_EXISTS for the first record that clashes (see the file comment). A stored key
 * is looked up only where one can exist: every stored global position is below the namespace's
 * next one, and every stored stream position is at or below the stream's version, so an import
 * above both (the usual case) costs one lookup per record, the id's.
 */
function checkClashes(
  db: Db,
  keys: SpaceKeys,
  stats: SpaceStats,
  streams: ReadonlyMap<string, BatchStream>,
  messages: readonly StoredMessage[],
): void {
  const gpos = new Set<number>();
  const places = new Set<string>();
  messages.forEach((m, index) => {
    const place = `${m.position}\u0000${m.streamName}`;
    const stream = streams.get(m.streamName) as BatchStream;
    const stored = stream.stored;
    if (
      gpos.has(m.globalPosition) ||
      (m.globalPosition < stats[0] && db.doesExist(keys.message(m.globalPosition)))
    ) {
      throw new PositionExistsError(index, 'gpos', `global position ${m.globalPosition} already exists`);
    }
    if (
      places.has(place) ||
      (stored !== undefined && m.position <= stored[0] && db.doesExist(keys.stream(stream.key, m.position)))
    ) {
      throw new PositionExistsError(
        index,
        'stream-position',
        `stream ${m.streamName} position ${m.position} already exists`,
      );
    }
    // Puts the id key (the batch's earlier records' included), so a clash is found in one descent.
    if (!claimId(db, keys, m)) {
      throw new PositionExistsError(index, 'id', `message id ${m.id} already exists`);
    }
    gpos.add(m.globalPosition);
    places.add(place);
  });
}

/** The stream-order refusal of the batch against the stored messages, if any. */
function streamOrder(
  db: Db,
  keys: SpaceKeys,
  streams: ReadonlyMap<string, BatchStream>,
  messages: readonly StoredMessage[],
) {
  const highest = new Map<string, Place>();
  for (const [name, { stored }] of streams) {
    if (stored !== undefined) highest.set(name, { position: stored[0], globalPosition: stored[1] });
  }
  const check = new StreamOrderCheck(messages, highest);
  const neighbours = check.below.map((index): Neighbours => {
    const m = messages[index] as StoredMessage;
    const stream = (streams.get(m.streamName) as BatchStream).key;
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

/**
 * Puts every record's keys, then each batch stream's version record, each batch category's
 * counters and the namespace's counters once (the same values record-by-record updates give).
 */
function putBatch(
  db: Db,
  keys: SpaceKeys,
  stats: SpaceStats,
  streams: ReadonlyMap<string, BatchStream>,
  messages: readonly StoredMessage[],
): void {
  const versions = new Map<string, VersionRecord>();
  const categories = new Map<string, { key: Buffer; streams: number; messages: number }>();
  for (const m of messages) {
    const stream = streams.get(m.streamName) as BatchStream;
    putMessageKeys(db, keys, stream.key, stream.categoryKey, m);
    const before = versions.get(m.streamName) ?? stream.stored;
    const isNewStream = before === undefined;
    versions.set(m.streamName, advanceVersion(before, m));
    let counts = categories.get(stream.category);
    if (counts === undefined) {
      counts = { key: stream.categoryKey, streams: 0, messages: 0 };
      categories.set(stream.category, counts);
    }
    counts.messages++;
    if (isNewStream) counts.streams++;
    advanceStats(stats, m, isNewStream);
  }
  for (const [name, version] of versions) {
    const key = (streams.get(name) as BatchStream).key;
    if (isHashedName(key)) version.push(name);
    db.putSync(keys.version(key), version);
  }
  for (const [name, counts] of categories) {
    const catKey = keys.categoryStats(counts.key);
    const stored = (db.get(catKey) as CategoryStats | undefined) ?? [0, 0];
    const updated: CategoryStats = [stored[0] + counts.streams, stored[1] + counts.messages];
    if (isHashedName(counts.key)) updated.push(name);
    db.putSync(catKey, updated);
  }
  db.putSync(keys.stats(), stats);
}
