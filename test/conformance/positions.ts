/**
 * Positions near 2^53: every position handed out is exact and unique. Imports that would leave no
 * room for a later write are refused (INVALID_RECORD naming the field); a write past the maximum
 * is refused with INVALID_REQUEST (`PositionLimitError`), never a duplicate (store.ts).
 */
import { expect, it } from 'vitest';
import { InvalidRecordError, PositionLimitError } from '../../src/errors.js';
import { MAX_POSITION } from '../../src/store/store.js';
import { createNamespace, gposOf, positionsOf, record, rejectionOf, useStore } from './helpers.js';
import type { ConformanceOptions } from './suite.js';

export function positionsConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  it('refuses to import a global position of 2^53-1 or above with INVALID_RECORD naming gpos', async () => {
    const ns = await createNamespace(h.store);
    for (const gpos of [MAX_POSITION, MAX_POSITION + 1, 2 ** 60]) {
      const batch = [
        record({ streamName: 's-1', position: 0, globalPosition: 1 }),
        record({ streamName: 's-1', position: 1, globalPosition: gpos }),
      ];
      const err = await rejectionOf(h.store.importBatch(ns, batch), InvalidRecordError);
      expect([err.code, err.field, err.index]).toEqual(['INVALID_RECORD', 'gpos', 1]);
    }
    expect(await h.store.getCategory(ns, '')).toEqual([]);
  });

  it('refuses to import a stream position of 2^53-1 or above with INVALID_RECORD naming pos', async () => {
    const ns = await createNamespace(h.store);
    const batch = [record({ streamName: 's-1', position: MAX_POSITION, globalPosition: 1 })];
    const err = await rejectionOf(h.store.importBatch(ns, batch), InvalidRecordError);
    expect([err.code, err.field, err.index]).toEqual(['INVALID_RECORD', 'pos', 0]);
    expect(await h.store.getCategory(ns, '')).toEqual([]);
  });

  it('hands out global position 2^53-1 once after an import at 2^53-2, then refuses writes with INVALID_REQUEST', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, [
      record({ streamName: 'a-1', position: 0, globalPosition: MAX_POSITION - 1 }),
    ]);
    const outcomes = await Promise.all(
      ['a-1', 'b-1', 'c-1'].map((stream) =>
        h.store.writeMessage(ns, stream, { type: 'Late', data: {} }).then(
          (result) => result,
          (err: unknown) => err,
        ),
      ),
    );
    const stored = outcomes.filter((o) => !(o instanceof Error));
    expect(stored.map((o) => (o as { globalPosition: number }).globalPosition)).toEqual([MAX_POSITION]);
    for (const refused of outcomes.filter((o) => o instanceof Error)) {
      expect(refused).toBeInstanceOf(PositionLimitError);
      expect([(refused as PositionLimitError).code, (refused as PositionLimitError).limit]).toEqual([
        'INVALID_REQUEST',
        'globalPosition',
      ]);
    }
    const err = await rejectionOf(
      h.store.writeMessage(ns, 'd-1', { type: 'Late', data: {} }),
      PositionLimitError,
    );
    expect([err.code, err.limit]).toEqual(['INVALID_REQUEST', 'globalPosition']);
    expect(gposOf(await h.store.getCategory(ns, ''))).toEqual([MAX_POSITION - 1, MAX_POSITION]);
  });

  it('hands out stream position 2^53-1 once after an import at 2^53-2, then refuses writes to that stream with INVALID_REQUEST', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, [
      record({ streamName: 'a-1', position: MAX_POSITION - 1, globalPosition: 7 }),
    ]);
    const last = await h.store.writeMessage(ns, 'a-1', { type: 'Late', data: {} });
    expect(last).toEqual({ position: MAX_POSITION, globalPosition: 8 });
    const err = await rejectionOf(
      h.store.writeMessage(ns, 'a-1', { type: 'Late', data: {} }),
      PositionLimitError,
    );
    expect([err.code, err.limit]).toEqual(['INVALID_REQUEST', 'position']);
    expect(positionsOf(await h.store.getStream(ns, 'a-1'))).toEqual([MAX_POSITION - 1, MAX_POSITION]);
    expect(await h.store.streamVersion(ns, 'a-1')).toBe(MAX_POSITION);
    expect(await h.store.writeMessage(ns, 'b-1', { type: 'Other', data: {} })).toEqual({
      position: 0,
      globalPosition: 9,
    });
  });
}
