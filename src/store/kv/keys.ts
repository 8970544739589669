/**
 * The key schema of the LMDB backend: one LMDB environment, one key space (binary keys, msgpack
 * values), with every namespace's data under a prefix of its own.
 *
 * Registry (global keys, first byte 0x00):
 *
 *   00 'R' <namespace id, UTF-8>          → NamespaceEntry (record + its current space number)
 *   00 'N'                                 → the next space number to hand out
 *   00 'P' <space u32>                     → a space whose keys are still being purged (deleted)
 *
 * Data of one namespace incarnation (first byte 0x01, then its space number, 4 bytes):
 *
 *   01 <space> 'M' <gpos u64>                    → [id, stream, type, position, data, metadata, time]
 *   01 <space> 'S' <str stream> <pos u64>        → gpos            (stream index)
 *   01 <space> 'C' <str category> <gpos u64>     → 0               (category index)
 *   01 <space> 'I' <id, UTF-8>                   → gpos            (id index: uniqueness)
 *   01 <space> 'V' <str stream>                  → [version, gpos of that version, last time]
 *   01 <space> 'G' <str category>                → [stream count, message count]
 *   01 <space> 'T' <time f64> <gpos u64>         → 0               (time index)
 *   01 <space> 'K' <str category> <time f64> <gpos u64> → 0        (time index per category)
 *   01 <space> 'Z'                               → [next gpos, message count, stream count,
 *                                                   newest time | null]
 *
 * Encodings, chosen so byte order is numeric order and no key can alias another:
 * - u32 / u64: unsigned big-endian (a u64 holds positions up to 2^53-1 exactly).
 * - f64 (times, which may be negative): IEEE 754 big-endian with the sign bit flipped for
 *   non-negative numbers and every bit flipped for negative ones.
 * - `str`: UTF-8 with 0x00 written as 01 01 and 0x01 as 01 02, then a 0x00 terminator. The
 *   terminator is the lowest byte and cannot occur inside an escaped string, so the range of stream
 *   `a` ([`a` 00, `a` 01)) never holds stream `a-b` or a stream whose name contains 00, and a
 *   category that is a prefix of another (`acc`, `account`) has a range of its own.
 * - A name whose escaped form exceeds `NAME_BYTES` (LMDB keys hold at most 1978 bytes) is cut
 *   there (never inside an escape pair) and followed by 01 03 and the hex SHA-256 of the whole
 *   name, then 00: still prefix-free and injective (01 03 occurs in no escaped name); such names
 *   sort by hash after their first `NAME_BYTES`, and their records keep the whole name in the
 *   value (`V`, `G`).
 * - The namespace id (registry) and message id (id index) are the last component of their key,
 *   so they need no terminator.
 *
 * A space number is handed out once (never reused): creating a namespace, and clearing it on
 * import (`clearFirst`), start a fresh space, and the old one is purged in the background. Keys
 * of a deleted or earlier incarnation therefore never mix with the current one's.
 */

import { createHash } from 'node:crypto';

export const TAG = {
  message: 0x4d, // M
  stream: 0x53, // S
  category: 0x43, // C
  id: 0x49, // I
  version: 0x56, // V
  categoryStats: 0x47, // G
  time: 0x54, // T
  categoryTime: 0x4b, // K
  stats: 0x5a, // Z
} as const;

const REGISTRY = 0x00;
const DATA = 0x01;

/** Writes big-endian u64 of a safe integer at `offset`. */
function writeU64(buf: Buffer, n: number, offset: number): void {
  buf.writeUInt32BE(Math.floor(n / 0x1_0000_0000), offset);
  buf.writeUInt32BE(n >>> 0, offset + 4);
}

/** Reads a big-endian u64 written by `writeU64`. */
export function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32BE(offset) * 0x1_0000_0000 + buf.readUInt32BE(offset + 4);
}

/** Writes an order-preserving f64 at `offset`. */
function writeF64(buf: Buffer, n: number, offset: number): void {
  buf.writeDoubleBE(n, offset);
  if (n < 0 || Object.is(n, -0)) {
    for (let i = offset; i < offset + 8; i++) buf[i] = ~(buf[i] as number) & 0xff;
  } else {
    buf[offset] = (buf[offset] as number) ^ 0x80;
  }
}

