/**
 * `getCategory` with `since`/`until`: a time window, since inclusive and until exclusive, in global
 * order, whatever the order of time and global position (imported data), with paging and the
 * other filters.
 */
import { expect, it } from 'vitest';
import type { GetCategoryOptions } from '../../src/store/event-store.js';
import type { StoredMessage } from '../../src/store/store.js';
import { END_TIME, MIN_TIME } from '../../src/store/time.js';
import { BASE_TIME, canonical, createNamespace, gposOf, record, rejectionOf, useStore } from './helpers.js';
import type { ConformanceOptions } from './suite.js';

const SECOND = 1_000_000;

/** Times out of order with global positions: gpos g (1..40) gets BASE_TIME + ((g * 17) mod 41) s. */
const timeOf = (gpos: number): number => BASE_TIME + ((gpos * 17) % 41) * SECOND;

/** 40 records over streams a-0..a-3 and b-0..b-1; every third carries a correlation to `corr-`. */
function fixture(): StoredMessage[] {
  const positions = new Map<string, number>();
  return Array.from({ length: 40 }, (_, i) => {
    const gpos = i + 1;
    const streamName = i % 3 === 0 ? `b-${i % 2}` : `a-${i % 4}`;
    const position = positions.get(streamName) ?? 0;
    positions.set(streamName, position + 1);
    const metadata = i % 3 === 1 ? JSON.stringify({ correlationStreamName: 'corr-9' }) : null;
    return record({ streamName, position, globalPosition: gpos, time: timeOf(gpos), metadata });
  });
}

/** What a window read must return: the fixture filtered, in global order. */
function expected(
  all: readonly StoredMessage[],
  keep: (m: StoredMessage) => boolean,
  since = Number.NEGATIVE_INFINITY,
  until = Number.POSITIVE_INFINITY,
): number[] {
  return gposOf(all.filter((m) => keep(m) && m.time >= since && m.time < until));
}

export function timeWindowConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  const seeded = async (): Promise<{ ns: string; all: StoredMessage[] }> => {
    const ns = await createNamespace(h.store);
    const all = fixture();
    await h.store.importBatch(ns, all);
    return { ns, all };
  };

  const read = async (ns: string, category: string, options: GetCategoryOptions) =>
    gposOf(await h.store.getCategory(ns, category, options));

  it('returns the window of the whole namespace in global order when times are not monotonic', async () => {
    const { ns, all } = await seeded();
    const since = BASE_TIME + 10 * SECOND;
    const until = BASE_TIME + 20 * SECOND;
    const window = await h.store.getCategory(ns, '', { since, until });
    expect(gposOf(window)).toEqual(expected(all, () => true, since, until));
    expect(gposOf(window)).toHaveLength(10);
    expect(window.map(canonical)).toEqual(
      all.filter((m) => m.time >= since && m.time < until).map(canonical),
    );
  });

  it('returns the window of one category only', async () => {
    const { ns, all } = await seeded();
    const since = BASE_TIME + 5 * SECOND;
    const until = BASE_TIME + 30 * SECOND;
    const a = await read(ns, 'a', { since, until });
    expect(a).toEqual(expected(all, (m) => m.streamName.startsWith('a-'), since, until));
    expect(a.length).toBeGreaterThan(0);
    expect(await read(ns, 'b', { since, until })).toEqual(
      expected(all, (m) => m.streamName.startsWith('b-'), since, until),
    );
  });

  it('includes a message at exactly since and excludes one at exactly until', async () => {
    const { ns } = await seeded();
    const at = (gpos: number) => timeOf(gpos);
    expect(await read(ns, '', { since: at(7), until: at(7) + 1 })).toEqual([7]);
    expect(await read(ns, '', { since: at(7) + 1, until: at(7) + 2 })).toEqual([]);
    expect(await read(ns, '', { since: at(7) - 1, until: at(7) })).toEqual([]);
  });

  it('accepts since alone and until alone', async () => {
    const { ns, all } = await seeded();
    const t = BASE_TIME + 25 * SECOND;
    expect(await read(ns, '', { since: t })).toEqual(expected(all, () => true, t));
    expect(await read(ns, '', { until: t })).toEqual(expected(all, () => true, undefined, t));
  });

  it('pages through a window with globalPosition and batchSize without losing or repeating a message', async () => {
    const { ns, all } = await seeded();
    const since = BASE_TIME + 3 * SECOND;
    const until = BASE_TIME + 33 * SECOND;
    for (const category of ['', 'a']) {
      const seen: number[] = [];
      let from = 1;
      for (;;) {
        const page = await read(ns, category, { since, until, globalPosition: from, batchSize: 4 });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(4);
        seen.push(...page);
        from = (page.at(-1) ?? 0) + 1;
      }
      const keep = (m: StoredMessage) => category === '' || m.streamName.startsWith(`${category}-`);
      expect(seen).toEqual(expected(all, keep, since, until));
    }
  });

  it('combines a window with a consumer group and a correlation', async () => {
    const { ns, all } = await seeded();
    const since = BASE_TIME;
    const until = BASE_TIME + 41 * SECOND;
    const members = await Promise.all(
      [0, 1].map((member) => read(ns, 'a', { since, until, consumerGroup: { member, size: 2 } })),
    );
    const union = [...(members[0] ?? []), ...(members[1] ?? [])].sort((x, y) => x - y);
    expect(union).toEqual(expected(all, (m) => m.streamName.startsWith('a-'), since, until));
    expect(members.every((m) => m.length > 0)).toBe(true);
    const narrow = { since: BASE_TIME + 8 * SECOND, until: BASE_TIME + 28 * SECOND };
    expect(await read(ns, 'a', { ...narrow, correlation: 'corr' })).toEqual(
      expected(all, (m) => m.streamName.startsWith('a-') && m.metadata !== null, narrow.since, narrow.until),
    );
  });

  it('finds messages written after the window was last read', async () => {
    const ns = await createNamespace(h.store);
    const before = Date.now() * 1000 - 60 * SECOND;
    const first = await h.store.writeMessage(ns, 'live-1', { type: 'A', data: {} });
    expect(await read(ns, '', { since: before })).toEqual([first.globalPosition]);
    const second = await h.store.writeMessage(ns, 'live-1', { type: 'A', data: {} });
    expect(await read(ns, 'live', { since: before, globalPosition: first.globalPosition + 1 })).toEqual([
      second.globalPosition,
    ]);
  });

  it('rejects since at or after until and times out of range with INVALID_REQUEST', async () => {
    const { ns } = await seeded();
    for (const options of [
      { since: BASE_TIME, until: BASE_TIME },
      { since: BASE_TIME + 1, until: BASE_TIME },
      { since: BASE_TIME + 0.5 },
      { since: MIN_TIME - SECOND },
      { until: END_TIME * 2 },
    ]) {
      const err = await rejectionOf(h.store.getCategory(ns, '', options));
      expect(err.code).toBe('INVALID_REQUEST');
    }
  });
}
