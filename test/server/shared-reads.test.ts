import { describe, expect, it } from 'vitest';
import { SharedReads } from '../../src/server/shared-reads.js';
import type { StoredMessage } from '../../src/store/store.js';

/** A read that resolves when `finish` is called, counting how often it was started. */
function controlledRead(): { run: () => Promise<StoredMessage[]>; finish: () => void; runs: () => number } {
  let runs = 0;
  let finish = (): void => undefined;
  return {
    run: () => {
      runs++;
      return new Promise((resolve) => {
        finish = () => resolve([]);
      });
    },
    finish: () => finish(),
    runs: () => runs,
  };
}

describe('SharedReads', () => {
  it('joins a running read of the same page when no commit was reported since it started', async () => {
    const reads = new SharedReads();
    const read = controlledRead();
    const first = reads.read('ns\ncat\n5', read.run);
    const second = reads.read('ns\ncat\n5', read.run);
    expect(second).toBe(first);
    read.finish();
    await first;
    expect([read.runs(), reads.started]).toEqual([1, 1]);
  });

  it('starts its own read when a commit was reported after the running one started', async () => {
    const reads = new SharedReads();
    const read = controlledRead();
    const first = reads.read('ns\ncat\n5', read.run);
    reads.committed();
    const second = reads.read('ns\ncat\n5', read.run);
    expect(second).not.toBe(first);
    expect(read.runs()).toBe(2);
    // The later read is the one joined from now on.
    expect(reads.read('ns\ncat\n5', read.run)).toBe(second);
  });

  it('never joins a read of another page or filter', () => {
    const reads = new SharedReads();
    const read = controlledRead();
    void reads.read('ns\ncat\n5', read.run);
    void reads.read('ns\ncat\n6', read.run);
    void reads.read('ns\nother\n5', read.run);
    expect(read.runs()).toBe(3);
  });

  it('starts a new read once the shared one has settled, also after a failure', async () => {
    const reads = new SharedReads();
    const failing = reads.read('k', () => Promise.reject(new Error('store down')));
    await expect(failing).rejects.toThrow('store down');
    const read = controlledRead();
    const next = reads.read('k', read.run);
    read.finish();
    await next;
    expect(read.runs()).toBe(1);
  });
});
