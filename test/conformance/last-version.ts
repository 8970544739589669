/** `lastMessage` and `streamVersion`. */
import { expect, it } from 'vitest';
import { canonicalJson, createNamespace, record, rejectionOf, useStore, writeSequential } from './helpers.js';
import type { ConformanceOptions } from './suite.js';

export function lastVersionConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  it('returns null as the last message and version of a stream with no messages', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 's-1', 1);
    expect(await h.store.lastMessage(ns, 's-2')).toBeNull();
    expect(await h.store.lastMessage(ns, 's-2', 'Tick')).toBeNull();
    expect(await h.store.streamVersion(ns, 's-2')).toBeNull();
  });

  it('returns the message with the highest position as the last message', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 's-1', 3);
    await writeSequential(h.store, ns, 's-2', 5);
    const last = await h.store.lastMessage(ns, 's-1');
    expect(last).toMatchObject({ streamName: 's-1', position: 2, type: 'Tick' });
    expect(canonicalJson(last?.data ?? null)).toBe('{"i":2}');
    const [stored] = await h.store.getStream(ns, 's-1', { position: 2 });
    expect(last).toEqual(stored);
  });

  it('returns the last message of the given type, or null when the stream has none of it', async () => {
    const ns = await createNamespace(h.store);
    for (const type of ['Opened', 'Deposited', 'Withdrawn', 'Deposited', 'Closed']) {
      await h.store.writeMessage(ns, 'acct-1', { type, data: { type } });
    }
    await h.store.writeMessage(ns, 'acct-2', { type: 'Withdrawn', data: {} });
    expect(await h.store.lastMessage(ns, 'acct-1', 'Deposited')).toMatchObject({
      position: 3,
      type: 'Deposited',
    });
    expect(await h.store.lastMessage(ns, 'acct-1', 'Withdrawn')).toMatchObject({
      position: 2,
      streamName: 'acct-1',
    });
    expect(await h.store.lastMessage(ns, 'acct-1', 'Frozen')).toBeNull();
    expect(await h.store.lastMessage(ns, 'acct-1', 'deposited')).toBeNull();
  });

  it('reports the highest position as the stream version', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 's-1', 1);
    expect(await h.store.streamVersion(ns, 's-1')).toBe(0);
    await writeSequential(h.store, ns, 's-1', 3);
    expect(await h.store.streamVersion(ns, 's-1')).toBe(3);
    await writeSequential(h.store, ns, 's-10', 7);
    expect(await h.store.streamVersion(ns, 's-1')).toBe(3);
  });

  it('reports the highest position of a stream with imported, sparse positions', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, [
      record({ streamName: 'imp-1', position: 0, globalPosition: 10 }),
      record({ streamName: 'imp-1', position: 7, globalPosition: 40, type: 'Late' }),
      record({ streamName: 'imp-1', position: 3, globalPosition: 30, type: 'Early' }),
    ]);
    expect(await h.store.streamVersion(ns, 'imp-1')).toBe(7);
    expect(await h.store.lastMessage(ns, 'imp-1')).toMatchObject({ position: 7, globalPosition: 40 });
    expect(await h.store.lastMessage(ns, 'imp-1', 'Early')).toMatchObject({
      position: 3,
      globalPosition: 30,
    });
  });

  it('rejects an empty stream name with INVALID_REQUEST', async () => {
    const ns = await createNamespace(h.store);
    expect((await rejectionOf(h.store.lastMessage(ns, ''))).code).toBe('INVALID_REQUEST');
    expect((await rejectionOf(h.store.streamVersion(ns, ''))).code).toBe('INVALID_REQUEST');
  });
}
