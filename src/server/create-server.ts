/**
 * The HTTP server (contract §1): `POST /rpc`, `GET /health`, `GET /version`, and a JSON 404 for
 * anything else. Every error leaves through one handler as `{"error":{code,message,details?}}`
 * with the code's HTTP status; a client mistake is never a 500.
 *
 * `createServer` does not listen: the caller runs `app.listen({port, host})` and, to shut down,
 * `app.close()`, which stops accepting connections and waits for in-flight requests.
 */
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { EventoError, isEventoError } from '../errors.js';
import type { EventStore } from '../store/event-store.js';
import { authenticateRequest, type AuthContext, type AuthOptions } from './auth.js';
import { createServerLogger, type ServerLoggerOption } from './log.js';
import { registerImportRoute } from './import.js';
import { dispatch, parseRpcCall } from './rpc.js';

/** The default `/rpc` body limit: 16 MiB. */
export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

const JSON_TYPE = 'application/json; charset=utf-8';

/** Options of `createServer`. */
export interface ServerOptions {
  /** The store every route uses; the caller opens and closes it. */
  store: EventStore;
  /** Test mode (contract §2): no token → `default`; unknown well-formed tokens self-register. */
  testMode?: boolean;
  /** Largest `/rpc` body in bytes; default 16 MiB. Larger bodies get 413 PAYLOAD_TOO_LARGE. */
  bodyLimit?: number;
  /** A pino logger, options for one, or false (the default) for no logging. */
  logger?: ServerLoggerOption;
  /** The server's semver, reported by `/version` and `sys.version`. */
  version: string;
}

/** What route plugins (`/rpc`, `/import`, `/subscribe`) need. */
export interface RouteDeps {
  store: EventStore;
  /** Pass to `authenticateRequest` (auth.ts) to authenticate a request. */
  auth: AuthOptions;
  bodyLimit: number;
  version: string;
}

/** Builds the server with every route registered; it is not listening yet. */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const loggerInstance = createServerLogger(options.logger);
  const app = fastify({ bodyLimit, ...(loggerInstance === undefined ? {} : { loggerInstance }) });
  const deps: RouteDeps = {
    store: options.store,
    auth: { store: options.store, testMode: options.testMode ?? false },
    bodyLimit,
    version: options.version,
  };

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void sendError(
      reply,
      new EventoError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    );
  });
  app.get('/health', () => ({ status: 'ok' }));
  app.get('/version', () => ({ version: options.version }));
  await app.register((instance) => registerRpcRoute(instance, deps));

  // /import (contract §8) in its own context; /subscribe (§7) will follow the same pattern.
  await app.register((scope) => registerImportRoute(scope, deps));

  return app;
}

/**
 * `POST /rpc` in its own encapsulated context: bodies are parsed as JSON whatever their
 * Content-Type (clients send application/json, text/plain or none), and the caller is
 * authenticated before the body is read.
 */
function registerRpcRoute(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const callers = new WeakMap<FastifyRequest, AuthContext>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body.toString('utf8')));
    } catch {
      done(new EventoError('INVALID_REQUEST', 'the body is not valid JSON'), undefined);
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    // Without a Content-Type, even a malformed header cannot turn a body away: the '*' parser runs.
    request.raw.headers['content-type'] = undefined;
    callers.set(request, await authenticateRequest(request, reply, deps.auth));
  });
  app.post('/rpc', async (request, reply) => {
    const auth = callers.get(request);
    if (auth === undefined) throw new Error('request reached /rpc unauthenticated');
    const text = await dispatch(parseRpcCall(request.body), {
      store: deps.store,
      auth,
      version: deps.version,
      connections: () => countConnections(app),
    });
    return reply.type(JSON_TYPE).send(text);
  });
  return Promise.resolve();
}

function countConnections(app: FastifyInstance): Promise<number> {
  return new Promise((resolve, reject) => {
    app.server.getConnections((err, count) => (err ? reject(err) : resolve(count)));
  });
}

/** The one error handler: EventoErrors keep their code; fastify's 4xx stay client errors. */
function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const evento = toEventoError(error);
  if (evento.status >= 500) request.log.error({ err: error }, 'request failed');
  return sendError(reply, evento);
}

/** Maps anything thrown to the contract's errors (see `handleError`). */
export function toEventoError(error: unknown): EventoError {
  if (isEventoError(error)) {
    return error;
  }
  const { code, statusCode, message } = (error ?? {}) as {
    code?: unknown;
    statusCode?: unknown;
    message?: unknown;
  };
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || statusCode === 413) {
    return new EventoError('PAYLOAD_TOO_LARGE', 'the request body is over the size limit');
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const text = typeof message === 'string' ? message : 'bad request';
    return new EventoError(statusCode === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST', text);
  }
  return new EventoError('BACKEND_ERROR', 'internal server error', undefined, { cause: error });
}

function sendError(reply: FastifyReply, error: EventoError): FastifyReply {
  return reply
    .code(error.status)
    .type(JSON_TYPE)
    .send(JSON.stringify({ error: error.toJSON() }));
}
