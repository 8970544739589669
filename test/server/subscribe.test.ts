import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../src/store/store.js';
import { expectOk, useServer } from './helpers.js';
import { importSlow, openSubscription, type Poke, type SseClient } from './sse.js';

type CategoryRow = [string, string, string, number, number, unknown, unknown, string];

const open: SseClient[] = [];
afterEach(() => {
  for (const client of open.splice(0)) client.close();
});

describe('GET /subscribe', () => {
  const server = useServer({ subscriptions: { keepaliveMs: 200, authCheckMs: 100 } });

  /** `token` null: send none. */
  const subscribe = async (path: string, token: string | null = server.adminToken): Promise<SseClient> => {
    const client = await openSubscription(server.url, path, token ?? undefined);
    open.push(client);
    return client;
  };
  const write = async (stream: string, metadata?: Record<string, unknown>, token = server.adminToken) =>
    expectOk<{ position: number; globalPosition: number }>(
      await server.rpc(['stream.write', stream, { type: 'T', data: {}, metadata }], token),
    );
  const ready = (c: SseClient) => c.until(() => c.comments.includes('ready'));
  const gpos = (pokes: readonly Poke[]) => pokes.map((p) => p.globalPosition);

  it('pokes the backlog, says ready, then pokes each new write of the category', async () => {
    await write('account-1');
    await write('other-1');
    await write('account-2');
    const sub = await subscribe('/subscribe?category=account');
    expect(sub.status).toBe(200);
    await ready(sub);
    expect(sub.pokes).toEqual([
      { stream: 'account-1', position: 0, globalPosition: 1 },
      { stream: 'account-2', position: 0, globalPosition: 3 },
    ]);
    await write('account-1');
    await write('other-2');
    await sub.until(() => sub.pokes.length === 3);
    expect(sub.pokes[2]).toEqual({ stream: 'account-1', position: 1, globalPosition: 4 });
  });

  it('pokes a stream by stream position from the given position', async () => {
    for (let i = 0; i < 4; i++) await write('order-7');
    await write('order-8');
    const sub = await subscribe('/subscribe?stream=order-7&position=2');
    await ready(sub);
    expect(sub.pokes.map((p) => p.position)).toEqual([2, 3]);
    await write('order-7');
    await sub.until(() => sub.pokes.length === 3);
    expect(sub.pokes[2]).toMatchObject({ stream: 'order-7', position: 4 });
  });

  it('pokes every message of the namespace with all=true from a global position', async () => {
    for (let i = 0; i < 5; i++) await write(`s${i % 2}-1`);
    const sub = await subscribe('/subscribe?all=true&position=3');
    await ready(sub);
    expect(gpos(sub.pokes)).toEqual([3, 4, 5]);
  });

  it('pokes a backlog of over 1000 messages in full (no cap)', async () => {
    const messages: StoredMessage[] = Array.from({ length: 2500 }, (_, i) => ({
      id: randomUUID(),
      streamName: `bulk-${i % 10}`,
      type: 'T',
      position: Math.floor(i / 10),
      globalPosition: i + 1,
      data: '{}',
      metadata: null,
      time: 1_752_573_600_000_000 + i,
    }));
    await server.store.importBatch('default', messages);
    const sub = await subscribe('/subscribe?category=bulk');
    await ready(sub);
    expect(gpos(sub.pokes)).toEqual(messages.map((m) => m.globalPosition));
  });

  it('pokes every message exactly once, in order, when writers race the subscription', async () => {
    let writing = true;
    const writers = Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; i < 40; i++) await write(`race-${w}`);
      }),
    ).finally(() => (writing = false));
    const subs: SseClient[] = [];
    // Subscriptions open at different moments of the race (a bounded number: on shared storage each
    // live one re-reads the store on every commit).
    while (writing && subs.length < 12) {
      subs.push(await subscribe('/subscribe?category=race'));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await writers;
    for (const sub of subs) {
      await sub.until(() => sub.pokes.length >= 160);
      expect(gpos(sub.pokes)).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
    }
    expect(subs.length).toBeGreaterThan(1);
  });

  it('gives each consumer group member what category.get gives it, over backlog and live', async () => {
    for (let i = 0; i < 30; i++) await write(`grp-${i}`);
    const members = [0, 1, 2];
    const subs = await Promise.all(
      members.map((m) => subscribe(`/subscribe?category=grp&consumer=${m}&size=3`)),
    );
    await Promise.all(subs.map(ready));
    for (let i = 30; i < 60; i++) await write(`grp-${i}`);
    for (const m of members) {
      const rows = expectOk<CategoryRow[]>(
        await server.call('category.get', 'grp', { consumerGroup: { member: m, size: 3 }, batchSize: -1 }),
      );
      const sub = subs[m] as SseClient;
      await sub.until(() => sub.pokes.length === rows.length);
      expect(gpos(sub.pokes)).toEqual(rows.map((r) => r[4]));
    }
    expect(subs.reduce((n, s) => n + s.pokes.length, 0)).toBe(60);
  });

  it('accepts consumerGroupMember/consumerGroupSize and the path forms', async () => {
    for (let i = 0; i < 12; i++) await write(`path-${i}`);
    const a = await subscribe('/subscribe?category=path&consumer=1&size=2');
    const b = await subscribe('/subscribe/category/path?consumerGroupMember=1&consumerGroupSize=2');
    const c = await subscribe(`/subscribe/stream/${encodeURIComponent('path-3')}`);
    await Promise.all([a, b, c].map(ready));
    expect(b.pokes).toEqual(a.pokes);
    expect(a.pokes.length).toBeGreaterThan(0);
    expect(c.pokes).toEqual([{ stream: 'path-3', position: 0, globalPosition: 4 }]);
  });

  it('filters a category by correlation, backlog and live', async () => {
    await write('work-1', { correlationStreamName: 'order-1' });
    await write('work-2', { correlationStreamName: 'invoice-1' });
    const sub = await subscribe('/subscribe?category=work&correlation=order');
    await ready(sub);
    await write('work-3', { correlationStreamName: 'order-2' });
    await write('work-4');
    await sub.until(() => sub.pokes.length === 2);
    expect(sub.pokes.map((p) => p.stream)).toEqual(['work-1', 'work-3']);
  });

  it('takes the token from ?token= as browsers send it', async () => {
    await write('tok-1');
    const sub = await subscribe(`/subscribe?stream=tok-1&token=${server.adminToken}`, null);
    await ready(sub);
    expect(sub.pokes).toHaveLength(1);
  });

  it('pokes 100 concurrent subscribers for every write', async () => {
    const subs = await Promise.all(Array.from({ length: 100 }, () => subscribe('/subscribe?category=fan')));
    await Promise.all(subs.map(ready));
    for (let i = 0; i < 5; i++) await write(`fan-${i}`);
    await Promise.all(subs.map((s) => s.until(() => s.pokes.length === 5)));
    for (const s of subs) expect(gpos(s.pokes)).toEqual([1, 2, 3, 4, 5]);
  });

  it('pokes each batch of an import while it runs', async () => {
    const sub = await subscribe('/subscribe?all=true');
    await ready(sub);
    const lines = Array.from({ length: 2500 }, (_, i) =>
      JSON.stringify({
        id: randomUUID(),
        stream: `imp-${i % 3}`,
        type: 'T',
        pos: Math.floor(i / 3),
        gpos: i + 1,
        data: {},
        meta: null,
        time: '2025-07-15T10:00:00Z',
      }),
    );
    const reply = await fetch(`${server.url}/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}` },
      body: lines.join('\n') + '\n',
    });
    expect(await reply.text()).toContain('"done":true');
    await sub.until(() => sub.pokes.length === 2500);
    expect(gpos(sub.pokes)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
  });

  it('sends keepalive comments', async () => {
    const sub = await subscribe('/subscribe?all=true');
    await sub.until(() => sub.comments.includes('keepalive'));
  });

  it("never pokes another namespace's messages", async () => {
    const other = await server.createNamespace('other');
    const sub = await subscribe('/subscribe?all=true', other);
    await ready(sub);
    await write('secret-1');
    await write('mine-1', undefined, other);
    await sub.until(() => sub.pokes.length === 1);
    expect(sub.pokes).toEqual([{ stream: 'mine-1', position: 0, globalPosition: 1 }]);
  });

  it('ends the subscriptions of a deleted namespace', async () => {
    const token = await server.createNamespace('doomed');
    const sub = await subscribe('/subscribe?all=true', token);
    await ready(sub);
    expectOk(await server.call('ns.delete', 'doomed'));
    await sub.ended;
    expect(sub.comments.some((c) => c.startsWith('closed:'))).toBe(true);
  });

  it('ends open subscriptions when the server shuts down', async () => {
    const sub = await subscribe('/subscribe?all=true');
    await ready(sub);
    await server.app.close();
    await sub.ended;
    expect(sub.comments.at(-1)).toMatch(/^closed: the server is shutting down/);
  });

  it.each([
    ['/subscribe', 'no target'],
    ['/subscribe?stream=a-1&category=a', 'two targets'],
    ['/subscribe?all=yes', 'all not true'],
    ['/subscribe?category=a-1', 'a stream as category'],
    ['/subscribe?category=a&consumer=3&size=3', 'member out of range'],
    ['/subscribe?category=a&consumer=1', 'member without size'],
    ['/subscribe?category=a&consumer=0&consumerGroupMember=0&size=1', 'both spellings'],
    ['/subscribe?stream=a-1&position=-1', 'negative position'],
    ['/subscribe?stream=a-1&position=x', 'non-numeric position'],
    ['/subscribe?stream=a-1&consumer=0&size=2', 'group on a stream'],
    ['/subscribe/queue/a', 'unknown path form'],
  ])('answers 400 INVALID_REQUEST for %s (%s)', async (path) => {
    const sub = await subscribe(path);
    await sub.ended;
    expect(sub.status).toBe(400);
    expect(sub.errorBody).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
  });

  it('answers 401 without a token and 403 for a wrong one', async () => {
    const none = await subscribe('/subscribe?all=true', null);
    await none.ended;
    expect([none.status, none.errorBody]).toMatchObject([401, { error: { code: 'AUTH_REQUIRED' } }]);
    const forged = `ns_ZGVmYXVsdA_${'0'.repeat(64)}`;
    const wrong = await subscribe('/subscribe?all=true', forged);
    await wrong.ended;
    expect([wrong.status, wrong.errorBody]).toMatchObject([403, { error: { code: 'AUTH_UNAUTHORIZED' } }]);
  });
});

