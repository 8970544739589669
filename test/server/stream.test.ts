import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectError, expectOk, RFC3339_UTC, useServer } from './helpers.js';

type Row = [string, string, number, number, unknown, unknown, string];

describe('stream methods over HTTP', () => {
  const server = useServer();

  it('writes a message and returns its stream and global position', async () => {
    const first = await server.call('stream.write', 'account-1', { type: 'Opened', data: { a: 1 } });
    expect(expectOk(first)).toEqual({ position: 0, globalPosition: 1 });
    const second = await server.call('stream.write', 'account-1', { type: 'Deposited', data: {} });
    expect(expectOk(second)).toEqual({ position: 1, globalPosition: 2 });
  });

  it('reads a stream as positional rows with metadata null when absent and an RFC 3339 time', async () => {
    const id = randomUUID();
    await server.call('stream.write', 'account-1', { type: 'Opened', data: { n: 'x"y' } }, { id });
    await server.call('stream.write', 'account-1', { type: 'Noted', data: {}, metadata: { by: 'me' } });
    const rows = expectOk<Row[]>(await server.call('stream.get', 'account-1'));
    expect(rows).toHaveLength(2);
    const [first, second] = rows as [Row, Row];
    expect(first.slice(0, 6)).toEqual([id, 'Opened', 0, 1, { n: 'x"y' }, null]);
    expect(second.slice(1, 6)).toEqual(['Noted', 1, 2, {}, { by: 'me' }]);
    expect(first[6]).toMatch(RFC3339_UTC);
  });

  it('generates a UUID id when none is given', async () => {
    await server.call('stream.write', 'account-1', { type: 'Opened', data: {} });
    const [row] = expectOk<Row[]>(await server.call('stream.get', 'account-1'));
    expect(row?.[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('rejects a write when expectedVersion is stale, with expected and actual in details', async () => {
    await server.call('stream.write', 'account-1', { type: 'A', data: {} });
    const reply = await server.call(
      'stream.write',
      'account-1',
      { type: 'B', data: {} },
      { expectedVersion: 5 },
    );
    expectError(reply, 409, 'STREAM_VERSION_CONFLICT');
    expect((reply.body as { error: { details: unknown } }).error.details).toEqual({ expected: 5, actual: 0 });
  });

  it('treats expectedVersion -1 as "must not exist" and 0 on a new stream as a conflict', async () => {
    const conflict = await server.call(
      'stream.write',
      'new-1',
      { type: 'A', data: {} },
      { expectedVersion: 0 },
    );
    expectError(conflict, 409, 'STREAM_VERSION_CONFLICT');
    expect((conflict.body as { error: { details: unknown } }).error.details).toEqual({
      expected: 0,
      actual: -1,
    });
    const ok = await server.call('stream.write', 'new-1', { type: 'A', data: {} }, { expectedVersion: -1 });
    expect(expectOk(ok)).toEqual({ position: 0, globalPosition: 1 });
  });

  it('rejects a second write with the same message id', async () => {
    const id = randomUUID();
    await server.call('stream.write', 'account-1', { type: 'A', data: {} }, { id });
    const reply = await server.call('stream.write', 'account-2', { type: 'A', data: {} }, { id });
    expectError(reply, 409, 'DUPLICATE_MESSAGE_ID');
  });

  it('reads from a position, by global position, and within batchSize', async () => {
    for (let i = 0; i < 5; i++) await server.call('stream.write', 'account-1', { type: 'A', data: { i } });
    await server.call('stream.write', 'other-1', { type: 'A', data: {} });
    await server.call('stream.write', 'account-1', { type: 'A', data: { i: 5 } });
    const fromTwo = expectOk<Row[]>(
      await server.call('stream.get', 'account-1', { position: 2, batchSize: 2 }),
    );
    expect(fromTwo.map((r) => r[2])).toEqual([2, 3]);
    const byGlobal = expectOk<Row[]>(await server.call('stream.get', 'account-1', { globalPosition: 5 }));
    expect(byGlobal.map((r) => r[3])).toEqual([5, 7]);
    const negative = expectOk<Row[]>(
      await server.call('stream.get', 'account-1', { position: -3, batchSize: -1 }),
    );
    expect(negative).toHaveLength(6);
    expect(expectOk(await server.call('stream.get', 'account-1', { batchSize: 0 }))).toEqual([]);
  });

  it('returns [] when stream.get is given a category name', async () => {
    await server.call('stream.write', 'account-1', { type: 'A', data: {} });
    expect(expectOk(await server.call('stream.get', 'account'))).toEqual([]);
  });

  it('rejects batchSize over 10000 with a message naming batchSize, and other negatives', async () => {
    const over = expectError(
      await server.call('stream.get', 'account-1', { batchSize: 10001 }),
      400,
      'INVALID_REQUEST',
    );
    expect(over.message).toContain('batchSize');
    expectError(await server.call('stream.get', 'account-1', { batchSize: -2 }), 400, 'INVALID_REQUEST');
    const wrongType = expectError(
      await server.call('stream.get', 'a-1', { batchSize: '5' }),
      400,
      'INVALID_REQUEST',
    );
    expect(wrongType.message).toContain('batchSize');
  });

  it('returns the last message, of a type when asked, or null', async () => {
    expect(expectOk(await server.call('stream.last', 'account-1'))).toBeNull();
    await server.call('stream.write', 'account-1', { type: 'A', data: { n: 1 } });
    await server.call('stream.write', 'account-1', { type: 'B', data: { n: 2 } });
    const last = expectOk<Row>(await server.call('stream.last', 'account-1'));
    expect(last.slice(1, 5)).toEqual(['B', 1, 2, { n: 2 }]);
    const lastA = expectOk<Row>(await server.call('stream.last', 'account-1', { type: 'A' }));
    expect(lastA.slice(1, 5)).toEqual(['A', 0, 1, { n: 1 }]);
    expect(expectOk(await server.call('stream.last', 'account-1', { type: 'C' }))).toBeNull();
  });

  it('returns the stream version, or null for a stream without messages', async () => {
    expect(expectOk(await server.call('stream.version', 'account-1'))).toBeNull();
    await server.call('stream.write', 'account-1', { type: 'A', data: {} });
    await server.call('stream.write', 'account-1', { type: 'A', data: {} });
    expect(expectOk(await server.call('stream.version', 'account-1'))).toBe(1);
  });

  it('gives concurrent writes to one stream unique, gapless positions', async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => server.call('stream.write', 'account-1', { type: 'A', data: {} })),
    );
    const positions = replies.map((r) => expectOk<{ position: number }>(r).position).sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('keeps data and metadata JSON exactly, unicode and nesting included', async () => {
    const data = { s: 'é\u2028"\\\n😀', nested: { a: [1, 2.5, null, true] }, empty: {} };
    const metadata = { correlationStreamName: 'workflow-1', n: -0.5 };
    await server.call('stream.write', 'account-1', { type: 'T', data, metadata });
    const [row] = expectOk<Row[]>(await server.call('stream.get', 'account-1'));
    expect(row?.[4]).toEqual(data);
    expect(row?.[5]).toEqual(metadata);
  });
});
