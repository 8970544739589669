/**
 * Connection hygiene over real sockets: connections that never finish their headers, idle
 * keep-alive connections and stalled bodies are closed on their timeouts; connections over the
 * cap get a contract error; many idle sockets do not starve normal requests; and a long import
 * that keeps making progress is never cut.
 */
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/server/create-server.js';
import { generateToken, hashToken } from '../../src/token.js';
import { EventStore } from '../../src/store/event-store.js';
import { createSqliteBackend } from '../../src/store/sqlite/index.js';
import { generateRecords, toNdjson } from '../e2e/records.js';
import { startServer, type TestServer, type TestServerOptions } from './helpers.js';
import { envelopeCode, exchange, openSocket, untilClosed } from './raw-socket.js';

const SHORT = { headersTimeout: 300, keepAliveTimeout: 300, bodyTimeout: 300 };

async function withServer(options: TestServerOptions, test: (server: TestServer) => Promise<void>) {
  const server = await startServer(options);
  try {
    await test(server);
  } finally {
    await server.app.close();
    await server.store.close();
  }
}

/** Resolves once the server counts exactly `n` open connections. */
async function connectionsReach(server: TestServer, n: number): Promise<void> {
  const count = () =>
    new Promise<number>((resolve, reject) =>
      server.app.server.getConnections((err, c) => (err ? reject(err) : resolve(c))),
    );
  while ((await count()) !== n) await new Promise((resolve) => setImmediate(resolve));
}

const rpcHead = (token: string, extra: string) =>
  `POST /rpc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n${extra}\r\n`;

describe('connection timeouts', () => {
  it('closes a connection whose headers do not arrive in time with 408 REQUEST_TIMEOUT', async () => {
    await withServer(SHORT, async (server) => {
      const reply = await exchange(server.url, 'POST /rpc HTTP/1.1\r\nHost: x\r\n', 5_000);
      expect(reply.status).toBe(408);
      expect(envelopeCode(reply)).toBe('REQUEST_TIMEOUT');
    });
  });

  it('closes a connection that never sends anything', async () => {
    await withServer(SHORT, async (server) => {
      const socket = await openSocket(server.url);
      await untilClosed(socket, 5_000);
    });
  });

  it('closes a keep-alive connection that stays idle after its reply', async () => {
    await withServer(SHORT, async (server) => {
      const socket = await openSocket(server.url);
      const closed = untilClosed(socket, 5_000);
      socket.write(rpcHead(server.adminToken, 'Content-Length: 15\r\n') + '["sys.version"]');
      const reply = await closed;
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('"1.2.3"');
    });
  });

  it('closes a connection whose body stalls with 408 REQUEST_TIMEOUT', async () => {
    await withServer(SHORT, async (server) => {
      const reply = await exchange(
        server.url,
        rpcHead(server.adminToken, 'Content-Length: 100\r\n') + '["sys.ver',
        5_000,
      );
      expect(reply.status).toBe(408);
      expect(envelopeCode(reply)).toBe('REQUEST_TIMEOUT');
    });
  });
});

describe('connection cap', () => {
  it('answers a connection over the cap with 503 TOO_MANY_CONNECTIONS, then serves again', async () => {
    await withServer({ maxConnections: 5 }, async (server) => {
      const idle = await Promise.all(Array.from({ length: 5 }, () => openSocket(server.url)));
      await connectionsReach(server, 5);
      const reply = await exchange(
        server.url,
        rpcHead(server.adminToken, 'Content-Length: 15\r\n') + '["sys.version"]',
      );
      expect(reply.status).toBe(503);
      expect(envelopeCode(reply)).toBe('TOO_MANY_CONNECTIONS');
      for (const socket of idle) socket.destroy();
      await connectionsReach(server, 0);
      const ok = await exchange(
        server.url,
        rpcHead(server.adminToken, 'Content-Length: 15\r\nConnection: close\r\n') + '["sys.version"]',
      );
      expect(ok.status).toBe(200);
    });
  });
});

describe('many idle connections', () => {
  it('keeps answering requests while 1500 idle sockets are open, and closes them all', async () => {
    await withServer({ headersTimeout: 1_500 }, async (server) => {
      const idle: Socket[] = [];
      for (let i = 0; i < 15; i++) {
        idle.push(...(await Promise.all(Array.from({ length: 100 }, () => openSocket(server.url)))));
      }
      const closed = idle.map((socket) => untilClosed(socket, 15_000));
      for (let i = 0; i < 20; i++) {
        const reply = await server.call('sys.version');
        expect(reply.status).toBe(200);
      }
      await Promise.all(closed);
    });
  }, 20_000);
});

/** A memory store whose import batches take `ms` longer than the body timeout. */
function slowImportStore(ms: number): EventStore {
  const backend = createSqliteBackend({ inMemory: true });
  return new EventStore({
    ...backend,
    importBatch: async (ns, messages, options) => {
      await delay(ms);
      return backend.importBatch(ns, messages, options);
    },
  });
}

describe('a long import', () => {
  it('is not cut while the client keeps sending, though commits outlast the body timeout', async () => {
    const store = slowImportStore(700);
    const token = generateToken('default');
    await store.createNamespace('default', hashToken(token));
    const app = await createServer({ store, version: '1.2.3', ...SHORT });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const lines = toNdjson(generateRecords(3000)).split('\n');
      const req = request(`${url}/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      });
      const reply = new Promise<string>((resolve, reject) => {
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve(text));
          res.on('error', reject);
        });
        req.on('error', reject);
      });
      // 30 chunks over ~3 s: the upload lasts ten body timeouts and every commit outlasts one.
      for (let i = 0; i < 30; i++) {
        req.write(lines.slice(i * 100, (i + 1) * 100).join('\n') + '\n');
        await delay(100);
      }
      req.end();
      expect(await reply).toContain('"done":true,"imported":3000');
    } finally {
      await app.close();
      await store.close();
    }
  });
});
