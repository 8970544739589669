/**
 * Splits a byte stream into lines (LF, with an optional CR before it), yielding them in groups as
 * chunks arrive, each with its 1-based line number. Splitting Buffers directly is ~4× faster than
 * `readline`. A line must be UTF-8 (RFC 8259 §8.1: JSON text is exchanged as UTF-8): a line that
 * is not is INVALID_JSON with its line number, rather than read with U+FFFD in place of its bad
 * bytes (which would store a different stream name, type or payload). A line longer than
 * `maxLineBytes` is rejected as soon as it passes the limit, with PAYLOAD_TOO_LARGE and its line
 * number, so it is never buffered whole. The lines before a bad one are yielded first, so the
 * consumer meets the first bad line in order.
 */
import { isUtf8 } from 'node:buffer';
import { EventoError } from '../errors.js';

export interface Line {
  /** 1-based. */
  number: number;
  text: string;
}

/** A line the reader refused; `line` is its 1-based number. */
export class LineReadError extends EventoError {
  readonly line: number;

  constructor(code: 'PAYLOAD_TOO_LARGE' | 'INVALID_JSON', line: number, message: string) {
    super(code, message);
    this.line = line;
  }
}

/** A line longer than the limit (PAYLOAD_TOO_LARGE). */
export class LineTooLongError extends LineReadError {
  constructor(line: number, maxLineBytes: number) {
    super('PAYLOAD_TOO_LARGE', line, `line ${line} is longer than ${maxLineBytes} bytes`);
  }
}

/** A line that is not UTF-8 (INVALID_JSON). */
export class LineNotUtf8Error extends LineReadError {
  constructor(line: number) {
    super('INVALID_JSON', line, 'line is not valid UTF-8');
  }
}

const LF = 10;
const CR = 13;

/** One line as bytes: UTF-8 checked, without its LF (or CRLF). */
export interface LineBytes {
  /** 1-based. */
  number: number;
  bytes: Buffer;
}

/** Lines of `source`, grouped per incoming chunk; reading pauses while the consumer works. */
export async function* splitLines(
  source: AsyncIterable<Buffer | string>,
  maxLineBytes: number,
): AsyncGenerator<Line[]> {
  for await (const lines of splitLineBytes(source, maxLineBytes)) {
    yield lines.map(({ number, bytes }) => ({ number, text: bytes.toString('utf8') }));
  }
}

/**
 * `splitLines` without decoding: each line's bytes (a view into the chunk while it fits in one).
 * For readers that look at the bytes first (inspect's fast path).
 */
export async function* splitLineBytes(
  source: AsyncIterable<Buffer | string>,
  maxLineBytes: number,
): AsyncGenerator<LineBytes[]> {
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let lineNumber = 0;
  const decode = (bytes: Buffer): LineBytes => {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    lineNumber++;
    // isUtf8 (simdutf) costs ~70 ns on a 600-byte line, 1% of parsing its record (~7 µs).
    if (!isUtf8(bytes)) throw new LineNotUtf8Error(lineNumber);
    return { number: lineNumber, bytes: end === bytes.length ? bytes : bytes.subarray(0, end) };
  };
  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    const lines: LineBytes[] = [];
    try {
      let start = 0;
      let nl = chunk.indexOf(LF, start);
      while (nl !== -1) {
        if (partialBytes + nl - start > maxLineBytes)
          throw new LineTooLongError(lineNumber + 1, maxLineBytes);
        const body = chunk.subarray(start, nl);
        lines.push(decode(partialBytes === 0 ? body : Buffer.concat([...partial, body])));
        partial = [];
        partialBytes = 0;
        start = nl + 1;
        nl = chunk.indexOf(LF, start);
      }
      if (start < chunk.length) {
        partialBytes += chunk.length - start;
        if (partialBytes > maxLineBytes) throw new LineTooLongError(lineNumber + 1, maxLineBytes);
        partial.push(chunk.subarray(start));
      }
    } catch (err) {
      if (lines.length > 0) yield lines;
      throw err;
    }
    if (lines.length > 0) yield lines;
  }
  if (partialBytes > 0) yield [decode(Buffer.concat(partial))];
}
