/**
 * Requests that node's HTTP parser rejects before any route sees them still get the contract's
 * error envelope with a registry code and a fitting 4xx status, and the connection is closed.
 */
import { describe, expect, it } from 'vitest';
import { expectError, useServer } from './helpers.js';
import { envelopeCode, exchange } from './raw-socket.js';

const body = '["sys.version"]';

describe('requests rejected by the HTTP parser', () => {
  const server = useServer();
  const head = (lines: string[]) => `POST /rpc HTTP/1.1\r\nHost: x\r\n${lines.join('\r\n')}\r\n\r\n`;
  const auth = () => `Authorization: Bearer ${server.adminToken}`;

  const badRequests: [string, () => string][] = [
    ['a Content-Length that is not a number', () => head([auth(), 'Content-Length: abc']) + body],
    [
      'two conflicting Content-Length headers',
      () => head([auth(), 'Content-Length: 15', 'Content-Length: 3']) + body,
    ],
    [
      'chunked encoding together with a Content-Length',
      () => head([auth(), 'Transfer-Encoding: chunked', 'Content-Length: 15']) + `f\r\n${body}\r\n0\r\n\r\n`,
    ],
    ['a chunk size that is not hex', () => head([auth(), 'Transfer-Encoding: chunked']) + 'zz\r\nabc\r\n'],
    ['a garbage request line', () => 'HELLO THERE\r\n\r\n'],
  ];

  for (const [what, request] of badRequests) {
    it(`answers ${what} with 400 INVALID_REQUEST in the envelope and closes`, async () => {
      const reply = await exchange(server.url, request());
      expect(reply.status, reply.raw).toBe(400);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(envelopeCode(reply), reply.body).toBe('INVALID_REQUEST');
      expect(reply.headers['connection']).toBe('close');
    });
  }

  it('answers 20 KB of headers with 431 HEADERS_TOO_LARGE in the envelope and closes', async () => {
    const reply = await exchange(server.url, head([auth(), `X-Big: ${'a'.repeat(20_000)}`]));
    expect(reply.status, reply.raw).toBe(431);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(envelopeCode(reply), reply.body).toBe('HEADERS_TOO_LARGE');
  });

  it('keeps answering well-formed requests after rejecting malformed ones', async () => {
    await exchange(server.url, 'HELLO THERE\r\n\r\n');
    const reply = await server.call('sys.version');
    expect(reply.body).toBe('1.2.3');
  });
});

describe('/rpc bodies that are not UTF-8', () => {
  const server = useServer();

  it('rejects invalid UTF-8 with INVALID_REQUEST instead of storing U+FFFD', async () => {
    const json = Buffer.from('["stream.write","account-1",{"type":"T","data":{"s":"?"}}]');
    json[json.indexOf('?')] = 0xff;
    const reply = await server.rpc(json, server.adminToken);
    expectError(reply, 400, 'INVALID_REQUEST');
    expect(await server.store.streamVersion('default', 'account-1')).toBeNull();
  });
});
