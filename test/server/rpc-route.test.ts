/**
 * What the bare node:http `/rpc` route (src/server/rpc-route.ts) must keep from the fastify route
 * it replaced: graceful shutdown of in-flight calls, request logs, and the body limit checked
 * before anything is read.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createServer } from '../../src/server/create-server.js';
import { EventStore } from '../../src/store/event-store.js';
import { createSqliteBackend } from '../../src/store/sqlite/index.js';
import type { StoreBackend } from '../../src/store/store.js';
import { startServer, type TestServer, type TestServerOptions } from './helpers.js';

/** A memory store whose streamVersion waits until `release()` is called. */
async function gatedStore(): Promise<{ store: EventStore; entered: Promise<void>; release: () => void }> {
  const backend = createSqliteBackend({ inMemory: true });
  let release = () => {};
  let enter = () => {};
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  const gated: StoreBackend = {
    ...backend,
    streamVersion: async (ns, name) => {
      enter();
      await gate;
      return backend.streamVersion(ns, name);
    },
  };
  return { store: new EventStore(gated), entered, release };
}

/** Runs `test` against a fresh server, closed afterwards. */
async function withServer(
  options: TestServerOptions,
  test: (server: TestServer) => Promise<void>,
): Promise<void> {
  const server = await startServer(options);
  try {
    await test(server);
  } finally {
    await server.close();
  }
}

describe('POST /rpc on node:http', () => {
  it('answers a call in flight when shutdown begins, telling the client to close the connection', async () => {
    const { store, entered, release } = await gatedStore();
    await store.createNamespace('default', 'unused-hash');
    const app = await createServer({ store, testMode: true, version: '1.2.3' });
    const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
    const reply = new Promise<{ status: number; connection: string | undefined; body: string }>(
      (resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, path: '/rpc', method: 'POST', agent: false },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
            );
          },
        );
        req.on('error', reject);
        req.end('["stream.version","account-1"]');
      },
    );
    await entered;
    const closed = app.close();
    release();
    const answered = await reply;
    await closed;
    expect(answered).toEqual({ status: 200, connection: 'close', body: 'null' });
    await store.close();
  });

  it('logs each call like fastify logs its routes, without the token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').trim().split('\n'));
        done();
      },
    });
    await withServer({ logger: pino({ level: 'info' }, sink) }, async (server) => {
      expect((await server.rpc(['sys.version'], server.adminToken)).status).toBe(200);
      expect((await server.rpc(['nope'], server.adminToken)).status).toBe(404);
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const incoming = entries.filter((e) => e.msg === 'incoming request');
      const completed = entries.filter((e) => e.msg === 'request completed');
      expect(incoming.map((e) => e.req)).toMatchObject([
        { method: 'POST', url: '/rpc' },
        { method: 'POST', url: '/rpc' },
      ]);
      expect(completed.map((e) => e.res)).toEqual([{ statusCode: 200 }, { statusCode: 404 }]);
      expect(completed.map((e) => e.reqId)).toEqual(incoming.map((e) => e.reqId));
      expect(lines.join('\n')).not.toContain(server.adminToken.slice(-64));
    });
  });

  it('refuses a declared body over the limit before reading it, and closes that connection', async () => {
    await withServer({ bodyLimit: 64 }, async (server) => {
      const url = new URL(server.url);
      const reply = await new Promise<{ status: number; connection: string | undefined }>(
        (resolve, reject) => {
          const req = httpRequest(
            {
              host: url.hostname,
              port: url.port,
              path: '/rpc',
              method: 'POST',
              agent: false,
              headers: { authorization: `Bearer ${server.adminToken}`, 'content-length': 1_000_000 },
            },
            (res) => {
              res.resume();
              resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
            },
          );
          req.on('error', reject);
          req.write('["sys.version"'); // never sends the rest: the reply must not wait for it
        },
      );
      expect(reply).toEqual({ status: 413, connection: 'close' });
      expect((await server.call('sys.version')).status).toBe(200);
    });
  });

  it('survives clients that hang up halfway through a body or before the reply', async () => {
    await withServer({}, async (server) => {
      const url = new URL(server.url);
      const head = (length: number) =>
        `POST /rpc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.adminToken}\r\n` +
        `Content-Length: ${length}\r\n\r\n`;
      const complete = '["stream.write","a-1",{"type":"T","data":{}}]';
      for (const payload of [
        head(1000) + '["stream.write","a-1",', // hangs up mid-body
        head(complete.length) + complete, // hangs up before the reply
      ]) {
        await new Promise<void>((resolve, reject) => {
          const socket = connect(Number(url.port), url.hostname, () => {
            socket.write(payload, () => {
              socket.destroy();
              resolve();
            });
          });
          socket.on('error', reject);
        });
      }
      expect((await server.call('sys.version')).status).toBe(200);
      // The complete write that lost its reader is committed at most once: the client's reset may
      // reach the server before the request does (then nothing is written), never twice.
      await vi
        .waitFor(async () => expect((await server.call('stream.version', 'a-1')).body).toBe(0), {
          timeout: 3000,
        })
        .catch(() => undefined);
      expect([0, 1]).toContain(((await server.call('stream.get', 'a-1')).body as unknown[]).length);
      expect((await server.call('sys.version')).status).toBe(200);
    });
  });

  it('has no request timeout (long imports), a 10 s headers timeout and a 5 s keep-alive', async () => {
    await withServer({}, async (server) => {
      // node's own default requestTimeout (5 minutes) cut a 10 GB import after 5.3 M events.
      expect(server.app.server.requestTimeout).toBe(0);
      expect(server.app.server.timeout).toBe(0);
      expect(server.app.server.headersTimeout).toBe(10_000);
      expect(server.app.server.keepAliveTimeout).toBe(5_000);
    });
  });
});
