import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../src/store/store.js';
import { expectError, expectOk, RFC3339_UTC, useServer } from './helpers.js';

type CategoryRow = [string, string, string, number, number, unknown, unknown, string];

describe('category.get over HTTP', () => {
  const server = useServer();

  const write = async (stream: string, metadata?: Record<string, unknown>): Promise<void> => {
    expectOk(await server.call('stream.write', stream, { type: 'T', data: { stream }, metadata }));
  };

  it('returns the category rows in global order with the stream name in each row', async () => {
    await write('account-1');
    await write('other-1');
    await write('account-2');
    const rows = expectOk<CategoryRow[]>(await server.call('category.get', 'account'));
    expect(rows.map((r) => [r[1], r[3], r[4]])).toEqual([
      ['account-1', 0, 1],
      ['account-2', 0, 3],
    ]);
    const [first] = rows as [CategoryRow];
    expect(first[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.slice(2, 3)).toEqual(['T']);
    expect(first.slice(5, 7)).toEqual([{ stream: 'account-1' }, null]);
    expect(first[7]).toMatch(RFC3339_UTC);
  });

  it('starts at a global position and stops at batchSize', async () => {
    for (let i = 0; i < 5; i++) await write(`account-${i}`);
    const rows = expectOk<CategoryRow[]>(
      await server.call('category.get', 'account', { position: 2, batchSize: 2 }),
    );
    expect(rows.map((r) => r[4])).toEqual([2, 3]);
    const byGlobal = expectOk<CategoryRow[]>(
      await server.call('category.get', 'account', { globalPosition: 4 }),
    );
    expect(byGlobal.map((r) => r[4])).toEqual([4, 5]);
  });

  it('returns every message of the namespace for the empty category name', async () => {
    await write('account-1');
    await write('other-1');
    const rows = expectOk<CategoryRow[]>(await server.call('category.get', ''));
    expect(rows.map((r) => r[1])).toEqual(['account-1', 'other-1']);
  });

  it('returns [] for a name containing "-"', async () => {
    await write('account-1');
    expect(expectOk(await server.call('category.get', 'account-1'))).toEqual([]);
  });

  it('keeps only messages correlated to the given category', async () => {
    await write('account-1', { correlationStreamName: 'workflow-9' });
    await write('account-2', { correlationStreamName: 'other-9' });
    await write('account-3');
    const rows = expectOk<CategoryRow[]>(
      await server.call('category.get', 'account', { correlation: 'workflow' }),
    );
    expect(rows.map((r) => r[1])).toEqual(['account-1']);
  });

  it('splits streams between consumer group members by the hash64 of their cardinal id', async () => {
    // abs(hash64("1")) is even, abs(hash64("123")) is odd (contract §5 examples).
    await write('account-1');
    await write('account-123');
    await write('account-123+retry');
    await write('account');
    const member0 = await server.call('category.get', 'account', { consumerGroup: { member: 0, size: 2 } });
    expect(expectOk<CategoryRow[]>(member0).map((r) => r[1])).toEqual(['account-1']);
    const member1 = await server.call('category.get', 'account', { consumerGroup: { member: 1, size: 2 } });
    expect(expectOk<CategoryRow[]>(member1).map((r) => r[1])).toEqual(['account-123', 'account-123+retry']);
  });

  it('rejects a consumer group of the wrong shape or out of range', async () => {
    const bad = [
      { member: 'a', size: 2 },
      { member: 0 },
      'x',
      { member: 2, size: 2 },
      { member: 0, size: 0 },
    ];
    for (const consumerGroup of bad) {
      expectError(await server.call('category.get', 'account', { consumerGroup }), 400, 'INVALID_REQUEST');
    }
  });

  it('rejects options of the wrong type, naming the option', async () => {
    const cases: Array<[string, unknown]> = [
      ['position', 'x'],
      ['globalPosition', 1.5],
      ['batchSize', true],
      ['correlation', 5],
    ];
    for (const [key, value] of cases) {
      const error = expectError(
        await server.call('category.get', 'a', { [key]: value }),
        400,
        'INVALID_REQUEST',
      );
      expect(error.message).toContain(key);
    }
  });

  it('serves 10000 rows of a category and of a stream quickly', async () => {
    const count = 10_000;
    const messages: StoredMessage[] = Array.from({ length: count }, (_, i) => ({
      id: randomUUID(),
      streamName: 'big-1',
      type: 'Filled',
      position: i,
      globalPosition: i + 1,
      data: JSON.stringify({ i, text: 'some payload text of moderate size' }),
      metadata: i % 2 === 0 ? null : '{"k":"v"}',
      time: 1_752_573_600_123_456 + i,
    }));
    await server.store.importBatch('default', messages);
    const category = expectOk<CategoryRow[]>(await server.call('category.get', 'big', { batchSize: count }));
    const stream = expectOk<unknown[][]>(await server.call('stream.get', 'big-1', { batchSize: count }));
    expect(category).toHaveLength(count);
    expect(stream).toHaveLength(count);
    expect(category[count - 1]?.slice(4, 7)).toEqual([
      count,
      { i: count - 1, text: 'some payload text of moderate size' },
      { k: 'v' },
    ]);
    expect(stream[1]?.[6]).toBe('2025-07-15T10:00:00.123457Z');
  });
});
