/**
 * Subscriptions with the same filter share work (src/server/subscription-group.ts: one match and
 * one poke Buffer per commit; shared-reads.ts: one store read per page): each must still get
 * every message exactly once, in order, from its own position, whatever the others do.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectOk, useServer, type TestServer } from './helpers.js';
import { importSlow, openSubscription, type Poke, type SseClient } from './sse.js';

const open: SseClient[] = [];
afterEach(() => {
  for (const client of open.splice(0)) client.close();
});

const gpos = (pokes: readonly Poke[]) => pokes.map((p) => p.globalPosition);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function helpers(server: TestServer) {
  const subscribe = async (path: string): Promise<SseClient> => {
    const client = await openSubscription(server.url, path, server.adminToken);
    open.push(client);
    return client;
  };
  const write = async (stream: string, metadata?: Record<string, unknown>) =>
    expectOk<{ globalPosition: number }>(
      await server.rpc(['stream.write', stream, { type: 'T', data: {}, metadata }], server.adminToken),
    );
  const ready = (c: SseClient) => c.until(() => c.comments.includes('ready'));
  return { subscribe, write, ready };
}

describe('GET /subscribe, many subscriptions with one filter', () => {
  const server = useServer();
  const { subscribe, write, ready } = helpers(server);

  it('pokes each one every message once, in order, from its own position, while writers race', async () => {
    for (let i = 0; i < 30; i++) await write(`grp-${i % 3}`);
    let writing = true;
    const writers = Promise.all(
      Array.from({ length: 3 }, async (_, w) => {
        for (let i = 0; i < 30; i++) await write(`grp-${w}`);
      }),
    ).finally(() => (writing = false));
    const subs: { client: SseClient; from: number }[] = [];
    for (let k = 0; writing && subs.length < 12; k++) {
      const from = [0, 1, 15, 31][k % 4] ?? 0;
      subs.push({ client: await subscribe(`/subscribe?category=grp&position=${from}`), from });
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await writers;
    const writeAll = await subscribe('/subscribe?all=true');
    for (const { client, from } of subs) {
      const expected = range(Math.max(1, from), 120);
      await client.until(() => client.pokes.length >= expected.length);
      expect(gpos(client.pokes)).toEqual(expected);
    }
    await writeAll.until(() => writeAll.pokes.length >= 120);
    expect(gpos(writeAll.pokes)).toEqual(range(1, 120));
    expect(subs.length).toBeGreaterThan(1);
  });

  it('reads the store once per commit for all the subscriptions of a filter that reads', async () => {
    // A correlation filter always reads the store (it needs each message's metadata).
    const path = '/subscribe?category=corr&correlation=order';
    const subs = await Promise.all(Array.from({ length: 20 }, () => subscribe(path)));
    await Promise.all(subs.map(ready));
    const store = server.store;
    const getCategory = store.getCategory.bind(store);
    let reads = 0;
    store.getCategory = (...args: Parameters<typeof getCategory>) => {
      reads++;
      return getCategory(...args);
    };
    for (let i = 1; i <= 10; i++) {
      await write(`corr-${i}`, { correlationStreamName: `order-${i}` });
      await write(`corr-${i}`, { correlationStreamName: `other-${i}` });
      await Promise.all(subs.map((s) => s.until(() => s.pokes.length === i)));
    }
    for (const s of subs) expect(gpos(s.pokes)).toEqual(range(1, 10).map((i) => 2 * i - 1));
    // 20 commits, 20 subscribers: 400 reads unshared; one read per commit (and a re-read when a
    // commit lands while the shared read runs) when shared.
    expect(reads).toBeGreaterThanOrEqual(10);
    expect(reads).toBeLessThanOrEqual(40);
  });
});

describe('GET /subscribe, one slow subscription among many with its filter', () => {
  const server = useServer({ subscriptions: { limits: { maxBufferBytes: 4096, stallTimeoutMs: 20_000 } } });
  const { subscribe, ready } = helpers(server);

  it('keeps poking the others while it is behind, then catches it up, skipping nothing', async () => {
    const subs = await Promise.all(Array.from({ length: 5 }, () => subscribe('/subscribe?category=slow')));
    await Promise.all(subs.map(ready));
    const [slow, ...fast] = subs as [SseClient, ...SseClient[]];
    slow.pause();
    for (let b = 0; b < 10; b++) await importSlow(server.store, 1000, b * 1000);
    await Promise.all(fast.map((s) => s.until(() => s.pokes.length === 10_000, 20_000)));
    expect(slow.pokes.length).toBeLessThan(10_000);
    slow.resume();
    await slow.until(() => slow.pokes.length === 10_000, 20_000);
    for (const s of subs) expect(gpos(s.pokes)).toEqual(range(1, 10_000));
  });
});
