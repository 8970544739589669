/**
 * The LMDB key schema (src/store/kv/keys.ts): byte order is numeric order, and names that share
 * bytes never leak into each other's ranges, through the keys and through the store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/store/event-store.js';
import { NAME_BYTES, SpaceKeys, decodeString, encodeString } from '../../src/store/kv/keys.js';
import { openStore } from '../../src/store/open-store.js';

const keys = new SpaceKeys(7);
const sorted = (buffers: Buffer[]) => [...buffers].sort((a, b) => Buffer.compare(a, b));

describe('kv key encoding', () => {
  it('orders global positions numerically, up to 2^53-1', () => {
    const positions = [1, 2, 255, 256, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER];
    const encoded = positions.map((p) => keys.message(p));
    expect(sorted([...encoded].reverse())).toEqual(encoded);
  });

  it('orders times numerically, negative ones included', () => {
    const times = [-(2 ** 52), -1_000_000, -1, 0, 1, 1_700_000_000_000_000, 2 ** 53 - 1];
    const encoded = times.map((t) => keys.time(t, 1));
    expect(sorted([...encoded].reverse())).toEqual(encoded);
  });

  it('round-trips names holding the escape and terminator bytes', () => {
    for (const name of ['a', 'a\u0000b', 'a\u0001', '\u0000', 'é€-𝄞']) {
      expect(decodeString(encodeString(name), 0)).toEqual({ value: name, end: encodeString(name).length });
    }
  });

  it('keeps a stream whose name continues past the separator out of another stream range', () => {
    const a = encodeString('a');
    const aNul = encodeString('a\u0000b');
    const key = keys.stream(aNul, 0);
    const inA = Buffer.compare(keys.streamStart(a), key) <= 0 && Buffer.compare(key, keys.streamEnd(a)) < 0;
    expect(inA).toBe(false);
  });

  it('keeps a category that extends another one out of its range', () => {
    const acc = encodeString('acc');
    const key = keys.category(encodeString('account'), 5);
    const inAcc =
      Buffer.compare(keys.category(acc, 0), key) <= 0 && Buffer.compare(key, keys.categoryEnd(acc)) < 0;
    expect(inAcc).toBe(false);
  });

  it('keeps names longer than a key can hold apart by a hash, without cutting an escape pair', () => {
    const base = 'x'.repeat(NAME_BYTES - 1);
    const a = encodeString(`${base}\u0000a`);
    const b = encodeString(`${base}\u0000b`);
    expect(a.length).toBeLessThan(NAME_BYTES + 70);
    expect(a.equals(b)).toBe(false);
    expect(a.subarray(NAME_BYTES - 1, NAME_BYTES + 1)).toEqual(Buffer.from([1, 3]));
  });

  it('keeps one namespace space out of the next one', () => {
    const a = new SpaceKeys(1).message(Number.MAX_SAFE_INTEGER);
    const b = new SpaceKeys(2).message(1);
    expect(Buffer.compare(a, b)).toBeLessThan(0);
  });
});

describe('kv store ranges', () => {
  let store: EventStore | undefined;
  let dir = '';
  afterEach(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads only the named stream and category when names share a prefix or hold NUL', async () => {
    dir = await mkdtemp(join(tmpdir(), 'evt-kv-'));
    store = await openStore(`lmdb://${dir}`);
    await store.createNamespace('ns', 'hash');
    const names = ['acc-1', 'account-1', 'acc-1\u0000x', 'acc-1x', 'acc', 'ac-1'];
    for (const name of names) await store.writeMessage('ns', name, { type: 'T', data: { name } });
    const streamNames = async (name: string) => (await store!.getStream('ns', name)).map((m) => m.streamName);
    expect(await streamNames('acc-1')).toEqual(['acc-1']);
    expect(await streamNames('acc-1\u0000x')).toEqual(['acc-1\u0000x']);
    const category = (await store.getCategory('ns', 'acc')).map((m) => m.streamName);
    expect(category).toEqual(['acc-1', 'acc-1\u0000x', 'acc-1x', 'acc']);
    expect((await store.listCategories('ns')).map((c) => [c.category, c.messageCount])).toEqual([
      ['ac', 1],
      ['acc', 4],
      ['account', 1],
    ]);
    expect((await store.listStreams('ns', { prefix: 'acc-1' })).map((s) => s.stream)).toEqual([
      'acc-1',
      'acc-1\u0000x',
      'acc-1x',
    ]);
  });

  it('stores, reads and lists streams and categories with names of 3000 characters', async () => {
    dir = await mkdtemp(join(tmpdir(), 'evt-kv-'));
    store = await openStore(`lmdb://${dir}`);
    await store.createNamespace('ns', 'hash');
    const cat = 'c'.repeat(3000);
    const [one, two] = [`${cat}-${'i'.repeat(2000)}1`, `${cat}-${'i'.repeat(2000)}2`];
    await store.writeMessage('ns', one, { type: 'T', data: {} });
    await store.writeMessage('ns', two, { type: 'T', data: {} });
    await store.writeMessage('ns', two, { type: 'T', data: {} });
    expect((await store.getStream('ns', two)).map((m) => m.position)).toEqual([0, 1]);
    expect(await store.getCategory('ns', cat)).toHaveLength(3);
    expect(await store.listCategories('ns')).toEqual([{ category: cat, streamCount: 2, messageCount: 3 }]);
    expect((await store.listStreams('ns')).map((s) => s.stream).sort()).toEqual([one, two]);
  });
});
