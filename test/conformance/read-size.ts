/**
 * `maxBytes` on `getStream`/`getCategory`: a read stops before the message that would bring the
 * total `messageSize` (data + metadata text) above the bound, returns at least one message, and
 * paging on from the last message returns every message exactly once.
 */
import { expect, it } from 'vitest';
import type { EventStore } from '../../src/store/event-store.js';
import { messageSize, type StoredMessage } from '../../src/store/store.js';
import { createNamespace, gposOf, useStore } from './helpers.js';
import type { ConformanceOptions } from './suite.js';

/** Writes messages of growing sizes (about 1, 2, ... `count` KB) round-robin to `streams`. */
async function writeSized(store: EventStore, ns: string, streams: readonly string[], count: number) {
  for (let i = 0; i < count; i++) {
    const stream = streams[i % streams.length] ?? 'none-0';
    await store.writeMessage(ns, stream, {
      type: 'Sized',
      data: { i, blob: 'x'.repeat(1000 * (i + 1)) },
      metadata: i % 2 === 0 ? { note: 'y'.repeat(100) } : null,
    });
  }
}

/** The longest prefix of `all` whose total size is at most `maxBytes`, but at least one message. */
function expectedPrefix(all: readonly StoredMessage[], maxBytes: number): number[] {
  const out: StoredMessage[] = [];
  let total = 0;
  for (const m of all) {
    total += messageSize(m);
    if (out.length > 0 && total > maxBytes) break;
    out.push(m);
  }
  return gposOf(out);
}

export function readSizeConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  it('stops a stream read before the message that would pass maxBytes', async () => {
    const ns = await createNamespace(h.store);
    await writeSized(h.store, ns, ['big-1'], 10);
    const all = await h.store.getStream(ns, 'big-1', { batchSize: -1 });
    for (const maxBytes of [1, 2500, 7000, 20_000, 1_000_000]) {
      const page = await h.store.getStream(ns, 'big-1', { batchSize: -1, maxBytes });
      expect(gposOf(page)).toEqual(expectedPrefix(all, maxBytes));
    }
  });

  it('stops a category read before the message that would pass maxBytes, with its filters', async () => {
    const ns = await createNamespace(h.store);
    await writeSized(h.store, ns, ['big-1', 'big-2', 'other-1'], 12);
    const all = await h.store.getCategory(ns, 'big', { batchSize: -1, position: 2 });
    for (const maxBytes of [1, 3000, 12_000, 1_000_000]) {
      const page = await h.store.getCategory(ns, 'big', { batchSize: -1, position: 2, maxBytes });
      expect(gposOf(page)).toEqual(expectedPrefix(all, maxBytes));
    }
  });

  it('returns the first message alone when it is larger than maxBytes', async () => {
    const ns = await createNamespace(h.store);
    await writeSized(h.store, ns, ['big-1'], 3);
    expect(await h.store.getStream(ns, 'big-1', { maxBytes: 10 })).toHaveLength(1);
    expect(await h.store.getCategory(ns, '', { maxBytes: 10 })).toHaveLength(1);
  });

  it('keeps batchSize as the row limit when it is reached before maxBytes', async () => {
    const ns = await createNamespace(h.store);
    await writeSized(h.store, ns, ['big-1'], 5);
    expect(await h.store.getStream(ns, 'big-1', { batchSize: 2, maxBytes: 1_000_000 })).toHaveLength(2);
  });

  it('returns every message exactly once to a reader paging with maxBytes until an empty page', async () => {
    const ns = await createNamespace(h.store);
    await writeSized(h.store, ns, ['big-1', 'big-2'], 20);
    const all = gposOf(await h.store.getCategory(ns, 'big', { batchSize: -1 }));
    const paged: number[] = [];
    for (let position = 1; ;) {
      const page = await h.store.getCategory(ns, 'big', { position, batchSize: -1, maxBytes: 15_000 });
      if (page.length === 0) break;
      paged.push(...gposOf(page));
      position = (page.at(-1)?.globalPosition ?? 0) + 1;
    }
    expect(paged).toEqual(all);
    const streamPaged: number[] = [];
    for (let position = 0; ;) {
      const page = await h.store.getStream(ns, 'big-1', { position, batchSize: -1, maxBytes: 15_000 });
      if (page.length === 0) break;
      streamPaged.push(...page.map((m) => m.position));
      position = (page.at(-1)?.position ?? 0) + 1;
    }
    expect(streamPaged).toEqual([...Array(10).keys()]);
  });
}
