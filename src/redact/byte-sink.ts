/** An output buffer that grows as bytes are appended; `take` returns what was written. */
export class ByteSink {
  #buf: Buffer;
  #at = 0;

  constructor(initialBytes: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
  }

  /** Appends `from[start..end)`. */
  copy(from: Buffer, start: number, end: number): void {
    const n = end - start;
    this.#reserve(n);
    const buf = this.#buf;
    const at = this.#at;
    // Buffer#copy's argument checks cost more than a loop over a short piece.
    if (n <= 48) for (let i = 0; i < n; i++) buf[at + i] = from[start + i]!;
    else buf.set(from.subarray(start, end), at);
    this.#at = at + n;
  }

  /** Appends a string as UTF-8 (short ASCII strings without a native call). */
  write(text: string): void {
    const n = text.length;
    this.#reserve(3 * n);
    const buf = this.#buf;
    if (n <= 64) {
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        buf[this.#at + i] = c;
      }
      if (i === n) {
        this.#at += n;
        return;
      }
    }
    this.#at += buf.write(text, this.#at, 'utf8');
  }

  /** The bytes written so far (a view; the sink must not be used afterwards). */
  take(): Buffer {
    return this.#buf.subarray(0, this.#at);
  }

  #reserve(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#at + n));
    this.#buf.copy(next, 0, 0, this.#at);
    this.#buf = next;
  }
}
