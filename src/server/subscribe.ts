/**
 * `GET /subscribe` (contract §7): authenticate (header or `?token=`), parse the target, register
 * with the hub, then hand the connection to a `Subscription` (subscription.ts documents the wire
 * format and why no poke is lost). Errors before the stream starts are the usual JSON envelope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashesEqual, hashToken } from '../token.js';
import { authenticateRequest, readToken } from './auth.js';
import type { RouteDeps } from './context.js';
import { parseSubscription } from './subscribe-params.js';
import { Subscription, type SubscriptionLimits } from './subscription.js';
import type { SubscriptionHub } from './subscription-hub.js';

export interface SubscribeRouteOptions {
  hub: SubscriptionHub;
  limits?: Partial<SubscriptionLimits>;
}

/** Registers `GET /subscribe` and its path forms on `app`. */
export function registerSubscribeRoute(
  app: FastifyInstance,
  deps: RouteDeps,
  options: SubscribeRouteOptions,
): Promise<void> {
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const auth = await authenticateRequest(request, reply, deps.auth, true);
    const spec = parseSubscription(request.url.split('?')[0] ?? '', firstValues(request.query));
    const token = readToken(request, true);
    const incarnation = typeof auth.ref === 'string' ? undefined : auth.ref.incarnation;
    // Still the namespace incarnation and the token this subscription was opened with?
    const stillAuthorized = async (): Promise<boolean> => {
      const now = await deps.store.getNamespace(auth.namespace);
      if (now === null || (incarnation !== undefined && now.incarnation !== incarnation)) return false;
      return token === undefined || hashesEqual(now.tokenHash, hashToken(token));
    };
    reply.hijack();
    const res = reply.raw;
    for (const [name, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) res.setHeader(name, value);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    const subscription: Subscription = new Subscription(spec, auth.ref, res, deps.store, {
      reads: options.hub.reads,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      onEnd: () => options.hub.remove(subscription),
    });
    try {
      await options.hub.add(subscription, stillAuthorized);
    } catch {
      subscription.end('the store could not be read; reconnect from your last position');
      return;
    }
    await subscription.start();
  };
  app.get('/subscribe', handler);
  app.get('/subscribe/*', handler);
  return Promise.resolve();
}

/** Query parameters with the first value of each. */
function firstValues(query: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const first = Array.isArray(value) ? (value as unknown[])[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}
