import { describe, expect, it } from 'vitest';
import { generateToken, hashToken, parseToken } from '../../src/token.js';
import { expectError, expectOk, RFC3339_UTC, useServer } from './helpers.js';

interface Created {
  namespace: string;
  token: string;
  createdAt: string;
}

describe('namespace and system methods over HTTP', () => {
  const server = useServer();

  it('creates a namespace with a generated token that works for its data', async () => {
    const created = expectOk<Created>(await server.call('ns.create', 'tenant-a', { description: 'A' }));
    expect(created.namespace).toBe('tenant-a');
    expect(parseToken(created.token)).toEqual({ namespace: 'tenant-a' });
    expect(created.createdAt).toMatch(RFC3339_UTC);
    const write = await server.rpc(['stream.write', 'x-1', { type: 'T', data: {} }], created.token);
    expect(expectOk(write)).toEqual({ position: 0, globalPosition: 1 });
  });

  it('stores only the SHA-256 hash of the token', async () => {
    const created = expectOk<Created>(await server.call('ns.create', 'tenant-a'));
    const record = await server.store.getNamespace('tenant-a');
    expect(record?.tokenHash).toBe(hashToken(created.token));
    expect(record?.tokenHash).not.toContain(created.token);
  });

  it('creates a namespace with a given token that encodes its id', async () => {
    const token = generateToken('tenant-b');
    const created = expectOk<Created>(await server.call('ns.create', 'tenant-b', { token }));
    expect(created.token).toBe(token);
    expect(expectOk(await server.rpc(['stream.version', 'x-1'], token))).toBeNull();
  });

  it('rejects a given token that is malformed or encodes another id', async () => {
    for (const token of [generateToken('other'), 'ns_abc', 'nonsense', 42]) {
      expectError(await server.call('ns.create', 'tenant-b', { token }), 400, 'INVALID_REQUEST');
    }
    expect(await server.store.getNamespace('tenant-b')).toBeNull();
  });

  it('rejects an existing id and an invalid id', async () => {
    expectError(await server.call('ns.create', 'default'), 409, 'NAMESPACE_EXISTS');
    for (const id of ['', '.hidden', 'a/b', 'x'.repeat(129), 'sp ace']) {
      expectError(await server.call('ns.create', id), 400, 'INVALID_REQUEST');
    }
    expectError(await server.call('ns.create', 5), 400, 'INVALID_REQUEST');
  });

  it('lists namespaces with description, creation time and real message counts', async () => {
    await server.call('ns.create', 'tenant-a', { description: 'Tenant A' });
    await server.call('stream.write', 'x-1', { type: 'T', data: {} });
    await server.call('stream.write', 'x-2', { type: 'T', data: {} });
    const list = expectOk<Array<Record<string, unknown>>>(await server.call('ns.list'));
    expect(list.map((n) => [n.namespace, n.description, n.messageCount])).toEqual([
      ['default', '', 2],
      ['tenant-a', 'Tenant A', 0],
    ]);
    expect(list[0]?.createdAt).toMatch(RFC3339_UTC);
  });

  it('reports namespace info with real counts and the last activity time', async () => {
    const empty = expectOk<Record<string, unknown>>(await server.call('ns.info', 'default'));
    expect(empty).toMatchObject({
      namespace: 'default',
      messageCount: 0,
      streamCount: 0,
      lastActivity: null,
    });
    await server.call('stream.write', 'x-1', { type: 'T', data: {} });
    await server.call('stream.write', 'x-1', { type: 'T', data: {} });
    await server.call('stream.write', 'y-1', { type: 'T', data: {} });
    const info = expectOk<Record<string, unknown>>(await server.call('ns.info', 'default'));
    expect(info).toMatchObject({ namespace: 'default', description: '', messageCount: 3, streamCount: 2 });
    expect(info.lastActivity).toMatch(RFC3339_UTC);
    expect(info.createdAt).toMatch(RFC3339_UTC);
  });

  it('reports NAMESPACE_NOT_FOUND for info or delete of a missing namespace', async () => {
    expectError(await server.call('ns.info', 'missing'), 404, 'NAMESPACE_NOT_FOUND');
    expectError(await server.call('ns.delete', 'missing'), 404, 'NAMESPACE_NOT_FOUND');
  });

  it('deletes a namespace, counting its messages, after which its token no longer works', async () => {
    const { token } = expectOk<Created>(await server.call('ns.create', 'tenant-a'));
    await server.rpc(['stream.write', 'x-1', { type: 'T', data: {} }], token);
    await server.rpc(['stream.write', 'x-2', { type: 'T', data: {} }], token);
    const deleted = expectOk<Record<string, unknown>>(await server.call('ns.delete', 'tenant-a'));
    expect(deleted).toMatchObject({ namespace: 'tenant-a', messagesDeleted: 2 });
    expect(deleted.deletedAt).toMatch(RFC3339_UTC);
    expectError(await server.rpc(['stream.version', 'x-1'], token), 403, 'AUTH_UNAUTHORIZED');
  });

  it('refuses to delete the default namespace', async () => {
    expectError(await server.call('ns.delete', 'default'), 400, 'INVALID_REQUEST');
    expect(await server.store.getNamespace('default')).not.toBeNull();
  });

  it('lists streams sorted by name, by prefix, after a cursor and up to a limit', async () => {
    for (const s of ['b-1', 'a-2', 'a-1', 'a-1'])
      await server.call('stream.write', s, { type: 'T', data: {} });
    const all = expectOk<Array<Record<string, unknown>>>(await server.call('ns.streams'));
    expect(all.map((s) => [s.stream, s.version])).toEqual([
      ['a-1', 1],
      ['a-2', 0],
      ['b-1', 0],
    ]);
    expect(all[0]?.lastActivity).toMatch(RFC3339_UTC);
    const page = expectOk<Array<{ stream: string }>>(
      await server.call('ns.streams', { cursor: 'a-1', limit: 1 }),
    );
    expect(page.map((s) => s.stream)).toEqual(['a-2']);
    const prefixed = expectOk<Array<{ stream: string }>>(await server.call('ns.streams', { prefix: 'b' }));
    expect(prefixed.map((s) => s.stream)).toEqual(['b-1']);
  });

  it('rejects a streams limit outside 1..1000 or of the wrong type', async () => {
    for (const limit of [0, 1001, 'ten', 2.5]) {
      const error = expectError(await server.call('ns.streams', { limit }), 400, 'INVALID_REQUEST');
      expect(error.message).toContain('limit');
    }
  });

  it('lists categories sorted with stream and message counts', async () => {
    for (const s of ['b-1', 'a-2', 'a-1', 'a-1'])
      await server.call('stream.write', s, { type: 'T', data: {} });
    expect(expectOk(await server.call('ns.categories'))).toEqual([
      { category: 'a', streamCount: 2, messageCount: 3 },
      { category: 'b', streamCount: 1, messageCount: 1 },
    ]);
  });

  it('answers sys.version with the semver string', async () => {
    expect(expectOk(await server.call('sys.version'))).toBe('1.2.3');
  });

  it('answers sys.health with the backend name and the open connection count', async () => {
    const health = expectOk<Record<string, unknown>>(await server.call('sys.health'));
    expect(health).toMatchObject({ status: 'ok', backend: server.store.backendName });
    expect(health.connections).toBeGreaterThanOrEqual(1);
  });
});
