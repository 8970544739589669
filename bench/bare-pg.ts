/**
 * The bare `pg` client on the same PostgreSQL, the floor the server's PostgreSQL rows are
 * compared with (one process, no HTTP, no validation; a lower bound, not a competitor):
 *
 * - import: the NDJSON file parsed line by line, `COPY ... FROM STDIN` of the same rows into a
 *   Message DB-shaped table (the server's own DDL), in 1000-row transactions;
 * - export: one `SELECT ... ORDER BY global_position` read through a cursor, each row serialised
 *   with JSON.stringify into a record line, written to a file with backpressure;
 * - appends: one `INSERT` per transaction (autocommit) from `clients` connections, each on its own
 *   stream with its own position counter.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { namespaceDdl } from '../src/store/postgres/schema.js';
import { lines, type ExportLine } from './bare-import-export.js';

const BATCH = 1000;
const TABLE = 'bare.messages';

/** Raw text for json and timestamp, numbers for int8: the serialiser decides. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 20) return (text: string) => Number(text);
    if (oid === 114 || oid === 1114) return (text: string) => text;
    return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
  }) as pg.CustomTypesConfig['getTypeParser'],
};

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, types });
  await client.connect();
  return client;
}

/** Creates the bare table (the server's namespace DDL) in a fresh database. */
export async function createBareTable(url: string): Promise<void> {
  const client = await connect(url);
  try {
    await client.query(namespaceDdl('bare'));
  } finally {
    await client.end();
  }
}

const SPECIAL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const esc = (text: string): string => text.replace(SPECIAL, (c) => ESCAPES[c] ?? c);

function copyLine(r: ExportLine): string {
  const meta = r.meta === null ? '\\N' : esc(JSON.stringify(r.meta));
  return `${r.gpos}\t${r.pos}\t${r.time}\t${esc(r.stream)}\t${esc(r.type)}\t${esc(JSON.stringify(r.data))}\t${meta}\t${r.id}\n`;
}

/** Imports `file` with COPY in 1000-row transactions; resolves with the row count. */
export async function bareCopyImport(file: string, url: string): Promise<number> {
  const client = await connect(url);
  const copyBatch = async (text: string): Promise<void> => {
    await client.query('BEGIN');
    await pipeline(
      Readable.from([text]),
      client.query(
        copyFrom(
          `COPY ${TABLE} (global_position, position, time, stream_name, type, data, metadata, id) FROM STDIN`,
        ),
      ),
    );
    await client.query('COMMIT');
  };
  let text = '';
  let inBatch = 0;
  let count = 0;
  try {
    for await (const line of lines(file)) {
      if (line === '') continue;
      text += copyLine(JSON.parse(line) as ExportLine);
      if (++inBatch === BATCH) {
        await copyBatch(text);
        count += inBatch;
        text = '';
        inBatch = 0;
      }
    }
    if (inBatch > 0) {
      await copyBatch(text);
      count += inBatch;
    }
    return count;
  } finally {
    await client.end();
  }
}

type Row = [number, number, string, string, string, string, string | null, string];

/** Exports the table in global order to `file`; resolves with the row count. */
export async function bareExport(url: string, file: string): Promise<number> {
  const client = await connect(url);
  const out = createWriteStream(file);
  let count = 0;
  try {
    await client.query('BEGIN');
    await client.query(
      `DECLARE c NO SCROLL CURSOR FOR SELECT global_position, position, time, stream_name, type, data,
        metadata, id FROM ${TABLE} ORDER BY global_position`,
    );
    for (;;) {
      const { rows } = await client.query<Row>({ text: 'FETCH 1000 FROM c', rowMode: 'array' });
      if (rows.length === 0) break;
      let text = '';
      for (const [gpos, pos, time, stream, type, data, meta, id] of rows) {
        text += `${JSON.stringify({
          id,
          stream,
          type,
          pos,
          gpos,
          data: JSON.parse(data) as unknown,
          meta: meta === null ? null : (JSON.parse(meta) as unknown),
          time: `${time.replace(' ', 'T')}Z`,
        })}\n`;
      }
      count += rows.length;
      if (!out.write(text)) await once(out, 'drain');
    }
    await client.query('COMMIT');
  } finally {
    out.end();
    await once(out, 'close');
    await client.end();
  }
  return count;
}

/** `clients` connections appending one INSERT per transaction for `ms`; appends per second. */
export async function bareAppends(url: string, clients: number, ms: number): Promise<number> {
  const connections = await Promise.all(Array.from({ length: clients }, () => connect(url)));
  const data = JSON.stringify({ orderId: 'ord-0001234', amount: 1234.56, note: 'benchmark payload' });
  let ops = 0;
  const started = performance.now();
  const deadline = started + ms;
  try {
    await Promise.all(
      connections.map(async (client, c) => {
        for (let position = 0; performance.now() < deadline; position++) {
          await client.query(
            `INSERT INTO ${TABLE} (position, time, stream_name, type, data, metadata, id)
              VALUES ($1, now(), $2, 'T', $3, NULL, gen_random_uuid())`,
            [position, `bare${c}-${c}`, data],
          );
          ops++;
        }
      }),
    );
    return ops / ((performance.now() - started) / 1000);
  } finally {
    await Promise.all(connections.map((client) => client.end()));
  }
}
