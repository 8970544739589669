/** `listStreams` (prefix, cursor, limit, version, lastActivity) and `listCategories`. */
import { expect, it } from 'vitest';
import { createNamespace, range, rejectionOf, useStore, writeSequential, writeSpread } from './helpers.js';
import type { ConformanceOptions } from './suite.js';

export function listingConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  it('lists streams sorted by name with their version and last activity', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 'user-2', 1);
    await writeSequential(h.store, ns, 'account-10', 3);
    await writeSequential(h.store, ns, 'account-9', 2);
    await writeSequential(h.store, ns, 'Zeta-1', 1);
    const listed = await h.store.listStreams(ns);
    // Code-unit order (binary collation), the same on every backend.
    expect(listed.map((s) => [s.stream, s.version])).toEqual([
      ['Zeta-1', 0],
      ['account-10', 2],
      ['account-9', 1],
      ['user-2', 0],
    ]);
    for (const s of listed) {
      expect(s.lastActivity).toBe((await h.store.lastMessage(ns, s.stream))?.time);
    }
  });

  it('lists only streams whose name starts with the prefix, wildcards included literally', async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(
      h.store,
      ns,
      ['account-1', 'account-2', 'accounts-1', 'user-1', 'a_c-1', 'abc-1', 'a%-1'],
      7,
    );
    const streams = async (prefix: string): Promise<string[]> =>
      (await h.store.listStreams(ns, { prefix })).map((s) => s.stream);
    expect(await streams('account-')).toEqual(['account-1', 'account-2']);
    expect(await streams('account')).toEqual(['account-1', 'account-2', 'accounts-1']);
    expect(await streams('a_c')).toEqual(['a_c-1']);
    expect(await streams('a%')).toEqual(['a%-1']);
    expect(await streams('zzz')).toEqual([]);
  });

  it('matches a prefix containing characters outside the Basic Multilingual Plane', async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(h.store, ns, ['note-𝄞1', 'note-𝄞2', 'note-é1', 'note-x'], 4);
    const listed = await h.store.listStreams(ns, { prefix: 'note-𝄞' });
    expect(listed.map((s) => s.stream)).toEqual(['note-𝄞1', 'note-𝄞2']);
    expect((await h.store.listStreams(ns, { prefix: 'note-é' })).map((s) => s.stream)).toEqual(['note-é1']);
  });

  it('lists only streams sorted after the cursor, combined with prefix and limit', async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(h.store, ns, ['a-1', 'a-2', 'a-3', 'b-1', 'b-2'], 5);
    const after = async (cursor: string, prefix?: string, limit?: number): Promise<string[]> =>
      (
        await h.store.listStreams(ns, {
          cursor,
          ...(prefix === undefined ? {} : { prefix }),
          ...(limit === undefined ? {} : { limit }),
        })
      ).map((s) => s.stream);
    expect(await after('a-2')).toEqual(['a-3', 'b-1', 'b-2']);
    expect(await after('a-25')).toEqual(['a-3', 'b-1', 'b-2']);
    expect(await after('a-2', 'a-')).toEqual(['a-3']);
    expect(await after('a', undefined, 2)).toEqual(['a-1', 'a-2']);
    expect(await after('b-2')).toEqual([]);
  });

  it('returns 100 streams by default and pages through all of them with the cursor', async () => {
    const ns = await createNamespace(h.store);
    const names = range(130).map((i) => `s-${String(i).padStart(3, '0')}`);
    await writeSpread(h.store, ns, names, names.length);
    expect(await h.store.listStreams(ns)).toHaveLength(100);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await h.store.listStreams(ns, { limit: 40, ...(cursor === undefined ? {} : { cursor }) });
      expect(page.length).toBeLessThanOrEqual(40);
      if (page.length === 0) break;
      seen.push(...page.map((s) => s.stream));
      cursor = page.at(-1)?.stream;
    }
    expect(seen).toEqual(names);
  });

  it('accepts limits from 1 to 1000 and rejects others with INVALID_REQUEST', async () => {
    const ns = await createNamespace(h.store);
    await writeSpread(h.store, ns, ['a-1', 'a-2'], 2);
    expect(await h.store.listStreams(ns, { limit: 1 })).toHaveLength(1);
    expect(await h.store.listStreams(ns, { limit: 1000 })).toHaveLength(2);
    for (const limit of [0, -1, 1001, 2.5]) {
      expect((await rejectionOf(h.store.listStreams(ns, { limit }))).code).toBe('INVALID_REQUEST');
    }
  });

  it('returns no streams and no categories for an empty namespace', async () => {
    const ns = await createNamespace(h.store);
    expect(await h.store.listStreams(ns)).toEqual([]);
    expect(await h.store.listCategories(ns)).toEqual([]);
  });

  it('lists categories sorted by name with their stream and message counts', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 'user-1', 1);
    await writeSequential(h.store, ns, 'account-1', 2);
    await writeSequential(h.store, ns, 'account-2', 1);
    await writeSequential(h.store, ns, 'account-2+retry', 1);
    await writeSequential(h.store, ns, 'account', 2);
    await writeSequential(h.store, ns, 'accounts-1', 1);
    expect(await h.store.listCategories(ns)).toEqual([
      { category: 'account', streamCount: 4, messageCount: 6 },
      { category: 'accounts', streamCount: 1, messageCount: 1 },
      { category: 'user', streamCount: 1, messageCount: 1 },
    ]);
  });
}