/** Escaped bytes of a name kept in a key; a longer name is cut there and a hash added. */
export const NAME_BYTES = 1024;

/** A string as an escaped, terminated key component (see the file comment). */
export function encodeString(s: string): Buffer {
  const raw = Buffer.from(s, 'utf8');
  let escaped = raw;
  if (raw.includes(0) || raw.includes(1)) {
    const bytes: number[] = [];
    for (const b of raw) {
      if (b === 0) bytes.push(1, 1);
      else if (b === 1) bytes.push(1, 2);
      else bytes.push(b);
    }
    escaped = Buffer.from(bytes);
  }
  if (escaped.length > NAME_BYTES) return hashedName(escaped, raw);
  const out = Buffer.allocUnsafe(escaped.length + 1);
  escaped.copy(out);
  out[escaped.length] = 0;
  return out;
}

/** Cut escaped bytes (never inside an escape pair), 01 03, the hex SHA-256 of the name, 00. */
function hashedName(escaped: Buffer, raw: Buffer): Buffer {
  let cut = NAME_BYTES;
  let ones = 0;
  while (cut - ones - 1 >= 0 && escaped[cut - ones - 1] === 1) ones++;
  if (ones % 2 === 1) cut--;
  const hash = createHash('sha256').update(raw).digest('hex');
  return Buffer.concat([
    escaped.subarray(0, cut),
    Buffer.from([1, 3]),
    Buffer.from(hash, 'latin1'),
    Buffer.from([0]),
  ]);
}

/** True for a name too long to be kept whole in a key: read it from the value instead. */
export function isHashedName(encoded: Buffer): boolean {
  return encoded.length > NAME_BYTES;
}

/** Registry key of a namespace id. */
export function registryKey(namespaceId: string): Buffer {
  return Buffer.concat([Buffer.from([REGISTRY, 0x52]), Buffer.from(namespaceId, 'utf8')]);
}

/** The range of every registry key: [start, end). */
export const REGISTRY_RANGE = { start: Buffer.from([REGISTRY, 0x52]), end: Buffer.from([REGISTRY, 0x53]) };
export const NEXT_SPACE_KEY = Buffer.from([REGISTRY, 0x4e]);

/** Key marking `space` as being purged. */
export function purgeKey(space: number): Buffer {
  const buf = Buffer.from([REGISTRY, 0x50, 0, 0, 0, 0]);
  buf.writeUInt32BE(space, 2);
  return buf;
}
export const PURGE_RANGE = { start: Buffer.from([REGISTRY, 0x50]), end: Buffer.from([REGISTRY, 0x51]) };

/** The space number in a purge key. */
export function spaceOfPurgeKey(key: Buffer): number {
  return key.readUInt32BE(2);
}

/** Every key of one space: [start, end). */
export function spaceRange(space: number): { start: Buffer; end: Buffer } {
  const start = Buffer.from([DATA, 0, 0, 0, 0]);
  start.writeUInt32BE(space, 1);
  const end = Buffer.from([DATA, 0, 0, 0, 0, 0]);
  // u32 + 1 may overflow 32 bits; compare one byte longer instead: [01 space FF+] ends the range.
  end.writeUInt32BE(space, 1);
  end[5] = 0xff;
  return { start, end };
}

/** Builds keys of one space. */
export class SpaceKeys {
  readonly #prefix: Buffer;

  constructor(readonly space: number) {
    this.#prefix = Buffer.from([DATA, 0, 0, 0, 0]);
    this.#prefix.writeUInt32BE(space, 1);
  }

