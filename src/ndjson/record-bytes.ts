/**
 * `inspect`'s fast path of `validateRecordLine` (record.ts): a record line checked and read on
 * its bytes, in place (no string, no object, nothing allocated per line). It accepts a line only
 * when it can tell exactly what `validateRecordLine` would: the line is one JSON object with no
 * whitespace between tokens (the form every export writes; `data` and `meta` may hold any JSON:
 * escapes, exponents, repeated keys), no top-level key twice or escaped, the `id`, `stream`,
 * `type` and `time` strings without escapes, `pos` and `gpos` plain integers of at most 15
 * digits, no more than 64 levels of nesting. Then the record is valid exactly when the checks
 * below pass. Everything else returns null, invalid lines included, and the caller runs
 * `validateRecordLine`, the one definition, which decides and words any error. So this can make
 * inspect faster but never change what it reports (test/unit/ndjson-record-bytes.test.ts).
 *
 * The line must already be known to be UTF-8 (read.ts checks every line): then a string without
 * escapes is well-formed text, which is all `isNameText` asks beyond being non-empty.
 */
import { parseTime, parseTimeBytes } from '../store/time.js';
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  MINUS,
  NINE,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  ZERO,
} from './json-bytes.js';

/** Deeper lines go to `validateRecordLine` (whose limit, 100 levels of `data`, is above this). */
const MAX_DEPTH = 64;

/** Bytes that end a run of plain string bytes: `"`, `\` and the control characters. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;
/** Escapes JSON allows after `\`, but `u`. */
const SHORT_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SHORT_ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const DIGIT = new Uint8Array(256);
for (let c = ZERO; c <= NINE; c++) DIGIT[c] = 1;

const FIELDS = ['id', 'stream', 'type', 'pos', 'gpos', 'data', 'meta', 'time'].map((f) => Buffer.from(f));
const F_ID = 0;
const F_STREAM = 1;
const F_TYPE = 2;
const F_POS = 3;
const F_GPOS = 4;
const F_DATA = 5;
const F_META = 6;
const F_TIME = 7;
/** Every field but `meta`. */
const REQUIRED = 0b10111111;

/** A valid record read from its line: where its strings are, and its numbers. Reused per line. */
export interface RecordBytes {
  /** Start of the id's 36 characters (a UUID, either case). */
  idStart: number;
  streamStart: number;
  streamEnd: number;
  typeStart: number;
  typeEnd: number;
  pos: number;
  gpos: number;
  /** `time` in µs. */
  micros: number;
}

const RESULT: RecordBytes = {
  idStart: 0,
  streamStart: 0,
  streamEnd: 0,
  typeStart: 0,
  typeEnd: 0,
  pos: 0,
  gpos: 0,
  micros: 0,
};
/** Start and end of each field's value (inside the quotes for strings). */
const starts = new Int32Array(FIELDS.length);
const ends = new Int32Array(FIELDS.length);
/** Kinds of the open containers while skipping a value: 1 object, 0 array. */
const stack = new Uint8Array(MAX_DEPTH);

/**
 * The record on `b[start..end)` (UTF-8, no newline) when it is valid and in the form above, else
 * null. The result is the same object every call: use it before reading the next line.
 */
export function scanRecordBytes(b: Buffer, start: number, end: number): RecordBytes | null {
  if (b[start] !== OPEN_BRACE || b[end - 1] !== CLOSE_BRACE) return null;
  let seen = 0;
  let i = start + 1;
  for (;;) {
    if (b[i] !== QUOTE) return null;
    const keyEnd = plainStringEnd(b, i + 1, end);
    if (keyEnd === -1 || b[keyEnd + 1] !== COLON) return null;
    const f = fieldOf(b, i + 1, keyEnd);
    i = keyEnd + 2;
    if (f !== -1) {
      if ((seen & (1 << f)) !== 0) return null;
      seen |= 1 << f;
    }
    if (f === F_ID || f === F_STREAM || f === F_TYPE || f === F_TIME) {
      if (b[i] !== QUOTE) return null;
      const stringEnd = plainStringEnd(b, i + 1, end);
      if (stringEnd === -1) return null;
      starts[f] = i + 1;
      ends[f] = stringEnd;
      i = stringEnd + 1;
    } else if (f === F_POS || f === F_GPOS) {
      let j = i;
      while (DIGIT[b[j]!] === 1) j++;
      if (j === i || j - i > 15 || (b[i] === ZERO && j - i > 1)) return null;
      starts[f] = i;
      ends[f] = j;
      i = j;
    } else {
      const c = b[i];
      if (f === F_DATA && c !== OPEN_BRACE) return null;
      if (f === F_META && c !== OPEN_BRACE && c !== 0x6e) return null;
      i = skipValue(b, i, end);
      if (i === -1) return null;
    }
    if (b[i] === COMMA) i++;
    else if (b[i] === CLOSE_BRACE && i === end - 1) break;
    else return null;
  }
  return (seen & REQUIRED) === REQUIRED ? fields(b) : null;
}

