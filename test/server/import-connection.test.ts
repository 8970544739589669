/** POST /import ends its connection after the final event, whether the import failed or not. */
import { describe, expect, it } from 'vitest';
import { generateRecords, toNdjson } from '../e2e/records.js';
import { useServer } from './helpers.js';
import { openSocket, untilClosed } from './raw-socket.js';

function chunk(text: string): string {
  return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
}

describe('POST /import connection handling', () => {
  const server = useServer();
  const head = () =>
    `POST /import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.adminToken}\r\n` +
    'Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n';

  it('closes the connection after the error event while the client is still uploading', async () => {
    const socket = await openSocket(server.url);
    const closed = untilClosed(socket);
    // A bad line, and the body left open: the server must not wait for the rest of it.
    socket.write(head() + chunk(toNdjson(generateRecords(3)) + '{not json\n'));
    const reply = await closed;
    expect(reply.status).toBe(200);
    expect(reply.headers['connection']).toBe('close');
    expect(reply.body).toContain('"error":"INVALID_JSON"');
    expect(reply.body.trimEnd().endsWith('"line":4}')).toBe(true);
  });

  it('closes the connection after the done event', async () => {
    const socket = await openSocket(server.url);
    const closed = untilClosed(socket);
    socket.write(head() + chunk(toNdjson(generateRecords(3)) + '\n') + '0\r\n\r\n');
    const reply = await closed;
    expect(reply.headers['connection']).toBe('close');
    expect(reply.body).toContain('"done":true,"imported":3');
  });
});
