/**
 * PostgreSQL restarted under two running `eventodb serve` processes (as behind a load balancer):
 * requests in the gap fail fast with BACKEND_ERROR, the servers stay up and recover by themselves,
 * cross-process pokes flow again, and every acknowledged write is still there.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeTempDir, startServer, stopAllServers, type StartedServer } from '../e2e/helpers.js';
import { openSubscription, type SseClient } from '../server/sse.js';
import { startOwnPostgres, type OwnPostgres } from './own-postgres.js';

/** A request that takes longer than this counts as a hang. */
const REQUEST_TIMEOUT_MS = 5_000;

let pg: OwnPostgres;
let a: StartedServer;
let b: StartedServer;
let token = '';
let removeDir: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  pg = await startOwnPostgres();
  const temp = await makeTempDir();
  removeDir = temp.remove;
  const serve = (name: string): Promise<StartedServer> =>
    startServer(['serve', '--db-url', pg.url, '--data-dir', `${temp.dir}/${name}`, '--log-level', 'fatal']);
  a = await serve('a');
  b = await serve('b');
  token = a.token ?? '';
}, 120_000);

afterAll(async () => {
  await stopAllServers();
  await pg?.remove();
  await removeDir();
});

/** What one request ended with: a status and the error code, or a hang (no reply in time). */
type Outcome = { status: number; code?: string; body: unknown } | { hang: true };

async function rpc(server: StartedServer, ...call: unknown[]): Promise<Outcome> {
  try {
    const response = await fetch(`${server.url}/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(call),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json()) as { error?: { code?: string } };
    const code = body.error?.code;
    return { status: response.status, body, ...(code === undefined ? {} : { code }) };
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') return { hang: true };
    throw err;
  }
}

interface Acked {
  id: string;
  stream: string;
  position: number;
}

/** Writes to its own stream through `server` until `stop()`, keeping every outcome. */
function writer(server: StartedServer, stream: string) {
  const acked: Acked[] = [];
  const failures: Outcome[] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const id = randomUUID();
      const outcome = await rpc(server, 'stream.write', stream, { type: 'Tick', data: {} }, { id });
      if ('status' in outcome && outcome.status === 200) {
        acked.push({ id, stream, position: (outcome.body as { position: number }).position });
      } else {
        failures.push(outcome);
        // Pace the retries while the database is down (each fails at once).
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  })();
  return {
    acked,
    failures,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** Resolves once `check()` holds, polling; rejects after `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

it('fails requests during a PostgreSQL restart with BACKEND_ERROR and recovers without losing an acknowledged write', async () => {
  const subscriber = await openSubscription(b.url, '/subscribe?category=acct', token);
  await subscriber.until(() => subscriber.comments.includes('ready'));
  const writers = [writer(a, 'acct-a'), writer(b, 'acct-b')];
  await until(() => writers.every((w) => w.acked.length >= 20));

  await pg.stop();
  await until(() => writers.every((w) => w.failures.length >= 5));
  const read = await rpc(b, 'stream.get', 'acct-a');
  await Promise.all(writers.map((w) => w.stop()));

  // Every request in the gap got an answer, and it was the store's failure.
  for (const outcome of [read, ...writers.flatMap((w) => w.failures)]) {
    expect(outcome).toMatchObject({ status: 500, code: 'BACKEND_ERROR' });
  }

  await pg.start();
  // The first write after the restart, through A, pokes the subscriber on B: B's LISTEN is back,
  // and whatever committed before it came back is not lost to its subscribers.
  let firstGpos = 0;
  await until(async () => {
    const outcome = await rpc(a, 'stream.write', 'acct-a', { type: 'Back', data: {} });
    if (!('status' in outcome) || outcome.status !== 200) return false;
    firstGpos = (outcome.body as { globalPosition: number }).globalPosition;
    return true;
  });
  // A subscription whose catch-up read met the outage is ended with a reason (the contract's
  // "reconnect from your last position"); a client then reconnects from there and misses nothing.
  const isPoked = (client: SseClient): Promise<void> =>
    client.until(() => client.pokes.some((p) => p.globalPosition === firstGpos), 15_000);
  let resumed: SseClient | undefined;
  try {
    await isPoked(subscriber);
  } catch (err) {
    if (!subscriber.comments.some((c) => c.startsWith('closed:'))) throw err;
    const from = (subscriber.pokes.at(-1)?.globalPosition ?? 0) + 1;
    resumed = await openSubscription(b.url, `/subscribe?category=acct&position=${from}`, token);
    await isPoked(resumed);
  }

  // Both servers write and read again, and every write acknowledged before the restart is stored.
  expect(await rpc(b, 'stream.write', 'acct-b', { type: 'Back', data: {} })).toMatchObject({ status: 200 });
  for (const [server, w] of [
    [a, writers[0]],
    [b, writers[1]],
  ] as const) {
    const stream = w?.acked[0]?.stream ?? '';
    const reply = await rpc(server, 'stream.get', stream, { batchSize: 10_000 });
    expect(reply).toMatchObject({ status: 200 });
    // Rows are [id, type, position, ...]: gapless positions, each acknowledged id where its reply said.
    const stored = (reply as { body: [string, string, number][] }).body;
    expect(stored.map((m) => m[2])).toEqual(stored.map((_, i) => i));
    const byId = new Map(stored.map((m) => [m[0], m[2]]));
    for (const ack of w?.acked ?? []) expect(byId.get(ack.id)).toBe(ack.position);
  }
  expect(a.proc.exitCode).toBeNull();
  expect(b.proc.exitCode).toBeNull();
  subscriber.close();
  resumed?.close();
}, 90_000);