describe('GET /subscribe with a client that falls behind', () => {
  const server = useServer({ subscriptions: { limits: { maxBufferBytes: 4096, stallTimeoutMs: 20_000 } } });

  it('catches it up from the store once it reads again, skipping nothing', async () => {
    const sub = await openSubscription(server.url, '/subscribe?category=slow', server.adminToken);
    open.push(sub);
    await sub.until(() => sub.comments.includes('ready'));
    sub.pause();
    for (let b = 0; b < 20; b++) await importSlow(server.store, 1000, b * 1000);
    sub.resume();
    await sub.until(() => sub.pokes.length === 20_000, 20_000);
    expect(gpos(sub.pokes)).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
  });
});

describe('GET /subscribe with a client that stops reading', () => {
  const server = useServer({ subscriptions: { limits: { maxBufferBytes: 4096, stallTimeoutMs: 300 } } });

  it('disconnects it, saying why, after what it was sent in order', async () => {
    const sub = await openSubscription(server.url, '/subscribe?category=slow', server.adminToken);
    open.push(sub);
    await sub.until(() => sub.comments.includes('ready'));
    sub.pause();
    for (let b = 0; b < 20; b++) await importSlow(server.store, 1000, b * 1000);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // well past stallTimeoutMs
    sub.resume();
    await sub.ended;
    expect(sub.comments.at(-1)).toMatch(/^closed: too slow/);
    const last = sub.pokes.at(-1)?.globalPosition ?? 0;
    expect(gpos(sub.pokes)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  });
});

const gpos = (pokes: readonly Poke[]) => pokes.map((p) => p.globalPosition);
