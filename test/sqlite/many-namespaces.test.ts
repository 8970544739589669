/**
 * Thousands of namespaces on SQLite files with a small pool (`?maxOpen=64`): open files stay
 * bounded, `ns.list` answers with every count without opening every database (also after a
 * restart), and `default` keeps working.
 */
import { closeSync, existsSync, openSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { generateToken, hashToken } from '../../src/token.js';
import { createServer } from '../../src/server/create-server.js';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';

const NAMESPACES = 3000;
const MAX_OPEN = 64;
/** Per open namespace database: file, WAL, shared memory, the WAL sync's descriptor, and the
 * checkpoint thread's three while it has the file open. */
const FDS_PER_DATABASE = 7;

const openFds = (): number => readdirSync('/proc/self/fd').length;

/** Opens /dev/null until the process is out of file descriptors, less `spare`; returns them. */
function exhaustFds(spare: number): number[] {
  const held: number[] = [];
  for (;;) {
    try {
      held.push(openSync('/dev/null', 'r'));
    } catch (err) {
      if ((err as { code?: string }).code === 'EMFILE') {
        for (const fd of held.splice(0, spare)) closeSync(fd);
        return held;
      }
      for (const fd of held) closeSync(fd);
      throw err;
    }
  }
}

/** tmpfs when there is one: the test is about descriptors, not about waiting for fsync. */
const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

interface Running {
  app: FastifyInstance;
  store: EventStore;
  url: string;
}

async function start(storeUrl: string, adminToken: string | null): Promise<Running> {
  const store = await openStore(storeUrl);
  if (adminToken !== null) await store.createNamespace('default', hashToken(adminToken));
  const app = await createServer({ version: '1.2.3', store });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, store, url };
}

async function rpc(url: string, token: string, body: unknown[]): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/rpc`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe('many namespaces on SQLite', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it(`keeps open files bounded with ${NAMESPACES} namespaces, lists them all and keeps serving default`, async () => {
    const dir = await mkdtemp(join(scratch, 'evt-many-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const storeUrl = `sqlite://${join(dir, 'eventodb.db')}?synchronous=normal&maxOpen=${MAX_OPEN}`;
    const adminToken = generateToken('default');
    const baseline = openFds();
    let running = await start(storeUrl, adminToken);
    cleanup.push(async () => {
      await running.app.close();
      await running.store.close();
    });

    for (let i = 0; i < NAMESPACES; i++) {
      const id = `tenant-${i}`;
      await running.store.createNamespace(id, hashToken(generateToken(id)));
      // Messages in some, so counts differ and evicted databases have counts to record.
      if (i % 10 === 0) await running.store.writeMessage(id, 'acct-1', { type: 'T', data: {} });
    }
    const bound = baseline + 64 + MAX_OPEN * FDS_PER_DATABASE;
    expect(openFds()).toBeLessThan(bound);

    const expectListAndDefault = async () => {
      const listed = await rpc(running.url, adminToken, ['ns.list']);
      expect(listed.status).toBe(200);
      const entries = listed.body as { namespace: string; messageCount: number }[];
      expect(entries).toHaveLength(NAMESPACES + 1);
      for (const e of entries) {
        if (e.namespace !== 'default')
          expect(e.messageCount).toBe(Number(e.namespace.split('-')[1]) % 10 === 0 ? 1 : 0);
      }
      const written = await rpc(running.url, adminToken, [
        'stream.write',
        'ping-1',
        { type: 'Ping', data: {} },
      ]);
      expect(written.status).toBe(200);
      expect(openFds()).toBeLessThan(bound);
    };
    await expectListAndDefault();

    // After a restart, one ns.list must not open every database either.
    await running.app.close();
    await running.store.close();
    running = await start(storeUrl, null);
    await expectListAndDefault();
  });

  it('answers on every namespace when the process runs out of descriptors, by closing idle databases', async () => {
    const dir = await mkdtemp(join(scratch, 'evt-emfile-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    // A pool limit the process cannot afford: descriptors run out before it is reached.
    const storeUrl = `sqlite://${join(dir, 'eventodb.db')}?synchronous=normal&maxOpen=100000`;
    const adminToken = generateToken('default');
    const running = await start(storeUrl, adminToken);
    cleanup.push(async () => {
      await running.app.close();
      await running.store.close();
    });
    // 200 open (idle) namespace databases, and one namespace never opened.
    for (let i = 0; i < 200; i++) {
      await running.store.createNamespace(`tenant-${i}`, hashToken('x'));
      await running.store.writeMessage(`tenant-${i}`, 'acct-1', { type: 'T', data: {} });
    }
    const late = generateToken('late');
    await running.store.createNamespace('late', hashToken(late));

    // Connect first (fetch keeps the connection alive), so the requests below need no descriptor;
    // then leave two: not enough for a database with its WAL, its shared memory and a sync.
    expect((await rpc(running.url, adminToken, ['sys.version'])).status).toBe(200);
    const held = exhaustFds(2);
    try {
      // The client is not under test: if its own connect runs out of descriptors, give it one.
      const call = async (token: string, body: unknown[]) => {
        for (;;) {
          try {
            return await rpc(running.url, token, body);
          } catch (err) {
            const fd = held.pop();
            if (fd === undefined) throw err;
            closeSync(fd);
          }
        }
      };
      const ping = ['stream.write', 'ping-1', { type: 'Ping', data: {} }];
      expect((await call(late, ping)).status).toBe(200);
      expect((await call(adminToken, ping)).status).toBe(200);
      const listed = await call(adminToken, ['ns.list']);
      expect(listed.status).toBe(200);
      expect(listed.body).toHaveLength(202);
    } finally {
      for (const fd of held) closeSync(fd);
    }
  });
});
