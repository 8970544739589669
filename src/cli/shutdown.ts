/**
 * Graceful HTTP shutdown. `app.close()` stops accepting connections and waits for in-flight
 * requests, but a keep-alive connection that was busy when closing began stays open after its
 * response until the client's idle timeout (often over a minute), and a long-lived response (a
 * subscription) never ends by itself. So while closing we keep closing connections as soon as
 * they turn idle, and after a grace period we close whatever is left.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** Options of `closeGracefully`. */
export interface CloseGracefullyOptions {
  /** After this many milliseconds, remaining connections are closed even if busy. */
  graceMs: number;
  logger: Logger;
}

/** How often idle connections are swept while closing. */
const IDLE_SWEEP_MS = 50;

/** Closes `app`: in-flight requests finish (up to `graceMs`), then the server's onClose hooks run. */
export async function closeGracefully(app: FastifyInstance, options: CloseGracefullyOptions): Promise<void> {
  const closing = app.close();
  const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
  const force = setTimeout(() => {
    options.logger.warn({ graceMs: options.graceMs }, 'shutdown grace period over: closing busy connections');
    app.server.closeAllConnections();
  }, options.graceMs);
  try {
    await closing;
  } finally {
    clearInterval(sweep);
    clearTimeout(force);
  }
}
