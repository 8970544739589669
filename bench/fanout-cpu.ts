/**
 * The server's CPU per poke at fan-out `n`, without the HTTP write path or the load generator in
 * the picture (not part of `npm run bench`; for comparing builds on a busy machine): a server
 * built from `DIST` (default this worktree's dist/) in this process, `n` subscribers on one
 * category in the subscriber process, then `rounds` group commits of `group` writes made through
 * the store directly, one after another. The same rounds with no subscribers are the baseline;
 * what the subscribers add, divided by the pokes delivered, is the server's CPU per poke. CPU
 * time (user + system) is counted for this process only, so other sessions' load inflates it
 * less than it does wall-clock figures; alternate builds and repeat to compare.
 *
 *   node --import tsx bench/fanout-cpu.ts [n] [rounds] [group]   (DIST=/other/dist to compare)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { onCleanup, runCleanup } from './cleanup.js';
import { openSubscriberPool } from './subscriber-pool.js';

const n = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 2000);
const group = Number(process.argv[4] ?? 8);
const dist = process.env['DIST'] ?? new URL('../dist/', import.meta.url).pathname;

type Mod = Record<string, (...args: never[]) => unknown>;
const load = async (path: string): Promise<Mod> =>
  (await import(pathToFileURL(join(dist, path)).href)) as Mod;
const { openStore } = (await load('store/open-store.js')) as unknown as {
  openStore: (
    url: string,
    o: { dataDir: string },
  ) => Promise<{
    createNamespace(id: string, hash: string): Promise<unknown>;
    writeMessage(ns: string, stream: string, m: { type: string; data: unknown }): Promise<unknown>;
    close(): Promise<void>;
  }>;
};
const { createServer } = (await load('server/create-server.js')) as unknown as {
  createServer: (o: { store: unknown; version: string }) => Promise<{
    listen(o: { port: number; host: string }): Promise<string>;
    close(): Promise<void>;
  }>;
};
const { generateToken, hashToken } = (await load('token.js')) as unknown as {
  generateToken: (id: string) => string;
  hashToken: (t: string) => string;
};

const dataDir = await mkdtemp(join(tmpdir(), 'fanout-cpu-'));
const store = await openStore(`sqlite://${join(dataDir, 'eventodb.db')}`, { dataDir });
onCleanup(() => rm(dataDir, { recursive: true, force: true }));
const token = generateToken('default');
await store.createNamespace('default', hashToken(token));
const app = await createServer({ store, version: '0.0.0' });
const url = await app.listen({ port: 0, host: '127.0.0.1' });

/** CPU µs of `rounds` group commits of `group` writes each. */
async function writeRounds(): Promise<number> {
  const before = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    await Promise.all(
      Array.from({ length: group }, (_, i) =>
        store.writeMessage('default', `sub-${i}`, { type: 'T', data: { r } }),
      ),
    );
  }
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

try {
  await writeRounds(); // warm-up
  const bare = await writeRounds();
  const pool = await openSubscriberPool(
    url,
    token,
    Array.from({ length: n }, () => `/subscribe?category=sub&position=${2 * rounds * group + 1}`),
  );
  const withSubs = await writeRounds();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const { pokes } = await pool.close();
  const live = rounds * group * n;
  console.log(
    `${dist}: ${((withSubs - bare) / live).toFixed(2)} µs CPU per poke (${(bare / (rounds * group)).toFixed(0)} µs per write bare; ${pokes} pokes received, ${live} live)`,
  );
} finally {
  await app.close();
  await store.close();
  await runCleanup();
}
