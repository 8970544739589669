/**
 * The node:http server under fastify (passed through `serverFactory`), with the connection limits
 * a custom server must set itself. Idle and half-sent connections hold a file descriptor each, so
 * every state a connection can sit in has a deadline:
 *
 * - headers: a connection that has not sent complete request headers within `headersTimeout`
 *   (from its first byte, or from connecting) gets 408 REQUEST_TIMEOUT and is closed;
 * - keep-alive: an idle connection between requests is closed after `keepAliveTimeout`;
 * - body: a request body from which no byte arrives for `bodyTimeout` while the server waits for
 *   it gets 408 REQUEST_TIMEOUT (or, once a reply has started, a closed connection). Time in
 *   which received bytes wait unread (an import committing its batch) does not count, so an
 *   upload that keeps moving is never cut, however long it takes;
 * - count: beyond `maxConnections` open connections, a new connection's request is answered 503
 *   TOO_MANY_CONNECTIONS and the connection closed; a few more (`overflowSlots`) are accepted
 *   only for that answer, and past those node closes new connections at once.
 *
 * There is no total request timeout (node's default of 5 minutes cut long imports).
 */
import {
  createServer as createHttpServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { EventoError, headersTooLarge, requestTimeout, tooManyConnections } from '../errors.js';
import { JSON_TYPE, errorEnvelope } from './http-errors.js';

/** Connection limits; every field is in milliseconds except `maxConnections`. */
export interface ConnectionLimits {
  /** Complete request headers must arrive within this; default 10 s. */
  headersTimeout: number;
  /** An idle keep-alive connection is closed after this; default 5 s. */
  keepAliveTimeout: number;
  /** A request body may go this long without a byte while the server waits for it; default 60 s. */
  bodyTimeout: number;
  /** Open connections served normally; default 4096. */
  maxConnections: number;
}

/** The defaults of `ConnectionLimits`. */
export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = {
  headersTimeout: 10_000,
  keepAliveTimeout: 5_000,
  bodyTimeout: 60_000,
  maxConnections: 4096,
};

/** Connections accepted beyond the cap only to be told 503: a sixteenth of it, at least 16. */
export function overflowSlots(maxConnections: number): number {
  return Math.max(16, Math.ceil(maxConnections / 16));
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Creates the server; `listener` serves every request within the limits. */
export function createLimitedServer(limits: ConnectionLimits, listener: Listener): Server {
  const bodies = new BodyWatch(limits.bodyTimeout);
  const overCap = new WeakSet<Socket>();
  const server = createHttpServer(
    {
      requestTimeout: 0,
      headersTimeout: limits.headersTimeout,
      // How often node looks for connections past their headers deadline (its default is 30 s).
      connectionsCheckingInterval: checkInterval(limits.headersTimeout),
    },
    (req, res) => {
      if (overCap.has(req.socket)) {
        sendError(res, tooManyConnections('too many open connections; retry later'));
        return;
      }
      if (hasBody(req)) bodies.add(req, res);
      listener(req, res);
    },
  );
  server.keepAliveTimeout = limits.keepAliveTimeout;
  server.setTimeout(0);
  server.maxConnections = limits.maxConnections + overflowSlots(limits.maxConnections);
  let open = 0;
  server.on('connection', (socket: Socket) => {
    open++;
    if (open > limits.maxConnections) overCap.add(socket);
    socket.once('close', () => open--);
  });
  server.once('close', () => bodies.stop());
  return server;
}

/** A quarter of `timeout`, from 25 ms to 1 s (1 s when the timeout is off). */
function checkInterval(timeout: number): number {
  return timeout <= 0 ? 1000 : Math.min(1000, Math.max(25, Math.floor(timeout / 4)));
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

/** Request bodies in flight, checked a few times per `timeout` for time without a byte. */
class BodyWatch {
  readonly #reads = new Map<IncomingMessage, { res: ServerResponse; bytes: number; since: number }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeout: number) {}

  add(req: IncomingMessage, res: ServerResponse): void {
    if (this.timeout <= 0) return;
    this.#reads.set(req, { res, bytes: req.socket.bytesRead, since: performance.now() });
    res.once('finish', () => this.#reads.delete(req));
    this.#timer ??= setInterval(() => this.#check(), checkInterval(this.timeout)).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    const now = performance.now();
    for (const [req, read] of this.#reads) {
      if (req.complete || req.destroyed || req.socket.destroyed) {
        this.#reads.delete(req);
      } else if (req.socket.bytesRead !== read.bytes || req.readableLength > 0) {
        // Bytes arrived, or received bytes wait for a busy reader: not the client's stall.
        read.bytes = req.socket.bytesRead;
        read.since = now;
      } else if (now - read.since >= this.timeout) {
        this.#reads.delete(req);
        stalled(req, read.res);
      }
    }
  }
}

function stalled(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  if (res.headersSent) socket.destroy();
  else sendError(res, requestTimeout('the request body stalled'), () => socket.destroy());
}

/** Sends `error` as the contract's envelope and closes the connection after it. */
function sendError(res: ServerResponse, error: EventoError, after?: () => void): void {
  const text = errorEnvelope(error);
  res.writeHead(error.status, {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  });
  res.end(text, after);
}

/**
 * The server's `clientError` handler (fastify's `clientErrorHandler`): a request node's parser
 * rejects (bad or conflicting Content-Length, bad chunk, garbage request line, headers over the
 * limit) or whose headers time out gets the contract's envelope, then the connection closes.
 */
export function createClientErrorHandler(logger: Logger | undefined): (err: Error, socket: Duplex) => void {
  return (err, socket) => {
    const code = (err as { code?: unknown }).code;
    if (code === 'ECONNRESET' || socket.destroyed) return;
    logger?.debug({ err }, 'client error');
    const error =
      code === 'HPE_HEADER_OVERFLOW'
        ? headersTooLarge('the request headers are too large')
        : code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? requestTimeout('the request headers did not arrive in time')
          : new EventoError(
              'INVALID_REQUEST',
              `malformed HTTP request (${typeof code === 'string' ? code : 'parse error'})`,
            );
    // A reply already under way on this socket cannot be followed by another.
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && inFlight?.headersSent !== true) {
      const text = errorEnvelope(error);
      socket.write(
        `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\nContent-Type: ${JSON_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    }
    (socket as Socket).destroySoon();
  };
}
