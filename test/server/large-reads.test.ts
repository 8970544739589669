/**
 * Reads of large messages: a `stream.get`/`category.get` reply holds at most the reply limit of
 * rows (at least one row), is streamed, and a client that pages until an empty page gets every
 * message exactly once, also with `batchSize: -1`.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_REPLY_LIMIT } from '../../src/server/create-server.js';
import { expectOk, useServer, type TestServer } from './helpers.js';

type Row = unknown[];

/** Writes `count` messages of about `bytes` bytes each to `stream`; returns their ids in order. */
async function writeLarge(
  server: TestServer,
  stream: string,
  count: number,
  bytes: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await server.call('stream.write', stream, {
      type: 'Big',
      data: { i, blob: String.fromCharCode(97 + (i % 26)).repeat(bytes) },
    });
    expectOk(reply);
  }
  const all = await server.store.getStream('default', stream, { batchSize: -1 });
  for (const m of all) ids.push(m.id);
  return ids;
}

/**
 * Pages `method` with batchSize -1 until an empty page; checks each page against `limit`.
 * Returns every row's id and the number of rows per page.
 */
async function pageAll(
  server: TestServer,
  method: 'stream.get' | 'category.get',
  name: string,
  limit: number,
): Promise<{ ids: string[]; pages: number[] }> {
  const ids: string[] = [];
  const pages: number[] = [];
  let position = method === 'stream.get' ? 0 : 1;
  for (;;) {
    const reply = await server.call(method, name, { position, batchSize: -1 });
    const rows = expectOk<Row[]>(reply);
    if (rows.length === 0) return { ids, pages };
    if (rows.length > 1) expect(Buffer.byteLength(reply.text)).toBeLessThanOrEqual(limit);
    pages.push(rows.length);
    for (const row of rows) ids.push(row[0] as string);
    const last = rows.at(-1) as Row;
    position = method === 'stream.get' ? (last[2] as number) + 1 : (last[4] as number) + 1;
  }
}

describe('reads under a small reply limit', () => {
  const limit = 64 * 1024;
  const server = useServer({ replyLimit: limit });

  it('cuts a batchSize -1 stream read at the reply limit; paging to an empty page gets each message once', async () => {
    const ids = await writeLarge(server, 'big-1', 10, 25_000);
    const { ids: read, pages } = await pageAll(server, 'stream.get', 'big-1', limit);
    expect(read).toEqual(ids);
    expect(pages.every((n) => n >= 1 && n < 10)).toBe(true);
    expect(pages.length).toBeGreaterThan(1);
  });

  it('cuts a batchSize -1 category read at the reply limit; paging to an empty page gets each message once', async () => {
    const first = await writeLarge(server, 'big-1', 6, 25_000);
    const second = await writeLarge(server, 'big-2', 6, 25_000);
    const { ids: read, pages } = await pageAll(server, 'category.get', 'big', limit);
    expect(new Set(read).size).toBe(12);
    expect(read.sort()).toEqual([...first, ...second].sort());
    expect(pages.length).toBeGreaterThan(1);
  });

  it('sends one message larger than the reply limit alone, with 200', async () => {
    await writeLarge(server, 'huge-1', 2, 100_000);
    const reply = await server.call('stream.get', 'huge-1', { batchSize: -1 });
    const rows = expectOk<Row[]>(reply);
    expect(rows.map((r) => r[2])).toEqual([0]);
    const next = expectOk<Row[]>(await server.call('stream.get', 'huge-1', { position: 1, batchSize: -1 }));
    expect(next.map((r) => r[2])).toEqual([1]);
  });

  it('still answers small reads in full, with a Content-Length', async () => {
    await writeLarge(server, 'small-1', 5, 10);
    const reply = await server.call('stream.get', 'small-1', { batchSize: -1 });
    expect(expectOk<Row[]>(reply)).toHaveLength(5);
    expect(reply.headers.get('content-length')).toBe(String(Buffer.byteLength(reply.text)));
  });
});

describe('reads of messages of a few MB at the default reply limit', () => {
  const server = useServer();

  it('streams a bounded batchSize -1 page with 200, and paging gets every message once', async () => {
    const ids = await writeLarge(server, 'mb-1', 8, 3_000_000);
    const reply = await server.call('stream.get', 'mb-1', { batchSize: -1 });
    const rows = expectOk<Row[]>(reply);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThan(8);
    expect(Buffer.byteLength(reply.text)).toBeLessThanOrEqual(DEFAULT_REPLY_LIMIT);
    expect(reply.headers.get('transfer-encoding')).toBe('chunked');
    const { ids: read } = await pageAll(server, 'stream.get', 'mb-1', DEFAULT_REPLY_LIMIT);
    expect(read).toEqual(ids);
    const { ids: byCategory } = await pageAll(server, 'category.get', '', DEFAULT_REPLY_LIMIT);
    expect(byCategory).toEqual(ids);
  });
});
