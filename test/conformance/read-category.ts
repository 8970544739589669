/** `getCategory` / `readCategory`: global order, start, whole namespace, correlation, groups, paging. */
import { expect, it } from 'vitest';
import type { StoredMessage } from '../../src/store/store.js';
import { isInConsumerGroup } from '../../src/store/stream-name.js';
import {
  createNamespace,
  gposOf,
  isStrictlyIncreasing,
  range,
  rejectionOf,
  useStore,
  writeSpread,
} from './helpers.js';
import type { ConformanceOptions } from './suite.js';

const names = (messages: readonly StoredMessage[]): string[] => messages.map((m) => m.streamName);

export function readCategoryConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  it('returns the messages of a category across streams in global order', async () => {
    const ns = await createNamespace(h.store);
    const streams = [
      'account-1',
      'accounts-1',
      'account-2',
      'other-1',
      'account',
      'account-1+x',
      'Account-3',
    ];
    await writeSpread(h.store, ns, streams, 14, 1);
    const read = await h.store.getCategory(ns, 'account');
    const members = ['account-1', 'account-2', 'account', 'account-1+x'];
    expect(names(read)).toEqual([...members, ...members]);
    expect(gposOf(read)).toEqual([1, 3, 5, 6, 8, 10, 12, 13]);
  });

  it('does not treat SQL wildcard characters in a category name as patterns', async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(h.store, ns, ['abc-1', 'a_c-1', 'a%-1', 'aXc-1'], 4, 1);
    expect(names(await h.store.getCategory(ns, 'a_c'))).toEqual(['a_c-1']);
    expect(names(await h.store.getCategory(ns, 'a%'))).toEqual(['a%-1']);
  });

  it('starts at the given global position; globalPosition takes precedence over position', async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(h.store, ns, ['c-1', 'd-1', 'c-2'], 9, 1);
    const all = await h.store.getCategory(ns, 'c');
    expect(gposOf(all)).toEqual([1, 3, 4, 6, 7, 9]);
    expect(gposOf(await h.store.getCategory(ns, 'c', { position: 4 }))).toEqual([4, 6, 7, 9]);
    expect(gposOf(await h.store.getCategory(ns, 'c', { position: 5 }))).toEqual([6, 7, 9]);
    expect(gposOf(await h.store.getCategory(ns, 'c', { position: 1, globalPosition: 7 }))).toEqual([7, 9]);
    expect(gposOf(await h.store.getCategory(ns, 'c', { position: -5 }))).toEqual(gposOf(all));
    expect(gposOf(await h.store.getCategory(ns, 'c', { position: 2, batchSize: 2 }))).toEqual([3, 4]);
  });

  it("reads every message of the namespace in global order for category ''", async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(h.store, ns, ['a-1', 'b-1', 'c', 'a-2'], 12, 1);
    const all = await h.store.getCategory(ns, '');
    expect(gposOf(all)).toEqual(range(12, 1));
    expect(names(all).slice(0, 4)).toEqual(['a-1', 'b-1', 'c', 'a-2']);
  });

  it("returns an empty list for a name containing '-'", async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(h.store, ns, ['account-1', 'account-1-2'], 4, 1);
    expect(await h.store.getCategory(ns, 'account-1')).toEqual([]);
  });

  it("keeps only messages whose metadata.correlationStreamName has the correlation's category", async () => {
    const ns = await createNamespace(h.store);
    const correlations = [
      'workflow-1',
      'workflow',
      'other-2',
      null,
      'workflowx-1',
      'workflow-9+x',
      'Workflow-1',
    ];
    for (const c of correlations) {
      await h.store.writeMessage(ns, 'job-1', {
        type: 'Step',
        data: { c },
        metadata: c === null ? null : { correlationStreamName: c },
      });
    }
    await h.store.writeMessage(ns, 'job-1', { type: 'Step', data: {}, metadata: { other: 'workflow-1' } });
    const kept = await h.store.getCategory(ns, 'job', { correlation: 'workflow' });
    expect(kept.map((m) => JSON.parse(m.data) as unknown)).toEqual([
      { c: 'workflow-1' },
      { c: 'workflow' },
      { c: 'workflow-9+x' },
    ]);
  });

  it('gives each consumer group member exactly the streams the hash64 rule assigns to it', async () => {
    const ns = await createNamespace(h.store);
    const streams = [...range(30).map((i) => `acct-${i}`), 'acct-7+retry', 'acct-x+1', 'acct'];
    await writeSpread(h.store, ns, streams, streams.length * 2, 1);
    const size = 3;
    const seen = new Map<number, number>();
    for (const member of range(size)) {
      const group = { member, size };
      const read = await h.store.getCategory(ns, 'acct', { consumerGroup: group });
      expect(isStrictlyIncreasing(gposOf(read))).toBe(true);
      for (const m of read) {
        expect(isInConsumerGroup(m.streamName, group)).toBe(true);
        seen.set(m.globalPosition, (seen.get(m.globalPosition) ?? 0) + 1);
      }
      const expected = streams.filter((s) => isInConsumerGroup(s, group));
      expect(new Set(names(read))).toEqual(new Set(expected));
      expect(read).toHaveLength(expected.length * 2);
    }
    const all = await h.store.getCategory(ns, 'acct');
    const owned = all.filter((m) => m.streamName !== 'acct');
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(gposOf(owned));
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it('places a stream with a compound id in the member of its cardinal id', async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(h.store, ns, ['acct-123', 'acct-123+retry'], 2, 1);
    const group = { member: 0, size: 1 };
    expect(names(await h.store.getCategory(ns, 'acct', { consumerGroup: group }))).toEqual([
      'acct-123',
      'acct-123+retry',
    ]);
    for (const member of range(4)) {
      const read = await h.store.getCategory(ns, 'acct', { consumerGroup: { member, size: 4 } });
      expect([0, 2]).toContain(read.length);
    }
  });

  it('rejects a consumer group whose member is outside 0..size-1 with INVALID_REQUEST', async () => {
    const ns = await createNamespace(h.store);
    for (const consumerGroup of [
      { member: 2, size: 2 },
      { member: -1, size: 2 },
      { member: 0, size: 0 },
    ]) {
      expect((await rejectionOf(h.store.getCategory(ns, 'acct', { consumerGroup }))).code).toBe(
        'INVALID_REQUEST',
      );
    }
  });

  it('pages through 2500 messages with batchSize and no gaps or duplicates', async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(
      h.store,
      ns,
      range(7)
        .map((i) => `page-${i}`)
        .concat(['skip-1']),
      2500,
    );
    const expected = (await h.store.getCategory(ns, 'page', { batchSize: -1 })).map((m) => m.globalPosition);
    expect(expected).toHaveLength(range(2500).filter((i) => i % 8 !== 7).length);
    expect(isStrictlyIncreasing(expected)).toBe(true);
    const paged: number[] = [];
    let from = 1;
    for (;;) {
      const page = await h.store.getCategory(ns, 'page', { position: from, batchSize: 400 });
      expect(page.length).toBeLessThanOrEqual(400);
      if (page.length === 0) break;
      paged.push(...gposOf(page));
      from = (page.at(-1)?.globalPosition ?? 0) + 1;
    }
    expect(paged).toEqual(expected);
    const iterated: number[] = [];
    for await (const page of h.store.readCategory(ns, 'page')) {
      expect(page.length).toBeGreaterThan(0);
      iterated.push(...gposOf(page));
    }
    expect(iterated).toEqual(expected);
  });
}
