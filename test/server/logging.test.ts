import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/token.js';
import { createServer } from '../../src/server/create-server.js';
import { redactUrl } from '../../src/server/log.js';
import { EventStore } from '../../src/store/event-store.js';
import type { StoreBackend } from '../../src/store/store.js';
import { expectError, expectOk, startServer, type TestServer } from './helpers.js';

/** A pino logger at trace level whose output lands in `lines`. */
function captureLogger(): { logger: pino.Logger; text: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, sink), text: () => chunks.join('') };
}

describe('logging', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('never writes a token to the log, from headers or query parameters', async () => {
    const capture = captureLogger();
    server = await startServer({ logger: capture.logger, testMode: true, bodyLimit: 256 });
    const token = server.adminToken;
    const fresh = generateToken('fresh');
    const auth = { authorization: `Bearer ${token}` };
    expectOk(await server.rpc(['sys.version'], token));
    expectOk(await server.rpc(['sys.version'], fresh));
    expectError(await server.rpc('{bad', token), 400, 'INVALID_REQUEST');
    expectError(await server.rpc(['x', 'y'.repeat(300)], token), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await server.rpc(['sys.version'], generateToken('default')), 403, 'AUTH_UNAUTHORIZED');
    await server.request(`/subscribe?stream=a-1&position=bad&token=${token}`, { headers: auth });
    const subscription = new AbortController();
    const open = await fetch(`${server.url}/subscribe?stream=a-1&token=${token}`, {
      signal: subscription.signal,
    });
    expect(open.status).toBe(200);
    subscription.abort();
    await server.request(`/rpc?token=${token}&x=1`, {
      method: 'POST',
      body: '["sys.version"]',
      headers: auth,
    });
    await server.request(`/nope?%74oken=${token}`);
    const log = capture.text();
    expect(log).toContain('incoming request');
    expect(log).toContain('token=[REDACTED]');
    const secret = (t: string): string => t.slice(t.lastIndexOf('_') + 1);
    for (const t of [token, fresh]) {
      expect(log).not.toContain(secret(t));
      expect(log).not.toContain(t.slice(0, t.lastIndexOf('_')) + '_');
    }
    expect(log.toLowerCase()).not.toContain('bearer');
  });

  it('redacts every spelling of the token query parameter from URLs', () => {
    expect(redactUrl('/subscribe?stream=a-1&token=abc&x=1')).toBe(
      '/subscribe?stream=a-1&token=[REDACTED]&x=1',
    );
    expect(redactUrl('/s?TOKEN=abc')).toBe('/s?token=[REDACTED]');
    expect(redactUrl('/s?%74oken=abc')).toBe('/s?token=[REDACTED]');
    expect(redactUrl('/s?tokens=abc')).toBe('/s?tokens=abc');
    expect(redactUrl('/health')).toBe('/health');
  });

  it('reports a store failure as 500 BACKEND_ERROR with a generic message and logs the cause', async () => {
    const broken = new Proxy({} as StoreBackend, {
      get: (_target, prop) => (prop === 'name' ? 'broken' : () => Promise.reject(new Error('disk on fire'))),
    });
    const capture = captureLogger();
    const store = new EventStore(broken);
    const app = await createServer({ store, testMode: true, version: '1.2.3', logger: capture.logger });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const reply = await fetch(`${url}/rpc`, { method: 'POST', body: '["stream.version","a-1"]' });
      expect(reply.status).toBe(500);
      const body = (await reply.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('BACKEND_ERROR');
      expect(body.error.message).not.toContain('disk on fire');
      expect(capture.text()).toContain('disk on fire');
      const health = await fetch(`${url}/rpc`, { method: 'POST', body: '["sys.health"]' });
      expect(await health.json()).toMatchObject({ status: 'ok', backend: 'broken' });
    } finally {
      await app.close();
    }
  });
});
