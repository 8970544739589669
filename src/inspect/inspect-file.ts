/**
 * `inspect`'s engine: one pass over an export file's lines that validates every record (the same
 * validation import uses, src/ndjson/record.ts), checks global positions, summarises, optionally
 * counts what redaction rules would match, and feeds the id and per-stream checks (key-checks.ts),
 * which finish after the pass. Memory is bounded whatever the file's size: see
 * docs/adr/0008-inspect.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEventoError } from '../errors.js';
import { LineReadError, LineSplitter } from '../ndjson/read.js';
import { scanRecordBytes, type RecordBytes } from '../ndjson/record-bytes.js';
import { validateRecordLine, type ValidRecord } from '../ndjson/record.js';
import { scanRecordLine, type ScannedRecord } from '../ndjson/record-scan.js';
import type { Redactor, RuleReport } from '../redact/redactor.js';
import { category } from '../store/stream-name.js';
import { formatTime } from '../store/time.js';
import { ByteCounter } from './byte-counter.js';
import { KeyChecks } from './key-checks.js';
import { Problems, type Problem } from './problems.js';

export interface InspectOptions {
  /** The NDJSON bytes (already gunzipped); a chunk may be reused once the next is asked for. */
  source: AsyncIterable<Buffer>;
  /** Bytes of the file read so far (before decompression). */
  bytesRead: () => number;
  /** Counts what its rules match (nothing is changed). */
  redactor?: Redactor;
  /** Hash partitions of the id and stream checks. */
  partitions: number;
  /** Bytes of check entries held in memory before they spill to temporary files. */
  spillBudgetBytes: number;
  /** Problems listed (all are counted). */
  maxProblems: number;
  /** A longer line is reported and ends the pass. */
  maxLineBytes: number;
}

/** What `inspect` reports. */
export interface InspectResult {
  isValid: boolean;
  /** Bytes of the file as stored (compressed, if it is gzip). */
  bytes: number;
  lines: number;
  events: number;
  streams: number;
  categories: Record<string, number>;
  types: Record<string, number>;
  gpos: { min: number; max: number } | null;
  time: { min: string; max: string } | null;
  problemCount: number;
  /** The first `maxProblems` problems, by line. */
  problems: Problem[];
  /** Times the duplicate checks spilled to temporary files. */
  spills: number;
  redaction?: RuleReport[];
}

class Tally {
  events = 0;
  lines = 0;
  firstGpos = Infinity;
  lastGpos = -Infinity;
  firstTime = Infinity;
  lastTime = -Infinity;
  prevGpos = 0;
  prevGposLine = 0;
  categories = new ByteCounter();
  types = new ByteCounter();
}

const sorted = (map: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Inspects one file; resolves with the result (invalid files too), rejects only on I/O failure. */
export async function inspectFile(o: InspectOptions): Promise<InspectResult> {
  let dir: string | undefined;
  const tempDir = (): string => (dir ??= mkdtempSync(join(tmpdir(), 'eventodb-inspect-')));
  try {
    const problems = new Problems(o.maxProblems);
    const keys = new KeyChecks({ partitions: o.partitions, budgetBytes: o.spillBudgetBytes, tempDir });
    const t = new Tally();
    const splitter = new LineSplitter(o.maxLineBytes, (b, start, end, line) =>
      inspectLine(b, start, end, line, t, keys, problems, o.redactor),
    );
    try {
      for await (const chunk of o.source) splitter.push(chunk);
      splitter.end();
    } catch (err) {
      if (!(err instanceof LineReadError)) throw err;
      t.lines = err.line;
      problems.add(err.line, `${err.code}: ${err.message}; inspect stopped reading here`);
    }
    const { streams } = keys.finish(problems);
    return {
      isValid: problems.count === 0,
      bytes: o.bytesRead(),
      lines: t.lines,
      events: t.events,
      streams,
      categories: sorted(t.categories.toMap()),
      types: sorted(t.types.toMap()),
      gpos: t.events === 0 ? null : { min: t.firstGpos, max: t.lastGpos },
      time: t.events === 0 ? null : { min: formatTime(t.firstTime), max: formatTime(t.lastTime) },
      problemCount: problems.count,
      problems: problems.list(),
      spills: keys.spills,
      ...(o.redactor === undefined ? {} : { redaction: o.redactor.report() }),
    };
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Checks one line, `b[start..end)`: read in place (record-bytes.ts) when it can be, or on its
 * bytes as a canonical line (record-scan.ts) to count redaction matches, else by the shared
 * validation, which decides and words any problem.
 */
function inspectLine(
  b: Buffer,
  start: number,
  end: number,
  line: number,
  t: Tally,
  keys: KeyChecks,
  problems: Problems,
  redactor: Redactor | undefined,
): void {
  t.lines = line;
  if (redactor === undefined) {
    const r = scanRecordBytes(b, start, end);
    if (r !== null) {
      tallyBytes(b, r, line, t, keys, problems);
      return;
    }
  } else if (b[start] === 0x7b) {
    const bytes = b.subarray(start, end);
    const scanned = scanRecordLine(bytes);
    if (scanned !== null) {
      tally(scanned, line, t, keys, problems);
      redactor.countCanonical(bytes, scanned.parts, scanned.type);
      return;
    }
  }
  const text = b.toString('utf8', start, end);
  if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
  let r;
  try {
    r = validateRecordLine(text);
  } catch (err) {
    if (!isEventoError(err)) throw err;
    problems.add(line, `${err.code}: ${err.message}`);
    return;
  }
  tally(r, line, t, keys, problems);
  redactor?.apply(r, 'count');
}

/** The order checks and ranges every valid record goes through. */
function tallyOrder(gpos: number, micros: number, line: number, t: Tally, problems: Problems): void {
  t.events++;
  if (gpos <= t.prevGpos) {
    problems.add(line, `gpos ${gpos} is not greater than gpos ${t.prevGpos} at line ${t.prevGposLine}`);
  }
  t.prevGpos = gpos;
  t.prevGposLine = line;
  if (gpos < t.firstGpos) t.firstGpos = gpos;
  if (gpos > t.lastGpos) t.lastGpos = gpos;
  if (micros < t.firstTime) t.firstTime = micros;
  if (micros > t.lastTime) t.lastTime = micros;
}

/** Counts a valid record and feeds the order and duplicate checks. */
function tally(
  r: ValidRecord | ScannedRecord,
  line: number,
  t: Tally,
  keys: KeyChecks,
  problems: Problems,
): void {
  tallyOrder(r.gpos, r.micros, line, t, problems);
  t.categories.addText(category(r.stream));
  t.types.addText(r.type);
  keys.addId(r.id, line);
  keys.addStreamPosition(r.stream, r.pos, line);
}

/** `tally` of a record read in place: the same counts, on its bytes. */
function tallyBytes(
  b: Buffer,
  r: RecordBytes,
  line: number,
  t: Tally,
  keys: KeyChecks,
  problems: Problems,
): void {
  tallyOrder(r.gpos, r.micros, line, t, problems);
  // category(): the name up to its first `-`, which in UTF-8 is the first 0x2d byte.
  let dash = r.streamStart;
  while (dash < r.streamEnd && b[dash] !== 0x2d) dash++;
  t.categories.add(b, r.streamStart, dash);
  t.types.add(b, r.typeStart, r.typeEnd);
  keys.addIdAt(b, r.idStart, line);
  keys.addStreamPositionAt(b, r.streamStart, r.streamEnd, r.pos, line);
}
