/**
 * `importBatch` keeps Message DB's invariant: within one stream, position order and global order
 * agree. A record that would break it is refused with INVALID_RECORD (field `pos`, the record's
 * index), against stored messages or earlier records of the batch, and nothing is stored.
 */
import { expect, it } from 'vitest';
import { InvalidRecordError, PositionExistsError } from '../../src/errors.js';
import type { StoredMessage } from '../../src/store/store.js';
import { createNamespace, gposOf, positionsOf, record, rejectionOf, useStore } from './helpers.js';
import type { ConformanceOptions } from './suite.js';

const at = (position: number, globalPosition: number, streamName = 'acct-1'): StoredMessage =>
  record({ streamName, position, globalPosition });

export function streamOrderConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  const expectRefused = async (ns: string, batch: readonly StoredMessage[], index: number): Promise<void> => {
    const err = await rejectionOf(h.store.importBatch(ns, batch), InvalidRecordError);
    expect([err.code, err.field, err.index]).toEqual(['INVALID_RECORD', 'pos', index]);
  };

  it('refuses a lower position at a higher global position than a stored message of the stream', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, [at(7, 80)]);
    await expectRefused(ns, [at(0, 1, 'other-1'), at(3, 90)], 1);
  });

  it('refuses a higher position at a lower global position than a stored message of the stream', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, [at(7, 80)]);
    await expectRefused(ns, [at(9, 70)], 0);
  });

  it('refuses records of one batch whose positions and global positions disagree', async () => {
    const ns = await createNamespace(h.store);
    await expectRefused(ns, [at(7, 80), at(0, 5, 'other-1'), at(3, 90)], 2);
    await expectRefused(ns, [at(3, 90), at(7, 80)], 1);
    await expectRefused(ns, [at(1, 10), at(9, 90), at(5, 95)], 2);
    expect(await h.store.getCategory(ns, '')).toEqual([]);
  });

  it('refuses a record between two stored positions that does not fall between their global positions', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, [at(0, 47), at(9, 89)]);
    await expectRefused(ns, [at(5, 95)], 0);
    await expectRefused(ns, [at(5, 20)], 0);
    await expectRefused(ns, [at(1, 60, 'other-1'), at(4, 50), at(6, 48)], 2);
  });

  it('accepts sparse imports whose positions and global positions agree', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, [at(0, 47), at(9, 89)]);
    await h.store.importBatch(ns, [at(5, 60)]);
    await h.store.importBatch(ns, [at(7, 70), at(6, 65), at(12, 100), at(2, 50)]);
    await h.store.importBatch(ns, [at(0, 10, 'other-1'), at(1, 11, 'other-1')]);
    const stream = await h.store.getStream(ns, 'acct-1');
    expect(positionsOf(stream)).toEqual([0, 2, 5, 6, 7, 9, 12]);
    expect(gposOf(stream)).toEqual([47, 50, 60, 65, 70, 89, 100]);
  });

  it('stores nothing of a batch refused for stream order', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, [at(0, 47), at(9, 89)]);
    const before = await h.store.getCategory(ns, '');
    await expectRefused(ns, [at(0, 100, 'new-1'), at(1, 101, 'new-1'), at(10, 102), at(5, 90)], 3);
    expect(await h.store.getCategory(ns, '')).toEqual(before);
    expect(await h.store.namespaceInfo(ns)).toMatchObject({ messageCount: 2, streamCount: 1 });
    expect(await h.store.streamVersion(ns, 'new-1')).toBeNull();
    expect(await h.store.streamVersion(ns, 'acct-1')).toBe(9);
  });

  it('reports an exact clash as POSITION_EXISTS even when the record also breaks stream order', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, [at(7, 80), at(0, 95, 'other-1')]);
    const err = await rejectionOf(h.store.importBatch(ns, [at(3, 95)]), PositionExistsError);
    expect([err.code, err.clash, err.index]).toEqual(['POSITION_EXISTS', 'gpos', 0]);
  });

  it('reads a stream from a global position in position order, which is global order', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, [at(0, 47), at(9, 89), at(0, 50, 'other-1'), at(12, 120)]);
    await h.store.importBatch(ns, [at(5, 60)]);
    await rejectionOf(h.store.importBatch(ns, [at(7, 130)]), InvalidRecordError);
    const read = await h.store.getStream(ns, 'acct-1', { globalPosition: 55 });
    expect(positionsOf(read)).toEqual([5, 9, 12]);
    expect(gposOf(read)).toEqual([60, 89, 120]);
    const all = await h.store.getStream(ns, 'acct-1');
    expect(gposOf(all)).toEqual(gposOf(all).toSorted((a, b) => a - b));
    expect(positionsOf(all)).toEqual([0, 5, 9, 12]);
  });
}
