/** Namespaces: create, delete, list, info, token hash, isolation and persistence. */
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  createNamespace,
  gposOf,
  record,
  rejectionOf,
  TOKEN_HASH,
  useStore,
  writeSequential,
} from './helpers.js';
import type { ConformanceOptions } from './suite.js';

export function namespacesConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  it('declares the capabilities the runner expects', () => {
    expect(h.store.supports).toEqual(opts.supports);
  });

  it('creates a namespace and rejects creating it again with NAMESPACE_EXISTS', async () => {
    const created = await h.store.createNamespace('orders', TOKEN_HASH, 'the orders');
    expect(created).toMatchObject({ id: 'orders', tokenHash: TOKEN_HASH, description: 'the orders' });
    expect(await h.store.getNamespace('orders')).toEqual(created);
    const err = await rejectionOf(h.store.createNamespace('orders', 'b'.repeat(64)));
    expect(err.code).toBe('NAMESPACE_EXISTS');
    expect((await h.store.getNamespace('orders'))?.tokenHash).toBe(TOKEN_HASH);
  });

  it('rejects invalid namespace ids with INVALID_REQUEST', async () => {
    const before = await h.store.listNamespaces();
    for (const id of ['.hidden', '', 'a'.repeat(129), 'a/b', 'a b', '..', 'a\\b', 'é']) {
      expect((await rejectionOf(h.store.createNamespace(id, TOKEN_HASH))).code).toBe('INVALID_REQUEST');
    }
    expect(await h.store.listNamespaces()).toEqual(before);
  });

  it('accepts a 128-character id and ids with dots, dashes and underscores', async () => {
    for (const id of ['a'.repeat(128), 'a.b', '-x', '_y', 'v1.2-beta_3']) {
      await createNamespace(h.store, id);
      await writeSequential(h.store, id, 's-1', 1);
      expect(await h.store.streamVersion(id, 's-1')).toBe(0);
    }
  });

  it('deletes a namespace, reporting how many messages it held', async () => {
    const ns = await createNamespace(h.store);
    await writeSequential(h.store, ns, 's-1', 3);
    await writeSequential(h.store, ns, 's-2', 2);
    expect(await h.store.deleteNamespace(ns)).toEqual({ messagesDeleted: 5 });
    expect(await h.store.getNamespace(ns)).toBeNull();
    await createNamespace(h.store, ns);
    expect(await h.store.getCategory(ns, '')).toEqual([]);
    expect((await h.store.writeMessage(ns, 's-1', { type: 'A', data: {} })).position).toBe(0);
  });

  it('reports the highest global position: 0 when empty, then after writes and imports', async () => {
    const ns = await createNamespace(h.store);
    expect(await h.store.lastGlobalPosition(ns)).toBe(0);
    await writeSequential(h.store, ns, 's-1', 3);
    expect(await h.store.lastGlobalPosition(ns)).toBe(3);
    await h.store.importBatch(ns, [record({ streamName: 'imp-1', position: 0, globalPosition: 90 })]);
    expect(await h.store.lastGlobalPosition(ns)).toBe(90);
    await h.store.importBatch(ns, [record({ streamName: 'imp-2', position: 0, globalPosition: 40 })]);
    expect(await h.store.lastGlobalPosition(ns)).toBe(90);
    expect((await h.store.writeMessage(ns, 's-1', { type: 'A', data: {} })).globalPosition).toBe(91);
    expect(await h.store.lastGlobalPosition(ns)).toBe(91);
    expect((await rejectionOf(h.store.lastGlobalPosition('ghost'))).code).toBe('NAMESPACE_NOT_FOUND');
  });

  it('rejects deleting or inspecting a missing namespace with NAMESPACE_NOT_FOUND', async () => {
    expect((await rejectionOf(h.store.deleteNamespace('ghost'))).code).toBe('NAMESPACE_NOT_FOUND');
    expect((await rejectionOf(h.store.namespaceInfo('ghost'))).code).toBe('NAMESPACE_NOT_FOUND');
    expect((await rejectionOf(h.store.setTokenHash('ghost', TOKEN_HASH))).code).toBe('NAMESPACE_NOT_FOUND');
    expect(await h.store.getNamespace('ghost')).toBeNull();
  });

  it('rejects data operations on a missing namespace with NAMESPACE_NOT_FOUND', async () => {
    // Each operation starts inside the loop, so no rejection is left unobserved meanwhile.
    const attempts: (() => Promise<unknown>)[] = [
      () => h.store.writeMessage('ghost', 's-1', { type: 'A', data: {} }),
      () => h.store.getStream('ghost', 's-1'),
      () => h.store.getCategory('ghost', 's'),
      () => h.store.streamVersion('ghost', 's-1'),
      () => h.store.listStreams('ghost'),
    ];
    for (const attempt of attempts) expect((await rejectionOf(attempt())).code).toBe('NAMESPACE_NOT_FOUND');
  });

  it('lists namespaces sorted by id with their real message counts', async () => {
    const ids = ['b', 'a', 'B', 'a.b', 'a_b'];
    for (const id of ids) await createNamespace(h.store, id);
    await writeSequential(h.store, 'a', 's-1', 2);
    await writeSequential(h.store, 'a_b', 's-1', 3);
    const listed = await h.store.listNamespaces();
    // Code-unit order (binary collation), the same on every backend.
    expect(listed.map((n) => n.id)).toEqual(listed.map((n) => n.id).sort());
    const ours = listed.filter((n) => ids.includes(n.id));
    expect(ours.map((n) => [n.id, n.messageCount])).toEqual([
      ['B', 0],
      ['a', 2],
      ['a.b', 0],
      ['a_b', 3],
      ['b', 0],
    ]);
  });

  it('reports message count, stream count and last activity in namespace info', async () => {
    const ns = await createNamespace(h.store);
    expect(await h.store.namespaceInfo(ns)).toMatchObject({
      messageCount: 0,
      streamCount: 0,
      lastActivity: null,
    });
    await writeSequential(h.store, ns, 's-1', 3);
    await writeSequential(h.store, ns, 's-2', 1);
    const newest = (await h.store.getCategory(ns, '')).at(-1);
    const info = await h.store.namespaceInfo(ns);
    expect(info).toMatchObject({ id: ns, tokenHash: TOKEN_HASH, messageCount: 4, streamCount: 2 });
    expect(info.lastActivity).toBe(newest?.time);
  });

  it('replaces the token hash of a namespace', async () => {
    const ns = await createNamespace(h.store);
    await h.store.setTokenHash(ns, 'c'.repeat(64));
    expect((await h.store.getNamespace(ns))?.tokenHash).toBe('c'.repeat(64));
  });

  it('keeps the messages of two namespaces apart', async () => {
    const [a, b] = [await createNamespace(h.store, 'one'), await createNamespace(h.store, 'two')];
    await writeSequential(h.store, a, 's-1', 3);
    await writeSequential(h.store, b, 's-1', 1, () => ({ from: 'two' }));
    expect(gposOf(await h.store.getStream(b, 's-1'))).toEqual([1]);
    expect(await h.store.streamVersion(a, 's-1')).toBe(2);
    expect((await h.store.getCategory(b, '')).map((m) => canonicalJson(m.data))).toEqual(['{"from":"two"}']);
    expect((await h.store.writeMessage(b, 's-2', { type: 'A', data: {} })).globalPosition).toBe(2);
  });

  it('gives ids that differ only in case or in one character separate storage', async () => {
    const ids = ['Ab', 'ab', 'a.b', 'a_b', 'a-b'];
    for (const id of ids) {
      await createNamespace(h.store, id);
      await writeSequential(h.store, id, 's-1', 1, () => ({ ns: id }));
    }
    for (const id of ids) {
      expect((await h.store.getCategory(id, '')).map((m) => JSON.parse(m.data) as unknown)).toEqual([
        { ns: id },
      ]);
    }
    expect(await h.store.deleteNamespace('ab')).toEqual({ messagesDeleted: 1 });
    expect((await h.store.namespaceInfo('Ab')).messageCount).toBe(1);
    expect((await h.store.namespaceInfo('a.b')).messageCount).toBe(1);
  });

  if (!opts.supports.persistent) return;
  describe('persistence', () => {
    it('has a reopen factory (a persistent backend must prove it persists)', () => {
      expect(opts.reopen).toBeDefined();
    });

    it('keeps namespaces, token hashes and messages across close and reopen', async () => {
      const ns = await createNamespace(h.store, 'kept');
      await h.store.setTokenHash(ns, 'd'.repeat(64));
      await writeSequential(h.store, ns, 's-1', 3);
      const before = await h.store.getCategory(ns, '');
      await h.reopen();
      expect((await h.store.getNamespace(ns))?.tokenHash).toBe('d'.repeat(64));
      expect(await h.store.getCategory(ns, '')).toEqual(before);
      const next = await h.store.writeMessage(ns, 's-1', { type: 'A', data: {} }, { expectedVersion: 2 });
      expect(next).toEqual({ position: 3, globalPosition: 4 });
    });

    it('keeps a deleted namespace deleted across close and reopen', async () => {
      await createNamespace(h.store, 'gone');
      await writeSequential(h.store, 'gone', 's-1', 2);
      await h.store.deleteNamespace('gone');
      await h.reopen();
      expect(await h.store.getNamespace('gone')).toBeNull();
      await createNamespace(h.store, 'gone');
      expect(await h.store.getCategory('gone', '')).toEqual([]);
    });
  });
}
