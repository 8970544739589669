/**
 * Counts per key where keys are byte strings read in place from lines (categories and message
 * types in `inspect`): no string is made per line, only one per distinct key at the end. Keys are
 * copied into one growing buffer; open addressing over an Int32Array. Meant for few distinct keys
 * (categories, types), like the `Map` it replaces, whose memory also grew with them.
 */
export class ByteCounter {
  #keys = Buffer.alloc(256);
  #used = 0;
  #starts: number[] = [];
  #lengths: number[] = [];
  #counts: number[] = [];
  #slots = new Int32Array(16).fill(-1);
  /** Keys given as strings (lines read by parsing them): a Map, as cheap as it gets for those. */
  readonly #text = new Map<string, number>();

  /** Adds one to the key `b[start..end)`. */
  add(b: Uint8Array, start: number, end: number): void {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const mask = this.#slots.length - 1;
    const n = end - start;
    for (let slot = (h >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const k = this.#slots[slot]!;
      if (k === -1) {
        this.#insert(slot, b, start, n);
        return;
      }
      if (this.#lengths[k] === n && this.#equal(this.#starts[k]!, b, start, n)) {
        this.#counts[k]!++;
        return;
      }
    }
  }

  /** Adds one to `key`, counted with the same key's bytes (kept apart, merged by `toMap`). */
  addText(key: string): void {
    this.#text.set(key, (this.#text.get(key) ?? 0) + 1);
  }

  /** The counts by key (keys decoded as UTF-8). */
  toMap(): Map<string, number> {
    const map = new Map(this.#text);
    for (let k = 0; k < this.#counts.length; k++) {
      const start = this.#starts[k]!;
      const key = this.#keys.toString('utf8', start, start + this.#lengths[k]!);
      map.set(key, (map.get(key) ?? 0) + this.#counts[k]!);
    }
    return map;
  }

  #insert(slot: number, b: Uint8Array, start: number, n: number): void {
    if (this.#used + n > this.#keys.length) {
      const grown = Buffer.alloc(Math.max(2 * this.#keys.length, this.#used + n));
      this.#keys.copy(grown, 0, 0, this.#used);
      this.#keys = grown;
    }
    this.#keys.set(b.subarray(start, start + n), this.#used);
    const k = this.#counts.length;
    this.#slots[slot] = k;
    this.#starts.push(this.#used);
    this.#lengths.push(n);
    this.#counts.push(1);
    this.#used += n;
    if (2 * this.#counts.length > this.#slots.length) this.#rehash();
  }

  #rehash(): void {
    this.#slots = new Int32Array(2 * this.#slots.length).fill(-1);
    const mask = this.#slots.length - 1;
    for (let k = 0; k < this.#counts.length; k++) {
      let h = 0x811c9dc5;
      const start = this.#starts[k]!;
      for (let i = start; i < start + this.#lengths[k]!; i++) h = Math.imul(h ^ this.#keys[i]!, 0x01000193);
      let slot = (h >>> 0) & mask;
      while (this.#slots[slot] !== -1) slot = (slot + 1) & mask;
      this.#slots[slot] = k;
    }
  }

  #equal(at: number, b: Uint8Array, start: number, n: number): boolean {
    const keys = this.#keys;
    for (let i = 0; i < n; i++) if (keys[at + i] !== b[start + i]) return false;
    return true;
  }
}
