/**
 * Commit events (`EventStore.onCommit`): every durable commit is reported once, with where its
 * messages landed; failures report nothing. With shared storage, another process's commits arrive
 * through the same listener and its namespace changes reach this process within the cache time.
 */
import { expect, it, vi } from 'vitest';
import type { EventStore } from '../../src/store/event-store.js';
import type { Commit, CommittedPosition } from '../../src/store/store.js';
import { createNamespace, record, rejectionOf, TOKEN_HASH, useStore } from './helpers.js';
import type { ConformanceOptions } from './suite.js';

/** Every commit `store` reports from now on. */
function recordCommits(store: EventStore): Commit[] {
  const commits: Commit[] = [];
  store.onCommit((commit) => commits.push(commit));
  return commits;
}

const positions = (commits: readonly Commit[]): CommittedPosition[] => commits.flatMap((c) => c.messages);

export function commitsConformance(opts: ConformanceOptions): void {
  const h = useStore(opts);

  it('reports each written message with its stream, position and global position', async () => {
    const ns = await createNamespace(h.store);
    const commits = recordCommits(h.store);
    const first = await h.store.writeMessage(ns, 'acct-1', { type: 'Opened', data: {} });
    expect(commits).toEqual([{ namespace: ns, messages: [{ streamName: 'acct-1', ...first }] }]);
    const second = await h.store.writeMessage(ns, 'acct-1', { type: 'Deposited', data: {} });
    expect(commits[1]).toEqual({ namespace: ns, messages: [{ streamName: 'acct-1', ...second }] });
  });

  it('reports every one of many concurrent writes exactly once', async () => {
    const ns = await createNamespace(h.store);
    const commits = recordCommits(h.store);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        h.store.writeMessage(ns, `s-${i % 7}`, { type: 'T', data: { i } }),
      ),
    );
    const reported = positions(commits).map((p) => p.globalPosition);
    expect(reported.sort((a, b) => a - b)).toEqual(
      results.map((r) => r.globalPosition).sort((a, b) => a - b),
    );
    expect(new Set(reported).size).toBe(200);
  });

  it('reports an imported batch with every record, in batch order', async () => {
    const ns = await createNamespace(h.store);
    const commits = recordCommits(h.store);
    const batch = [
      record({ streamName: 'acct-2', position: 4, globalPosition: 90 }),
      record({ streamName: 'acct-1', position: 0, globalPosition: 47 }),
    ];
    await h.store.importBatch(ns, batch);
    expect(commits).toEqual([
      {
        namespace: ns,
        messages: [
          { streamName: 'acct-2', position: 4, globalPosition: 90 },
          { streamName: 'acct-1', position: 0, globalPosition: 47 },
        ],
      },
    ]);
  });

  it('reports nothing for a failed write or a failed import batch', async () => {
    const ns = await createNamespace(h.store);
    const { globalPosition } = await h.store.writeMessage(ns, 'acct-1', { type: 'A', data: {} });
    const commits = recordCommits(h.store);
    await rejectionOf(h.store.writeMessage(ns, 'acct-1', { type: 'B', data: {} }, { expectedVersion: 5 }));
    await rejectionOf(
      h.store.importBatch(ns, [
        record({ streamName: 'acct-9', position: 0, globalPosition: globalPosition + 10 }),
        record({ streamName: 'acct-9', position: 1, globalPosition }),
      ]),
    );
    expect(commits).toEqual([]);
  });

  it('tells namespaces apart and stops reporting to a removed listener', async () => {
    const a = await createNamespace(h.store, 'a');
    const b = await createNamespace(h.store, 'b');
    const commits: Commit[] = [];
    const stop = h.store.onCommit((c) => commits.push(c));
    await h.store.writeMessage(a, 'x-1', { type: 'T', data: {} });
    await h.store.writeMessage(b, 'x-1', { type: 'T', data: {} });
    stop();
    await h.store.writeMessage(a, 'x-1', { type: 'T', data: {} });
    expect(commits.map((c) => c.namespace)).toEqual(['a', 'b']);
  });

  it('keeps a write acknowledged when a listener throws, and drops that listener', async () => {
    const ns = await createNamespace(h.store);
    let calls = 0;
    h.store.onCommit(() => {
      calls++;
      throw new Error('listener bug');
    });
    const result = await h.store.writeMessage(ns, 's-1', { type: 'T', data: {} });
    await h.store.writeMessage(ns, 's-1', { type: 'T', data: {} });
    expect(result).toEqual({ position: 0, globalPosition: 1 });
    expect(calls).toBe(1);
    expect(await h.store.streamVersion(ns, 's-1')).toBe(1);
  });

  if (!opts.supports.sharedStorage) return;

  it('has a second-process factory (shared storage must prove its cross-process behaviour)', () => {
    expect(opts.openPeer).toBeDefined();
  });

  it("reports another process's commits once, and its own once", async () => {
    const peer = await h.openPeer();
    const ns = await createNamespace(h.store);
    const commits = recordCommits(h.store);
    const theirs = await peer.writeMessage(ns, 'acct-1', { type: 'A', data: {} });
    const ours = await h.store.writeMessage(ns, 'acct-1', { type: 'B', data: {} });
    await peer.importBatch(ns, [record({ streamName: 'acct-2', position: 0, globalPosition: 100 })]);
    await vi.waitFor(() => expect(positions(commits)).toHaveLength(3), { timeout: 5000 });
    expect(positions(commits).sort((x, y) => x.globalPosition - y.globalPosition)).toEqual([
      { streamName: 'acct-1', ...theirs },
      { streamName: 'acct-1', ...ours },
      { streamName: 'acct-2', position: 0, globalPosition: 100 },
    ]);
  });

  it('stops serving a namespace deleted or re-keyed by another process within the cache time', async () => {
    const peer = await h.openPeer();
    await createNamespace(h.store, 'gone');
    await createNamespace(h.store, 'rekeyed');
    expect(await h.store.getNamespace('gone')).not.toBeNull();
    expect((await h.store.getNamespace('rekeyed'))?.tokenHash).toBe(TOKEN_HASH);
    await peer.deleteNamespace('gone');
    await peer.setTokenHash('rekeyed', 'e'.repeat(64));
    await vi.waitFor(
      async () => {
        expect(await h.store.getNamespace('gone')).toBeNull();
        expect((await h.store.getNamespace('rekeyed'))?.tokenHash).toBe('e'.repeat(64));
      },
      { timeout: 5000 },
    );
  });
}