  /** `prefix tag` followed by `size` bytes filled by `fill`. */
  #key(
    tag: number,
    parts: readonly Buffer[],
    tail: number,
    fill?: (buf: Buffer, at: number) => void,
  ): Buffer {
    let length = 6 + tail;
    for (const p of parts) length += p.length;
    const buf = Buffer.allocUnsafe(length);
    this.#prefix.copy(buf, 0);
    buf[5] = tag;
    let at = 6;
    for (const p of parts) {
      p.copy(buf, at);
      at += p.length;
    }
    fill?.(buf, at);
    return buf;
  }

  message(gpos: number): Buffer {
    return this.#key(TAG.message, [], 8, (b, at) => writeU64(b, gpos, at));
  }

  /** The range of messages from `gpos` on. */
  messagesFrom(gpos: number): { start: Buffer; end: Buffer } {
    return { start: this.message(gpos), end: this.#key(TAG.message + 1, [], 0) };
  }

  /** Stream index key; `stream` is `encodeString(name)`. */
  stream(stream: Buffer, position: number): Buffer {
    return this.#key(TAG.stream, [stream], 8, (b, at) => writeU64(b, position, at));
  }

  /** The stream index range of positions in [from, to). */
  streamRange(stream: Buffer, from: number, to: number): { start: Buffer; end: Buffer } {
    return { start: this.stream(stream, from), end: this.stream(stream, to) };
  }

  /** The start of a stream's index range: before every position. */
  streamStart(stream: Buffer): Buffer {
    return this.#key(TAG.stream, [stream], 0);
  }

  /** The end (exclusive) of a stream's index range: past every position. */
  streamEnd(stream: Buffer): Buffer {
    return this.#key(TAG.stream, [stream], 1, (b, at) => (b[at] = 0xff));
  }

  category(category: Buffer, gpos: number): Buffer {
    return this.#key(TAG.category, [category], 8, (b, at) => writeU64(b, gpos, at));
  }

  categoryEnd(category: Buffer): Buffer {
    return this.#key(TAG.category, [category], 1, (b, at) => (b[at] = 0xff));
  }

  id(id: string): Buffer {
    return this.#key(TAG.id, [Buffer.from(id, 'utf8')], 0);
  }

  version(stream: Buffer): Buffer {
    return this.#key(TAG.version, [stream], 0);
  }

  /** The range of stream version keys whose (encoded) names start at `from`. */
  versionRange(from: Buffer): { start: Buffer; end: Buffer } {
    return { start: this.#key(TAG.version, [from], 0), end: this.#key(TAG.version + 1, [], 0) };
  }

  categoryStats(category: Buffer): Buffer {
    return this.#key(TAG.categoryStats, [category], 0);
  }

  categoryStatsRange(): { start: Buffer; end: Buffer } {
    return { start: this.#key(TAG.categoryStats, [], 0), end: this.#key(TAG.categoryStats + 1, [], 0) };
  }

  time(time: number, gpos: number): Buffer {
    return this.#key(TAG.time, [], 16, (b, at) => {
      writeF64(b, time, at);
      writeU64(b, gpos, at + 8);
    });
  }

  categoryTime(category: Buffer, time: number, gpos: number): Buffer {
    return this.#key(TAG.categoryTime, [category], 16, (b, at) => {
      writeF64(b, time, at);
      writeU64(b, gpos, at + 8);
    });
  }

  /** The time index range of times in [since, until), for one category or (null) all. */
  timeRange(category: Buffer | null, since: number, until: number): { start: Buffer; end: Buffer } {
    const tag = category === null ? TAG.time : TAG.categoryTime;
    const parts = category === null ? [] : [category];
    const at = (t: number) => this.#key(tag, parts, 8, (b, i) => writeF64(b, t, i));
    return { start: at(since), end: at(until) };
  }

  stats(): Buffer {
    return this.#key(TAG.stats, [], 0);
  }
}

/**
 * The string encoded by `encodeString` at the start of `buf[at..]`, and where it ends (for a
 * hashed name, the value is only its first bytes).
 */
export function decodeString(buf: Buffer, at: number): { value: string; end: number } {
  const bytes: number[] = [];
  let i = at;
  let plain = true;
  for (; buf[i] !== 0; i++) {
    if (buf[i] === 1) {
      plain = false;
      i++;
      if (buf[i] === 3) {
        while (buf[i] !== 0) i++;
        break;
      }
      bytes.push(buf[i] === 1 ? 0 : 1);
    } else bytes.push(buf[i] as number);
  }
  const value = plain ? buf.toString('utf8', at, i) : Buffer.from(bytes).toString('utf8');
  return { value, end: i + 1 };
}

/** The key's last 8 bytes as a u64 (the gpos of index keys that end with one). */
export function trailingU64(key: Buffer): number {
  return readU64(key, key.length - 8);
}

/** Offset of the first component after `01 <space> <tag>`. */
export const COMPONENT_OFFSET = 6;
