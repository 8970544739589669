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
    const [buf, at] = this.#ids.reserve(partitionOf(id, this.#ids.count), ID_ENTRY);
    writeUuid(id, buf, at);
    buf.writeDoubleLE(line, at + 16);
  }

  /** Notes a line's stream and position. */
  addStreamPosition(stream: string, pos: number, line: number): void {
    const n = Buffer.byteLength(stream, 'utf8');
    const [buf, at] = this.#streams.reserve(partitionOf(stream, this.#streams.count), 4 + n + 16);
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

function formatUuid(buf: Buffer, at: number): string {
  const x = buf.toString('hex', at, at + 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
