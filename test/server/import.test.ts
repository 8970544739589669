/** POST /import over real HTTP: streaming progress, backpressure, errors with line numbers. */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { generateRecords, toNdjson } from '../e2e/records.js';
import { startServer, useServer, type TestServer } from './helpers.js';

interface Upload {
  req: ClientRequest;
  /** Resolves with the reply once its headers arrive. */
  reply: Promise<IncomingMessage>;
}

function upload(server: TestServer, token: string | null, path = '/import'): Upload {
  const req = request(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-ndjson',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
  });
  req.on('error', () => undefined);
  req.flushHeaders();
  return { req, reply: new Promise((resolve) => req.once('response', resolve)) };
}

/** Yields each SSE event's data as parsed JSON. */
async function* events(res: IncomingMessage): AsyncGenerator<Record<string, unknown>> {
  let buffered = '';
  for await (const chunk of res) {
    buffered += String(chunk);
    let end = buffered.indexOf('\n\n');
    while (end !== -1) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      end = buffered.indexOf('\n\n');
      if (block.startsWith('data: ')) yield JSON.parse(block.slice(6)) as Record<string, unknown>;
    }
  }
}

async function importText(
  server: TestServer,
  token: string,
  body: string,
): Promise<Record<string, unknown>[]> {
  const { req, reply } = upload(server, token);
  req.end(body);
  const out: Record<string, unknown>[] = [];
  for await (const event of events(await reply)) out.push(event);
  return out;
}

/** Messages in the namespace, paged until an empty page (a reply holds at most the reply limit). */
async function count(server: TestServer, token: string): Promise<number> {
  let total = 0;
  for (let position = 1; ;) {
    const reply = await server.rpc(['category.get', '', { position, batchSize: -1 }], token);
    const rows = reply.body as [string, string, string, number, number][];
    const last = rows.at(-1);
    if (last === undefined) return total;
    total += rows.length;
    position = last[4] + 1;
  }
}

