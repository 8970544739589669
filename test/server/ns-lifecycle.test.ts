/**
 * A request acts only on the namespace incarnation its token opened: `ns.delete` + `ns.create` of
 * the same id during an /import or an /rpc whose body is still arriving ends that request with
 * NAMESPACE_NOT_FOUND, and nothing of it reaches the new namespace.
 */
import { request, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { generateRecords, toNdjson } from '../e2e/records.js';
import { expectOk, useServer, type TestServer } from './helpers.js';

/** Yields each SSE event's data as parsed JSON. */
async function* events(res: IncomingMessage): AsyncGenerator<Record<string, unknown>> {
  let buffered = '';
  for await (const chunk of res) {
    buffered += String(chunk);
    let end = buffered.indexOf('\n\n');
    while (end !== -1) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      end = buffered.indexOf('\n\n');
      if (block.startsWith('data: ')) yield JSON.parse(block.slice(6)) as Record<string, unknown>;
    }
  }
}

/** Deletes and creates namespace `id` through RPC with the admin token; returns the new token. */
async function recreate(server: TestServer, id: string): Promise<string> {
  expectOk(await server.call('ns.delete', id));
  return expectOk<{ token: string }>(await server.call('ns.create', id)).token;
}

async function messagesOf(server: TestServer, token: string): Promise<unknown[]> {
  return expectOk<unknown[]>(await server.rpc(['category.get', '', { batchSize: -1 }], token));
}

describe('namespace lifecycle during requests', () => {
  const server = useServer();

  it('ends an /import in flight with NAMESPACE_NOT_FOUND when its namespace is deleted and created again', async () => {
    const { token } = expectOk<{ token: string }>(await server.call('ns.create', 'x'));
    const lines = toNdjson(generateRecords(2000)).split('\n');
    const req = request(`${server.url}/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` },
    });
    req.on('error', () => undefined);
    const reply = new Promise<IncomingMessage>((resolve) => req.once('response', resolve));
    req.write(lines.slice(0, 1000).join('\n') + '\n');
    const stream = events(await reply);
    expect((await stream.next()).value).toMatchObject({ imported: 1000 });

    const newToken = await recreate(server, 'x');
    req.end(lines.slice(1000).join('\n'));
    const rest: Record<string, unknown>[] = [];
    for await (const event of stream) rest.push(event);
    expect(rest).toEqual([expect.objectContaining({ error: 'NAMESPACE_NOT_FOUND', line: 1001 })]);
    expect(await messagesOf(server, newToken)).toEqual([]);
  });

  it('refuses an /rpc write whose body arrives after its namespace was deleted and created again', async () => {
    const { token } = expectOk<{ token: string }>(await server.call('ns.create', 'x'));
    // The server authenticates from the headers, then starts reading the body.
    const readingBody = new Promise<void>((resolve) => {
      server.app.server.once('request', (incoming: IncomingMessage) => {
        incoming.on('newListener', (event) => {
          if (event === 'data') resolve();
        });
      });
    });
    const body = JSON.stringify(['stream.write', 'late-1', { type: 'Late', data: {} }]);
    const req = request(`${server.url}/rpc`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${token}`,
      },
    });
    const reply = new Promise<IncomingMessage>((resolve) => req.once('response', resolve));
    req.write(body.slice(0, 10));
    await readingBody;

    const newToken = await recreate(server, 'x');
    req.end(body.slice(10));
    const res = await reply;
    let text = '';
    for await (const chunk of res) text += String(chunk);
    expect(res.statusCode).toBe(404);
    expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe('NAMESPACE_NOT_FOUND');
    expect(await messagesOf(server, newToken)).toEqual([]);
  });
});
