/**
 * The bare engine's import and export, the floor the CLI + server pipeline is compared with:
 *
 * - import: read the NDJSON file as a stream, split lines, JSON.parse each record, insert it with
 *   its positions into the backend's schema, 1000 rows per transaction (what the server does per
 *   batch), synchronous=FULL;
 * - export: one SELECT in global order, each row serialised with JSON.stringify into a record
 *   line (data and meta parsed back to objects), written to a file with backpressure.
 *
 * One process, no HTTP, no validation: a lower bound, not a competitor.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { formatTime } from '../src/store/time.js';
import { openBare } from './bare-sqlite.js';

const BATCH = 1000;
const INSERT = `INSERT INTO messages
  (global_position, id, stream_name, category, type, position, data, metadata, time)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** One export record as the bare engines read it (bench/generate.ts writes them). */
export interface ExportLine {
  id: string;
  stream: string;
  type: string;
  pos: number;
  gpos: number;
  data: unknown;
  meta: unknown;
  time: string;
}

/** RFC 3339 UTC with up to 6 fraction digits → µs (the generator's format only). */
export function micros(time: string): number {
  const dot = time.indexOf('.');
  const seconds = Date.parse(`${time.slice(0, 19)}Z`);
  const fraction = dot === -1 ? '' : time.slice(dot + 1, -1);
  return seconds * 1000 + Number((fraction + '000000').slice(0, 6));
}

/** The lines of a file, read in 1 MiB chunks. */
export async function* lines(file: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      yield text.slice(start, nl);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') yield rest;
}

/** Imports `file` into a fresh database `dbFile`; resolves with the row count. */
export async function bareImport(file: string, dbFile: string): Promise<number> {
  const db = openBare(dbFile, 'FULL');
  const insert = db.prepare(INSERT);
  const commit = db.transaction((batch: ExportLine[]) => {
    for (const r of batch) {
      const dash = r.stream.indexOf('-');
      insert.run(
        r.gpos,
        r.id,
        r.stream,
        dash === -1 ? r.stream : r.stream.slice(0, dash),
        r.type,
        r.pos,
        JSON.stringify(r.data),
        r.meta === null ? null : JSON.stringify(r.meta),
        micros(r.time),
      );
    }
  });
  let batch: ExportLine[] = [];
  let count = 0;
  try {
    for await (const line of lines(file)) {
      if (line === '') continue;
      batch.push(JSON.parse(line) as ExportLine);
      if (batch.length === BATCH) {
        commit.immediate(batch);
        count += batch.length;
        batch = [];
      }
    }
    commit.immediate(batch);
    return count + batch.length;
  } finally {
    db.close();
  }
}

interface Row {
  id: string;
  stream_name: string;
  type: string;
  position: number;
  global_position: number;
  data: string;
  metadata: string | null;
  time: number;
}

/** Exports every row of `dbFile` in global order to `outFile`; resolves with the row count. */
export async function bareExport(dbFile: string, outFile: string): Promise<number> {
  const db = openBare(dbFile, 'FULL');
  const out = createWriteStream(outFile, { highWaterMark: 1 << 20 });
  // Pages of 1000 by global position, so the file stream's backpressure is honoured.
  const page = db.prepare(
    `SELECT id, stream_name, type, position, global_position, data, metadata, time FROM messages
     WHERE global_position > ? ORDER BY global_position LIMIT ${BATCH}`,
  );
  let count = 0;
  let after = 0;
  try {
    for (;;) {
      const rows = page.all(after) as Row[];
      if (rows.length === 0) break;
      let text = '';
      for (const r of rows) {
        const record: ExportLine = {
          id: r.id,
          stream: r.stream_name,
          type: r.type,
          pos: r.position,
          gpos: r.global_position,
          data: JSON.parse(r.data),
          meta: r.metadata === null ? null : JSON.parse(r.metadata),
          time: formatTime(r.time),
        };
        text += JSON.stringify(record) + '\n';
        after = r.global_position;
      }
      count += rows.length;
      if (!out.write(text)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    return count;
  } finally {
    db.close();
  }
}
