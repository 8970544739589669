/**
 * The fast path of `validateRecordLine` (record.ts) for `inspect`: a record line read from its
 * bytes when it is canonical JSON (canonical-json.ts, which every eventodb export is), without
 * building its `data` and `meta` objects. It applies the same checks with the same functions
 * and returns null for anything it does not accept, invalid lines included; the caller then runs
 * `validateRecordLine`, the one definition, which decides and words any error. So it can make
 * inspect faster but never change what it reports.
 */
import {
  canonicalRecord,
  F_DATA,
  F_GPOS,
  F_ID,
  F_META,
  F_POS,
  F_STREAM,
  F_TIME,
  F_TYPE,
  type CanonicalRecord,
} from './canonical-json.js';
import type { ValidRecord } from './record.js';
import { parseTime, parseTimeBytes } from '../store/time.js';
import { isNameText, isUuid } from '../store/validate.js';
import { BACKSLASH, OPEN_BRACE, QUOTE } from './json-bytes.js';

/** A valid record's fields but `data` and `meta`, whose places in the line are given instead. */
export interface ScannedRecord extends Omit<ValidRecord, 'data' | 'meta'> {
  /** Where the line's parts are (for counting redaction matches on its bytes); valid until the next scan. */
  parts: CanonicalRecord;
}

/** The record on `line` (UTF-8, no newline) when it is canonical and valid, else null. */
export function scanRecordLine(line: Buffer): ScannedRecord | null {
  const parts = canonicalRecord(line);
  if (parts === null) return null;
  const { starts, ends } = parts;
  const id = stringAt(line, starts[F_ID]!, ends[F_ID]!);
  if (id === null || !isUuid(id)) return null;
  const stream = stringAt(line, starts[F_STREAM]!, ends[F_STREAM]!);
  if (stream === null || !isNameText(stream)) return null;
  const type = stringAt(line, starts[F_TYPE]!, ends[F_TYPE]!);
  if (type === null || !isNameText(type)) return null;
  const pos = numberAt(line, starts[F_POS]!, ends[F_POS]!);
  if (!Number.isSafeInteger(pos) || pos < 0) return null;
  const gpos = numberAt(line, starts[F_GPOS]!, ends[F_GPOS]!);
  if (!Number.isSafeInteger(gpos) || gpos < 1) return null;
  if (line[starts[F_DATA]!] !== OPEN_BRACE) return null;
  const meta = starts[F_META]!;
  if (meta !== -1 && line[meta] !== OPEN_BRACE && line[meta] !== 0x6e) return null;
  const timeStart = starts[F_TIME]!;
  const timeEnd = ends[F_TIME]!;
  // In place when it can be (parseTimeBytes), else parseTime of the string: the same result.
  let micros =
    timeStart === -1 || line[timeStart] !== QUOTE ? null : parseTimeBytes(line, timeStart + 1, timeEnd - 1);
  if (micros === undefined) {
    const time = stringAt(line, timeStart, timeEnd);
    micros = time === null ? null : parseTime(time);
  }
  if (micros === null) return null;
  return { id: id.toLowerCase(), stream, type, pos, gpos, micros, parts };
}

/** The string value at `[start, end)`, or null when there is none (or it is not a string). */
function stringAt(b: Buffer, start: number, end: number): string | null {
  if (start === -1 || b[start] !== QUOTE) return null;
  for (let i = start + 1; i < end - 1; i++) {
    if (b[i] === BACKSLASH) return JSON.parse(b.toString('utf8', start, end)) as string;
  }
  return b.toString('utf8', start + 1, end - 1);
}

/** The number at `[start, end)`, or NaN when there is none (or it is not a number). */
function numberAt(b: Buffer, start: number, end: number): number {
  if (start === -1) return NaN;
  const c = b[start]!;
  if (c !== 0x2d && (c < 0x30 || c > 0x39)) return NaN;
  return Number(b.toString('latin1', start, end));
}
