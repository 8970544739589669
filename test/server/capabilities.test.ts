/** sys.capabilities (ours): how clients detect the extensions this server supports. */
import { describe, expect, it } from 'vitest';
import { useServer } from './helpers.js';

describe('sys.capabilities', () => {
  const server = useServer();

  it('names the server version and exactly the extensions it supports', async () => {
    const reply = await server.call('sys.capabilities');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      version: '1.2.3',
      features: ['category.get.timeWindow', 'import.onExisting'],
    });
  });

  it('asks for a token exactly as sys.version does', async () => {
    const version = await server.rpc(['sys.version'], null);
    const capabilities = await server.rpc(['sys.capabilities'], null);
    expect([capabilities.status, capabilities.body]).toEqual([version.status, version.body]);
    const other = await server.createNamespace('other');
    expect((await server.rpc(['sys.capabilities'], other)).status).toBe(200);
  });
});
