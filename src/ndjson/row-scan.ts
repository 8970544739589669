/**
 * Turns the JSON text of a `category.get` reply into export lines without parsing payloads.
 *
 * A reply is `[row, row, …]`, each row `[id, stream, type, pos, gpos, data, meta, time]` as JSON
 * (contract §4). Building the record line `{"id":…,"stream":…,"type":…,"pos":…,"gpos":…,
 * "data":…,"meta":…,"time":…}` only needs each element's text: strings stay escaped as they
 * came, `data` and `meta` are copied verbatim. This scanner finds the element boundaries (it
 * tracks strings, escapes and nesting) and is ~5× cheaper than `JSON.parse` + `JSON.stringify`
 * on realistic payloads, which is what bounds an export's speed.
 *
 * It accepts exactly the compact form servers write (no whitespace between tokens). Anything
 * else (whitespace, a row of another shape) makes it return null, and the caller falls back to
 * `JSON.parse`, so it is an optimisation, never a second definition of the format.
 */

/** One row as the export needs it. */
export interface ScannedRow {
  /** The record line (no newline). */
  line: string;
  gpos: number;
  /** The `time` element without its quotes. */
  time: string;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/** Index just past the JSON string starting at `i` (which holds `"`). */
function endOfString(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q === -1) return -1;
    let backslashes = 0;
    while (s.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Index just past the JSON value starting at `i`, or -1. */
function endOfValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return endOfString(s, i);
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
    let j = i;
    while (j < s.length && s.charCodeAt(j) !== COMMA && s.charCodeAt(j) !== CLOSE_BRACKET) j++;
    return j === i ? -1 : j;
  }
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const d = s.charCodeAt(j);
    if (d === QUOTE) {
      j = endOfString(s, j) - 1;
      if (j < 0) return -1;
    } else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
    else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
      if (--depth === 0) return j + 1;
    }
  }
  return -1;
}

/** The rows of a compact `category.get` reply, or null when the text is not in that form. */
export function scanCategoryRows(s: string): ScannedRow[] | null {
  const rows: ScannedRow[] = [];
  if (s.charCodeAt(0) !== OPEN_BRACKET) return null;
  let i = 1;
  if (s.charCodeAt(i) === CLOSE_BRACKET) return i === s.length - 1 ? rows : null;
  const parts: string[] = new Array<string>(8);
  for (;;) {
    if (s.charCodeAt(i) !== OPEN_BRACKET) return null;
    i++;
    for (let k = 0; k < 8; k++) {
      const end = endOfValue(s, i);
      if (end === -1) return null;
      parts[k] = s.slice(i, end);
      const sep = s.charCodeAt(end);
      if (sep !== (k === 7 ? CLOSE_BRACKET : COMMA)) return null;
      i = end + 1;
    }
    const [id, stream, type, pos, gpos, data, meta, time] = parts as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const gposNumber = Number(gpos);
    if (!Number.isSafeInteger(gposNumber) || time.charCodeAt(0) !== QUOTE) return null;
    rows.push({
      line: `{"id":${id},"stream":${stream},"type":${type},"pos":${pos},"gpos":${gpos},"data":${data},"meta":${meta},"time":${time}}`,
      gpos: gposNumber,
      time: time.slice(1, -1),
    });
    const next = s.charCodeAt(i);
    if (next === CLOSE_BRACKET) return i === s.length - 1 ? rows : null;
    if (next !== COMMA) return null;
    i++;
  }
}
