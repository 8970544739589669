/**
 * Cheap looks at a record line before deciding to parse it (see redactor.ts).
 *
 * `typeOfLine` reads the `type` of a line in the order every eventodb export writes it
 * (`{"id":"…","stream":"…","type":"…",…`, src/ndjson/record.ts); for any other layout it returns
 * null and the caller parses the line. Inside a JSON string every `"` is escaped, so the scan
 * cannot be fooled by a stream name holding `","type":"`.
 *
 * `mayHoldKey` answers "can this line hold the object key `key`?". An exporter writes a key as
 * `JSON.stringify(key)`; the only other spellings JSON allows use `\uXXXX` or `\/`, so a line
 * with neither of those and without the canonical bytes cannot hold the key. A false "yes" only
 * costs a parse.
 */
import { BACKSLASH, QUOTE } from '../ndjson/json-bytes.js';

const ID = Buffer.from('{"id":"');
const STREAM = Buffer.from(',"stream":"');
const TYPE = Buffer.from(',"type":"');

/** Index of the closing quote of the string whose first content byte is at `i`, or -1. */
function closingQuote(line: Buffer, i: number): number {
  for (let j = i; j < line.length; j++) {
    const c = line[j];
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j;
  }
  return -1;
}

function startsWithAt(line: Buffer, at: number, prefix: Buffer): boolean {
  return (
    line.length >= at + prefix.length && line.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0
  );
}

/** The message type of a record line in export layout, or null for another layout. */
export function typeOfLine(line: Buffer): string | null {
  if (!startsWithAt(line, 0, ID)) return null;
  const idEnd = closingQuote(line, ID.length);
  if (idEnd === -1 || !startsWithAt(line, idEnd + 1, STREAM)) return null;
  const streamEnd = closingQuote(line, idEnd + 1 + STREAM.length);
  if (streamEnd === -1 || !startsWithAt(line, streamEnd + 1, TYPE)) return null;
  const start = streamEnd + 1 + TYPE.length;
  const end = closingQuote(line, start);
  if (end === -1) return null;
  if (line.indexOf(BACKSLASH, start) === -1 || line.indexOf(BACKSLASH, start) > end) {
    return line.toString('utf8', start, end);
  }
  try {
    return JSON.parse(line.toString('utf8', start - 1, end + 1)) as string;
  } catch {
    return null;
  }
}

/** True when the line uses an escape that could spell a key in a non-canonical way. */
export function hasRareEscape(line: Buffer): boolean {
  return line.includes('\\u') || line.includes('\\/');
}

/** The bytes a key is written as (with its quotes). */
export function keyNeedle(key: string): Buffer {
  return Buffer.from(JSON.stringify(key));
}
