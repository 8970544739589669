/**
 * The bare LMDB engine's import and export with the kv backend's key layout (src/store/kv/keys.ts):
 * the floor `eventodb import`/`export` on the `lmdb:` backend is compared with.
 *
 * - import: read the NDJSON file as a stream, JSON.parse each record, 1000 records per
 *   transaction, each flushed to disk before the next. Per record: the id key put with LMDB's
 *   no-overwrite flag (its uniqueness check, as the server does it), then the message and its
 *   stream, category and two time index keys; per batch: each stream's version record (read,
 *   advanced, put), each category's counters (read, put) and the namespace's counters (put).
 *   The same keys and durability as the server, with the least work that keeps them right (no
 *   stream-order check, no global/stream position lookups: the counters show none can clash in a
 *   fresh environment). `keysOnly` is the first floor (until 2026-12): the six keys per record
 *   only, no uniqueness check and no counters;
 * - export: one range scan of the message keys in global order, each record serialised with
 *   JSON.stringify (data and meta parsed back to objects), written with backpressure.
 *
 * One process, no HTTP, no validation: a lower bound, not a competitor.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { asBinary, open } from 'lmdb';
import { SpaceKeys, encodeString, trailingU64 } from '../src/store/kv/keys.js';
import { formatTime } from '../src/store/time.js';
import { lines, micros, type ExportLine } from './bare-import-export.js';

const BATCH = 1000;

const openEnv = (dir: string) => open({ path: dir, keyEncoding: 'binary', encoding: 'msgpack' });

const ZERO = asBinary(Buffer.from([0]));
const NO_OVERWRITE = { noOverwrite: true } as const;

/** Imports `file` into a fresh environment in `dir`; resolves with the record count. */
export async function bareLmdbImport(file: string, dir: string, keysOnly = false): Promise<number> {
  const db = openEnv(dir);
  const keys = new SpaceKeys(1);
  const stats: [number, number, number, number | null] = [1, 0, 0, null];
  const commit = async (batch: ExportLine[]): Promise<void> => {
    await db.transaction(() => {
      const versions = new Map<string, { key: Buffer; v: [number, number, number] | undefined }>();
      const categories = new Map<string, { key: Buffer; streams: number; messages: number }>();
      for (const r of batch) {
        const time = micros(r.time);
        const stream = encodeString(r.stream);
        const dash = r.stream.indexOf('-');
        const catName = dash === -1 ? r.stream : r.stream.slice(0, dash);
        const cat = encodeString(catName);
        const data = JSON.stringify(r.data);
        const meta = r.meta === null ? null : JSON.stringify(r.meta);
        db.putSync(keys.message(r.gpos), [r.id, r.stream, r.type, r.pos, data, meta, time]);
        db.putSync(keys.stream(stream, r.pos), r.gpos);
        db.putSync(keys.category(cat, r.gpos), ZERO);
        // The id uniqueness check is the put itself (no-overwrite: one B-tree descent, as the server).
        const isNewId = db.putSync(keys.id(r.id), r.gpos, keysOnly ? {} : NO_OVERWRITE) as unknown;
        if (isNewId !== true) throw new Error(`duplicate id ${r.id}`);
        db.putSync(keys.time(time, r.gpos), ZERO);
        db.putSync(keys.categoryTime(cat, time, r.gpos), ZERO);
        if (keysOnly) continue;
        let version = versions.get(r.stream);
        if (version === undefined) {
          const stored = db.get(keys.version(stream)) as [number, number, number] | undefined;
          version = { key: stream, v: stored };
          versions.set(r.stream, version);
        }
        const isNew = version.v === undefined;
        const v = version.v;
        version.v =
          v === undefined
            ? [r.pos, r.gpos, time]
            : [Math.max(v[0], r.pos), r.pos > v[0] ? r.gpos : v[1], Math.max(v[2], time)];
        let counts = categories.get(catName);
        if (counts === undefined) {
          counts = { key: cat, streams: 0, messages: 0 };
          categories.set(catName, counts);
        }
        counts.messages++;
        if (isNew) counts.streams++;
        stats[0] = Math.max(stats[0], r.gpos + 1);
        stats[1]++;
        if (isNew) stats[2]++;
        stats[3] = stats[3] === null ? time : Math.max(stats[3], time);
      }
      if (keysOnly) return;
      for (const { key, v } of versions.values()) db.putSync(keys.version(key), v);
      for (const { key, streams, messages } of categories.values()) {
        const stored = (db.get(keys.categoryStats(key)) as [number, number] | undefined) ?? [0, 0];
        db.putSync(keys.categoryStats(key), [stored[0] + streams, stored[1] + messages]);
      }
      db.putSync(keys.stats(), stats);
    });
    await db.flushed;
  };
  let batch: ExportLine[] = [];
  let count = 0;
  try {
    for await (const line of lines(file)) {
      if (line === '') continue;
      batch.push(JSON.parse(line) as ExportLine);
      if (batch.length === BATCH) {
        await commit(batch);
        count += batch.length;
        batch = [];
      }
    }
    await commit(batch);
    return count + batch.length;
  } finally {
    await db.close();
  }
}

type MessageValue = [string, string, string, number, string, string | null, number];

/** Exports every message of `dir` in global order to `outFile`; resolves with the count. */
export async function bareLmdbExport(dir: string, outFile: string): Promise<number> {
  const db = openEnv(dir);
  const keys = new SpaceKeys(1);
  const out = createWriteStream(outFile, { highWaterMark: 1 << 20 });
  let count = 0;
  let from = 1;
  try {
    for (;;) {
      let text = '';
      let rows = 0;
      for (const { key, value } of db.getRange({ ...keys.messagesFrom(from), limit: BATCH })) {
        const v = value as MessageValue;
        const gpos = trailingU64(key as Buffer);
        const record: ExportLine = {
          id: v[0],
          stream: v[1],
          type: v[2],
          pos: v[3],
          gpos,
          data: JSON.parse(v[4]),
          meta: v[5] === null ? null : JSON.parse(v[5]),
          time: formatTime(v[6]),
        };
        text += JSON.stringify(record) + '\n';
        from = gpos + 1;
        rows++;
      }
      if (rows === 0) break;
      count += rows;
      if (!out.write(text)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    return count;
  } finally {
    await db.close();
  }
}
