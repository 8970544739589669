/**
 * The store façade in-process (EventStore over the SQLite backend, group commit included) with no
 * HTTP: the layer between bare SQLite and the server, so the tables can say where time goes.
 */
import { openStore } from '../src/store/open-store.js';
import { makeTempDir } from './cleanup.js';
import { runLoad, type LoadResult } from './load.js';

/** `writeMessage` from `clients` concurrent loops, each on its own stream. */
export async function storeWrites(
  data: Record<string, unknown>,
  clients: number,
  maxOps: number,
  maxMs: number,
): Promise<LoadResult> {
  const dir = await makeTempDir('store');
  const store = await openStore(`sqlite://${dir}/eventodb.db`, { dataDir: dir });
  try {
    await store.createNamespace('default', 'unused-token-hash');
    const op = (c: number) => store.writeMessage('default', `direct-${c + 1}`, { type: 'OrderPlaced', data });
    await runLoad({ clients, maxOps: 200, maxMs: 2000, op });
    return await runLoad({ clients, maxOps, maxMs, op });
  } finally {
    await store.close();
  }
}
