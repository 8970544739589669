/**
 * The exact duplicate and order checks that need more than one line of memory: no id twice, and
 * within each stream positions strictly increasing in file order (which, with global positions
 * strictly increasing, is "increasing with global position"; a repeated `(stream, position)` is
 * the equal case). Both are checked per hash partition (partitions.ts): every line with the same
 * id, or of the same stream, lands in the same partition in file order, so a partition's own map
 * decides exactly, on the full key, never on a hash. See docs/adr/0008-inspect.md.
 *
 * Entry encodings (little-endian):
 *   id partition:     16 bytes UUID | f64 line
 *   stream partition: u32 n | n bytes UTF-8 stream name | f64 pos | f64 line
 */
import { ByteKeyTable } from './byte-key-table.js';
import { partitionOf, Partitions } from './partitions.js';
import type { Problems } from './problems.js';

const ID_ENTRY = 24;

export interface KeyChecksOptions {
  partitions: number;
  /** Bytes of entries kept in memory (ids and streams together) before spilling to files. */
  budgetBytes: number;
  /** A directory for spill files, made on first use. */
  tempDir: () => string;
}

export class KeyChecks {
  readonly #ids: Partitions;
  readonly #streams: Partitions;
  /** The id being added, as 16 bytes. */
  readonly #uuid = Buffer.alloc(16);

  constructor(o: KeyChecksOptions) {
    this.#ids = new Partitions(o.partitions, Math.floor(o.budgetBytes / 3), o.tempDir, 'ids');
    this.#streams = new Partitions(o.partitions, Math.ceil((o.budgetBytes * 2) / 3), o.tempDir, 'streams');
  }

  /** How many times entries were spilled to files. */
  get spills(): number {
    return this.#ids.spills + this.#streams.spills;
  }

  /** Notes a line's id (a validated UUID, lowercase). */
  addId(id: string, line: number): void {
    writeUuid(id, this.#uuid, 0);
    this.#addUuid(line);
  }

  /** `addId` of the UUID text at `b[at..at+36)` (validated, either case), read in place. */
  addIdAt(b: Buffer, at: number, line: number): void {
    writeUuidBytes(b, at, this.#uuid);
    this.#addUuid(line);
  }

  /** Adds the entry of the UUID in `#uuid`, partitioned by a hash of its 16 bytes. */
  #addUuid(line: number): void {
    const u = this.#uuid;
    let h = 0x811c9dc5;
    for (let k = 0; k < 16; k += 4) {
      h = Math.imul(h ^ (u[k]! | (u[k + 1]! << 8) | (u[k + 2]! << 16) | (u[k + 3]! << 24)), 0x01000193);
      h ^= h >>> 15;
    }
    const buf = this.#ids.reserve((h >>> 0) % this.#ids.count, ID_ENTRY);
    const at = this.#ids.at;
    for (let k = 0; k < 16; k++) buf[at + k] = u[k]!;
    buf.writeDoubleLE(line, at + 16);
  }

  /** `addStreamPosition` of the stream name whose UTF-8 is `b[start..end)`, read in place. */
  addStreamPositionAt(b: Buffer, start: number, end: number, pos: number, line: number): void {
    // partitionOf(name): FNV-1a over its UTF-16 code units, which are its bytes when it is ASCII.
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) {
      if (b[i]! >= 0x80) {
        this.addStreamPosition(b.toString('utf8', start, end), pos, line);
        return;
      }
      h = Math.imul(h ^ b[i]!, 0x01000193);
    }
    const n = end - start;
    const buf = this.#streams.reserve((h >>> 0) % this.#streams.count, 4 + n + 16);
    const at = this.#streams.at;
    buf.writeUInt32LE(n, at);
    // A loop: Buffer#copy is a native call, costly for names this short.
    for (let k = 0; k < n; k++) buf[at + 4 + k] = b[start + k]!;
    buf.writeDoubleLE(pos, at + 4 + n);
    buf.writeDoubleLE(line, at + 12 + n);
  }

  /** Notes a line's stream and position. */
  addStreamPosition(stream: string, pos: number, line: number): void {
    const n = Buffer.byteLength(stream, 'utf8');
    const buf = this.#streams.reserve(partitionOf(stream, this.#streams.count), 4 + n + 16);
    const at = this.#streams.at;
    buf.writeUInt32LE(n, at);
    buf.write(stream, at + 4, n, 'utf8');
    buf.writeDoubleLE(pos, at + 4 + n);
    buf.writeDoubleLE(line, at + 12 + n);
  }

