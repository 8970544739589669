/**
 * Authorization (wire contract §2); the token format itself is src/token.ts.
 *
 * `authenticateToken` is the one check every authenticated route makes (`/rpc` through
 * `bearerToken`, `/import` and `/subscribe` through `authenticateRequest`), so the rules below
 * live in one place:
 * - no token → 401 AUTH_REQUIRED (test mode: acts on `default`, as admin);
 * - malformed token → 401 AUTH_INVALID_TOKEN;
 * - unknown namespace or wrong secret → 403 AUTH_UNAUTHORIZED (test mode: an unknown namespace is
 *   created with that token and the reply carries `X-EventoDB-Token`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EventoError, authInvalidToken, authRequired, authUnauthorized } from '../errors.js';
import type { EventStore, NamespaceTarget } from '../store/event-store.js';
import type { NamespaceRecord, NamespaceRef } from '../store/store.js';
import { DEFAULT_NAMESPACE, hashesEqual, hashToken, parseToken } from '../token.js';

/** Reply header carrying a token that test mode just registered. */
export const TOKEN_HEADER = 'X-EventoDB-Token';

/** What authentication needs to know. */
export interface AuthOptions {
  store: EventStore;
  /** Test mode: no token → `default`; an unknown namespace's well-formed token creates it. */
  testMode: boolean;
}

/** Who is calling. */
export interface AuthContext {
  /** The namespace every data method acts on. */
  namespace: string;
  /**
   * That namespace's incarnation the token was checked against: data methods pass this to the
   * store, so a request never acts on a namespace deleted and created again since it began. A
   * token-less request in test mode has the bare id `default` (never deleted, so always current).
   */
  ref: NamespaceTarget;
  /** True for the `default` namespace's token (and a token-less request in test mode). */
  isAdmin: boolean;
  /** Set when test mode created the namespace for this token during this request. */
  issuedToken?: string;
}

/**
 * The token of a request: `Authorization: Bearer <token>`, or (when `allowQuery`, for browsers'
 * EventSource on `/subscribe`) the `token` query parameter. Undefined when none is sent; a
 * header of another scheme yields '' so that it is reported as malformed.
 */
export function readToken(request: FastifyRequest, allowQuery = false): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined || !allowQuery) return bearerToken(header);
  const query = request.query as Record<string, unknown> | undefined;
  const token = query?.token;
  return typeof token === 'string' ? token : undefined;
}

/** The token of an `Authorization` header: undefined without one, '' for another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1] ?? '';
}

/** Checks a token (absent: undefined) against the store. See the file comment for the rules. */
export async function authenticateToken(
  token: string | undefined,
  options: AuthOptions,
): Promise<AuthContext> {
  if (token === undefined) {
    if (options.testMode) return { namespace: DEFAULT_NAMESPACE, ref: DEFAULT_NAMESPACE, isAdmin: true };
    throw authRequired('a token is required: send Authorization: Bearer <token>');
  }
  const parsed = parseToken(token);
  if (parsed === null) throw authInvalidToken('the token is malformed');
  const { namespace } = parsed;
  const hash = hashToken(token);
  let record = await options.store.getNamespace(namespace);
  let issuedToken: string | undefined;
  if (record === null && options.testMode) {
    record = await createForTestMode(options.store, namespace, hash);
    if (record?.tokenHash === hash) issuedToken = token;
  }
  if (record === null || !hashesEqual(record.tokenHash, hash)) {
    throw authUnauthorized('the token is not valid for its namespace');
  }
  const context: AuthContext = { namespace, ref: refOf(record), isAdmin: namespace === DEFAULT_NAMESPACE };
  return issuedToken === undefined ? context : { ...context, issuedToken };
}

const refOf = (record: NamespaceRecord): NamespaceRef => ({
  id: record.id,
  incarnation: record.incarnation,
});

/** Creates the namespace for test mode; a concurrent creation by another request wins. */
async function createForTestMode(
  store: EventStore,
  namespace: string,
  hash: string,
): Promise<NamespaceRecord | null> {
  try {
    return await store.createNamespace(namespace, hash);
  } catch (err) {
    if (err instanceof EventoError && err.code === 'NAMESPACE_EXISTS') return store.getNamespace(namespace);
    throw err;
  }
}

/**
 * Authenticates a request (see `readToken` and `authenticateToken`) and, when test mode just
 * registered its token, sets the `X-EventoDB-Token` reply header. Throws AUTH_* EventoErrors.
 */
export async function authenticateRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  options: AuthOptions,
  allowQueryToken = false,
): Promise<AuthContext> {
  const context = await authenticateToken(readToken(request, allowQueryToken), options);
  if (context.issuedToken !== undefined) void reply.header(TOKEN_HEADER, context.issuedToken);
  return context;
}

/** Throws 403 AUTH_UNAUTHORIZED unless the caller holds the admin token. */
export function assertAdmin(auth: AuthContext): void {
  if (!auth.isAdmin) throw authUnauthorized('this method needs the admin token');
}

/** Throws 403 AUTH_UNAUTHORIZED unless the caller is admin or holds namespace `id`'s token. */
export function assertNamespaceAccess(auth: AuthContext, id: string): void {
  if (!auth.isAdmin && auth.namespace !== id) {
    throw authUnauthorized('this token may not inspect that namespace');
  }
}
