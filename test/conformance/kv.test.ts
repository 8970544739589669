/** Runs the store conformance suite against the LMDB key-value backend in a temporary directory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { runStoreConformance } from './suite.js';

const dirs: string[] = [];
const urls = new WeakMap<EventStore, string>();

async function open(url: string): Promise<EventStore> {
  const store = await openStore(url);
  urls.set(store, url);
  return store;
}

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

runStoreConformance({
  name: 'kv',
  supports: { persistent: true, sharedStorage: false, jsonFidelity: 'text' },
  factory: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evt-'));
    dirs.push(dir);
    return open(`lmdb://${join(dir, 'kv')}`);
  },
  reopen: async (store) => {
    const url = urls.get(store);
    if (url === undefined) throw new Error('store was not opened by this runner');
    await store.close();
    return open(url);
  },
});