  /** Runs both checks, partition by partition; returns the number of distinct streams. */
  finish(problems: Problems): { streams: number } {
    const scratch = new Scratch();
    for (let p = 0; p < this.#ids.count; p++) checkIds(this.#ids.read(p), problems, scratch);
    let streams = 0;
    for (let p = 0; p < this.#streams.count; p++) {
      streams += checkStreams(this.#streams.read(p), problems, scratch);
    }
    return { streams };
  }
}

/** Arrays reused from one partition to the next (see byte-key-table.ts). */
class Scratch {
  readonly keys = new ByteKeyTable();
  #a = new Float64Array(0);
  #b = new Float64Array(0);

  /** Two arrays of at least `n` numbers (old contents). */
  numbers(n: number): [Float64Array, Float64Array] {
    if (this.#a.length < n) {
      this.#a = new Float64Array(n);
      this.#b = new Float64Array(n);
    }
    return [this.#a, this.#b];
  }
}

function checkIds(entries: Buffer, problems: Problems, scratch: Scratch): void {
  const count = entries.length / ID_ENTRY;
  const ids = scratch.keys;
  ids.reset(entries, count);
  const [firstLine] = scratch.numbers(count);
  for (let at = 0; at < entries.length; at += ID_ENTRY) {
    const line = entries.readDoubleLE(at + 16);
    const k = ids.find(at, 16);
    if (ids.isNew) firstLine[k] = line;
    else problems.add(line, `duplicate id ${formatUuid(entries, at)} (first at line ${firstLine[k]})`);
  }
}

function checkStreams(entries: Buffer, problems: Problems, scratch: Scratch): number {
  // An entry is at least 20 bytes, so there are at most that many streams.
  const capacity = Math.floor(entries.length / 20);
  const streams = scratch.keys;
  streams.reset(entries, capacity);
  const [lastPos, lastLine] = scratch.numbers(capacity);
  for (let at = 0; at < entries.length;) {
    const n = entries.readUInt32LE(at);
    const pos = entries.readDoubleLE(at + 4 + n);
    const line = entries.readDoubleLE(at + 12 + n);
    const i = streams.find(at + 4, n);
    const nameAt = at + 4;
    at += 20 + n;
    if (streams.isNew) {
      lastPos[i] = pos;
      lastLine[i] = line;
      continue;
    }
    const prev = lastPos[i]!;
    if (pos === prev) {
      problems.add(
        line,
        `duplicate (stream, position) ${nameOf(entries, nameAt, n)} ${pos} (first at line ${lastLine[i]})`,
      );
    } else if (pos < prev) {
      problems.add(
        line,
        `stream ${nameOf(entries, nameAt, n)} position ${pos} comes after position ${prev} (line ${lastLine[i]}): ` +
          'positions must increase with global position',
      );
    }
    // Keep the highest position seen, so one bad line is not reported again on every later line.
    if (pos > prev) {
      lastPos[i] = pos;
      lastLine[i] = line;
    }
  }
  return streams.count;
}

function nameOf(entries: Buffer, at: number, n: number): string {
  return JSON.stringify(entries.toString('utf8', at, at + n));
}

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Writes the 16 bytes of a validated UUID string. */
function writeUuid(id: string, buf: Buffer, at: number): void {
  let o = at;
  for (let i = 0; i < 36; i += 2) {
    if (id.charCodeAt(i) === 45) i++;
    buf[o++] = (HEX[id.charCodeAt(i)]! << 4) | HEX[id.charCodeAt(i + 1)]!;
  }
}

/** Writes the 16 bytes of the validated UUID text at `b[from..from+36)`. */
function writeUuidBytes(b: Buffer, from: number, buf: Buffer): void {
  let o = 0;
  for (let i = from; i < from + 36; i += 2) {
    if (b[i] === 45) i++;
    buf[o++] = (HEX[b[i]!]! << 4) | HEX[b[i + 1]!]!;
  }
}

function formatUuid(buf: Buffer, at: number): string {
  const x = buf.toString('hex', at, at + 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
