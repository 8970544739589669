/**
 * Appends with group commit: the group writer (../group-writer.ts) hands one namespace's queued
 * writes to `appendGroup`, which stores them in one LMDB transaction; lmdb-js also batches the
 * transactions of every namespace started in one event turn into one commit, so concurrent writers
 * share one sync. Each write's checks (expected version, id, position limits) are decided before
 * any of its keys is put, so a refused write leaves nothing and never fails the group. The
 * transaction runs as a child transaction: if anything throws, none of the group is stored.
 *
 * The namespace's incarnation is checked inside the transaction (a delete racing a write can never
 * let it land in a later incarnation), and the next global position comes from the namespace's
 * counters (keys.ts `Z`), so global positions are assigned in commit order, gapless and above
 * every stored one.
 */
import {
  PositionLimitError,
  StreamVersionConflictError,
  duplicateMessageId,
  namespaceNotFound,
} from '../../errors.js';
import type { AppendOutcome } from '../group-writer.js';
import { MAX_POSITION, type NamespaceRef, type NewMessage, type StoredMessage } from '../store.js';
import { category } from '../stream-name.js';
import { asBinary } from 'lmdb';
import { encodeString, isHashedName, SpaceKeys } from './keys.js';
import { liveEntry, readStats, type Db, type SpaceStats } from './namespace.js';

/**
 * A stream's version record (keys.ts `V`): highest position, its gpos, newest time, and the name
 * when the key holds only a hash of it.
 */
export type VersionRecord = [version: number, gpos: number, newest: number, name?: string];

/** Category counters (keys.ts `G`): streams, messages, and the name when the key is hashed. */
export type CategoryStats = [streams: number, messages: number, name?: string];

/** The value of the index keys that carry none: msgpack `0`, pre-encoded (no encoder call per put). */
export const ZERO = asBinary(Buffer.from([0]));

/** Put options that store a key only if it is absent (LMDB's MDB_NOOVERWRITE): `putSync` → false. */
export const NO_OVERWRITE = { noOverwrite: true } as const;

/**
 * Puts a message's id key (keys.ts `I`) unless the id is stored already, in one B-tree descent
 * (a lookup and a put would take two); false when it is, and nothing was put.
 */
export function claimId(db: Db, keys: SpaceKeys, m: Pick<StoredMessage, 'id' | 'globalPosition'>): boolean {
  // lmdb-js types putSync as void, but inside a transaction it returns whether the put happened.
  return (db.putSync(keys.id(m.id), m.globalPosition, NO_OVERWRITE) as unknown) === true;
}

/**
 * A message's other five keys (message, stream, category and the two time indexes), no counters;
 * its id key is put by `claimId`, as its uniqueness check.
 */
export function putMessageKeys(db: Db, keys: SpaceKeys, stream: Buffer, cat: Buffer, m: StoredMessage): void {
  db.putSync(keys.message(m.globalPosition), [
    m.id,
    m.streamName,
    m.type,
    m.position,
    m.data,
    m.metadata,
    m.time,
  ]);
  db.putSync(keys.stream(stream, m.position), m.globalPosition);
  db.putSync(keys.category(cat, m.globalPosition), ZERO);
  db.putSync(keys.time(m.time, m.globalPosition), ZERO);
  db.putSync(keys.categoryTime(cat, m.time, m.globalPosition), ZERO);
}

/** `version` (or a new stream's record, for undefined) advanced by one message. */
export function advanceVersion(version: VersionRecord | undefined, m: StoredMessage): VersionRecord {
  return version === undefined
    ? [m.position, m.globalPosition, m.time]
    : [
        Math.max(version[0], m.position),
        m.position > version[0] ? m.globalPosition : version[1],
        Math.max(version[2], m.time),
      ];
}

/** The namespace counters advanced by one message (`isNewStream`: its stream had none). */
export function advanceStats(stats: SpaceStats, m: StoredMessage, isNewStream: boolean): void {
  stats[0] = Math.max(stats[0], m.globalPosition + 1);
  stats[1]++;
  if (isNewStream) stats[2]++;
  stats[3] = stats[3] === null ? m.time : Math.max(stats[3], m.time);
}

/**
 * Stores one message's keys (its id key is put already, by `claimId`) and updates its stream's,
 * category's and namespace's counters.
 */
export function putMessage(db: Db, keys: SpaceKeys, stats: SpaceStats, m: StoredMessage): void {
  const stream = encodeString(m.streamName);
  const cat = encodeString(category(m.streamName));
  putMessageKeys(db, keys, stream, cat, m);
  const versionKey = keys.version(stream);
  const old = db.get(versionKey) as VersionRecord | undefined;
  const isNewStream = old === undefined;
  const version = advanceVersion(old, m);
  if (isHashedName(stream)) version.push(m.streamName);
  db.putSync(versionKey, version);
  const catKey = keys.categoryStats(cat);
  const catStats = (db.get(catKey) as CategoryStats | undefined) ?? [0, 0];
  const updated: CategoryStats = [catStats[0] + (isNewStream ? 1 : 0), catStats[1] + 1];
  if (isHashedName(cat)) updated.push(category(m.streamName));
  db.putSync(catKey, updated);
  advanceStats(stats, m, isNewStream);
}

/** The version record of a stream, or undefined (reads the transaction's own writes). */
export function versionOf(db: Db, keys: SpaceKeys, streamName: string): VersionRecord | undefined {
  return db.get(keys.version(encodeString(streamName))) as VersionRecord | undefined;
}

function appendOne(db: Db, keys: SpaceKeys, stats: SpaceStats, message: NewMessage): AppendOutcome {
  const actual = versionOf(db, keys, message.streamName)?.[0] ?? -1;
  if (message.expectedVersion !== undefined && message.expectedVersion !== actual) {
    return new StreamVersionConflictError(message.streamName, message.expectedVersion, actual);
  }
  if (actual + 1 > MAX_POSITION) return new PositionLimitError('position', MAX_POSITION);
  const globalPosition = stats[0];
  if (globalPosition > MAX_POSITION) return new PositionLimitError('globalPosition', MAX_POSITION);
  // The last check: it puts the id key when the id is new.
  if (!claimId(db, keys, { id: message.id, globalPosition })) {
    return duplicateMessageId(`message id ${message.id} already exists`);
  }
  const position = actual + 1;
  putMessage(db, keys, stats, { ...message, position, globalPosition });
  return { position, globalPosition };
}

/**
 * Appends `messages` to `ref`'s namespace in one transaction and returns each one's outcome once
 * committed (the caller waits for the sync). NAMESPACE_NOT_FOUND when the incarnation is gone.
 */
export async function appendGroup(
  db: Db,
  ref: NamespaceRef,
  messages: readonly NewMessage[],
): Promise<AppendOutcome[]> {
  return db.childTransaction(() => {
    const entry = liveEntry(db, ref);
    if (entry === null) throw namespaceNotFound(ref.id);
    const keys = new SpaceKeys(entry.space);
    const stats = readStats(db, keys);
    const outcomes = messages.map((m) => appendOne(db, keys, stats, m));
    db.putSync(keys.stats(), stats);
    return outcomes;
  });
}
