import { describe, expect, it } from 'vitest';
import { generateToken, hashesEqual, hashToken, parseToken } from '../../src/token.js';
import { expectError, expectOk, useServer } from './helpers.js';

const SECRET = 'ab'.repeat(32);
const encode = (id: string): string => Buffer.from(id).toString('base64url');

describe('tokens', () => {
  it('generates ns_ + base64url(id) + _ + 64 lower-case hex, parsed back to the id', () => {
    for (const id of ['default', 'my_ns-1.x', 'A'.repeat(128)]) {
      const token = generateToken(id);
      expect(token).toMatch(/^ns_[A-Za-z0-9_-]+_[0-9a-f]{64}$/);
      expect(token).not.toContain('=');
      expect(parseToken(token)).toEqual({ namespace: id });
    }
    expect(generateToken('default')).not.toBe(generateToken('default'));
  });

  it('takes the namespace part up to the last underscore', () => {
    expect(parseToken(`ns_${encode('default')}_${SECRET}`)).toEqual({ namespace: 'default' });
    // A namespace part containing "_" is split at the last "_", then rejected as not an id.
    expect(parseToken(`ns_${encode('de')}_x_${SECRET}`)).toBeNull();
  });

  it('rejects malformed tokens', () => {
    const malformed = [
      '',
      'garbage',
      `xx_${encode('default')}_${SECRET}`,
      `ns_${encode('default')}_${SECRET.toUpperCase()}`,
      `ns_${encode('default')}_${SECRET.slice(1)}`,
      `ns__${SECRET}`,
      `ns_${encode('default')}=_${SECRET}`,
      `ns_ZGVmYXVsdB_${SECRET}`, // non-canonical spelling of "default"
      `ns_${encode('.hidden')}_${SECRET}`,
      `ns_${encode('a b')}_${SECRET}`,
    ];
    for (const token of malformed) expect(parseToken(token), token).toBeNull();
  });

  it('hashes with SHA-256 to hex and compares hashes exactly', () => {
    const hash = hashToken('x');
    expect(hash).toBe('2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
    expect(hashesEqual(hash, hashToken('x'))).toBe(true);
    expect(hashesEqual(hash, hashToken('y'))).toBe(false);
    expect(hashesEqual(hash, 'short')).toBe(false);
  });
});

describe('authentication and authorization', () => {
  const server = useServer();

  it('requires a token', async () => {
    expectError(await server.rpc(['sys.version'], null), 401, 'AUTH_REQUIRED');
  });

  it('rejects a malformed token or another auth scheme as AUTH_INVALID_TOKEN', async () => {
    expectError(await server.rpc(['sys.version'], 'garbage'), 401, 'AUTH_INVALID_TOKEN');
    const basic = await server.rpc(['sys.version'], null, { authorization: 'Basic dXNlcjpwYXNz' });
    expectError(basic, 401, 'AUTH_INVALID_TOKEN');
  });

  it('rejects a well-formed token of an unknown namespace without creating it', async () => {
    expectError(await server.rpc(['sys.version'], generateToken('ghost')), 403, 'AUTH_UNAUTHORIZED');
    expect(await server.store.getNamespace('ghost')).toBeNull();
  });

  it('rejects a token with the wrong secret', async () => {
    expectError(await server.rpc(['sys.version'], generateToken('default')), 403, 'AUTH_UNAUTHORIZED');
  });

  it('checks the token before the body', async () => {
    expectError(await server.rpc('{not json', null), 401, 'AUTH_REQUIRED');
  });

  it('lets only the admin token create, delete and list namespaces', async () => {
    const token = await server.createNamespace('tenant-a');
    await server.createNamespace('tenant-b');
    for (const call of [['ns.create', 'tenant-c'], ['ns.delete', 'tenant-b'], ['ns.list']]) {
      expectError(await server.rpc(call, token), 403, 'AUTH_UNAUTHORIZED');
    }
    expect(await server.store.getNamespace('tenant-b')).not.toBeNull();
    expect(await server.store.getNamespace('tenant-c')).toBeNull();
  });

  it("lets ns.info through for the admin or the namespace's own token only", async () => {
    const tokenA = await server.createNamespace('tenant-a');
    await server.createNamespace('tenant-b');
    expect(expectOk(await server.rpc(['ns.info', 'tenant-a'], tokenA))).toMatchObject({
      namespace: 'tenant-a',
    });
    expectError(await server.rpc(['ns.info', 'tenant-b'], tokenA), 403, 'AUTH_UNAUTHORIZED');
    expectError(await server.rpc(['ns.info', 'missing'], tokenA), 403, 'AUTH_UNAUTHORIZED');
    expect(expectOk(await server.call('ns.info', 'tenant-b'))).toMatchObject({ namespace: 'tenant-b' });
  });

  it("keeps data methods inside the token's own namespace", async () => {
    const tokenA = await server.createNamespace('tenant-a');
    await server.rpc(['stream.write', 'account-1', { type: 'A', data: { ns: 'a' } }], tokenA);
    expect(expectOk(await server.call('stream.get', 'account-1'))).toEqual([]);
    expect(expectOk(await server.call('category.get', 'account'))).toEqual([]);
    expect(expectOk(await server.call('stream.version', 'account-1'))).toBeNull();
    expect(expectOk(await server.call('ns.streams'))).toEqual([]);
    expect(expectOk(await server.call('ns.categories'))).toEqual([]);
    const rows = expectOk<unknown[][]>(await server.rpc(['stream.get', 'account-1'], tokenA));
    expect(rows.map((r) => r[4])).toEqual([{ ns: 'a' }]);
    const streams = expectOk<Array<{ stream: string }>>(await server.rpc(['ns.streams'], tokenA));
    expect(streams.map((s) => s.stream)).toEqual(['account-1']);
  });
});

describe('test mode', () => {
  const server = useServer({ testMode: true });

  it('acts on the default namespace when no token is sent', async () => {
    expectOk(await server.rpc(['stream.write', 'account-1', { type: 'A', data: {} }], null));
    expect(expectOk<unknown[]>(await server.call('stream.get', 'account-1'))).toHaveLength(1);
  });

  it('creates the namespace of an unknown well-formed token and returns it in X-EventoDB-Token', async () => {
    const token = generateToken('fresh');
    const first = await server.rpc(['stream.write', 'account-1', { type: 'A', data: {} }], token);
    expect(expectOk(first)).toEqual({ position: 0, globalPosition: 1 });
    expect(first.headers.get('x-eventodb-token')).toBe(token);
    expect((await server.store.getNamespace('fresh'))?.tokenHash).toBe(hashToken(token));
    const second = await server.rpc(['stream.version', 'account-1'], token);
    expect(expectOk(second)).toBe(0);
    expect(second.headers.get('x-eventodb-token')).toBeNull();
  });

  it('returns X-EventoDB-Token even when the call that created the namespace fails', async () => {
    const token = generateToken('fresh');
    const reply = await server.rpc(['no.such.method'], token);
    expectError(reply, 404, 'METHOD_NOT_FOUND');
    expect(reply.headers.get('x-eventodb-token')).toBe(token);
  });

  it('creates the namespace once when several requests bring the same new token at once', async () => {
    const token = generateToken('racy');
    const replies = await Promise.all(Array.from({ length: 5 }, () => server.rpc(['sys.version'], token)));
    for (const reply of replies) expectOk(reply);
  });

  it('still rejects a malformed token and a wrong secret for an existing namespace', async () => {
    expectError(await server.rpc(['sys.version'], 'garbage'), 401, 'AUTH_INVALID_TOKEN');
    expectError(await server.rpc(['sys.version'], generateToken('default')), 403, 'AUTH_UNAUTHORIZED');
  });
});
