/**
 * Namespace incarnations: a request acts only on the namespace its token opened. Deleting the
 * namespace ends requests in flight on it, and nothing they do reaches a namespace created later
 * under the same id (store.ts, `NamespaceRef`).
 */
import { expect, it } from 'vitest';
import type { EventStore } from '../../src/store/event-store.js';
import type { NamespaceRef, StoredMessage } from '../../src/store/store.js';
import { record, rejectionOf, TOKEN_HASH, useStore, writeSpread, writeSequential } from './helpers.js';
import type { ConformanceOptions } from './suite.js';

async function createRef(store: EventStore, id: string): Promise<NamespaceRef> {
  const { incarnation } = await store.createNamespace(id, TOKEN_HASH);
  return { id, incarnation };
}

/** Deletes `id` and creates it again; returns the new incarnation and the delete's count. */
async function recreate(store: EventStore, id: string): Promise<{ ref: NamespaceRef; deleted: number }> {
  const { messagesDeleted } = await store.deleteNamespace(id);
  return { ref: await createRef(store, id), deleted: messagesDeleted };
}

export function incarnationsConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  it('gives each creation of an id a new incarnation', async () => {
    const first = await createRef(h.store, 'x');
    const { ref: second } = await recreate(h.store, 'x');
    expect(second.incarnation).not.toBe(first.incarnation);
    expect((await h.store.getNamespace('x'))?.incarnation).toBe(second.incarnation);
  });

  it('refuses every operation through a deleted incarnation with NAMESPACE_NOT_FOUND, after the id is created again too', async () => {
    const old = await createRef(h.store, 'x');
    await writeSequential(h.store, old, 's-1', 2);
    const { ref: fresh } = await recreate(h.store, 'x');
    // Each operation starts inside the loop, so no rejection is left unobserved meanwhile.
    const attempts: (() => Promise<unknown>)[] = [
      () => h.store.writeMessage(old, 's-1', { type: 'Late', data: {} }),
      () => h.store.importBatch(old, [record({ streamName: 's-9', position: 0, globalPosition: 5 })]),
      () => h.store.getStream(old, 's-1'),
      () => h.store.getCategory(old, ''),
      () => h.store.lastMessage(old, 's-1'),
      () => h.store.streamVersion(old, 's-1'),
      () => h.store.listStreams(old),
      () => h.store.listCategories(old),
    ];
    for (const attempt of attempts) expect((await rejectionOf(attempt())).code).toBe('NAMESPACE_NOT_FOUND');
    expect(await h.store.getCategory(fresh, '')).toEqual([]);
    expect((await h.store.namespaceInfo('x')).messageCount).toBe(0);
  });

  it('ends writes and imports racing a delete either stored in the deleted namespace or refused, never in the new one', async () => {
    const old = await createRef(h.store, 'x');
    const writes = Array.from({ length: 50 }, (_, i) =>
      h.store.writeMessage(old, `s-${i % 5}`, { type: 'Racing', data: { i } }).then(
        () => 'stored',
        (err: { code?: string }) => err.code,
      ),
    );
    const imports = Array.from({ length: 5 }, (_, i) =>
      h.store
        .importBatch(old, [record({ streamName: `imp-${i}`, position: 0, globalPosition: 1000 + i })])
        .then(
          () => 'stored',
          (err: { code?: string }) => err.code,
        ),
    );
    const { ref: fresh, deleted } = await recreate(h.store, 'x');
    const outcomes = await Promise.all([...writes, ...imports]);
    for (const outcome of outcomes) expect(['stored', 'NAMESPACE_NOT_FOUND']).toContain(outcome);
    expect(outcomes.filter((o) => o === 'stored').length).toBe(deleted);
    expect(await h.store.getCategory(fresh, '')).toEqual([]);
    expect((await h.store.listNamespaces()).find((n) => n.id === 'x')?.messageCount).toBe(0);
  });

  it('never yields messages of the new namespace to a paged read begun on the deleted one', async () => {
    const old = await createRef(h.store, 'x');
    await writeSpread(h.store, old, ['s-1', 's-2'], 2500);
    const pages = h.store.readCategory(old, '');
    const first = await pages.next();
    expect(first.done).toBe(false);
    const { ref: fresh } = await recreate(h.store, 'x');
    await writeSequential(h.store, fresh, 's-1', 3, () => ({ fresh: true }));
    const seen: StoredMessage[] = [];
    let ended: unknown = null;
    try {
      for (;;) {
        const next = await pages.next();
        if (next.done === true) break;
        seen.push(...next.value);
      }
    } catch (err) {
      ended = err;
    }
    expect(seen.filter((m) => m.data.includes('fresh'))).toEqual([]);
    // A read that had more pages to fetch must fail at the next one.
    if (first.done !== true && first.value.length < 2500) {
      expect((ended as { code?: string } | null)?.code).toBe('NAMESPACE_NOT_FOUND');
    }
  });
}
