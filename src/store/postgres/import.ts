/**
 * ImportBatch: explicit positions, one transaction per batch, rows sent with COPY under the
 * namespace's write lock (so no normal write interleaves). The COPY is optimistic: when it hits a
 * unique constraint, it is rolled back to a savepoint and the clash is then found in the
 * contract's order (global position, stream position, id; against stored rows and earlier rows of
 * the batch), still inside the transaction, so a clearFirst delete is taken into account. Last,
 * the global-position sequence moves to max(its value, the batch's highest), never backwards, the
 * registry's message count is updated and the commit is notified (notify.ts), all in the batch's
 * transaction. The incarnation is checked under the lock, like appends (write.ts). Before the COPY,
 * still under the lock, the stream-order check (../stream-order.ts) reads each batch stream's
 * highest stored message (one query) and, for records below it, their stored neighbours (one
 * more query, only then); its refusal is thrown after the COPY, so an exact clash stays
 * POSITION_EXISTS.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  type InvalidRecordError,
  PositionExistsError,
  type PositionClash,
  namespaceNotFound,
} from '../../errors.js';
import type { ImportOptions, StoredMessage } from '../store.js';
import { type Neighbours, type Place, StreamOrderCheck, batchStreams } from '../stream-order.js';
import { formatTime } from '../time.js';
import { assertCurrentSql, inNamespace, isNotCurrent } from './namespace.js';
import { notifySql } from './notify.js';
import type { SchemaRef } from './schema.js';
import { countSql } from './write.js';

const COPY_COLUMNS = 'global_position, position, time, stream_name, type, data, metadata, id';

/** Rows per chunk handed to the COPY stream. */
const CHUNK_ROWS = 256;

/** COPY text format: backslash, newline, carriage return and tab are escaped. */
const SPECIAL = /[\\\n\r\t]/g;
const HAS_SPECIAL = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const escape = (text: string): string =>
  HAS_SPECIAL.test(text) ? text.replace(SPECIAL, (c) => ESCAPES[c] ?? c) : text;

function copyLine(m: StoredMessage): string {
  const metadata = m.metadata === null ? '\\N' : escape(m.metadata);
  return `${m.globalPosition}\t${m.position}\t${formatTime(m.time)}\t${escape(m.streamName)}\t${escape(m.type)}\t${escape(m.data)}\t${metadata}\t${m.id}\n`;
}

function* copyText(messages: readonly StoredMessage[]): Generator<string> {
  for (let start = 0; start < messages.length; start += CHUNK_ROWS) {
    let text = '';
    for (let i = start; i < Math.min(messages.length, start + CHUNK_ROWS); i++) {
      text += copyLine(messages[i] as StoredMessage);
    }
    yield text;
  }
}

