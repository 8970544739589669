/** `readGlobalPositions`: point lookups by global position, through the façade. */
import { expect, it } from 'vitest';
import type { StoredMessage } from '../../src/store/store.js';
import { canonical, createNamespace, gposOf, record, rejectionOf, useStore } from './helpers.js';
import type { ConformanceOptions } from './suite.js';

const stored = (): StoredMessage[] => [
  record({ streamName: 'acct-1', position: 0, globalPosition: 3 }),
  record({ streamName: 'acct-2', position: 0, globalPosition: 10, metadata: '{"b":1,"a":2}' }),
  record({ streamName: 'acct-1', position: 1, globalPosition: 25 }),
];

export function readGlobalPositionsConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  it('returns the stored messages at the positions asked for, in global order, whatever the order asked', async () => {
    const ns = await createNamespace(h.store);
    const all = stored();
    await h.store.importBatch(ns, all);
    const found = await h.store.readGlobalPositions(ns, [25, 3, 10]);
    expect(found.map(canonical)).toEqual(all.map(canonical));
  });

  it('leaves out positions with no message and returns a repeated position once', async () => {
    const ns = await createNamespace(h.store);
    await h.store.importBatch(ns, stored());
    expect(gposOf(await h.store.readGlobalPositions(ns, [4, 25, 1, 25, 9_000_000_000]))).toEqual([25]);
    expect(await h.store.readGlobalPositions(ns, [])).toEqual([]);
    expect(await h.store.readGlobalPositions(ns, [2, 11])).toEqual([]);
  });

  it('finds messages of normal writes', async () => {
    const ns = await createNamespace(h.store);
    const w = await h.store.writeMessage(ns, 'acct-1', { type: 'A', data: { x: 1 } });
    const [m] = await h.store.readGlobalPositions(ns, [w.globalPosition]);
    expect([m?.streamName, m?.position, m?.type]).toEqual(['acct-1', 0, 'A']);
  });

  it('rejects positions below 1, non-integers and more than 10,000 positions with INVALID_REQUEST', async () => {
    const ns = await createNamespace(h.store);
    for (const positions of [[0], [-1], [1.5], Array.from({ length: 10_001 }, (_, i) => i + 1)]) {
      expect((await rejectionOf(h.store.readGlobalPositions(ns, positions))).code).toBe('INVALID_REQUEST');
    }
    expect(
      await h.store.readGlobalPositions(
        ns,
        Array.from({ length: 10_000 }, (_, i) => i + 1),
      ),
    ).toEqual([]);
  });

  it('fails with NAMESPACE_NOT_FOUND for a missing namespace', async () => {
    expect((await rejectionOf(h.store.readGlobalPositions('nowhere', [1]))).code).toBe('NAMESPACE_NOT_FOUND');
  });
}
