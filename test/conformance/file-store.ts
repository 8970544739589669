/**
 * The runner of a backend that keeps its data under a directory (SQLite, LMDB): each store of the
 * suite gets a new temporary directory, removed after the file, and `reopen` closes the store and
 * opens the same URL again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import type { StoreCapabilities } from '../../src/store/store.js';
import { runStoreConformance } from './suite.js';

export function runFileStoreConformance(
  name: string,
  supports: StoreCapabilities,
  urlIn: (dir: string) => string,
): void {
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
    name,
    supports,
    factory: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'evt-'));
      dirs.push(dir);
      return open(urlIn(dir));
    },
    reopen: async (store) => {
      const url = urls.get(store);
      if (url === undefined) throw new Error('store was not opened by this runner');
      await store.close();
      return open(url);
    },
  });
}