export async function importBatch(
  pool: pg.Pool,
  ref: SchemaRef,
  origin: string,
  messages: readonly StoredMessage[],
  options: ImportOptions,
): Promise<void> {
  await inNamespace(ref.id, async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${ref.lock}); ${assertCurrentSql(ref)}`);
      if (options.clearFirst === true) await client.query(`DELETE FROM ${ref.table}`);
      if (messages.length > 0) {
        const disorder = await streamOrder(client, ref, messages);
        await copyRows(client, ref, messages);
        if (disorder !== undefined) throw disorder;
      }
      const notify = messages.length === 0 ? '' : `; ${notifyOf(origin, ref, messages)}`;
      await client.query(`${countSql(ref, messages.length, options.clearFirst === true)}${notify}; COMMIT`);
    } catch (err) {
      // A failed ROLLBACK means the connection itself is broken: it is not reused.
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      if (isNotCurrent(err)) throw namespaceNotFound(ref.id);
      throw err;
    } finally {
      client.release(broken);
    }
  });
}

/** The commit notification of a batch: its lowest and highest global position, sparse. */
function notifyOf(origin: string, ref: SchemaRef, messages: readonly StoredMessage[]): string {
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  for (const m of messages) {
    if (m.globalPosition < low) low = m.globalPosition;
    if (m.globalPosition > high) high = m.globalPosition;
  }
  return notifySql(origin, ref, low, high, true);
}

async function copyRows(
  client: pg.PoolClient,
  ref: SchemaRef,
  messages: readonly StoredMessage[],
): Promise<void> {
  await client.query('SAVEPOINT copy');
  try {
    await pipeline(
      Readable.from(copyText(messages)),
      client.query(copyFrom(`COPY ${ref.table} (${COPY_COLUMNS}) FROM STDIN`)),
    );
  } catch (err) {
    if ((err as { code?: unknown }).code !== '23505') throw err;
    await client.query('ROLLBACK TO SAVEPOINT copy');
    throw await clashOf(client, ref, messages);
  }
  let top = 0;
  for (const m of messages) if (m.globalPosition > top) top = m.globalPosition;
  await client.query(
    `SELECT setval(${ref.sequenceLiteral}, greatest($1::int8,
      (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${ref.sequence})))`,
    [top],
  );
}

interface ExistingRow {
  k: number;
  s: string | null;
  n: number;
}

/** The first record that clashes, and how (see the file comment). */
async function clashOf(
  client: pg.PoolClient,
  ref: SchemaRef,
  messages: readonly StoredMessage[],
): Promise<PositionExistsError> {
  const { rows } = await client.query<ExistingRow>(
    `SELECT 0 AS k, NULL AS s, global_position AS n FROM ${ref.table} WHERE global_position = ANY($1::int8[])
    UNION ALL SELECT 1, m.stream_name, m.position FROM ${ref.table} m
      JOIN unnest($2::text[], $3::int8[]) AS u(s, p) ON m.stream_name = u.s AND m.position = u.p
    UNION ALL SELECT 2, id::text, 0 FROM ${ref.table} WHERE id = ANY($4::uuid[])`,
    [
      messages.map((m) => m.globalPosition),
      messages.map((m) => m.streamName),
      messages.map((m) => m.position),
      messages.map((m) => m.id),
    ],
  );
  const gpos = new Set<number>();
  const streamPositions = new Set<string>();
  const ids = new Set<string>();
  const streamKey = (stream: string, position: number): string => JSON.stringify([stream, position]);
  for (const row of rows) {
    if (row.k === 0) gpos.add(row.n);
    else if (row.k === 1) streamPositions.add(streamKey(row.s ?? '', row.n));
    else ids.add(row.s ?? '');
  }
  for (const [index, m] of messages.entries()) {
    const key = streamKey(m.streamName, m.position);
    const id = m.id.toLowerCase();
    const found: [PositionClash, string] | null = gpos.has(m.globalPosition)
      ? ['gpos', `global position ${m.globalPosition} already exists`]
      : streamPositions.has(key)
        ? ['stream-position', `stream ${m.streamName} position ${m.position} already exists`]
        : ids.has(id)
          ? ['id', `message id ${m.id} already exists`]
          : null;
    if (found !== null) return new PositionExistsError(index, found[0], found[1]);
    gpos.add(m.globalPosition);
    streamPositions.add(key);
    ids.add(id);
  }
  // Not reached: the COPY failed on one of these constraints.
  return new PositionExistsError(0, 'gpos', 'a record clashes with a stored one');
}

interface PlaceRow {
  s: string;
  p: number;
  g: number;
}

interface NeighbourRow {
  lp: number | null;
  lg: number | null;
  hp: number | null;
  hg: number | null;
}

/** The stream-order refusal of the batch against the stored messages (before the COPY), if any. */
async function streamOrder(
  client: pg.PoolClient,
  ref: SchemaRef,
  messages: readonly StoredMessage[],
): Promise<InvalidRecordError | undefined> {
  const { rows } = await client.query<PlaceRow>(
    `SELECT u.s, m.position AS p, m.global_position AS g FROM unnest($1::text[]) AS u(s)
      CROSS JOIN LATERAL (SELECT position, global_position FROM ${ref.table}
        WHERE stream_name = u.s ORDER BY position DESC LIMIT 1) m`,
    [batchStreams(messages)],
  );
  const check = new StreamOrderCheck(
    messages,
    new Map(rows.map((r) => [r.s, { position: r.p, globalPosition: r.g }])),
  );
  if (check.below.length === 0) return check.violation([]);
  const below = check.below.map((index) => messages[index] as StoredMessage);
  const near = await client.query<NeighbourRow>(
    `SELECT lo.position AS lp, lo.global_position AS lg, hi.position AS hp, hi.global_position AS hg
      FROM unnest($1::text[], $2::int8[]) WITH ORDINALITY AS u(s, p, i)
      LEFT JOIN LATERAL (SELECT position, global_position FROM ${ref.table}
        WHERE stream_name = u.s AND position < u.p ORDER BY position DESC LIMIT 1) lo ON true
      LEFT JOIN LATERAL (SELECT position, global_position FROM ${ref.table}
        WHERE stream_name = u.s AND position > u.p ORDER BY position LIMIT 1) hi ON true
      ORDER BY u.i`,
    [below.map((m) => m.streamName), below.map((m) => m.position)],
  );
  const place = (position: number | null, globalPosition: number | null): Place | undefined =>
    position === null || globalPosition === null ? undefined : { position, globalPosition };
  return check.violation(
    near.rows.map((r): Neighbours => ({ lower: place(r.lp, r.lg), higher: place(r.hp, r.hg) })),
  );
}
