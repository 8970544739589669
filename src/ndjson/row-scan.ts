/**
 * Turns the bytes of a `category.get` reply into export lines without parsing payloads.
 *
 * A reply is `[row, row, …]`, each row `[id, stream, type, pos, gpos, data, meta, time]` as JSON
 * (contract §4). The record line `{"id":…,"stream":…,"type":…,"pos":…,"gpos":…,"data":…,
 * "meta":…,"time":…}` only needs each element's bytes: strings stay escaped as they came, `data`
 * and `meta` are copied verbatim. The scanner finds element boundaries (tracking strings, escapes
 * and nesting; every delimiter is ASCII, so UTF-8 needs no decoding) and copies byte ranges into
 * one output buffer per page. It allocates almost nothing per row, which keeps an export fast and
 * its memory flat; `JSON.parse` + `JSON.stringify` of the same rows costs ~5× the CPU.
 *
 * It accepts exactly the compact form servers write (no whitespace between tokens). For anything
 * else it returns null and the caller parses the reply with `JSON.parse`, so this is an
 * optimisation, never a second definition of the format.
 */
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from './json-bytes.js';

/** One row as the export needs it. */
export interface ScannedRow {
  /** The record line, newline included. */
  line: Buffer;
  gpos: number;
  /** The `time` element without quotes (only when asked for). */
  time: string | null;
}

/** What goes before each element in a record line, and after the last. */
const KEYS = [
  '{"id":',
  ',"stream":',
  ',"type":',
  ',"pos":',
  ',"gpos":',
  ',"data":',
  ',"meta":',
  ',"time":',
].map((k) => Buffer.from(k));
const END = Buffer.from('}\n');
const KEY_BYTES = KEYS.reduce((n, k) => n + k.length, END.length);

/** Index just past the JSON string starting at `i` (which holds `"`), or -1. */
function endOfString(b: Buffer, i: number): number {
  // A plain loop: Buffer#indexOf is a native call, too costly for strings this short.
  for (let j = i + 1; j < b.length; j++) {
    const c = b[j];
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return -1;
}

/** Index just past the JSON value starting at `i`, or -1. */
function endOfValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return endOfString(b, i);
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
    let j = i;
    while (j < b.length && b[j] !== COMMA && b[j] !== CLOSE_BRACKET) j++;
    return j === i ? -1 : j;
  }
  let depth = 0;
  for (let j = i; j < b.length; j++) {
    const d = b[j];
    if (d === QUOTE) {
      j = endOfString(b, j) - 1;
      if (j < 0) return -1;
    } else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
    else if ((d === CLOSE_BRACE || d === CLOSE_BRACKET) && --depth === 0) return j + 1;
  }
  return -1;
}

/** Start and end offsets of the 8 elements of every row, or null if the reply is not compact rows. */
function findElements(b: Buffer): number[] | null {
  const bounds: number[] = [];
  if (b[0] !== OPEN_BRACKET) return null;
  let i = 1;
  if (b[i] === CLOSE_BRACKET) return i === b.length - 1 ? bounds : null;
  for (;;) {
    if (b[i] !== OPEN_BRACKET) return null;
    i++;
    for (let k = 0; k < 8; k++) {
      const end = endOfValue(b, i);
      if (end === -1 || b[end] !== (k === 7 ? CLOSE_BRACKET : COMMA)) return null;
      bounds.push(i, end);
      i = end + 1;
    }
    if (b[i] === CLOSE_BRACKET) return i === b.length - 1 ? bounds : null;
    if (b[i] !== COMMA) return null;
    i++;
  }
}

/** The rows of a compact `category.get` reply, or null when it is not in that form. */
export function scanCategoryRows(reply: Buffer, withTime: boolean): ScannedRow[] | null {
  const bounds = findElements(reply);
  if (bounds === null) return null;
  const count = bounds.length / 16;
  let size = count * KEY_BYTES;
  for (let e = 0; e < bounds.length; e += 2) size += bounds[e + 1]! - bounds[e]!;
  const out = Buffer.allocUnsafe(size);
  const rows: ScannedRow[] = [];
  let at = 0;
  for (let r = 0; r < count; r++) {
    const start = at;
    const base = r * 16;
    for (let k = 0; k < 8; k++) {
      at += KEYS[k]!.copy(out, at);
      at += reply.copy(out, at, bounds[base + 2 * k], bounds[base + 2 * k + 1]);
    }
    at += END.copy(out, at);
    const gpos = Number(reply.toString('latin1', bounds[base + 8], bounds[base + 9]));
    const timeStart = bounds[base + 14]!;
    if (!Number.isSafeInteger(gpos) || reply[timeStart] !== QUOTE) return null;
    const time = withTime ? reply.toString('utf8', timeStart + 1, bounds[base + 15]! - 1) : null;
    rows.push({ line: out.subarray(start, at), gpos, time });
  }
  return rows;
}
