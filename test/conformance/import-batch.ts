/** `importBatch`: explicit positions, continuation, POSITION_EXISTS, atomicity, clearFirst. */
import { expect, it } from 'vitest';
import { PositionExistsError, StreamVersionConflictError } from '../../src/errors.js';
import type { PositionClash } from '../../src/errors.js';
import type { ImportOptions, StoredMessage } from '../../src/store/store.js';
import { BASE_TIME, canonical, createNamespace, gposOf, record, rejectionOf, useStore } from './helpers.js';
import type { ConformanceOptions } from './suite.js';
import { END_TIME, MIN_TIME } from '../../src/store/time.js';

const sample = (): StoredMessage[] => [
  record({ streamName: 'acct-1', position: 0, globalPosition: 47 }),
  record({ streamName: 'acct-2', position: 5, globalPosition: 52 }),
  record({ streamName: 'acct-1', position: 9, globalPosition: 89 }),
];

export function importBatchConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  const expectClash = async (
    ns: string,
    batch: readonly StoredMessage[],
    index: number,
    clash: PositionClash,
    options: ImportOptions = {},
  ): Promise<void> => {
    const err = await rejectionOf(h.store.importBatch(ns, batch, options), PositionExistsError);
    expect([err.code, err.index, err.clash]).toEqual(['POSITION_EXISTS', index, clash]);
  };

  it('preserves explicit global and sparse stream positions exactly', async () => {
    const ns = await createNamespace(h.store);
    const batch = sample();
    await h.store.importBatch(ns, batch);
    const all = await h.store.getCategory(ns, '');
    expect(all.map(canonical)).toEqual(batch.map(canonical));
    expect((await h.store.getStream(ns, 'acct-1')).map((m) => [m.position, m.globalPosition])).toEqual([
      [0, 47],
      [9, 89],
    ]);
    expect(await h.store.namespaceInfo(ns)).toMatchObject({ messageCount: 3, streamCount: 2 });
  });

  it('continues normal writes above every imported global position and stream position', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, sample());
    await h.store.importBatch(ns, [record({ streamName: 'acct-3', position: 0, globalPosition: 60 })]);
    const w1 = await h.store.writeMessage(ns, 'acct-1', { type: 'A', data: {} });
    expect(w1.position).toBe(10);
    expect(w1.globalPosition).toBeGreaterThan(89);
    const w2 = await h.store.writeMessage(ns, 'acct-2', { type: 'A', data: {} });
    expect(w2.position).toBe(6);
    expect(w2.globalPosition).toBeGreaterThan(w1.globalPosition);
    expect((await h.store.writeMessage(ns, 'fresh-1', { type: 'A', data: {} })).position).toBe(0);
  });

  it('checks expectedVersion against the highest imported position', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, sample());
    const stale = await rejectionOf(
      h.store.writeMessage(ns, 'acct-2', { type: 'A', data: {} }, { expectedVersion: 4 }),
      StreamVersionConflictError,
    );
    expect(stale.details).toEqual({ expected: 4, actual: 5 });
    const ok = await h.store.writeMessage(ns, 'acct-2', { type: 'A', data: {} }, { expectedVersion: 5 });
    expect(ok.position).toBe(6);
  });

  it('keeps stream versions and stream, category and namespace counts right across batches in any order', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, [
      record({ streamName: 'acct-1', position: 3, globalPosition: 30, time: BASE_TIME + 300 }),
      record({ streamName: 'acct-1', position: 1, globalPosition: 10, time: BASE_TIME + 100 }),
      record({ streamName: 'acct-2', position: 0, globalPosition: 20, time: BASE_TIME + 200 }),
      record({ streamName: 'user-1', position: 0, globalPosition: 25, time: BASE_TIME + 250 }),
    ]);
    await h.store.importBatch(ns, [
      record({ streamName: 'acct-2', position: 4, globalPosition: 40, time: BASE_TIME + 400 }),
      record({ streamName: 'acct-1', position: 2, globalPosition: 15, time: BASE_TIME + 120 }),
      record({ streamName: 'acct-3', position: 0, globalPosition: 35, time: BASE_TIME + 350 }),
    ]);
    expect(await h.store.namespaceInfo(ns)).toMatchObject({
      messageCount: 7,
      streamCount: 4,
      lastActivity: BASE_TIME + 400,
    });
    expect(await h.store.listCategories(ns)).toEqual([
      { category: 'acct', streamCount: 3, messageCount: 6 },
      { category: 'user', streamCount: 1, messageCount: 1 },
    ]);
    expect(await h.store.listStreams(ns)).toEqual([
      { stream: 'acct-1', version: 3, lastActivity: BASE_TIME + 300 },
      { stream: 'acct-2', version: 4, lastActivity: BASE_TIME + 400 },
      { stream: 'acct-3', version: 0, lastActivity: BASE_TIME + 350 },
      { stream: 'user-1', version: 0, lastActivity: BASE_TIME + 250 },
    ]);
    expect((await h.store.lastMessage(ns, 'acct-1'))?.globalPosition).toBe(30);
    expect((await h.store.writeMessage(ns, 'acct-1', { type: 'A', data: {} })).globalPosition).toBe(41);
  });

  it('rejects records that clash with stored messages, naming the index and the clash', async () => {
    const ns = await createNamespace(h.store);
    const stored = sample();
    await h.store.importBatch(ns, stored);
    const ok = record({ streamName: 'new-1', position: 0, globalPosition: 200 });
    await expectClash(
      ns,
      [ok, record({ streamName: 'other-1', position: 0, globalPosition: 52 })],
      1,
      'gpos',
    );
    await expectClash(
      ns,
      [record({ streamName: 'acct-2', position: 5, globalPosition: 90 })],
      0,
      'stream-position',
    );
    const storedId = stored[2]?.id ?? ok.id;
    await expectClash(
      ns,
      [ok, record({ streamName: 'other-1', position: 0, globalPosition: 91, id: storedId })],
      1,
      'id',
    );
    expect(await h.store.streamVersion(ns, 'new-1')).toBeNull();
  });

  it('rejects records that clash with an earlier record of the same batch', async () => {
    const ns = await createNamespace(h.store);
    const first = record({ streamName: 'x-1', position: 0, globalPosition: 10 });
    const filler = record({ streamName: 'y-1', position: 0, globalPosition: 11 });
    await expectClash(
      ns,
      [first, filler, record({ streamName: 'z-1', position: 0, globalPosition: 10 })],
      2,
      'gpos',
    );
    await expectClash(
      ns,
      [first, record({ streamName: 'x-1', position: 0, globalPosition: 12 })],
      1,
      'stream-position',
    );
    await expectClash(
      ns,
      [first, record({ streamName: 'z-1', position: 0, globalPosition: 13, id: first.id })],
      1,
      'id',
    );
  });

  it('reports the first clash in the order gpos, stream-position, id', async () => {
    const ns = await createNamespace(h.store);
    const [a] = sample();
    if (a === undefined) throw new Error('sample is empty');
    await h.store.importBatch(ns, [a]);
    await expectClash(ns, [{ ...a, streamName: 'other-1' }], 0, 'gpos');
    await expectClash(ns, [{ ...a, globalPosition: 48 }], 0, 'stream-position');
    await expectClash(ns, [{ ...a }], 0, 'gpos');
    const first = record({ streamName: 'b-1', position: 0, globalPosition: 100 });
    await expectClash(ns, [first, { ...first, streamName: 'b-2' }], 1, 'gpos');
    await expectClash(ns, [first, { ...first, globalPosition: 101 }], 1, 'stream-position');
  });

  it('stores nothing of a batch that fails', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, sample());
    const before = await h.store.getCategory(ns, '');
    const batch = [
      record({ streamName: 'new-1', position: 0, globalPosition: 1 }),
      record({ streamName: 'new-1', position: 1, globalPosition: 2 }),
      record({ streamName: 'new-2', position: 0, globalPosition: 89 }),
    ];
    await expectClash(ns, batch, 2, 'gpos');
    expect(await h.store.getCategory(ns, '')).toEqual(before);
    expect(await h.store.namespaceInfo(ns)).toMatchObject({ messageCount: 3, streamCount: 2 });
    expect(await h.store.streamVersion(ns, 'new-1')).toBeNull();
  });

  it('signals a stored batch at most once, before it resolves, and never a refused one', async () => {
    const ns = await createNamespace(h.store);
    const signals: string[] = [];
    const stored = h.store.importBatch(ns, sample(), { onStored: () => signals.push('stored') });
    await stored.then(() => signals.push('resolved'));
    expect(['stored,resolved', 'resolved']).toContain(signals.join(','));
    signals.length = 0;
    const clash = h.store.importBatch(ns, sample(), { onStored: () => signals.push('stored') });
    await expect(clash).rejects.toMatchObject({ code: 'POSITION_EXISTS' });
    expect(signals).toEqual([]);
  });

  it('replaces existing messages when clearFirst is set', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, sample());
    await h.store.writeMessage(ns, 'acct-1', { type: 'A', data: {} });
    const late = record({ streamName: 'acct-1', position: 0, globalPosition: 47 });
    const early = record({ streamName: 'new-1', position: 3, globalPosition: 5 });
    await h.store.importBatch(ns, [late, early], { clearFirst: true });
    expect((await h.store.getCategory(ns, '')).map(canonical)).toEqual([early, late].map(canonical));
    expect(await h.store.streamVersion(ns, 'acct-2')).toBeNull();
    expect((await h.store.writeMessage(ns, 'acct-1', { type: 'A', data: {} })).position).toBe(1);
  });

  it('clears nothing when a clearFirst batch fails', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, sample());
    const before = await h.store.getCategory(ns, '');
    const batch = [
      record({ streamName: 'c-1', position: 0, globalPosition: 1 }),
      record({ streamName: 'c-1', position: 1, globalPosition: 2 }),
      record({ streamName: 'c-2', position: 0, globalPosition: 1 }),
    ];
    await expectClash(ns, batch, 2, 'gpos', { clearFirst: true });
    expect(await h.store.getCategory(ns, '')).toEqual(before);
    expect((await h.store.namespaceInfo(ns)).messageCount).toBe(3);
  });

  it('imports the same records into two namespaces', async () => {
    const [a, b] = [await createNamespace(h.store, 'ns-a'), await createNamespace(h.store, 'ns-b')];
    const batch = sample();
    await h.store.importBatch(a, batch);
    await h.store.importBatch(b, batch);
    for (const ns of [a, b])
      expect((await h.store.getCategory(ns, '')).map(canonical)).toEqual(batch.map(canonical));
  });

  it('round-trips data, metadata and time exactly', async () => {
    const ns = await createNamespace(h.store);
    const data = JSON.stringify({ z: 1, a: [1, 2.5, { y: null, b: true }], s: 'é ☃ 𝄞 "q" \\ \n', n: -0.125 });
    const batch = [
      record({ streamName: 'rt-1', position: 0, globalPosition: 1, data, metadata: '{"k":{"b":1,"a":2}}' }),
      record({
        streamName: 'rt-1',
        position: 1,
        globalPosition: 2,
        data: '{}',
        metadata: '{}',
        time: BASE_TIME + 1,
      }),
      record({ streamName: 'rt-1', position: 2, globalPosition: 3, time: 1_752_573_600_000_000 }),
      record({ streamName: 'rt-1', position: 3, globalPosition: 4, time: 1 }),
    ];
    await h.store.importBatch(ns, batch);
    const stored = await h.store.getStream(ns, 'rt-1');
    expect(stored.map(canonical)).toEqual(batch.map(canonical));
    expect(gposOf(stored)).toEqual([1, 2, 3, 4]);
    expect(stored.map((m) => m.time)).toEqual(batch.map((m) => m.time));
  });

  it('refuses a time outside 0001-9999 UTC, or not whole microseconds, with INVALID_RECORD', async () => {
    const ns = await createNamespace(h.store);
    for (const time of [MIN_TIME - 1_000_000, END_TIME, END_TIME + 1e9, 1.5, Number.NaN]) {
      const batch = [
        record({ streamName: 't-1', position: 0, globalPosition: 1 }),
        record({ streamName: 't-1', position: 1, globalPosition: 2, time }),
      ];
      const err = await rejectionOf(h.store.importBatch(ns, batch));
      expect([err.code, err.details]).toEqual(['INVALID_RECORD', { index: 1 }]);
    }
    expect(await h.store.getCategory(ns, '')).toEqual([]);
  });

  it('stores the first and last times of the range exactly', async () => {
    const ns = await createNamespace(h.store);
    const batch = [
      record({ streamName: 'edge-1', position: 0, globalPosition: 1, time: MIN_TIME }),
      record({ streamName: 'edge-1', position: 1, globalPosition: 2, time: END_TIME - 32 }),
    ];
    await h.store.importBatch(ns, batch);
    expect((await h.store.getStream(ns, 'edge-1')).map((m) => m.time)).toEqual([MIN_TIME, END_TIME - 32]);
  });

  it('refuses a stream name or type with a lone surrogate with INVALID_RECORD', async () => {
    const ns = await createNamespace(h.store);
    for (const [streamName, type] of [
      ['acct-\ud800', 'T'],
      ['acct-1', 'T\udc00'],
    ]) {
      const batch = [record({ streamName: streamName ?? '', type, position: 0, globalPosition: 1 })];
      expect((await rejectionOf(h.store.importBatch(ns, batch))).code).toBe('INVALID_RECORD');
    }
    expect(await h.store.getCategory(ns, '')).toEqual([]);
  });

  it('accepts an empty batch and stores nothing', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, []);
    expect(await h.store.getCategory(ns, '')).toEqual([]);
  });
}