describe('POST /import', () => {
  const server = useServer();

  it("sends each batch's progress while the upload is still open", async () => {
    const lines = toNdjson(generateRecords(2500)).split('\n');
    const { req, reply } = upload(server, server.adminToken);
    req.write(lines.slice(0, 1000).join('\n') + '\n');
    const res = await reply;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const stream = events(res);
    const first = await stream.next();
    expect(first.value).toMatchObject({ imported: 1000 });
    req.end(lines.slice(1000).join('\n'));
    const rest: Record<string, unknown>[] = [];
    for await (const event of stream) rest.push(event);
    expect(rest[0]).toMatchObject({ imported: 2000 });
    expect(rest.at(-1)).toMatchObject({ done: true, imported: 2500 });
    expect(rest.at(-1)?.['elapsed']).toMatch(/^\d+\.\ds$/);
  });

  it('reports the last global position of each committed batch', async () => {
    const records = generateRecords(1200, 10);
    const got = await importText(server, server.adminToken, toNdjson(records));
    expect(got[0]).toEqual({ imported: 1000, gpos: records[999]?.gpos });
    expect(got[1]).toEqual({ imported: 1200, gpos: records[1199]?.gpos });
  });

  it('reads the upload only as fast as it commits (backpressure)', async () => {
    // ~1 KB records, so the upload is large in few batches (each batch is one durable commit).
    const pad = 'x'.repeat(800);
    const records = generateRecords(1000).map((r) => ({ ...r, data: { ...(r.data as object), pad } }));
    const block = Buffer.from(toNdjson(records));
    // 24 000 records, about 24 MB: far more than the socket buffers (~5 MB seen) can hold.
    const blocks = 24;
    let produced = 0;
    let gposBase = 0;
    const { req, reply } = upload(server, server.adminToken);
    const pump = async (): Promise<void> => {
      for (let i = 0; i < blocks; i++) {
        const shifted = i === 0 ? block : Buffer.from(shift(block.toString(), (gposBase += 10_000)));
        produced += shifted.length;
        if (!req.write(shifted)) await new Promise((resolve) => req.once('drain', resolve));
      }
      req.end();
    };
    const pumping = pump();
    const lags: number[] = [];
    for await (const event of events(await reply)) {
      if (typeof event['imported'] === 'number')
        lags.push(produced - (event['imported'] / 1000) * block.length);
    }
    await pumping;
    expect(Math.max(...lags)).toBeLessThan(10 * 1024 * 1024);
    expect(await count(server, server.adminToken)).toBe(24_000);
  });

  it('counts blank lines and names the line of an invalid record; its batch commits nothing', async () => {
    const lines = toNdjson(generateRecords(1100)).split('\n');
    lines.splice(2, 0, '');
    lines.splice(1050, 0, '{"id":"550e8400-e29b-41d4-a716-446655440000","stream":"a-1"}');
    const got = await importText(server, server.adminToken, lines.join('\n'));
    expect(got[0]).toMatchObject({ imported: 1000 });
    expect(got.at(-1)).toMatchObject({ error: 'INVALID_RECORD', line: 1051 });
    expect(await count(server, server.adminToken)).toBe(1000);
  });

  it('reports a clash in a later batch at its line and stores nothing from that batch on', async () => {
    const records = generateRecords(3000);
    // Batch 2 repeats the id of record 10; batch 3 holds an invalid line that must not be reached.
    const lines = toNdjson(
      records.map((r, i) => (i === 1500 ? { ...r, id: records[10]?.id ?? '' } : r)),
    ).split('\n');
    lines[2500] = '{"not":"a record"}';
    const got = await importText(server, server.adminToken, lines.join('\n'));
    expect(got).toEqual([
      { imported: 1000, gpos: records[999]?.gpos },
      expect.objectContaining({ error: 'POSITION_EXISTS', line: 1501 }),
    ]);
    expect(await count(server, server.adminToken)).toBe(1000);
  });

  it('answers an empty upload with done and nothing imported', async () => {
    const got = await importText(server, server.adminToken, '');
    expect(got).toEqual([{ done: true, imported: 0, elapsed: expect.stringMatching(/s$/) as unknown }]);
  });

  it('rejects a missing or wrong token with the JSON auth errors, not an event stream', async () => {
    for (const [token, status, code] of [
      [null, 401, 'AUTH_REQUIRED'],
      ['nonsense', 401, 'AUTH_INVALID_TOKEN'],
      [`ns_ZGVmYXVsdA_${'0'.repeat(64)}`, 403, 'AUTH_UNAUTHORIZED'],
    ] as const) {
      const { req, reply } = upload(server, token);
      req.end('{}\n');
      const res = await reply;
      let text = '';
      for await (const chunk of res) text += String(chunk);
      expect(res.statusCode).toBe(status);
      expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(code);
    }
  });

  it('stops after the current batch when the client disconnects and keeps serving', async () => {
    const lines = toNdjson(generateRecords(3000)).split('\n');
    const { req, reply } = upload(server, server.adminToken);
    req.write(lines.slice(0, 1500).join('\n') + '\n');
    const stream = events(await reply);
    expect((await stream.next()).value).toMatchObject({ imported: 1000 });
    req.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await count(server, server.adminToken)).toBe(1000);
    expect((await server.request('/health')).status).toBe(200);
  });
});

describe('POST /import with a small message-size limit', () => {
  it('rejects an over-long line with PAYLOAD_TOO_LARGE and its line number', async () => {
    const server = await startServer({ bodyLimit: 4096 });
    try {
      const ok = toNdjson(generateRecords(3));
      const long = JSON.stringify({ padding: 'x'.repeat(10_000) });
      const got = await importText(server, server.adminToken, ok + long + '\n');
      expect(got.at(-1)).toMatchObject({ error: 'PAYLOAD_TOO_LARGE', line: 4 });
      expect(await count(server, server.adminToken)).toBe(0);
    } finally {
      await server.close();
    }
  });
});

/** The same records with fresh ids and global positions moved up by `by`, streams renamed. */
function shift(text: string, by: number): string {
  return text
    .replace(/"gpos":(\d+)/g, (_m, g: string) => `"gpos":${Number(g) + by}`)
    .replace(/"stream":"(\w+)-/g, `"stream":"$1${by}-`)
    .replace(/"id":"[0-9a-f-]{36}"/g, () => `"id":"${crypto.randomUUID()}"`);
}
