/**
 * `importBatch` with `onExisting: 'skip'`: records stored exactly are skipped and counted, a
 * different record at a stored global position is POSITION_EXISTS naming what differs.
 */
import { expect, it } from 'vitest';
import { PositionExistsError } from '../../src/errors.js';
import type { StoredMessage } from '../../src/store/store.js';
import { canonical, createNamespace, record, rejectionOf, useStore } from './helpers.js';
import type { ConformanceOptions } from './suite.js';

/** `n` records of stream `acct-1` at global positions 10, 20, 30, ... */
const records = (n: number): StoredMessage[] =>
  Array.from({ length: n }, (_, i) =>
    record({
      streamName: 'acct-1',
      position: i,
      globalPosition: (i + 1) * 10,
      data: JSON.stringify({ i, nested: { x: 1, y: [1, 2] } }),
      metadata: i % 2 === 0 ? null : JSON.stringify({ a: 1, b: 'two' }),
    }),
  );

const SKIP = { onExisting: 'skip' } as const;

export function importSkipConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  const contents = async (ns: string) =>
    (await h.store.getCategory(ns, '', { batchSize: -1 })).map(canonical);

  it('skips and counts every record of a batch imported before', async () => {
    const ns = await createNamespace(h.store);
    const batch = records(6);
    expect(await h.store.importBatch(ns, batch)).toEqual({ imported: 6, skipped: 0 });
    expect(await h.store.importBatch(ns, batch, SKIP)).toEqual({ imported: 0, skipped: 6 });
    expect(await contents(ns)).toEqual(batch.map(canonical));
    expect((await h.store.namespaceInfo(ns)).messageCount).toBe(6);
  });

  it('finishes a cut import: the stored part is skipped, the rest imported, as one uninterrupted import', async () => {
    const whole = records(8);
    const cut = await createNamespace(h.store, 'cut');
    await h.store.importBatch(cut, whole.slice(0, 5));
    expect(await h.store.importBatch(cut, whole, SKIP)).toEqual({ imported: 3, skipped: 5 });
    const once = await createNamespace(h.store, 'once');
    await h.store.importBatch(once, whole);
    expect(await contents(cut)).toEqual(await contents(once));
    const next = await h.store.writeMessage(cut, 'acct-1', { type: 'A', data: {} });
    expect(next).toEqual({ position: 8, globalPosition: 81 });
  });

  it('counts data and metadata equal as JSON values whatever their key order and spacing', async () => {
    const ns = await createNamespace(h.store);
    const [first] = records(2).slice(1);
    if (first === undefined) throw new Error('no record');
    await h.store.importBatch(ns, [first]);
    const reordered = {
      ...first,
      data: JSON.stringify({ nested: { y: [1, 2], x: 1 }, i: 1 }),
      metadata: '{ "b": "two", "a": 1 }',
      id: first.id.toUpperCase(),
    };
    expect(await h.store.importBatch(ns, [reordered], SKIP)).toEqual({ imported: 0, skipped: 1 });
  });

  it('rejects a record that differs from the stored one at its global position, naming each field that differs', async () => {
    const ns = await createNamespace(h.store);
    const batch = records(3);
    await h.store.importBatch(ns, batch);
    const base = batch[1] as StoredMessage;
    const cases: [Partial<StoredMessage>, string[]][] = [
      [{ data: JSON.stringify({ i: 1, nested: { x: 1, y: [2, 1] } }) }, ['data']],
      [{ metadata: null }, ['meta']],
      [{ time: base.time + 1 }, ['time']],
      [{ type: 'Other' }, ['type']],
      [{ id: '00000000-0000-4000-8000-000000000000', streamName: 'acct-9' }, ['id', 'stream']],
      [{ position: 7 }, ['pos']],
    ];
    for (const [change, differs] of cases) {
      const fresh = record({ streamName: 'new-1', position: 0, globalPosition: 500 });
      const err = await rejectionOf(
        h.store.importBatch(ns, [batch[0] as StoredMessage, { ...base, ...change }, fresh], SKIP),
        PositionExistsError,
      );
      expect([err.code, err.index, err.clash, err.differs]).toEqual(['POSITION_EXISTS', 1, 'gpos', differs]);
    }
    expect(await contents(ns)).toEqual(batch.map(canonical));
  });

  it('still rejects a clash by stream position or by id at another global position, with the index in the whole batch', async () => {
    const ns = await createNamespace(h.store);
    const batch = records(2);
    await h.store.importBatch(ns, batch);
    const samePlace = record({ streamName: 'acct-1', position: 0, globalPosition: 99 });
    const sameId = record({ streamName: 'other-1', position: 0, globalPosition: 98, id: batch[0]?.id });
    for (const [clashing, clash] of [
      [samePlace, 'stream-position'],
      [sameId, 'id'],
    ] as const) {
      const err = await rejectionOf(h.store.importBatch(ns, [...batch, clashing], SKIP), PositionExistsError);
      expect([err.code, err.index, err.clash]).toEqual(['POSITION_EXISTS', 2, clash]);
    }
    expect(await contents(ns)).toEqual(batch.map(canonical));
  });

  it('rejects a record repeated in the batch at a stored global position', async () => {
    const ns = await createNamespace(h.store);
    const batch = records(2);
    await h.store.importBatch(ns, batch);
    const again = batch[0] as StoredMessage;
    const err = await rejectionOf(
      h.store.importBatch(ns, [again, batch[1] as StoredMessage, again], SKIP),
      PositionExistsError,
    );
    expect([err.code, err.index, err.clash]).toEqual(['POSITION_EXISTS', 2, 'gpos']);
  });

  it('imports as usual with onExisting error, and clearFirst ignores skipping', async () => {
    const ns = await createNamespace(h.store);
    const batch = records(3);
    await h.store.importBatch(ns, batch);
    const err = await rejectionOf(
      h.store.importBatch(ns, batch, { onExisting: 'error' }),
      PositionExistsError,
    );
    expect([err.code, err.index]).toEqual(['POSITION_EXISTS', 0]);
    expect(await h.store.importBatch(ns, batch, { ...SKIP, clearFirst: true })).toEqual({
      imported: 3,
      skipped: 0,
    });
    expect(await contents(ns)).toEqual(batch.map(canonical));
  });

  it('reports only the imported records as a commit', async () => {
    const ns = await createNamespace(h.store);
    const batch = records(4);
    await h.store.importBatch(ns, batch.slice(0, 2));
    const commits: number[][] = [];
    h.store.onCommit((c) => commits.push(c.messages.map((m) => m.globalPosition)));
    await h.store.importBatch(ns, batch, SKIP);
    await h.store.importBatch(ns, batch, SKIP);
    expect(commits).toEqual([[30, 40]]);
  });
}
