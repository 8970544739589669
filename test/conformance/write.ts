/** `writeMessage`: positions, expectedVersion, ids, concurrency, metadata and time. */
import { expect, it } from 'vitest';
import { StreamVersionConflictError } from '../../src/errors.js';
import { nowMicros } from '../../src/store/time.js';
import type { JsonObject } from '../../src/store/event-store.js';
import { isUuid, MAX_JSON_DEPTH } from '../../src/store/validate.js';
import {
  canonicalJson,
  createNamespace,
  isStrictlyIncreasing,
  positionsOf,
  range,
  rejectionOf,
  useStore,
  writeSequential,
} from './helpers.js';
import type { ConformanceOptions } from './suite.js';

export function writeConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  it('assigns stream positions from 0 without gaps and global positions from 1, increasing', async () => {
    const ns = await createNamespace(h.store);
    const a1 = await h.store.writeMessage(ns, 'account-1', { type: 'Opened', data: {} });
    const b1 = await h.store.writeMessage(ns, 'account-2', { type: 'Opened', data: {} });
    const a2 = await h.store.writeMessage(ns, 'account-1', { type: 'Deposited', data: { amount: 5 } });
    const a3 = await h.store.writeMessage(ns, 'account-1', { type: 'Deposited', data: { amount: 7 } });
    expect([a1.position, a2.position, a3.position, b1.position]).toEqual([0, 1, 2, 0]);
    expect(a1.globalPosition).toBe(1);
    expect(isStrictlyIncreasing([a1, b1, a2, a3].map((r) => r.globalPosition))).toBe(true);
    const stored = await h.store.getStream(ns, 'account-1');
    expect(stored.map((m) => [m.position, m.globalPosition, m.type])).toEqual([
      [0, a1.globalPosition, 'Opened'],
      [1, a2.globalPosition, 'Deposited'],
      [2, a3.globalPosition, 'Deposited'],
    ]);
    expect(stored.map((m) => canonicalJson(m.data))).toEqual(['{}', '{"amount":5}', '{"amount":7}']);
  });

  it('accepts expectedVersion -1 for a new stream and the current version for an existing one', async () => {
    const ns = await createNamespace(h.store);
    await expect(
      h.store.writeMessage(ns, 's-1', { type: 'A', data: {} }, { expectedVersion: -1 }),
    ).resolves.toEqual(expect.objectContaining({ position: 0 }));
    const second = await h.store.writeMessage(ns, 's-1', { type: 'B', data: {} }, { expectedVersion: 0 });
    expect(second.position).toBe(1);
  });

  it('rejects a write when expectedVersion is stale, with expected and actual in the error', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 's-1', 3);
    const err = await rejectionOf(
      h.store.writeMessage(ns, 's-1', { type: 'A', data: {} }, { expectedVersion: 1 }),
      StreamVersionConflictError,
    );
    expect(err.code).toBe('STREAM_VERSION_CONFLICT');
    expect([err.expected, err.actual, err.streamName]).toEqual([1, 2, 's-1']);
    expect(err.details).toEqual({ expected: 1, actual: 2 });
    expect(await h.store.streamVersion(ns, 's-1')).toBe(2);
  });

  it('rejects expectedVersion -1 for an existing stream and 0 for a missing one (actual -1)', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 's-1', 1);
    const exists = await rejectionOf(
      h.store.writeMessage(ns, 's-1', { type: 'A', data: {} }, { expectedVersion: -1 }),
      StreamVersionConflictError,
    );
    expect(exists.details).toEqual({ expected: -1, actual: 0 });
    const missing = await rejectionOf(
      h.store.writeMessage(ns, 's-2', { type: 'A', data: {} }, { expectedVersion: 0 }),
      StreamVersionConflictError,
    );
    expect(missing.details).toEqual({ expected: 0, actual: -1 });
    expect(await h.store.getStream(ns, 's-2')).toEqual([]);
  });

  it('rejects invalid write input with INVALID_REQUEST', async () => {
    const ns = await createNamespace(h.store);
    const msg = { type: 'A', data: {} };
    expect((await rejectionOf(h.store.writeMessage(ns, '', msg))).code).toBe('INVALID_REQUEST');
    expect((await rejectionOf(h.store.writeMessage(ns, 's-1', { type: '', data: {} }))).code).toBe(
      'INVALID_REQUEST',
    );
    expect((await rejectionOf(h.store.writeMessage(ns, 's-1', msg, { id: 'nope' }))).code).toBe(
      'INVALID_REQUEST',
    );
    const bad = await rejectionOf(h.store.writeMessage(ns, 's-1', msg, { expectedVersion: -2 }));
    expect(bad.code).toBe('INVALID_REQUEST');
    expect(await h.store.getStream(ns, 's-1')).toEqual([]);
  });

  it('rejects a stream name or type with a lone surrogate with INVALID_REQUEST', async () => {
    const ns = await createNamespace(h.store);
    const lone = await rejectionOf(h.store.writeMessage(ns, 's-\ud800', { type: 'A', data: {} }));
    expect(lone.code).toBe('INVALID_REQUEST');
    const type = await rejectionOf(h.store.writeMessage(ns, 's-1', { type: '\udfff', data: {} }));
    expect(type.code).toBe('INVALID_REQUEST');
    expect((await h.store.writeMessage(ns, 's-\ud83d\ude00', { type: 'A', data: {} })).position).toBe(0);
    expect((await h.store.getStream(ns, 's-😀')).length).toBe(1);
    expect(await h.store.getStream(ns, 's-1')).toEqual([]);
  });

  it('rejects data or metadata nested deeper than MAX_JSON_DEPTH, and stores it at the limit', async () => {
    const ns = await createNamespace(h.store);
    const nest = (levels: number): JsonObject => {
      let value: JsonObject = {};
      for (let i = 1; i < levels; i++)
        value = (i < levels - 1 && i % 2 === 1 ? [value] : { a: value }) as JsonObject;
      return value;
    };
    for (const message of [
      { type: 'A', data: nest(MAX_JSON_DEPTH + 1) },
      { type: 'A', data: {}, metadata: nest(MAX_JSON_DEPTH + 1) },
      { type: 'A', data: nest(5000) },
    ]) {
      expect((await rejectionOf(h.store.writeMessage(ns, 'deep-1', message))).code).toBe('INVALID_REQUEST');
    }
    const data = nest(MAX_JSON_DEPTH);
    await h.store.writeMessage(ns, 'deep-1', { type: 'A', data, metadata: nest(MAX_JSON_DEPTH) });
    const [stored] = await h.store.getStream(ns, 'deep-1');
    expect(stored?.data).toBe(JSON.stringify(data));
  });

  it('rejects a write whose id already exists in the namespace with DUPLICATE_MESSAGE_ID', async () => {
    const ns = await createNamespace(h.store);
    const id = '0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b';
    await h.store.writeMessage(ns, 's-1', { type: 'A', data: {} }, { id });
    const err = await rejectionOf(h.store.writeMessage(ns, 'other-2', { type: 'A', data: {} }, { id }));
    expect(err.code).toBe('DUPLICATE_MESSAGE_ID');
    expect(await h.store.getStream(ns, 'other-2')).toEqual([]);
    const [stored] = await h.store.getStream(ns, 's-1');
    expect(stored?.id).toBe(id);
  });

  it('treats ids that differ only in letter case as the same id', async () => {
    const ns = await createNamespace(h.store);
    const id = '0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b';
    await h.store.writeMessage(ns, 's-1', { type: 'A', data: {} }, { id: id.toUpperCase() });
    const err = await rejectionOf(h.store.writeMessage(ns, 's-1', { type: 'A', data: {} }, { id }));
    expect(err.code).toBe('DUPLICATE_MESSAGE_ID');
    const [stored] = await h.store.getStream(ns, 's-1');
    expect(stored?.id).toBe(id);
  });

  it('refuses the second of two writes with one id in the same tick, and lets an id through whose first write failed', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 'held-1', 1);
    const id = '0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0c';
    const other = '0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0d';
    const outcomes = await Promise.allSettled([
      h.store.writeMessage(ns, 'twin-1', { type: 'A', data: {} }, { id }),
      h.store.writeMessage(ns, 'twin-2', { type: 'A', data: {} }, { id: id.toUpperCase() }),
      // Fails on its version, so its id stays free for the write after it.
      h.store.writeMessage(ns, 'held-1', { type: 'A', data: {} }, { id: other, expectedVersion: 5 }),
      h.store.writeMessage(ns, 'twin-3', { type: 'A', data: {} }, { id: other }),
    ]);
    expect(
      outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : (o.reason as { code?: string }).code)),
    ).toEqual(['ok', 'DUPLICATE_MESSAGE_ID', 'STREAM_VERSION_CONFLICT', 'ok']);
    expect((await h.store.getStream(ns, 'twin-1')).map((m) => m.id)).toEqual([id]);
    expect(await h.store.getStream(ns, 'twin-2')).toEqual([]);
    expect((await h.store.getStream(ns, 'twin-3')).map((m) => m.id)).toEqual([other]);
  });

  it('generates a UUIDv7 id when none is given', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 's-1', 2);
    const ids = (await h.store.getStream(ns, 's-1')).map((m) => m.id);
    for (const id of ids) {
      expect(isUuid(id)).toBe(true);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i);
    }
    expect(new Set(ids).size).toBe(2);
  });

  it('gives 60 concurrent writes to one stream unique, gapless positions', async () => {
    const ns = await createNamespace(h.store);
    const results = await Promise.all(
      range(60).map((i) => h.store.writeMessage(ns, 'busy-1', { type: 'Tick', data: { i } })),
    );
    expect(results.map((r) => r.position).sort((a, b) => a - b)).toEqual(range(60));
    expect(new Set(results.map((r) => r.globalPosition)).size).toBe(60);
    const stored = await h.store.getStream(ns, 'busy-1', { batchSize: -1 });
    expect(positionsOf(stored)).toEqual(range(60));
    expect(isStrictlyIncreasing(stored.map((m) => m.globalPosition))).toBe(true);
  });

  it('lets exactly one of several concurrent writes with the same expectedVersion succeed', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 'race-1', 1);
    const outcomes = await Promise.allSettled(
      range(10).map((i) =>
        h.store.writeMessage(ns, 'race-1', { type: 'T', data: { i } }, { expectedVersion: 0 }),
      ),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won.map((o) => o.value.position)).toEqual([1]);
    for (const o of outcomes) {
      if (o.status === 'rejected') {
        expect(o.reason).toBeInstanceOf(StreamVersionConflictError);
        expect((o.reason as StreamVersionConflictError).details).toEqual({ expected: 0, actual: 1 });
      }
    }
    expect(positionsOf(await h.store.getStream(ns, 'race-1'))).toEqual([0, 1]);
  });

  it('commits non-conflicting writes issued in the same tick as conflicting ones', async () => {
    const ns = await createNamespace(h.store);
    const contested = range(5).map(() =>
      h.store.writeMessage(ns, 'claim-1', { type: 'Claimed', data: {} }, { expectedVersion: -1 }),
    );
    const free = range(5).map((i) =>
      h.store.writeMessage(ns, `free-${i}`, { type: 'Claimed', data: {} }, { expectedVersion: -1 }),
    );
    const appended = range(5).map(() => h.store.writeMessage(ns, 'log-1', { type: 'Logged', data: {} }));
    const contestedOutcomes = await Promise.allSettled(contested);
    const freeResults = await Promise.all(free);
    await Promise.all(appended);
    expect(contestedOutcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of contestedOutcomes) {
      if (o.status === 'rejected')
        expect((o.reason as StreamVersionConflictError).code).toBe('STREAM_VERSION_CONFLICT');
    }
    expect(freeResults.map((r) => r.position)).toEqual([0, 0, 0, 0, 0]);
    expect(positionsOf(await h.store.getStream(ns, 'log-1'))).toEqual(range(5));
    expect(await h.store.getCategory(ns, '')).toHaveLength(11);
  });

  it('stores absent or null metadata as null and an object as that object', async () => {
    const ns = await createNamespace(h.store);
    await h.store.writeMessage(ns, 'm-1', { type: 'A', data: { x: 1 } });
    await h.store.writeMessage(ns, 'm-1', { type: 'A', data: { x: 2 }, metadata: null });
    await h.store.writeMessage(ns, 'm-1', { type: 'A', data: { x: 3 }, metadata: {} });
    await h.store.writeMessage(ns, 'm-1', {
      type: 'A',
      data: { x: 4 },
      metadata: { z: 1, a: { b: [1, 'é'] } },
    });
    const stored = await h.store.getStream(ns, 'm-1');
    expect(stored.map((m) => canonicalJson(m.metadata))).toEqual([
      null,
      null,
      '{}',
      '{"a":{"b":[1,"é"]},"z":1}',
    ]);
  });

  it('keeps the write time to the microsecond, between the times before and after the write', async () => {
    const ns = await createNamespace(h.store);
    const before = nowMicros();
    await writeSequential(h.store, ns, 't-1', 20);
    const after = nowMicros();
    const times = (await h.store.getStream(ns, 't-1')).map((m) => m.time);
    for (const t of times) {
      expect(Number.isSafeInteger(t)).toBe(true);
      expect(t).toBeGreaterThanOrEqual(before);
      expect(t).toBeLessThanOrEqual(after);
      expect(Math.abs(t - Date.now() * 1000)).toBeLessThan(60_000_000);
    }
    // Truncation to milliseconds would make every time a multiple of 1000.
    expect(times.some((t) => t % 1000 !== 0)).toBe(true);
  });
}
