/** POST /import?onExisting=skip (ours): re-runnable imports over real HTTP. */
import { describe, expect, it } from 'vitest';
import { generateRecords, toNdjson } from '../e2e/records.js';
import { useServer, type TestServer } from './helpers.js';

type Event = Record<string, unknown>;

/** Uploads `body` to `path` and returns the reply status and its SSE events (or JSON body). */
async function importText(server: TestServer, token: string, body: string, query = ''): Promise<Event[]> {
  const reply = await server.request(`/import${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body,
  });
  expect(reply.status).toBe(200);
  return reply.text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => JSON.parse(block.slice(6)) as Event);
}

/** Every row of the namespace, paged. */
async function rows(server: TestServer, token: string): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (let position = 1; ;) {
    const reply = await server.rpc(['category.get', '', { position, batchSize: 1000 }], token);
    const page = reply.body as unknown[][];
    const last = page.at(-1);
    if (last === undefined) return out;
    out.push(...page);
    position = Number(last[4]) + 1;
  }
}

const SKIP = '?onExisting=skip';

describe('POST /import?onExisting=skip', () => {
  const server = useServer();

  it('skips every record when a finished import is run again, reporting imported and skipped', async () => {
    const file = toNdjson(generateRecords(2500));
    await importText(server, server.adminToken, file);
    const before = await rows(server, server.adminToken);
    const events = await importText(server, server.adminToken, file, SKIP);
    expect(events.slice(0, -1).map((e) => [e.imported, e.skipped])).toEqual([
      [0, 1000],
      [0, 2000],
      [0, 2500],
    ]);
    expect(events.at(-1)).toMatchObject({ done: true, imported: 0, skipped: 2500 });
    expect(await rows(server, server.adminToken)).toEqual(before);
  });

  it('finishes a cut import, which then equals an uninterrupted one', async () => {
    const records = generateRecords(2500);
    const cutToken = await server.createNamespace('cut');
    await importText(server, cutToken, toNdjson(records.slice(0, 1700)));
    const events = await importText(server, cutToken, toNdjson(records), SKIP);
    expect(events.at(-1)).toMatchObject({ done: true, imported: 800, skipped: 1700 });
    const onceToken = await server.createNamespace('once');
    await importText(server, onceToken, toNdjson(records));
    const cut = await rows(server, cutToken);
    expect(cut).toHaveLength(2500);
    expect(cut).toEqual(await rows(server, onceToken));
  });

  it("reports each batch's last global position, imported or skipped", async () => {
    const records = generateRecords(1500);
    await importText(server, server.adminToken, toNdjson(records.slice(0, 1000)));
    const events = await importText(server, server.adminToken, toNdjson(records), SKIP);
    expect(events.slice(0, -1)).toEqual([
      { imported: 0, skipped: 1000, gpos: records[999]?.gpos },
      { imported: 500, skipped: 1000, gpos: records[1499]?.gpos },
    ]);
  });

  it('stops with POSITION_EXISTS and the line of a record that differs from the stored one', async () => {
    const records = generateRecords(1500);
    await importText(server, server.adminToken, toNdjson(records.slice(0, 1200)));
    const changed = records.map((r, i) => (i === 1100 ? { ...r, data: { other: true } } : r));
    const events = await importText(server, server.adminToken, toNdjson(changed), SKIP);
    expect(events.at(-1)).toMatchObject({ error: 'POSITION_EXISTS', line: 1101 });
    expect(events.slice(0, -1)).toEqual([{ imported: 0, skipped: 1000, gpos: records[999]?.gpos }]);
    expect(await rows(server, server.adminToken)).toHaveLength(1200);
  });

  it("keeps today's behaviour with onExisting=error: POSITION_EXISTS and no skipped count", async () => {
    const file = toNdjson(generateRecords(10));
    const first = await importText(server, server.adminToken, file, '?onExisting=error');
    expect(first.map((e) => Object.keys(e).sort().join())).toEqual([
      'gpos,imported',
      'done,elapsed,imported',
    ]);
    const again = await importText(server, server.adminToken, file);
    expect(again.at(-1)).toMatchObject({ error: 'POSITION_EXISTS', line: 1 });
  });

  it('refuses another onExisting value with 400 INVALID_REQUEST before importing anything', async () => {
    const reply = await server.request('/import?onExisting=replace', {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/x-ndjson' },
      body: toNdjson(generateRecords(3)),
    });
    expect(reply.status).toBe(400);
    expect((reply.body as { error: { code: string } }).error.code).toBe('INVALID_REQUEST');
    expect(await rows(server, server.adminToken)).toEqual([]);
  });
});
