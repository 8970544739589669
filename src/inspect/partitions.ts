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
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
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

  /** Room for `size` bytes at the end of partition `p`: the buffer and the offset to write at. */
  reserve(p: number, size: number): [Buffer, number] {
    const part = this.#parts[p]!;
    if (part.block === null || part.used + size > part.block.length) {
      if (part.block !== null) part.blocks.push(part.block.subarray(0, part.used));
      part.block = Buffer.allocUnsafe(Math.max(this.#blockBytes, size));
      part.used = 0;
    }
    const at = part.used;
    part.used += size;
    this.#buffered += size;
    const block = part.block;
    if (this.#buffered >= this.budgetBytes) this.#spill();
    return [block, at];
  }

  /** The entries of partition `p`, in the order they were added (file part first). */
  read(p: number): Buffer {
    const part = this.#parts[p]!;
    const memory = this.#memoryOf(part);
    const file = part.spilled ? readFileSync(this.#path(p)) : null;
    part.blocks = [];
    part.block = null;
    part.used = 0;
    if (part.spilled) rmSync(this.#path(p), { force: true });
    return file === null ? memory : Buffer.concat([file, memory]);
  }

  /** Appends every partition's buffered entries to its file. */
  #spill(): void {
    // Only full blocks go out: the current block of each partition is still being written to.
    let wrote = false;
    for (const [p, part] of this.#parts.entries()) {
      if (part.blocks.length === 0) continue;
      appendFileSync(this.#path(p), Buffer.concat(part.blocks));
      part.spilled = true;
      wrote = true;
      for (const b of part.blocks) this.#buffered -= b.length;
      part.blocks = [];
    }
    if (wrote) this.#spills++;
  }

  #memoryOf(part: Partition): Buffer {
    const blocks = part.block === null ? part.blocks : [...part.blocks, part.block.subarray(0, part.used)];
    return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
  }

  #path(p: number): string {
    return join(this.tempDir(), `${this.name}-${p}`);
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