/** The record's checks (those of `validateRecordLine`) on the fields found; null if one fails. */
function fields(b: Buffer): RecordBytes | null {
  const r = RESULT;
  r.idStart = starts[F_ID]!;
  if (ends[F_ID]! - r.idStart !== 36 || !isUuidAt(b, r.idStart)) return null;
  r.streamStart = starts[F_STREAM]!;
  r.streamEnd = ends[F_STREAM]!;
  r.typeStart = starts[F_TYPE]!;
  r.typeEnd = ends[F_TYPE]!;
  if (r.streamEnd === r.streamStart || r.typeEnd === r.typeStart) return null;
  r.pos = integerAt(b, starts[F_POS]!, ends[F_POS]!);
  r.gpos = integerAt(b, starts[F_GPOS]!, ends[F_GPOS]!);
  if (r.gpos < 1) return null;
  const timeStart = starts[F_TIME]!;
  const timeEnd = ends[F_TIME]!;
  const micros = parseTimeBytes(b, timeStart, timeEnd);
  const time = micros === undefined ? parseTime(b.toString('utf8', timeStart, timeEnd)) : micros;
  if (time === null) return null;
  r.micros = time;
  return r;
}

/** Index of the closing quote of a string without escapes whose text starts at `i`, or -1. */
function plainStringEnd(b: Buffer, i: number, end: number): number {
  let j = i;
  while (j < end && STRING_STOP[b[j]!] === 0) j++;
  return j < end && b[j] === QUOTE ? j : -1;
}

/** The `FIELDS` index of the key `b[start..end)`, or -1. */
function fieldOf(b: Buffer, start: number, end: number): number {
  const n = end - start;
  for (let f = 0; f < FIELDS.length; f++) {
    const key = FIELDS[f]!;
    if (key.length !== n) continue;
    let k = 0;
    while (k < n && b[start + k] === key[k]) k++;
    if (k === n) return f;
  }
  return -1;
}

function isUuidAt(b: Buffer, at: number): boolean {
  for (let k = 0; k < 36; k++) {
    const c = b[at + k]!;
    if (k === 8 || k === 13 || k === 18 || k === 23 ? c !== MINUS : HEX[c] !== 1) return false;
  }
  return true;
}

/** The integer of at most 15 digits at `b[start..end)`. */
function integerAt(b: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + (b[i]! - ZERO);
  return n;
}

/** Index just past the JSON string at `i` (which holds `"`), any escapes allowed, or -1. */
function stringEnd(b: Buffer, i: number, end: number): number {
  let j = i + 1;
  for (;;) {
    while (j < end && STRING_STOP[b[j]!] === 0) j++;
    if (j >= end) return -1;
    const c = b[j];
    if (c === QUOTE) return j + 1;
    if (c !== BACKSLASH) return -1;
    const e = b[j + 1]!;
    if (SHORT_ESCAPE[e] === 1) j += 2;
    else if (e === 0x75 && HEX[b[j + 2]!] === 1 && HEX[b[j + 3]!] === 1 && HEX[b[j + 4]!] === 1) {
      if (HEX[b[j + 5]!] !== 1 || j + 5 >= end) return -1;
      j += 6;
    } else return -1;
  }
}

/** Index just past the JSON number at `i` (RFC 8259 grammar), or -1. */
function numberEnd(b: Buffer, i: number): number {
  let j = i;
  if (b[j] === MINUS) j++;
  if (b[j] === ZERO) j++;
  else if (DIGIT[b[j]!] === 1) while (DIGIT[b[j]!] === 1) j++;
  else return -1;
  if (b[j] === 0x2e) {
    if (DIGIT[b[++j]!] !== 1) return -1;
    while (DIGIT[b[j]!] === 1) j++;
  }
  if (b[j] === 0x65 || b[j] === 0x45) {
    j++;
    if (b[j] === 0x2b || b[j] === MINUS) j++;
    if (DIGIT[b[j]!] !== 1) return -1;
    while (DIGIT[b[j]!] === 1) j++;
  }
  return j;
}

function literalEnd(b: Buffer, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** Index just past an object key and its colon at `i`, or -1. */
function keyEnd(b: Buffer, i: number, end: number): number {
  if (b[i] !== QUOTE) return -1;
  const j = stringEnd(b, i, end);
  return j !== -1 && b[j] === COLON ? j + 1 : -1;
}

/**
 * Index just past the JSON value at `i` (any value JSON.parse accepts, without whitespace and
 * at most `MAX_DEPTH` deep), or -1. Iterative: containers are kept on `stack`.
 */
function skipValue(b: Buffer, i: number, end: number): number {
  let depth = 0;
  let j = i;
  for (;;) {
    const c = b[j];
    if (c === QUOTE) j = stringEnd(b, j, end);
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const isObject = c === OPEN_BRACE;
      if (b[j + 1] === (isObject ? CLOSE_BRACE : CLOSE_BRACKET)) j += 2;
      else {
        if (depth === MAX_DEPTH) return -1;
        stack[depth++] = isObject ? 1 : 0;
        j = isObject ? keyEnd(b, j + 1, end) : j + 1;
        if (j === -1) return -1;
        continue;
      }
    } else if (c === MINUS || DIGIT[c!] === 1) j = numberEnd(b, j);
    else if (c === 0x74) j = literalEnd(b, j, 'true');
    else if (c === 0x66) j = literalEnd(b, j, 'false');
    else if (c === 0x6e) j = literalEnd(b, j, 'null');
    else return -1;
    if (j === -1) return -1;
    // After a value: close what ends here, then expect the next element (or stop at depth 0).
    for (;;) {
      if (depth === 0) return j;
      const isObject = stack[depth - 1] === 1;
      const d = b[j];
      if (d === COMMA) {
        j = isObject ? keyEnd(b, j + 1, end) : j + 1;
        if (j === -1) return -1;
        break;
      }
      if (d !== (isObject ? CLOSE_BRACE : CLOSE_BRACKET)) return -1;
      j++;
      depth--;
    }
  }
}
