import { describe, expect, it } from 'vitest';
import { expectError, expectOk, useServer, type TestServer } from './helpers.js';

async function expectStillServing(server: TestServer): Promise<void> {
  expect(expectOk(await server.call('sys.health'))).toMatchObject({ status: 'ok' });
}

describe('HTTP endpoints and the RPC envelope', () => {
  const server = useServer();

  it('answers /health and /version without a token', async () => {
    expect(expectOk(await server.request('/health'))).toEqual({ status: 'ok' });
    expect(expectOk(await server.request('/version'))).toEqual({ version: '1.2.3' });
  });

  it('answers any other path or method with a JSON 404 NOT_FOUND', async () => {
    expectError(await server.request('/nope'), 404, 'NOT_FOUND');
    expectError(await server.request('/rpc'), 404, 'NOT_FOUND');
    expectError(await server.request('/debug/pprof/'), 404, 'NOT_FOUND');
    expectError(await server.request('/health', { method: 'POST', body: '{}' }), 404, 'NOT_FOUND');
    await expectStillServing(server);
  });

  it('rejects a body that is not a JSON array, an empty array or a non-string method name', async () => {
    for (const body of [
      { method: 'sys.version' },
      'sys.version',
      42,
      null,
      [],
      [5],
      [null, 1],
      [['sys.version']],
    ]) {
      expectError(await server.rpc(body, server.adminToken), 400, 'INVALID_REQUEST');
    }
    await expectStillServing(server);
  });

  it('rejects an empty body', async () => {
    expectError(await server.rpc('', server.adminToken), 400, 'INVALID_REQUEST');
    await expectStillServing(server);
  });

  it('rejects a body that is not valid JSON', async () => {
    for (const body of ['{not json', '["sys.version"', '\u0000', '["a",]']) {
      const reply = await server.rpc(body, server.adminToken, { 'content-type': 'application/json' });
      expectError(reply, 400, 'INVALID_REQUEST');
    }
    await expectStillServing(server);
  });

  it('answers an unknown method with 404 METHOD_NOT_FOUND', async () => {
    for (const method of ['nope', 'stream.delete', 'toString', '__proto__', 'constructor', '']) {
      expectError(await server.call(method), 404, 'METHOD_NOT_FOUND');
    }
    await expectStillServing(server);
  });

  it('parses the body whatever the Content-Type, or none', async () => {
    const body = JSON.stringify(['sys.version']);
    for (const type of ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'nonsense']) {
      expect(expectOk(await server.rpc(body, server.adminToken, { 'content-type': type }))).toBe('1.2.3');
    }
    expect(expectOk(await server.rpc(new TextEncoder().encode(body), server.adminToken))).toBe('1.2.3');
  });

  it('ignores extra trailing arguments, null options and unknown option keys', async () => {
    expect(expectOk(await server.call('sys.version', 1, 'two', { three: 3 }))).toBe('1.2.3');
    await server.call('stream.write', 'a-1', { type: 'T', data: {}, extra: 1 }, { whatever: true }, 'more');
    expect(expectOk(await server.call('stream.version', 'a-1', 'extra'))).toBe(0);
    expect(expectOk<unknown[]>(await server.call('stream.get', 'a-1', null))).toHaveLength(1);
    expect(
      expectOk<unknown[]>(await server.call('stream.get', 'a-1', { unknown: 'x', position: null })),
    ).toHaveLength(1);
    expect(expectOk<unknown[]>(await server.call('category.get', 'a', { bogus: [] }))).toHaveLength(1);
  });

  it('rejects arguments of the wrong type for every method', async () => {
    const msg = { type: 'T', data: {} };
    const calls: unknown[][] = [
      ['stream.write', 5, msg],
      ['stream.write', 'a-1'],
      ['stream.write', 'a-1', 'message'],
      ['stream.write', 'a-1', { type: 5, data: {} }],
      ['stream.write', 'a-1', { type: 'T' }],
      ['stream.write', 'a-1', { type: 'T', data: [] }],
      ['stream.write', 'a-1', { type: 'T', data: 'text' }],
      ['stream.write', 'a-1', { type: 'T', data: {}, metadata: 'x' }],
      ['stream.write', 'a-1', { type: 'T', data: {}, metadata: [] }],
      ['stream.write', 'a-1', msg, { id: 5 }],
      ['stream.write', 'a-1', msg, { expectedVersion: '1' }],
      ['stream.write', 'a-1', msg, { expectedVersion: 1.5 }],
      ['stream.write', 'a-1', msg, 'options'],
      ['stream.get'],
      ['stream.get', 5],
      ['stream.get', 'a-1', 'options'],
      ['stream.get', 'a-1', { position: '0' }],
      ['stream.get', 'a-1', { globalPosition: {} }],
      ['stream.get', 'a-1', { batchSize: 1e20 }],
      ['stream.last', null],
      ['stream.last', 'a-1', { type: 5 }],
      ['stream.version', []],
      ['category.get', 5],
      ['category.get'],
      ['ns.create', 5],
      ['ns.create', 'x', { description: 5 }],
      ['ns.create', 'x', 'options'],
      ['ns.delete', 5],
      ['ns.info', {}],
      ['ns.streams', 'options'],
      ['ns.streams', { prefix: 5 }],
      ['ns.streams', { cursor: false }],
    ];
    for (const call of calls) {
      const reply = await server.rpc(call, server.adminToken);
      expect(reply.status, JSON.stringify(call)).toBe(400);
      expectError(reply, 400, 'INVALID_REQUEST');
    }
    await expectStillServing(server);
  });

  it('rejects bad values: non-UUID id, empty stream name or type, negative expectedVersion', async () => {
    const msg = { type: 'T', data: {} };
    const calls: unknown[][] = [
      ['stream.write', 'a-1', msg, { id: 'not-a-uuid' }],
      ['stream.write', 'a-1', msg, { id: '' }],
      ['stream.write', '', msg],
      ['stream.write', 'a-1', { type: '', data: {} }],
      ['stream.write', 'a-1', msg, { expectedVersion: -2 }],
      ['stream.get', ''],
      ['stream.last', ''],
      ['stream.version', ''],
      ['ns.info', '../etc'],
      ['ns.delete', '.x'],
    ];
    for (const call of calls) expectError(await server.rpc(call, server.adminToken), 400, 'INVALID_REQUEST');
    expect(expectOk(await server.call('stream.version', 'a-1'))).toBeNull();
    await expectStillServing(server);
  });

  it('accepts metadata null and an upper-case UUID id', async () => {
    const id = '0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B';
    const reply = await server.call('stream.write', 'a-1', { type: 'T', data: {}, metadata: null }, { id });
    expect(expectOk(reply)).toEqual({ position: 0, globalPosition: 1 });
  });
});

describe('body size limit', () => {
  const server = useServer({ bodyLimit: 1024 });

  it('rejects a body over the limit with 413 PAYLOAD_TOO_LARGE and keeps serving', async () => {
    const big = ['stream.write', 'a-1', { type: 'T', data: { pad: 'x'.repeat(2000) } }];
    expectError(await server.rpc(big, server.adminToken), 413, 'PAYLOAD_TOO_LARGE');
    await expectStillServing(server);
  });

  it('rejects a chunked body that grows over the limit', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(600));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(chunk);
        controller.enqueue(new TextEncoder().encode('["sys.version"]'));
        controller.close();
      },
    });
    const init = {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}` },
      body,
      duplex: 'half',
    };
    expectError(await server.request('/rpc', init as RequestInit), 413, 'PAYLOAD_TOO_LARGE');
    await expectStillServing(server);
  });

  it('accepts a body under the limit', async () => {
    const small = ['stream.write', 'a-1', { type: 'T', data: { pad: 'x'.repeat(500) } }];
    expect(expectOk(await server.rpc(small, server.adminToken))).toEqual({ position: 0, globalPosition: 1 });
  });
});
