/**
 * A set of byte-string keys that all live in one Buffer (a partition's entries, key-checks.ts),
 * numbered in the order first seen. Open addressing over an Int32Array: no key is ever turned
 * into a JS string and nothing is allocated per key, so checking a partition of 40,000 entries
 * leaves no garbage behind (with a Map of strings the heap grew by ~40 MiB at the end of an
 * 800,000-line inspect). `reset` reuses the arrays for the next partition: typed arrays are
 * freed only by a GC, which checks that allocate nothing do not trigger.
 */
export class ByteKeyTable {
  #b: Buffer = Buffer.alloc(0);
  #slots = new Int32Array(0);
  #starts = new Int32Array(0);
  #lengths = new Int32Array(0);
  #count = 0;
  /** Whether the last `find` added its key. */
  isNew = false;

  /** Empties the table for keys in `b`, at most `capacity` of them. */
  reset(b: Buffer, capacity: number): void {
    this.#b = b;
    let size = 16;
    while (size < 2 * capacity) size *= 2;
    if (this.#slots.buffer.byteLength < size * 4) this.#slots = new Int32Array(size);
    else this.#slots = new Int32Array(this.#slots.buffer, 0, size);
    this.#slots.fill(-1);
    if (this.#starts.length < capacity) {
      this.#starts = new Int32Array(capacity);
      this.#lengths = new Int32Array(capacity);
    }
    this.#count = 0;
  }

  /** Distinct keys so far. */
  get count(): number {
    return this.#count;
  }

  /** The number of the key `b[start..start+length)`, added (`isNew`) when not seen before. */
  find(start: number, length: number): number {
    const b = this.#b;
    let h = 0x811c9dc5;
    for (let i = start; i < start + length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const mask = this.#slots.length - 1;
    for (let slot = (h >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const k = this.#slots[slot]!;
      if (k === -1) {
        const added = this.#count++;
        this.#slots[slot] = added;
        this.#starts[added] = start;
        this.#lengths[added] = length;
        this.isNew = true;
        return added;
      }
      if (this.#lengths[k] === length && this.#equal(this.#starts[k]!, start, length)) {
        this.isNew = false;
        return k;
      }
    }
  }

  #equal(a: number, b: number, length: number): boolean {
    const buf = this.#b;
    for (let i = 0; i < length; i++) if (buf[a + i] !== buf[b + i]) return false;
    return true;
  }
}
