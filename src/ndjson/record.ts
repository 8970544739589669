/**
 * The export record: one JSON object per line (NDJSON), in global-position order.
 *
 *   {"id":"<uuid>","stream":"order-456","type":"Created","pos":0,"gpos":52,
 *    "data":{...},"meta":{...}|null,"time":"2025-07-15T10:01:00.123456Z"}
 *
 * | field  | meaning                                   | rule on import                  |
 * |--------|-------------------------------------------|---------------------------------|
 * | id     | message UUID                              | a UUID                          |
 * | stream | full stream name                          | non-empty, no lone surrogate    |
 * | type   | message type                              | non-empty, no lone surrogate    |
 * | pos    | stream position                           | integer ≥ 0                     |
 * | gpos   | global position (preserved on import)     | integer ≥ 1                     |
 * | data   | payload                                   | a JSON object, ≤ 100 levels deep|
 * | meta   | metadata                                  | same, or null (absent = null)   |
 * | time   | RFC 3339 UTC, microseconds, zeros trimmed | RFC 3339 (any offset), UTC year |
 * |        |                                           | 0001–9999 (see store/time.ts)   |
 *
 * A line that is not JSON (or not UTF-8, see read.ts) is INVALID_JSON; a field missing or of the
 * wrong type or range is INVALID_RECORD. Export writes `time` exactly as the server formats it, so export → import →
 * export is byte-identical.
 */
import type { EventoError } from '../errors.js';
import { invalidJson, invalidRecord } from '../errors.js';
import type { StoredMessage } from '../store/store.js';
import { parseTime } from '../store/time.js';
import { exceedsJsonDepth, isNameText, isUuid, MAX_JSON_DEPTH } from '../store/validate.js';

export interface ExportRecord {
  id: string;
  stream: string;
  type: string;
  pos: number;
  gpos: number;
  data: Record<string, unknown>;
  meta: Record<string, unknown> | null;
  time: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const invalid = (message: string): EventoError => invalidRecord(message);

/** A record that passed validation: its fields as parsed, the id lowercased, `time` in µs. */
export interface ValidRecord extends Omit<ExportRecord, 'time'> {
  /** `time` in microseconds since the epoch. */
  micros: number;
}

/**
 * Parses and validates one line without serialising its payload again (`inspect` needs no more).
 * Throws INVALID_JSON or INVALID_RECORD.
 */
export function validateRecordLine(line: string): ValidRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw invalidJson('line is not valid JSON');
  }
  if (!isObject(value)) throw invalid('record must be a JSON object');
  const { id, stream, type, pos, gpos, data, meta, time } = value;
  if (typeof id !== 'string' || !isUuid(id)) throw invalid('id must be a UUID');
  if (typeof stream !== 'string' || !isNameText(stream)) {
    throw invalid('stream must be a non-empty string of valid Unicode');
  }
  if (typeof type !== 'string' || !isNameText(type)) {
    throw invalid('type must be a non-empty string of valid Unicode');
  }
  if (!Number.isSafeInteger(pos) || (pos as number) < 0) throw invalid('pos must be an integer ≥ 0');
  if (!Number.isSafeInteger(gpos) || (gpos as number) < 1) throw invalid('gpos must be an integer ≥ 1');
  if (!isObject(data)) throw invalid('data must be a JSON object');
  if (meta !== undefined && meta !== null && !isObject(meta)) throw invalid('meta must be an object or null');
  // Before JSON.stringify in parseRecordLine, which overflows the stack on deep values. ~150 ns a record (2%).
  if (exceedsJsonDepth(data)) throw invalid(`data nests deeper than ${MAX_JSON_DEPTH} levels`);
  if (exceedsJsonDepth(meta)) throw invalid(`meta nests deeper than ${MAX_JSON_DEPTH} levels`);
  const micros = typeof time === 'string' ? parseTime(time) : null;
  if (micros === null) throw invalid('time must be an RFC 3339 time from 0001 to 9999 UTC');
  return {
    id: id.toLowerCase(),
    stream,
    type,
    pos: pos as number,
    gpos: gpos as number,
    data,
    meta: meta === undefined || meta === null ? null : meta,
    micros,
  };
}

/** Parses one line into a message to import. Throws INVALID_JSON or INVALID_RECORD. */
export function parseRecordLine(line: string): StoredMessage {
  const r = validateRecordLine(line);
  return {
    id: r.id,
    streamName: r.stream,
    type: r.type,
    position: r.pos,
    globalPosition: r.gpos,
    data: JSON.stringify(r.data),
    metadata: r.meta === null ? null : JSON.stringify(r.meta),
    time: r.micros,
  };
}

/** The record line of a `category.get` row `[id, stream, type, pos, gpos, data, meta, time]`. */
export function recordLineOfRow(row: CategoryRow): string {
  const record: ExportRecord = {
    id: row[0],
    stream: row[1],
    type: row[2],
    pos: row[3],
    gpos: row[4],
    data: row[5],
    meta: row[6],
    time: row[7],
  };
  return JSON.stringify(record);
}

/** A `category.get` row as the wire carries it. */
export type CategoryRow = [
  id: string,
  stream: string,
  type: string,
  pos: number,
  gpos: number,
  data: Record<string, unknown>,
  meta: Record<string, unknown> | null,
  time: string,
];
