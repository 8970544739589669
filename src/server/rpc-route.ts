/**
 * `POST /rpc` on bare `node:http`, ahead of fastify (ADR 0001). Every SDK call comes through here,
 * and on the reference machine fastify's request pipeline (hooks, content-type parsing, reply
 * serialization) cost about twice the CPU of this handler per call (see PERFORMANCE.md). Every
 * other route stays on fastify, which still owns the server's lifecycle and its logger.
 *
 * Order of work, as the contract wants it: authenticate from the headers before reading the body
 * (a bad token never costs a body upload), then read the body up to the limit (413 beyond it,
 * announced by Content-Length or not), parse it as JSON whatever its Content-Type, dispatch.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { EventoError } from '../errors.js';
import { invalidRequest, payloadTooLarge } from '../errors.js';
import { authenticateToken, bearerToken, TOKEN_HEADER } from './auth.js';
import type { RouteDeps } from './context.js';
import { JSON_TYPE, toEventoError, errorEnvelope } from './http-errors.js';
import { RawJsonChunks } from './rows.js';
import { dispatch, parseRpcCall } from './rpc.js';

/** What the handler needs besides the route dependencies. */
export interface RpcRouteOptions {
  deps: RouteDeps;
  /** fastify's logger (with the token-safe serializers of log.ts), if logging. */
  logger: Logger | undefined;
  /** Open HTTP connections, for `sys.health`. */
  connections: () => Promise<number>;
}

/** True for the requests this handler serves. */
export function isRpcRequest(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url === '/rpc' || req.url?.startsWith('/rpc?') === true);
}

/** The `(req, res)` listener for `POST /rpc`. */
export function createRpcHandler(
  options: RpcRouteOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  let requests = 0;
  return (req, res) => {
    const log = options.logger?.isLevelEnabled('info') === true ? options.logger : undefined;
    const reqId = log === undefined ? '' : `rpc-${++requests}`;
    const started = log === undefined ? 0 : performance.now();
    log?.info({ reqId, req: loggable(req) }, 'incoming request');
    serve(req, res, options).then(
      (status) => {
        log?.info(
          { reqId, res: { statusCode: status }, responseTime: performance.now() - started },
          'request completed',
        );
      },
      // Only a bug gets here (serve answers every error); it must not take the server down.
      (err: unknown) => {
        options.logger?.error({ err }, 'request failed');
        res.destroy();
      },
    );
  };
}

/** Serves one call; resolves with the status sent. */
async function serve(req: IncomingMessage, res: ServerResponse, options: RpcRouteOptions): Promise<number> {
  const { deps } = options;
  let bodyRead = false;
  try {
    const auth = await authenticateToken(bearerToken(req.headers.authorization), deps.auth);
    if (auth.issuedToken !== undefined) res.setHeader(TOKEN_HEADER, auth.issuedToken);
    const body = await readBody(req, deps.bodyLimit);
    bodyRead = true;
    const text = await dispatch(parseRpcCall(parseJson(body)), {
      store: deps.store,
      auth,
      version: deps.version,
      connections: options.connections,
      replyLimit: deps.replyLimit,
    });
    if (text instanceof RawJsonChunks) return await stream(res, text.chunks);
    return send(res, 200, text, false);
  } catch (err) {
    const error = toEventoError(err);
    if (error.status >= 500) options.logger?.error({ err }, 'request failed');
    // A body left unread past the limit is not drained: the connection closes instead. (While the
    // server shuts down, node:http closes every connection after its reply by itself.)
    const close = !bodyRead && error.code === 'PAYLOAD_TOO_LARGE';
    return send(res, error.status, errorEnvelope(error), close);
  }
}

function send(res: ServerResponse, status: number, text: string, close: boolean): number {
  if (res.headersSent || res.destroyed) return status;
  res.statusCode = status;
  res.setHeader('content-type', JSON_TYPE);
  res.setHeader('content-length', Buffer.byteLength(text));
  if (close) res.setHeader('connection', 'close');
  res.end(text);
  return status;
}

/**
 * Writes a large 200 reply chunk by chunk, each once the socket has taken the previous one, so
 * one reply holds one chunk in memory however large it is. A client gone mid-reply just ends it.
 */
async function stream(res: ServerResponse, chunks: Iterable<string>): Promise<number> {
  res.statusCode = 200;
  res.setHeader('content-type', JSON_TYPE);
  for (const chunk of chunks) {
    if (res.destroyed) return 200;
    if (!res.write(chunk)) await drained(res);
  }
  res.end();
  return 200;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Fatal: invalid UTF-8 is a client mistake, not text to repair with U+FFFD. BOMs stay (and fail). */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseJson(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw invalidRequest('the body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest('the body is not valid JSON');
  }
}

const tooLarge = () => payloadTooLarge('the request body is over the size limit');

/** The whole body, or PAYLOAD_TOO_LARGE as soon as it is known to exceed `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Settled once; errors are built only when needed (an Error's stack trace costs µs per call).
    let settled = false;
    const fail = (error: () => EventoError) => {
      if (settled) return;
      settled = true;
      reject(error());
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        fail(tooLarge);
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    // A client gone mid-body is its own mistake, not a server error (and no reply reaches it).
    const cut = () => fail(() => invalidRequest('the request ended before its body did'));
    req.once('error', cut);
    req.once('close', cut);
  });
}

/** The request as `serializeRequest` (log.ts) reads it. */
function loggable(req: IncomingMessage) {
  return {
    method: req.method ?? '',
    url: req.url ?? '',
    host: req.headers.host,
    ip: req.socket.remoteAddress,
    socket: req.socket,
  };
}
