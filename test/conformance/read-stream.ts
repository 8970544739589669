/** `getStream`: position and globalPosition filters, batchSize semantics, category names. */
import { expect, it } from 'vitest';
import {
  canonicalJson,
  createNamespace,
  gposOf,
  positionsOf,
  range,
  rejectionOf,
  useStore,
  writeSequential,
  writeSpread,
} from './helpers.js';
import type { ConformanceOptions } from './suite.js';

export function readStreamConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  it('returns every field of each message in position order', async () => {
    const ns = await createNamespace(h.store);
    const id = '0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b';
    const w = await h.store.writeMessage(
      ns,
      'account-1',
      { type: 'Opened', data: { owner: 'ann', n: 1.5 }, metadata: { correlationStreamName: 'x-1' } },
      { id },
    );
    const [m, ...rest] = await h.store.getStream(ns, 'account-1');
    expect(rest).toEqual([]);
    expect(m).toMatchObject({
      id,
      streamName: 'account-1',
      type: 'Opened',
      position: 0,
      globalPosition: w.globalPosition,
    });
    expect(canonicalJson(m?.data ?? null)).toBe('{"n":1.5,"owner":"ann"}');
    expect(canonicalJson(m?.metadata ?? null)).toBe('{"correlationStreamName":"x-1"}');
    expect(Number.isSafeInteger(m?.time)).toBe(true);
  });

  it('returns an empty list for a stream with no messages', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 'account-1', 1);
    expect(await h.store.getStream(ns, 'account-2')).toEqual([]);
    expect(await h.store.getStream(ns, 'account-10')).toEqual([]);
  });

  it('reads from a stream position and treats a negative position as 0', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 's-1', 5);
    expect(positionsOf(await h.store.getStream(ns, 's-1', { position: 2 }))).toEqual([2, 3, 4]);
    expect(positionsOf(await h.store.getStream(ns, 's-1', { position: 5 }))).toEqual([]);
    expect(positionsOf(await h.store.getStream(ns, 's-1', { position: -3 }))).toEqual(range(5));
  });

  it('filters on globalPosition instead of position when it is given', async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(h.store, ns, ['s-1', 's-2'], 8, 1);
    const all = await h.store.getStream(ns, 's-1');
    expect(positionsOf(all)).toEqual([0, 1, 2, 3]);
    const from = all[2]?.globalPosition ?? 0;
    const filtered = await h.store.getStream(ns, 's-1', { globalPosition: from, position: 0 });
    expect(gposOf(filtered)).toEqual(gposOf(all.slice(2)));
    const between = await h.store.getStream(ns, 's-1', { globalPosition: from - 1, position: 3 });
    expect(positionsOf(between)).toEqual([2, 3]);
  });

  it('limits a read to batchSize messages', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 's-1', 5);
    expect(positionsOf(await h.store.getStream(ns, 's-1', { batchSize: 2 }))).toEqual([0, 1]);
    expect(positionsOf(await h.store.getStream(ns, 's-1', { batchSize: 2, position: 3 }))).toEqual([3, 4]);
    expect(positionsOf(await h.store.getStream(ns, 's-1', { batchSize: 1, globalPosition: 2 }))).toEqual([1]);
  });

  it('returns 1000 messages by default, all with batchSize -1 and up to 10000 on request', async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(h.store, ns, ['big-1'], 1005);
    expect(positionsOf(await h.store.getStream(ns, 'big-1'))).toEqual(range(1000));
    expect(positionsOf(await h.store.getStream(ns, 'big-1', { batchSize: -1 }))).toEqual(range(1005));
    expect(await h.store.getStream(ns, 'big-1', { batchSize: 10_000 })).toHaveLength(1005);
    expect(positionsOf(await h.store.getStream(ns, 'big-1', { batchSize: -1, position: 1000 }))).toEqual(
      range(5, 1000),
    );
  });

  it('returns an empty list for batchSize 0', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 's-1', 3);
    expect(await h.store.getStream(ns, 's-1', { batchSize: 0 })).toEqual([]);
  });

  it('rejects batchSize above 10000, negatives other than -1 and non-integers with INVALID_REQUEST', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 's-1', 1);
    for (const batchSize of [10_001, -2, -1000, 1.5, Number.NaN]) {
      const err = await rejectionOf(h.store.getStream(ns, 's-1', { batchSize }));
      expect(err.code).toBe('INVALID_REQUEST');
    }
  });

  it('returns an empty list when given a category name', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 'account-1', 2);
    await writeSequential(h.store, ns, 'account', 2);
    expect(await h.store.getStream(ns, 'account')).toEqual([]);
  });

  it('rejects an empty stream name with INVALID_REQUEST', async () => {
    const ns = await createNamespace(h.store);
    expect((await rejectionOf(h.store.getStream(ns, ''))).code).toBe('INVALID_REQUEST');
  });

  it('reads only the named stream, not streams sharing its name as a prefix', async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(h.store, ns, ['s-1', 's-10', 's-1+x', 'S-1'], 8, 1);
    const stored = await h.store.getStream(ns, 's-1');
    expect(stored.map((m) => m.streamName)).toEqual(['s-1', 's-1']);
  });
}
