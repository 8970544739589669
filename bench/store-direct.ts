/**
 * The store façade in-process (EventStore over a backend, SQLite by default, group commit included) with no
 * HTTP: the layer between bare SQLite and the server, so the tables can say where time goes.
 */
import { openStore } from '../src/store/open-store.js';
import { makeTempDir } from './cleanup.js';
import { runLoad, type LoadResult } from './load.js';

/**
 * `writeMessage` from `clients` concurrent loops, each on its own stream, on the store at `url`
 * (default: a new SQLite file), with `listeners` commit listeners attached (each does what a subscription hub's first step does: look at every position).
 */
export async function storeWrites(
  data: Record<string, unknown>,
  clients: number,
  maxOps: number,
  maxMs: number,
  listeners = 0,
  url?: string,
): Promise<LoadResult> {
  const dir = await makeTempDir('store');
  const store = await openStore(url ?? `sqlite://${dir}/eventodb.db`, { dataDir: dir });
  let seen = 0;
  for (let i = 0; i < listeners; i++) {
    store.onCommit((commit) => {
      for (const m of commit.messages) seen = Math.max(seen, m.globalPosition);
    });
  }
  try {
    await store.createNamespace('default', 'unused-token-hash');
    const op = (c: number) => store.writeMessage('default', `direct-${c + 1}`, { type: 'OrderPlaced', data });
    await runLoad({ clients, maxOps: 200, maxMs: 2000, op });
    return await runLoad({ clients, maxOps, maxMs, op });
  } finally {
    await store.close();
  }
}
