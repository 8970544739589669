/**
 * A fixed-size, direct-mapped cache from short byte strings to strings: a key's hash picks one
 * slot, and a new key simply takes the slot over. Unlike a Map it allocates nothing per lookup,
 * its memory is fixed (~1.5 MiB at 16,384 slots) and a lookup is a hash and a byte compare, so
 * it pays off for values that repeat (customer ids, e-mails, user ids) and costs next to nothing
 * for ones that do not. Keys longer than `MAX_KEY_BYTES` are not cached.
 */
const SLOTS = 16_384;
const MAX_KEY_BYTES = 64;

export class ByteCache {
  // Unset slots have length -1, so their bytes are never read.
  readonly #keys = Buffer.allocUnsafe(SLOTS * MAX_KEY_BYTES);
  readonly #lengths = new Int32Array(SLOTS).fill(-1);
  readonly #values: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

  #slot = 0;

  /**
   * The value cached for `b[start..end)`, or undefined; then `set` (before any other lookup)
   * caches the value made for it.
   */
  get(b: Buffer, start: number, end: number): string | undefined {
    const n = end - start;
    if (n > MAX_KEY_BYTES) {
      this.#slot = -1;
      return undefined;
    }
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const slot = (h >>> 0) & (SLOTS - 1);
    this.#slot = slot;
    if (this.#lengths[slot] !== n) return undefined;
    const keys = this.#keys;
    const at = slot * MAX_KEY_BYTES;
    for (let i = 0; i < n; i++) if (keys[at + i] !== b[start + i]) return undefined;
    return this.#values[slot];
  }

  /** Caches `value` for the key of the last `get` (which found nothing). */
  set(b: Buffer, start: number, end: number, value: string): void {
    const slot = this.#slot;
    if (slot === -1) return;
    const keys = this.#keys;
    const at = slot * MAX_KEY_BYTES;
    for (let i = start; i < end; i++) keys[at + i - start] = b[i]!;
    this.#lengths[slot] = end - start;
    this.#values[slot] = value;
  }
}
