/**
 * The HTTP server (contract §1): `POST /rpc`, `GET /health`, `GET /version`, and a JSON 404 for
 * anything else. Every error leaves through one handler as `{"error":{code,message,details?}}`
 * with the code's HTTP status; a client mistake is never a 500.
 *
 * `createServer` does not listen: the caller runs `app.listen({port, host})` and, to shut down,
 * `app.close()`, which stops accepting connections and waits for in-flight requests.
 */
import fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Server } from 'node:http';
import type { EventoError } from '../errors.js';
import { notFound } from '../errors.js';
import type { EventStore } from '../store/event-store.js';
import type { RouteDeps } from './context.js';
import {
  createClientErrorHandler,
  createLimitedServer,
  DEFAULT_CONNECTION_LIMITS,
  type ConnectionLimits,
} from './connections.js';
import { JSON_TYPE, toEventoError, errorEnvelope } from './http-errors.js';
import { createServerLogger, type ServerLoggerOption } from './log.js';
import { registerImportRoute } from './import.js';
import { registerSubscribeRoute } from './subscribe.js';
import type { SubscriptionLimits } from './subscription.js';
import { SubscriptionHub, type HubOptions } from './subscription-hub.js';
import { createRpcHandler, isRpcRequest } from './rpc-route.js';

/** The default `/rpc` body limit: 16 MiB. */
export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

/** The default size bound of a `stream.get`/`category.get` reply: 16 MiB. */
export const DEFAULT_REPLY_LIMIT = 16 * 1024 * 1024;

/** Options of `createServer`; the connection limits default to `DEFAULT_CONNECTION_LIMITS`. */
export interface ServerOptions extends Partial<ConnectionLimits> {
  /** The store every route uses; the caller opens and closes it. */
  store: EventStore;
  /** Test mode (contract §2): no token → `default`; unknown well-formed tokens self-register. */
  testMode?: boolean;
  /** Largest `/rpc` body in bytes; default 16 MiB. Larger bodies get 413 PAYLOAD_TOO_LARGE. */
  bodyLimit?: number;
  /**
   * Bytes of rows one `stream.get`/`category.get` reply holds at most (default 16 MiB): rows stop
   * before the one that would pass it, but a reply always holds at least one row.
   */
  replyLimit?: number;
  /** A pino logger, options for one, or false (the default) for no logging. */
  logger?: ServerLoggerOption;
  /** The server's semver, reported by `/version` and `sys.version`. */
  version: string;
  /** `/subscribe` timers (keepalive, token re-check) and per-subscriber limits. */
  subscriptions?: HubOptions & { limits?: Partial<SubscriptionLimits> };
}

/** What route plugins (`/rpc`, `/import`, `/subscribe`) need. */
/**
 * Builds the server with every route registered; it is not listening yet. `POST /rpc` is served
 * by rpc-route.ts on the bare node:http server, everything else by fastify.
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const loggerInstance = createServerLogger(options.logger);
  const deps: RouteDeps = {
    store: options.store,
    auth: { store: options.store, testMode: options.testMode ?? false },
    bodyLimit,
    replyLimit: options.replyLimit ?? DEFAULT_REPLY_LIMIT,
    version: options.version,
  };
  // fastify's own logger type: the app's type would otherwise carry pino's.
  const fastifyLogger: FastifyBaseLogger | undefined = loggerInstance;
  let server: Server | undefined;
  const rpc = createRpcHandler({
    deps,
    logger: loggerInstance,
    connections: () => countConnections(server),
  });
  const limits: ConnectionLimits = {
    headersTimeout: options.headersTimeout ?? DEFAULT_CONNECTION_LIMITS.headersTimeout,
    keepAliveTimeout: options.keepAliveTimeout ?? DEFAULT_CONNECTION_LIMITS.keepAliveTimeout,
    bodyTimeout: options.bodyTimeout ?? DEFAULT_CONNECTION_LIMITS.bodyTimeout,
    maxConnections: options.maxConnections ?? DEFAULT_CONNECTION_LIMITS.maxConnections,
  };
  const app = fastify({
    bodyLimit,
    ...(fastifyLogger === undefined ? {} : { loggerInstance: fastifyLogger }),
    // fastify's own handler answers parser errors with a body outside the contract.
    clientErrorHandler: createClientErrorHandler(loggerInstance),
    // The timeouts fastify would set on a server it creates are set by createLimitedServer.
    serverFactory: (fastifyHandler) => {
      server = createLimitedServer(limits, (req, res) =>
        isRpcRequest(req) ? rpc(req, res) : fastifyHandler(req, res),
      );
      return server;
    },
  });

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void sendError(reply, notFound(`no route ${request.method} ${request.url.split('?')[0]}`));
  });
  app.get('/health', () => ({ status: 'ok' }));
  app.get('/version', () => ({ version: options.version }));

  // /import (contract §8) and /subscribe (§7), each in its own context.
  await app.register((scope) => registerImportRoute(scope, deps));
  const hub = new SubscriptionHub(options.store, options.subscriptions);
  const subscriberLimits = options.subscriptions?.limits;
  await app.register((scope) =>
    registerSubscribeRoute(scope, deps, {
      hub,
      ...(subscriberLimits === undefined ? {} : { limits: subscriberLimits }),
    }),
  );
  // Open subscriptions would hold the server open: end them as closing begins.
  app.addHook('preClose', (done) => {
    hub.close('the server is shutting down; reconnect from your last position');
    done();
  });

  return app;
}

function countConnections(server: Server | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    if (server === undefined) resolve(0);
    else server.getConnections((err, count) => (err ? reject(err) : resolve(count)));
  });
}

/** The one error handler: EventoErrors keep their code; fastify's 4xx stay client errors. */
function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const evento = toEventoError(error);
  if (evento.status >= 500) request.log.error({ err: error }, 'request failed');
  return sendError(reply, evento);
}

function sendError(reply: FastifyReply, error: EventoError): FastifyReply {
  return reply.code(error.status).type(JSON_TYPE).send(errorEnvelope(error));
}
