/**
 * The bytes of an import: a file or stdin, counted as read (for progress), and gunzipped when
 * asked or when they start with gzip's magic bytes (1f 8b), so `--gzip` is optional.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

const GZIP_MAGIC = [0x1f, 0x8b] as const;

export interface DecodedInput {
  /** The NDJSON bytes. */
  body: Readable;
  /** Bytes read from the source so far (before decompression). */
  bytesRead(): number;
}

/** Wraps `source`: counts its bytes and decompresses it if it is gzip (or `gzip` is set). */
export function decodeInput(source: AsyncIterable<Buffer>, gzip: boolean): DecodedInput {
  let bytes = 0;
  const counted = (async function* () {
    for await (const chunk of source) {
      bytes += chunk.length;
      yield chunk;
    }
  })();
  return { body: Readable.from(decode(counted, gzip), { objectMode: false }), bytesRead: () => bytes };
}

async function* decode(source: AsyncGenerator<Buffer>, gzip: boolean): AsyncGenerator<Buffer> {
  // Enough bytes to see the magic number (a pipe may deliver a single byte first).
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < GZIP_MAGIC.length) {
    const next = await source.next();
    if (next.done === true) break;
    head.push(next.value);
    headBytes += next.value.length;
  }
  const first = Buffer.concat(head);
  const isGzip = gzip || (first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1]);
  const all = (async function* () {
    if (first.length > 0) yield first;
    yield* source;
  })();
  if (!isGzip) {
    yield* all;
    return;
  }
  // A 1 MiB output chunk makes gunzip 2-4x faster than the default 16 KiB.
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  // pipeline destroys gunzip with the source's error, so reading it below throws that error.
  pipeline(Readable.from(all), gunzip).catch(() => undefined);
  yield* gunzip as AsyncIterable<Buffer>;
}
