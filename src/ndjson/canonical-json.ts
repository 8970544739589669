/**
 * Byte-level reading of record lines that are exactly what `JSON.stringify` writes, so redaction
 * can replace a value in place instead of parsing and re-serialising the whole line (redactor.ts).
 *
 * `canonicalRecord` accepts a line only when `JSON.stringify(JSON.parse(line))` would give back
 * the same bytes: a JSON object, no whitespace between tokens, valid UTF-8, strings escaped the
 * way JSON.stringify escapes them (`\"` `\\` `\b` `\f` `\n` `\r` `\t` only: any `\u` or `\/`
 * is refused), numbers in the form JavaScript prints them (at most 15 digits, no exponent, no
 * trailing fraction zero, no `-0`, nothing below 1e-6), no key starting with a digit (JSON.parse
 * moves array-index keys first) and no key twice in one object (JSON.parse keeps one). For such a
 * line, replacing a value's bytes by the JSON of a new value gives exactly the bytes the
 * parse → change → stringify path gives. Anything else returns null and the caller takes that
 * path, so this is an optimisation, never a second definition of JSON.
 */
import { isUtf8 } from 'node:buffer';
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  DOT,
  LF,
  MINUS,
  NINE,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  ZERO,
} from './json-bytes.js';

/** Deeper lines take the parsing path (which also bounds the recursion here). */
const MAX_DEPTH = 64;
/** Objects with more keys take the parsing path (the duplicate check is quadratic). */
const MAX_KEYS = 64;
/** Escapes JSON.stringify writes with a backslash and one character. */
const SHORT_ESCAPES = new Uint8Array(128);
for (const c of '"\\bfnrt') SHORT_ESCAPES[c.charCodeAt(0)] = 1;
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

/** The record's fields, in the order of `CanonicalRecord.starts` and `.ends`. */
export const RECORD_FIELDS = ['id', 'stream', 'type', 'pos', 'gpos', 'data', 'meta', 'time'] as const;
export const F_ID = 0;
export const F_STREAM = 1;
export const F_TYPE = 2;
export const F_POS = 3;
export const F_GPOS = 4;
export const F_DATA = 5;
export const F_META = 6;
export const F_TIME = 7;
const FIELD_KEYS = RECORD_FIELDS.map((f) => Buffer.from(JSON.stringify(f)));

/** Where a canonical record line's parts are. */
export interface CanonicalRecord {
  /** Index just past the closing `}` (a `\n` may follow). */
  end: number;
  /** Start of each top-level field's value (`RECORD_FIELDS` order), -1 when absent. */
  starts: Int32Array;
  /** End of each top-level field's value, -1 when absent. */
  ends: Int32Array;
}

/** Checks one value; the key offsets of the objects being read sit on a shared stack. */
class Checker {
  readonly keys: number[] = [];
  /** The top-level members: key start, value start, value end. */
  readonly top: number[] = [];
  b: Buffer = Buffer.alloc(0);

