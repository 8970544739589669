/**
 * The server's pino logger. Tokens never reach the log: requests are logged through
 * `serializeRequest`, which keeps method, URL (with any `token` query parameter redacted), host
 * and peer address, and never any header, so `Authorization` is never written.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

/** How the server logs: a pino logger, options for a new one (to stdout), or false for none. */
export type ServerLoggerOption = Logger | LoggerOptions | false;

/** What `serializeRequest` reads from a fastify request. */
export interface LoggableRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

const REDACTED = '[REDACTED]';

/** `url` with the value of every `token` query parameter (however percent-encoded) redacted. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((part) => (isTokenParam(part) ? `token=${REDACTED}` : part))
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

function isTokenParam(part: string): boolean {
  const eq = part.indexOf('=');
  const key = eq === -1 ? part : part.slice(0, eq);
  try {
    return decodeURIComponent(key.replace(/\+/g, ' ')).toLowerCase() === 'token';
  } catch {
    // An undecodable key cannot be `token` for the query parser either; redact it to be safe.
    return true;
  }
}

/** The request as logged: no headers, and the URL through `redactUrl`. */
export function serializeRequest(req: LoggableRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** The reply as logged: its status only. */
export function serializeReply(reply: { statusCode: number }): Record<string, unknown> {
  return { statusCode: reply.statusCode };
}

function isLogger(option: Logger | LoggerOptions): option is Logger {
  return typeof (option as Partial<Logger>).child === 'function';
}

/**
 * The logger fastify should use, with the safe request/reply serializers taking precedence over
 * any the caller configured; undefined for no logging.
 */
export function createServerLogger(option: ServerLoggerOption | undefined): Logger | undefined {
  if (option === undefined || option === false) return undefined;
  const base = isLogger(option) ? option : pino(option);
  return base.child({}, { serializers: { req: serializeRequest, res: serializeReply } });
}
