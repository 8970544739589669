/**
 * Hash partitions of fixed- or variable-size binary entries, spilled to temporary files when they
 * outgrow a memory budget (docs/adr/0008-inspect.md). Entries are appended in file order and read
 * back per partition in that same order, so a check that needs "every entry with this key, in
 * order" (duplicate ids, positions per stream) can run on one partition at a time.
 *
 * Memory: the entries held in memory stay under the budget plus one block per partition (blocks
 * are sized so all current blocks together are at most a quarter of the budget); a spill appends each partition's blocks to its own file, opened and closed per spill,
 * so no descriptors stay open.
 */
import { closeSync, fstatSync, openSync, readSync, rmSync, writevSync } from 'node:fs';
import { join } from 'node:path';

/** Block size bounds: blocks are at most a quarter of the budget in total, so a spill frees it. */
const MAX_BLOCK_BYTES = 64 * 1024;
const MIN_BLOCK_BYTES = 256;

interface Partition {
  blocks: Buffer[];
  block: Buffer | null;
  used: number;
  spilled: boolean;
}

export class Partitions {
  readonly #parts: Partition[];
  readonly #blockBytes: number;
  /**
   * Spilled blocks, reused for new entries: dropped ones would only be freed by a full GC, which
   * a small heap rarely runs, and RSS grew by the dead blocks (~30 MiB over an 800,000-line file).
   */
  readonly #free: Buffer[] = [];
  #readBuffer = Buffer.alloc(0);
  #buffered = 0;
  #spills = 0;

  /**
   * @param count partitions (a power of two is not required)
   * @param budgetBytes bytes of entries kept in memory before spilling
   * @param tempDir a directory of its own for the partition files (created by the caller)
   * @param name file name prefix inside `tempDir`
   */
  constructor(
    readonly count: number,
    private readonly budgetBytes: number,
    private readonly tempDir: () => string,
    private readonly name: string,
  ) {
    this.#blockBytes = Math.min(
      MAX_BLOCK_BYTES,
      Math.max(MIN_BLOCK_BYTES, Math.floor(budgetBytes / (4 * count))),
    );
    this.#parts = Array.from({ length: count }, () => ({ blocks: [], block: null, used: 0, spilled: false }));
  }

  /** How many times the entries were written out to files. */
  get spills(): number {
    return this.#spills;
  }

  /** Where the last `reserve`d room starts in the buffer it returned. */
  at = 0;

  /** Room for `size` bytes at the end of partition `p`: the buffer to write to, at `at`. */
  reserve(p: number, size: number): Buffer {
    const part = this.#parts[p]!;
    if (part.block === null || part.used + size > part.block.length) {
      if (part.block !== null) part.blocks.push(part.block.subarray(0, part.used));
      part.block =
        size <= this.#blockBytes && this.#free.length > 0
          ? this.#free.pop()!
          : Buffer.allocUnsafe(Math.max(this.#blockBytes, size));
      part.used = 0;
    }
    this.at = part.used;
    part.used += size;
    this.#buffered += size;
    const block = part.block;
    if (this.#buffered >= this.budgetBytes) this.#spill();
    return block;
  }

  /**
   * The entries of partition `p`, in the order they were added (file part first). The result is
   * valid until the next `read`: every read fills the same buffer (a new Buffer per partition
   * would only be freed by a GC, and RSS grew by them all).
   */
  read(p: number): Buffer {
    const part = this.#parts[p]!;
    const blocks = part.block === null ? part.blocks : [...part.blocks, part.block.subarray(0, part.used)];
    const path = this.#path(p);
    const fd = part.spilled ? openSync(path, 'r') : null;
    try {
      const fileBytes = fd === null ? 0 : fstatSync(fd).size;
      const total = blocks.reduce((n, b) => n + b.length, fileBytes);
      if (this.#readBuffer.length < total) this.#readBuffer = Buffer.allocUnsafe(total);
      const out = this.#readBuffer;
      let at = 0;
      while (at < fileBytes) {
        const n = readSync(fd!, out, at, fileBytes - at, at);
        if (n === 0) throw new Error(`inspect: spill file ${path} is shorter than written`);
        at += n;
      }
      for (const b of blocks) at += b.copy(out, at);
      return out.subarray(0, at);
    } finally {
      if (fd !== null) closeSync(fd);
      part.blocks = [];
      part.block = null;
      part.used = 0;
      if (part.spilled) rmSync(path, { force: true });
    }
  }

  /** Appends every partition's buffered entries to its file. */
  #spill(): void {
    // Only full blocks go out: the current block of each partition is still being written to.
    let wrote = false;
    for (const [p, part] of this.#parts.entries()) {
      if (part.blocks.length === 0) continue;
      const fd = openSync(this.#path(p), 'a');
      try {
        writeAll(fd, part.blocks);
      } finally {
        closeSync(fd);
      }
      part.spilled = true;
      wrote = true;
      for (const b of part.blocks) {
        this.#buffered -= b.length;
        // Blocks are views of the start of a whole block (or an oversized one-entry block).
        if (b.buffer.byteLength === this.#blockBytes && b.byteOffset === 0) {
          this.#free.push(Buffer.from(b.buffer, 0, this.#blockBytes));
        }
      }
      part.blocks = [];
    }
    if (wrote) this.#spills++;
  }

  #path(p: number): string {
    return join(this.tempDir(), `${this.name}-${p}`);
  }
}

/** Writes every buffer to `fd`, however many calls that takes. */
function writeAll(fd: number, buffers: Buffer[]): void {
  let rest = buffers;
  while (rest.length > 0) {
    let n = writevSync(fd, rest);
    const next: Buffer[] = [];
    for (const b of rest) {
      if (n >= b.length) n -= b.length;
      else {
        next.push(b.subarray(n));
        n = 0;
      }
    }
    rest = next;
  }
}

/** FNV-1a over the UTF-16 code units of `s`: the partition of a key. */
export function partitionOf(s: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % count;
}