  /** Index just past the canonical value at `i`, or -1. */
  value(i: number, depth: number): number {
    const c = this.b[i];
    if (c === QUOTE) return this.string(i);
    if (c === OPEN_BRACE) return depth >= MAX_DEPTH ? -1 : this.object(i, depth + 1);
    if (c === OPEN_BRACKET) return depth >= MAX_DEPTH ? -1 : this.array(i, depth + 1);
    if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) return this.number(i);
    if (c === 0x74) return this.literal(i, TRUE);
    if (c === 0x66) return this.literal(i, FALSE);
    if (c === 0x6e) return this.literal(i, NULL);
    return -1;
  }

  string(i: number): number {
    const b = this.b;
    for (let j = i + 1; j < b.length; j++) {
      const c = b[j]!;
      if (c === QUOTE) return j + 1;
      if (c < 0x20) return -1;
      if (c === BACKSLASH) {
        const n = b[j + 1];
        if (n === undefined || n >= 128 || SHORT_ESCAPES[n] !== 1) return -1;
        j++;
      }
    }
    return -1;
  }

  number(i: number): number {
    const b = this.b;
    let j = i;
    const isNegative = b[j] === MINUS;
    if (isNegative) j++;
    const intStart = j;
    if (b[j] === ZERO) j++;
    else while (j < b.length && b[j]! >= ZERO && b[j]! <= NINE) j++;
    const intDigits = j - intStart;
    if (intDigits === 0) return -1;
    let fracDigits = 0;
    if (b[j] === DOT) {
      const fracStart = ++j;
      while (j < b.length && b[j]! >= ZERO && b[j]! <= NINE) j++;
      fracDigits = j - fracStart;
      if (fracDigits === 0 || b[j - 1] === ZERO) return -1;
      if (b[intStart] === ZERO) {
        let zeros = 0;
        while (b[fracStart + zeros] === ZERO) zeros++;
        if (zeros >= 6) return -1;
      }
    }
    if (intDigits + fracDigits > 15) return -1;
    if (isNegative && fracDigits === 0 && b[intStart] === ZERO) return -1;
    const next = b[j];
    return next === COMMA || next === CLOSE_BRACE || next === CLOSE_BRACKET ? j : -1;
  }

  literal(i: number, word: Buffer): number {
    for (let k = 0; k < word.length; k++) if (this.b[i + k] !== word[k]) return -1;
    return i + word.length;
  }

  object(i: number, depth: number): number {
    const b = this.b;
    let j = i + 1;
    if (b[j] === CLOSE_BRACE) return j + 1;
    const base = this.keys.length;
    try {
      for (;;) {
        if (b[j] !== QUOTE) return -1;
        const keyEnd = this.string(j);
        if (keyEnd === -1 || b[keyEnd] !== COLON) return -1;
        const first = b[j + 1]!;
        if (first >= ZERO && first <= NINE) return -1;
        if (this.keys.length - base >= 2 * MAX_KEYS || this.#isRepeat(base, j, keyEnd)) return -1;
        this.keys.push(j, keyEnd);
        const keyStart = j;
        j = this.value(keyEnd + 1, depth);
        if (j === -1) return -1;
        if (depth === 1) this.top.push(keyStart, keyEnd + 1, j);
        if (b[j] === CLOSE_BRACE) return j + 1;
        if (b[j] !== COMMA) return -1;
        j++;
      }
    } finally {
      this.keys.length = base;
    }
  }

  array(i: number, depth: number): number {
    const b = this.b;
    let j = i + 1;
    if (b[j] === CLOSE_BRACKET) return j + 1;
    for (;;) {
      j = this.value(j, depth);
      if (j === -1) return -1;
      if (b[j] === CLOSE_BRACKET) return j + 1;
      if (b[j] !== COMMA) return -1;
      j++;
    }
  }

  /** Whether the key at `[start, end)` equals one already read in this object. */
  #isRepeat(base: number, start: number, end: number): boolean {
    const b = this.b;
    const n = end - start;
    for (let k = base; k < this.keys.length; k += 2) {
      const s = this.keys[k]!;
      if (this.keys[k + 1]! - s !== n) continue;
      let m = 1;
      while (m < n && b[s + m] === b[start + m]) m++;
      if (m === n) return true;
    }
    return false;
  }
}

const EMPTY = Buffer.alloc(0);
/** One checker for every line (lines are checked one at a time, synchronously). */
const checker = new Checker();

/** The one result object, refilled by every call (a line is read a few million times a run). */
const SHARED_PARTS: CanonicalRecord = {
  end: 0,
  starts: new Int32Array(RECORD_FIELDS.length),
  ends: new Int32Array(RECORD_FIELDS.length),
};

/**
 * The parts of `line` when it is a canonical JSON object (newline optional), else null. The
 * result is the same object every call: use it before reading the next line.
 */
export function canonicalRecord(line: Buffer): CanonicalRecord | null {
  const last = line.length - 1;
  const end = line[last] === LF ? last : line.length;
  if (line[0] !== OPEN_BRACE || line[end - 1] !== CLOSE_BRACE || !isUtf8(line)) return null;
  checker.b = line;
  checker.keys.length = 0;
  checker.top.length = 0;
  const isCanonical = checker.object(0, 1) === end;
  checker.b = EMPTY;
  if (!isCanonical) return null;
  const parts = SHARED_PARTS;
  const { starts, ends } = parts;
  starts.fill(-1);
  ends.fill(-1);
  parts.end = end;
  const top = checker.top;
  for (let m = 0; m < top.length; m += 3) {
    const valueStart = top[m + 1]!;
    const f = fieldOf(line, top[m]!, valueStart);
    if (f !== -1) {
      starts[f] = valueStart;
      ends[f] = top[m + 2]!;
    }
  }
  return parts;
}

/** The `RECORD_FIELDS` index of the key that ends at `valueStart - 1`, or -1. */
function fieldOf(b: Buffer, keyStart: number, valueStart: number): number {
  const n = valueStart - 1 - keyStart;
  for (let f = 0; f < FIELD_KEYS.length; f++) {
    const key = FIELD_KEYS[f]!;
    if (key.length === n && equalAt(b, keyStart, key)) return f;
  }
  return -1;
}

function equalAt(b: Buffer, at: number, needle: Buffer): boolean {
  for (let k = 0; k < needle.length; k++) if (b[at + k] !== needle[k]) return false;
  return true;
}

/** Index just past the string at `i` (a checked line). */
export function endOfString(b: Buffer, i: number): number {
  for (let j = i + 1; ; j++) {
    const c = b[j];
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
}

/** Index just past the value at `i` (a checked line). */
export function endOfValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return endOfString(b, i);
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
    let j = i + 1;
    while (b[j] !== COMMA && b[j] !== CLOSE_BRACE && b[j] !== CLOSE_BRACKET) j++;
    return j;
  }
  let depth = 0;
  for (let j = i; ; j++) {
    const d = b[j];
    if (d === QUOTE) j = endOfString(b, j) - 1;
    else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
    else if ((d === CLOSE_BRACE || d === CLOSE_BRACKET) && --depth === 0) return j + 1;
  }
}
