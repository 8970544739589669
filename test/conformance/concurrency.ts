/**
 * What must hold while other work is in flight: readers that page while writers commit never skip
 * a message, `close()` completes the writes it was given, a namespace deleted under writes leaves
 * nothing behind, and long namespace ids stay distinct.
 */
import { expect, it } from 'vitest';
import type { StoredMessage, WriteResult } from '../../src/store/store.js';
import { createNamespace, gposOf, isStrictlyIncreasing, TOKEN_HASH, useStore } from './helpers.js';
import type { ConformanceOptions } from './suite.js';

/** Pages through `category` from position 1 until `done()` and an empty page; returns what it read. */
async function pageUntilDone(
  read: (from: number) => Promise<StoredMessage[]>,
  done: () => boolean,
): Promise<StoredMessage[]> {
  const seen: StoredMessage[] = [];
  let from = 1;
  for (;;) {
    const finished = done();
    const page = await read(from);
    seen.push(...page);
    const last = page.at(-1);
    if (last !== undefined) from = last.globalPosition + 1;
    else if (finished) return seen;
    else await new Promise((resolve) => setImmediate(resolve));
  }
}

export function concurrencyConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  it('never lets a paging reader skip a message committed while it reads', async () => {
    const ns = await createNamespace(h.store);
    let writing = true;
    const writers = Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 60; i++)
          await h.store.writeMessage(ns, `race-${(w + i) % 5}`, { type: 'T', data: { w, i } });
      }),
    ).finally(() => (writing = false));
    const [all, category] = await Promise.all([
      pageUntilDone(
        (from) => h.store.getCategory(ns, '', { position: from, batchSize: 7 }),
        () => !writing,
      ),
      pageUntilDone(
        (from) => h.store.getCategory(ns, 'race', { position: from, batchSize: 5 }),
        () => !writing,
      ),
      writers,
    ]);
    const stored = await h.store.getCategory(ns, '', { batchSize: -1 });
    expect(stored).toHaveLength(480);
    expect(gposOf(all)).toEqual(gposOf(stored));
    expect(gposOf(category)).toEqual(gposOf(stored));
  });

  it('completes the writes it was given before close() resolves', async () => {
    const ns = await createNamespace(h.store);
    const writes = Array.from({ length: 50 }, (_, i) =>
      h.store.writeMessage(ns, `closing-${i % 3}`, { type: 'T', data: { i } }),
    );
    const settled = Promise.allSettled(writes);
    if (opts.supports.persistent) {
      await h.reopen();
      const results = await settled;
      const acknowledged = results.filter(
        (r): r is PromiseFulfilledResult<WriteResult> => r.status === 'fulfilled',
      );
      expect(acknowledged).toHaveLength(50);
      const stored = await h.store.getCategory(ns, '', { batchSize: -1 });
      expect(gposOf(stored).sort((a, b) => a - b)).toEqual(
        acknowledged.map((r) => r.value.globalPosition).sort((a, b) => a - b),
      );
    } else {
      await h.store.close();
      expect((await settled).every((r) => r.status === 'fulfilled')).toBe(true);
    }
  });

  it('leaves nothing of writes in flight in a namespace deleted and created again', async () => {
    const ns = await createNamespace(h.store, 'churn');
    const writes = Array.from({ length: 40 }, (_, i) =>
      h.store.writeMessage(ns, `w-${i % 4}`, { type: 'T', data: { i } }),
    );
    const deletion = h.store.deleteNamespace(ns);
    const results = await Promise.allSettled(writes);
    await deletion;
    await h.store.createNamespace(ns, TOKEN_HASH);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('NAMESPACE_NOT_FOUND');
    }
    expect(await h.store.getCategory(ns, '', { batchSize: -1 })).toEqual([]);
    const fresh = await h.store.writeMessage(ns, 'w-0', { type: 'T', data: {} });
    expect(fresh).toEqual({ position: 0, globalPosition: 1 });
  });

  it('keeps 128-character namespace ids that share a long prefix apart', async () => {
    const prefix = 'n'.repeat(127);
    const ids = [`${prefix}a`, `${prefix}b`, `${prefix}A`];
    for (const id of ids) await createNamespace(h.store, id);
    for (const id of ids) await h.store.writeMessage(id, 'owner-1', { type: 'T', data: { id } });
    for (const id of ids) {
      const [only, ...rest] = await h.store.getCategory(id, '');
      expect(rest).toEqual([]);
      expect(JSON.parse(only?.data ?? '{}')).toEqual({ id });
    }
    expect((await h.store.listNamespaces()).map((n) => n.id)).toEqual(expect.arrayContaining(ids));
  });

  it('returns a stream read by global position in position order, which is global order', async () => {
    const ns = await createNamespace(h.store);
    for (let i = 0; i < 12; i++)
      await h.store.writeMessage(ns, i % 2 === 0 ? 'o-1' : 'o-2', { type: 'T', data: {} });
    const rows = await h.store.getStream(ns, 'o-1', { globalPosition: 3 });
    expect(rows.map((m) => m.position)).toEqual([1, 2, 3, 4, 5]);
    expect(isStrictlyIncreasing(gposOf(rows))).toBe(true);
  });
}
