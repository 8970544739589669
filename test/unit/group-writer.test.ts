/**
 * GroupWriter (src/store/group-writer.ts): one group in flight per namespace (or as many as the
 * backend allows); writes that arrive while groups commit and sync become the next group, and each
 * caller gets its own outcome.
 */
import { describe, expect, it } from 'vitest';
import { EventoError } from '../../src/errors.js';
import { GroupWriter, type AppendOutcome } from '../../src/store/group-writer.js';
import type { NewMessage } from '../../src/store/store.js';

const message = (type: string): NewMessage => ({
  id: '00000000-0000-4000-8000-000000000000',
  streamName: 'account-1',
  type,
  data: '{}',
  metadata: null,
  time: 0,
});

/** A commit function whose calls are recorded and finished by hand. */
function manualCommit() {
  const calls: { types: string[]; finish: (outcomes: AppendOutcome[]) => void }[] = [];
  const commit = (messages: NewMessage[]) =>
    new Promise<AppendOutcome[]>((resolve) =>
      calls.push({ types: messages.map((m) => m.type), finish: resolve }),
    );
  return { calls, commit };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupWriter', () => {
  it('groups the writes of one turn, and queues later ones until that group is done', async () => {
    const { calls, commit } = manualCommit();
    const writer = new GroupWriter(commit);
    const a = writer.write(message('A'));
    const b = writer.write(message('B'));
    await turn();
    expect(calls.map((c) => c.types)).toEqual([['A', 'B']]);

    const c = writer.write(message('C'));
    const d = writer.write(message('D'));
    await turn();
    expect(calls).toHaveLength(1); // the first group is still syncing

    calls[0]?.finish([
      { position: 0, globalPosition: 1 },
      { position: 1, globalPosition: 2 },
    ]);
    expect(await a).toEqual({ position: 0, globalPosition: 1 });
    expect(await b).toEqual({ position: 1, globalPosition: 2 });
    await turn();
    expect(calls.map((call) => call.types)).toEqual([
      ['A', 'B'],
      ['C', 'D'],
    ]);

    calls[1]?.finish([new EventoError('DUPLICATE_MESSAGE_ID', 'taken'), { position: 2, globalPosition: 4 }]);
    await expect(c).rejects.toMatchObject({ code: 'DUPLICATE_MESSAGE_ID' });
    expect(await d).toEqual({ position: 2, globalPosition: 4 });
    await writer.drained();
  });

  it('fails a whole group when its transaction fails, and goes on with the next', async () => {
    const calls: number[] = [];
    const writer = new GroupWriter(async (messages) => {
      calls.push(messages.length);
      if (calls.length === 1) throw new Error('disk full');
      return messages.map((_, i) => ({ position: i, globalPosition: i + 1 }));
    });
    const first = [writer.write(message('A')), writer.write(message('B'))];
    await expect(Promise.all(first)).rejects.toThrow('disk full');
    await expect(first[1]).rejects.toThrow('disk full');
    expect(await writer.write(message('C'))).toEqual({ position: 0, globalPosition: 1 });
    expect(calls).toEqual([2, 1]);
  });

  it('drains only once every queued write is committed', async () => {
    const { calls, commit } = manualCommit();
    const writer = new GroupWriter(commit);
    void writer.write(message('A'));
    await turn();
    void writer.write(message('B'));
    let drained = false;
    const draining = writer.drained().then(() => (drained = true));
    calls[0]?.finish([{ position: 0, globalPosition: 1 }]);
    await turn();
    await turn();
    expect(drained).toBe(false); // B's group has started but not finished
    calls[1]?.finish([{ position: 1, globalPosition: 2 }]);
    await draining;
    expect(drained).toBe(true);
  });

  it('keeps up to `concurrency` groups in flight, and drains only once all of them are done', async () => {
    const { calls, commit } = manualCommit();
    const writer = new GroupWriter(commit, 2);
    const a = writer.write(message('A'));
    await turn();
    const b = writer.write(message('B'));
    await turn();
    const c = writer.write(message('C'));
    await turn();
    expect(calls.map((call) => call.types)).toEqual([['A'], ['B']]); // C waits for a free slot

    let drained = false;
    const draining = writer.drained().then(() => (drained = true));
    calls[1]?.finish([{ position: 1, globalPosition: 2 }]); // the later group finishes first
    expect(await b).toEqual({ position: 1, globalPosition: 2 });
    await turn();
    await turn();
    expect(calls.map((call) => call.types)).toEqual([['A'], ['B'], ['C']]);
    calls[2]?.finish([{ position: 2, globalPosition: 3 }]);
    expect(await c).toEqual({ position: 2, globalPosition: 3 });
    await turn();
    expect(drained).toBe(false); // A is still in flight
    calls[0]?.finish([{ position: 0, globalPosition: 1 }]);
    expect(await a).toEqual({ position: 0, globalPosition: 1 });
    await draining;
    expect(drained).toBe(true);
  });
});
