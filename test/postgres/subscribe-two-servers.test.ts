/**
 * Subscriptions on two `eventodb serve` processes sharing one PostgreSQL database, with writers on
 * both: each server hears of its own commits at once and of the other's through LISTEN/NOTIFY, so
 * the reports arrive out of global order. Subscribers opened on either server while the writers
 * race must each be poked for exactly what `category.get` (or the whole namespace, or a consumer
 * group member's share) returns from their start, once each, in global order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeTempDir, rpc, startServer, stopAllServers, type StartedServer } from '../e2e/helpers.js';
import { createTestDatabase, dropTestDatabase } from '../pg-helpers.js';
import { openSubscription, type SseClient } from '../server/sse.js';

const WRITERS_PER_SERVER = 3;
const WRITES_PER_WRITER = 40;
const TOTAL = 2 * WRITERS_PER_SERVER * WRITES_PER_WRITER;

let url = '';
let a: StartedServer;
let b: StartedServer;
let token = '';
let removeDir: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  url = await createTestDatabase();
  const temp = await makeTempDir();
  removeDir = temp.remove;
  const serve = (name: string): Promise<StartedServer> =>
    startServer(['serve', '--db-url', url, '--data-dir', `${temp.dir}/${name}`, '--log-level', 'fatal']);
  a = await serve('a');
  b = await serve('b');
  token = a.token ?? '';
}, 60_000);

afterAll(async () => {
  await stopAllServers();
  await dropTestDatabase(url);
  await removeDir();
});

interface Message {
  streamName: string;
  globalPosition: number;
}

async function call<T>(server: StartedServer, method: string, ...args: unknown[]): Promise<T> {
  const { status, body } = await rpc(server.url, token, method, ...args);
  expect(status).toBe(200);
  return body as T;
}

/** Every message of `category` ('' for all) from `position`, as `category.get` pages them. */
async function readAll(category: string, position: number, group?: [number, number]): Promise<number[]> {
  const out: number[] = [];
  for (let from = position; ;) {
    const options = {
      position: from,
      batchSize: 1000,
      ...(group === undefined ? {} : { consumerGroup: { member: group[0], size: group[1] } }),
    };
    const page = await call<[string, string, string, number, number, unknown, unknown, string][]>(
      a,
      'category.get',
      category,
      options,
    );
    for (const row of page) out.push(row[4]);
    if (page.length < 1000) return out;
    from = (out.at(-1) ?? from) + 1;
  }
}

it('pokes subscribers on both servers for every write through either, once each, in global order', async () => {
  const writing = { on: true };
  const writers = Promise.all(
    [a, b].flatMap((server, s) =>
      Array.from({ length: WRITERS_PER_SERVER }, async (_, w) => {
        for (let i = 0; i < WRITES_PER_WRITER; i++) {
          await call<Message>(server, 'stream.write', `tail${i % 3}-${s}${w}`, { type: 'T', data: { i } });
        }
      }),
    ),
  ).finally(() => (writing.on = false));

  // Subscriptions open on both servers at different moments of the race, from different positions.
  const subs: { sub: SseClient; category: string; position: number; group?: [number, number] }[] = [];
  for (let n = 0; writing.on && n < 12; n++) {
    const server = n % 2 === 0 ? a : b;
    const position = n % 3 === 0 ? 1 : 10 * n;
    const category = n % 4 === 3 ? '' : `tail${n % 3}`;
    const group: [number, number] | undefined = n % 5 === 4 ? [n % 2, 2] : undefined;
    const query =
      category === ''
        ? `all=true&position=${position}`
        : `category=${category}&position=${position}` +
          (group === undefined ? '' : `&consumer=${group[0]}&size=${group[1]}`);
    subs.push({
      sub: await openSubscription(server.url, `/subscribe?${query}`, token),
      category,
      position,
      ...(group === undefined ? {} : { group }),
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await writers;
  expect(subs.length).toBeGreaterThan(3);
  expect(await readAll('', 1)).toHaveLength(TOTAL);

  for (const { sub, category, position, group } of subs) {
    const expected = await readAll(category, position, group);
    expect(expected.length).toBeGreaterThan(0);
    await sub.until(() => sub.pokes.length >= expected.length, 15_000);
    // Let any extra (duplicate) poke arrive before comparing.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sub.pokes.map((p) => p.globalPosition)).toEqual(expected);
    sub.close();
  }
});
