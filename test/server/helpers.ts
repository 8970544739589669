/**
 * Shared plumbing for the server tests: a real server on loopback over fresh storage on the test
 * backend (test/backends.ts: `EVENTODB_TEST_DB_URL`, default SQLite in memory) with a `default`
 * namespace, and a small RPC client on `fetch`.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect } from 'vitest';
import { createServer, type ServerOptions } from '../../src/server/create-server.js';
import { generateToken, hashToken } from '../../src/token.js';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { freshStorage } from '../backends.js';

/** One HTTP reply, body parsed as JSON when it is JSON. */
export interface HttpReply {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** Sends raw requests to the running server. */
export interface TestServer {
  readonly app: FastifyInstance;
  readonly store: EventStore;
  readonly url: string;
  /** The `default` namespace's (admin) token. */
  readonly adminToken: string;
  /** POST /rpc with `["method", ...args]` and the admin token. */
  call(method: string, ...args: unknown[]): Promise<HttpReply>;
  /** POST /rpc with `body` (JSON-encoded unless a string/Uint8Array) and `token` (null: none). */
  rpc(body: unknown, token: string | null, headers?: Record<string, string>): Promise<HttpReply>;
  /** Any request. */
  request(path: string, init?: RequestInit): Promise<HttpReply>;
  /** Creates a namespace through the store; returns its token. */
  createNamespace(id: string): Promise<string>;
  /** Closes the server, then its store, and removes its storage. */
  close(): Promise<void>;
}

export type TestServerOptions = Partial<Omit<ServerOptions, 'store'>>;

async function toReply(response: Response): Promise<HttpReply> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** Starts a fresh server before each test and closes it (and its store) after. */
export function useServer(options: TestServerOptions = {}): TestServer {
  let current: TestServer | undefined;
  beforeEach(async () => {
    current = await startServer(options);
  });
  afterEach(async () => {
    const server = current;
    current = undefined;
    await server?.close();
  });
  const get = (): TestServer => {
    if (current === undefined) throw new Error('no server running: use it inside a test');
    return current;
  };
  return {
    get app() {
      return get().app;
    },
    get store() {
      return get().store;
    },
    get url() {
      return get().url;
    },
    get adminToken() {
      return get().adminToken;
    },
    call: (method, ...args) => get().call(method, ...args),
    rpc: (body, token, headers) => get().rpc(body, token, headers),
    request: (path, init) => get().request(path, init),
    createNamespace: (id) => get().createNamespace(id),
    close: () => get().close(),
  };
}

/** Starts one server on 127.0.0.1 with a random port. */
export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const storage = await freshStorage('memory:');
  const store = await openStore(storage.url, { dataDir: storage.dataDir });
  const adminToken = generateToken('default');
  await store.createNamespace('default', hashToken(adminToken));
  const app = await createServer({ version: '1.2.3', ...options, store });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const request = async (path: string, init?: RequestInit): Promise<HttpReply> =>
    toReply(await fetch(url + path, init));
  const rpc = (
    body: unknown,
    token: string | null,
    headers: Record<string, string> = {},
  ): Promise<HttpReply> =>
    request('/rpc', {
      method: 'POST',
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
      body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    });
  return {
    app,
    store,
    url,
    adminToken,
    rpc,
    request,
    call: (method, ...args) => rpc([method, ...args], adminToken, { 'content-type': 'application/json' }),
    createNamespace: async (id) => {
      const token = generateToken(id);
      await store.createNamespace(id, hashToken(token));
      return token;
    },
    close: async () => {
      await app.close();
      await store.close();
      await storage.remove();
    },
  };
}

/** Asserts an error reply: its HTTP status and `error.code`; returns the error object. */
export function expectError(
  reply: HttpReply,
  status: number,
  code: string,
): { code: string; message: string } {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  const error = (reply.body as { error: { code: string; message: string } }).error;
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe('string');
  return error;
}

/** Asserts a 200 reply and returns its body. */
export function expectOk<T = unknown>(reply: HttpReply): T {
  expect(reply.status, reply.text).toBe(200);
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  return reply.body as T;
}

/** RFC 3339 UTC with microseconds at most and no trailing zeros (contract §4). */
export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,5}[1-9])?Z$/;
