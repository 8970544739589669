/**
 * Reads. Paged reads pull chunks from a source: each chunk is one short synchronous range scan
 * (closed before the chunk is handed on, so no read transaction stays open across awaits), resumed
 * from a cursor. Listings and stats come from counters and version records (keys.ts), never from
 * scanning messages.
 */
import type {
  CategorySummary,
  ListStreamsOptions,
  NamespaceStats,
  StoredMessage,
  StreamSummary,
} from '../store.js';
import {
  COMPONENT_OFFSET,
  type SpaceKeys,
  decodeString,
  encodeString,
  readU64,
  trailingU64,
} from './keys.js';
import { readStats, type Db } from './namespace.js';
import type { CategoryStats, VersionRecord } from './write.js';

type MessageValue = [string, string, string, number, string, string | null, number];

export function toMessage(globalPosition: number, v: MessageValue): StoredMessage {
  return {
    id: v[0],
    streamName: v[1],
    type: v[2],
    position: v[3],
    globalPosition,
    data: v[4],
    metadata: v[5],
    time: v[6],
  };
}

/** The message at `gpos`, or null. */
export function messageAt(db: Db, keys: SpaceKeys, gpos: number): StoredMessage | null {
  const value = db.get(keys.message(gpos)) as MessageValue | undefined;
  return value === undefined ? null : toMessage(gpos, value);
}

export function lastMessage(
  db: Db,
  keys: SpaceKeys,
  streamName: string,
  type?: string,
): StoredMessage | null {
  const stream = encodeString(streamName);
  const range = { start: keys.streamEnd(stream), end: keys.streamStart(stream), reverse: true };
  for (const { value } of db.getRange(range)) {
    const m = messageAt(db, keys, value as number);
    if (m !== null && (type === undefined || m.type === type)) return m;
  }
  return null;
}

export function streamVersion(db: Db, keys: SpaceKeys, streamName: string): number | null {
  const version = db.get(keys.version(encodeString(streamName))) as VersionRecord | undefined;
  return version?.[0] ?? null;
}

/** The messages at these global positions (point lookups), in global position order. */
export function readGlobalPositions(db: Db, keys: SpaceKeys, positions: readonly number[]): StoredMessage[] {
  const out: StoredMessage[] = [];
  for (const gpos of [...new Set(positions)].sort((a, b) => a - b)) {
    const m = messageAt(db, keys, gpos);
    if (m !== null) out.push(m);
  }
  return out;
}

/** Streams by name from the version records, from `after`/`prefix` on. */
export function listStreams(db: Db, keys: SpaceKeys, o: ListStreamsOptions): StreamSummary[] {
  const prefix = o.prefix ?? '';
  const after = o.after ?? '';
  // Start at the later of the prefix and `after` (encoded without its terminator).
  const from = after > prefix ? after : prefix;
  const start = encodeString(from).subarray(0, -1);
  const out: StreamSummary[] = [];
  for (const { key, value } of db.getRange(keys.versionRange(start))) {
    const v = value as VersionRecord;
    const stream = v[3] ?? decodeString(key, COMPONENT_OFFSET).value;
    if (!stream.startsWith(prefix)) {
      if (stream > prefix) break;
      continue;
    }
    if (stream <= after) continue;
    out.push({ stream, version: v[0], lastActivity: v[2] });
    if (out.length >= o.limit) break;
  }
  return out;
}

export function listCategories(db: Db, keys: SpaceKeys): CategorySummary[] {
  const out: CategorySummary[] = [];
  for (const { key, value } of db.getRange(keys.categoryStatsRange())) {
    const [streamCount, messageCount, name] = value as CategoryStats;
    out.push({ category: name ?? decodeString(key, COMPONENT_OFFSET).value, streamCount, messageCount });
  }
  return out;
}

export function namespaceStats(db: Db, keys: SpaceKeys): NamespaceStats {
  const [, messageCount, streamCount, lastActivity] = readStats(db, keys);
  return { messageCount, streamCount, lastActivity };
}

export { readU64, trailingU64 };
