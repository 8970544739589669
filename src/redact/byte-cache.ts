/**
 * A fixed-size, direct-mapped cache from short byte strings to short byte strings: a key's hash
 * picks one slot, and a new key simply takes the slot over. Unlike a Map it allocates nothing per
 * lookup or insert and holds no JS object per entry: keys and values live in two fixed buffers
 * (~2.3 MiB at 16,384 slots). So a miss leaves no garbage to promote, which kept V8's young
 * generation from growing under redaction (each cached pseudonym string used to survive into the
 * old generation). A lookup is a hash and a byte compare: it pays off for values that repeat
 * (customer ids, e-mails, user ids) and costs next to nothing for ones that do not. Keys longer
 * than `MAX_KEY_BYTES` and values longer than `MAX_VALUE_BYTES` are not cached.
 */
const SLOTS = 16_384;
const MAX_KEY_BYTES = 64;
export const MAX_VALUE_BYTES = 72;

export class ByteCache {
  // Unset slots have length -1, so their bytes are never read.
  readonly #keys = Buffer.allocUnsafe(SLOTS * MAX_KEY_BYTES);
  readonly #lengths = new Int32Array(SLOTS).fill(-1);
  /** The values' bytes: slot `s` at `s * MAX_VALUE_BYTES`, `valueLengths[s]` of them. */
  readonly values = Buffer.allocUnsafe(SLOTS * MAX_VALUE_BYTES);
  readonly #valueLengths = new Int32Array(SLOTS);

  #slot = 0;

  /**
   * Where the value cached for `b[start..end)` is in `values` (its start; its end is `hitEnd`),
   * or -1; then `set` (before any other lookup) caches the value made for it.
   */
  get(b: Buffer, start: number, end: number): number {
    const n = end - start;
    if (n > MAX_KEY_BYTES) {
      this.#slot = -1;
      return -1;
    }
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const slot = (h >>> 0) & (SLOTS - 1);
    this.#slot = slot;
    if (this.#lengths[slot] !== n) return -1;
    const keys = this.#keys;
    const at = slot * MAX_KEY_BYTES;
    for (let i = 0; i < n; i++) if (keys[at + i] !== b[start + i]) return -1;
    const valueAt = slot * MAX_VALUE_BYTES;
    this.hitEnd = valueAt + this.#valueLengths[slot]!;
    return valueAt;
  }

  /** End of the value the last successful `get` found. */
  hitEnd = 0;

  /** Caches `value[0..valueLength)` for the key of the last `get` (which found nothing). */
  set(b: Buffer, start: number, end: number, value: Uint8Array, valueLength: number): void {
    const slot = this.#slot;
    if (slot === -1 || valueLength > MAX_VALUE_BYTES) return;
    const keys = this.#keys;
    const at = slot * MAX_KEY_BYTES;
    for (let i = start; i < end; i++) keys[at + i - start] = b[i]!;
    this.#lengths[slot] = end - start;
    const values = this.values;
    const valueAt = slot * MAX_VALUE_BYTES;
    for (let i = 0; i < valueLength; i++) values[valueAt + i] = value[i]!;
    this.#valueLengths[slot] = valueLength;
  }
}
