/** The LMDB memory map grows past its initial size during a large import, without an error. */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import type { StoredMessage } from '../../src/store/store.js';

let store: EventStore | undefined;
let dir = '';
afterEach(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const MAP_SIZE = 1024 * 1024;

it('imports 24 MB into an environment opened with a 1 MiB map and reads it all back', async () => {
  dir = await mkdtemp(join(tmpdir(), 'evt-kv-'));
  store = await openStore(`lmdb://${dir}?mapSize=${MAP_SIZE}`);
  await store.createNamespace('big', 'hash');
  const payload = JSON.stringify({ text: 'x'.repeat(1000) });
  for (let batch = 0; batch < 24; batch++) {
    const messages: StoredMessage[] = Array.from({ length: 1000 }, (_, i) => {
      const gpos = batch * 1000 + i + 1;
      return {
        id: `00000000-0000-4000-8000-${String(gpos).padStart(12, '0')}`,
        streamName: `bulk-${gpos % 50}`,
        type: 'T',
        position: Math.floor((gpos - 1) / 50),
        globalPosition: gpos,
        data: payload,
        metadata: null,
        time: 1_700_000_000_000_000 + gpos,
      };
    });
    await store.importBatch('big', messages);
  }
  expect((await stat(join(dir, 'data.mdb'))).size).toBeGreaterThan(20 * MAP_SIZE);
  const all = await store.getCategory('big', '', { batchSize: -1 });
  expect(all).toHaveLength(24_000);
  const info = await store.namespaceInfo('big');
  expect(info.messageCount).toBe(24_000);
  const last = await store.getCategory('big', '', { position: 23_001, batchSize: -1 });
  expect(last.map((m) => m.globalPosition)).toEqual(Array.from({ length: 1000 }, (_, i) => 23_001 + i));
});
