/**
 * Writes an export file of `events` records (the NDJSON record of src/ndjson/record.ts) without
 * holding it in memory: lines go out in chunks of 1000, waiting for `drain` when the file stream
 * is full. The content is deterministic (a seeded PRNG; ids are derived from the global position).
 *
 * Shape: 5 categories, 2000 streams each, stream positions consecutive per stream, gpos 1..N,
 * time rising by 0-5 ms per event from 2025-01-01, data of ~200 bytes of JSON, meta on 2 of 3
 * records. Keys and time are written as the server exports them, so an import followed by an
 * export reproduces the file byte for byte (the benchmark checks that).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { formatTime } from '../src/store/time.js';

const CATEGORIES = ['order', 'payment', 'shipment', 'customer', 'inventory'] as const;
const TYPES = ['Created', 'Updated', 'Approved', 'Shipped', 'Cancelled'] as const;
const STREAMS_PER_CATEGORY = 2000;
const START_MICROS = Date.UTC(2025, 0, 1) * 1000;
const CHUNK_LINES = 1000;

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUID (version 4 layout) derived from the global position. */
function uuidOf(gpos: number): string {
  const hex = createHash('md5').update(String(gpos)).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface Generator {
  line(gpos: number): string;
}

function createGenerator(): Generator {
  const random = prng(42);
  const positions = new Map<string, number>();
  let micros = START_MICROS;
  const int = (n: number): number => Math.floor(random() * n);
  return {
    line(gpos: number): string {
      const category = CATEGORIES[int(CATEGORIES.length)] ?? 'order';
      const stream = `${category}-${int(STREAMS_PER_CATEGORY) + 1}`;
      const pos = positions.get(stream) ?? 0;
      positions.set(stream, pos + 1);
      micros += int(5000);
      const data = {
        orderId: `ord-${int(1e7)}`,
        customerId: `cus-${int(1e5)}`,
        amount: int(1e6) / 100,
        currency: 'EUR',
        items: [
          { sku: `SKU-${int(1e5)}`, qty: int(5) + 1 },
          { sku: `SKU-${int(1e5)}`, qty: int(5) + 1 },
        ],
        note: `generated record ${gpos} for ${stream}`,
      };
      const meta =
        gpos % 3 === 0 ? null : { correlationStreamName: `workflow-${int(1000)}`, userId: `u-${int(100)}` };
      return JSON.stringify({
        id: uuidOf(gpos),
        stream,
        type: TYPES[int(TYPES.length)] ?? 'Created',
        pos,
        gpos,
        data,
        meta,
        time: formatTime(micros),
      });
    },
  };
}

/** Writes the file; resolves with its size in bytes. */
export async function generateExportFile(file: string, events: number): Promise<number> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const generator = createGenerator();
  let bytes = 0;
  for (let gpos = 1; gpos <= events;) {
    let text = '';
    for (let i = 0; i < CHUNK_LINES && gpos <= events; i++, gpos++) text += generator.line(gpos) + '\n';
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

/** The hex SHA-256 of a file, read as a stream. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
