/**
 * `ns.*` methods (contract §6). `ns.create`, `ns.delete` and `ns.list` need the admin token;
 * `ns.info` needs it or the namespace's own token; `ns.streams` and `ns.categories` describe the
 * caller's own namespace. Times are RFC 3339 (`formatTime`).
 */
import { invalidRequest } from '../../errors.js';
import type { CategorySummary } from '../../store/store.js';
import { formatTime, nowMicros } from '../../store/time.js';
import { DEFAULT_NAMESPACE, generateToken, hashToken, parseToken } from '../../token.js';
import { assertAdmin, assertNamespaceAccess } from '../auth.js';
import { parseNsCreateArgs, parseNsIdArgs, parseNsStreamsArgs } from '../params.js';
import type { MethodContext } from '../context.js';

/** The `ns.create` result; `token` is shown once, only its hash is stored. */
export interface NsCreateResult {
  namespace: string;
  token: string;
  createdAt: string;
}

/**
 * `ns.create(id, {description?, token?})`: registers a namespace with a generated token, or with
 * `token`, which must be well-formed and encode `id` (else INVALID_REQUEST). Throws
 * AUTH_UNAUTHORIZED (not admin), INVALID_REQUEST (bad id), NAMESPACE_EXISTS.
 */
export async function handleNsCreate(args: readonly unknown[], ctx: MethodContext): Promise<NsCreateResult> {
  assertAdmin(ctx.auth);
  const { id, description, token: given } = parseNsCreateArgs(args);
  if (given !== undefined && parseToken(given)?.namespace !== id) {
    throw invalidRequest('token must be a well-formed token for this namespace id');
  }
  const token = given ?? generateToken(id);
  const record = await ctx.store.createNamespace(id, hashToken(token), description ?? '');
  return { namespace: record.id, token, createdAt: formatTime(record.createdAt) };
}

/** The `ns.delete` result. */
export interface NsDeleteResult {
  namespace: string;
  deletedAt: string;
  messagesDeleted: number;
}

/**
 * `ns.delete(id)`: removes a namespace and its messages. Throws AUTH_UNAUTHORIZED (not admin),
 * INVALID_REQUEST (bad id, or `default`), NAMESPACE_NOT_FOUND.
 */
export async function handleNsDelete(args: readonly unknown[], ctx: MethodContext): Promise<NsDeleteResult> {
  assertAdmin(ctx.auth);
  const { id } = parseNsIdArgs(args);
  if (id === DEFAULT_NAMESPACE) throw invalidRequest('the default namespace cannot be deleted');
  const { messagesDeleted } = await ctx.store.deleteNamespace(id);
  return { namespace: id, deletedAt: formatTime(nowMicros()), messagesDeleted };
}

/** One `ns.list` entry. */
export interface NsListEntry {
  namespace: string;
  description: string;
  createdAt: string;
  messageCount: number;
}

/** `ns.list()` → every namespace, sorted by id. Throws AUTH_UNAUTHORIZED (not admin). */
export async function handleNsList(_args: readonly unknown[], ctx: MethodContext): Promise<NsListEntry[]> {
  assertAdmin(ctx.auth);
  const namespaces = await ctx.store.listNamespaces();
  return namespaces.map((ns) => ({
    namespace: ns.id,
    description: ns.description,
    createdAt: formatTime(ns.createdAt),
    messageCount: ns.messageCount,
  }));
}

/** The `ns.info` result; `lastActivity` is the newest message's time, null when empty. */
export interface NsInfoResult extends NsListEntry {
  streamCount: number;
  lastActivity: string | null;
}

/**
 * `ns.info(id)`. Throws AUTH_UNAUTHORIZED (neither admin nor that namespace's token),
 * INVALID_REQUEST (bad id), NAMESPACE_NOT_FOUND.
 */
export async function handleNsInfo(args: readonly unknown[], ctx: MethodContext): Promise<NsInfoResult> {
  const { id } = parseNsIdArgs(args);
  assertNamespaceAccess(ctx.auth, id);
  const info = await ctx.store.namespaceInfo(id);
  return {
    namespace: info.id,
    description: info.description,
    createdAt: formatTime(info.createdAt),
    messageCount: info.messageCount,
    streamCount: info.streamCount,
    lastActivity: info.lastActivity === null ? null : formatTime(info.lastActivity),
  };
}

/** One `ns.streams` entry. */
export interface NsStreamEntry {
  stream: string;
  version: number;
  lastActivity: string;
}

/** `ns.streams({prefix?, cursor?, limit?=100})` → streams sorted by name, after `cursor`. */
export async function handleNsStreams(
  args: readonly unknown[],
  ctx: MethodContext,
): Promise<NsStreamEntry[]> {
  const streams = await ctx.store.listStreams(ctx.auth.ref, parseNsStreamsArgs(args));
  return streams.map((s) => ({
    stream: s.stream,
    version: s.version,
    lastActivity: formatTime(s.lastActivity),
  }));
}

/** `ns.categories()` → `[{category, streamCount, messageCount}]` sorted by category. */
export async function handleNsCategories(
  _args: readonly unknown[],
  ctx: MethodContext,
): Promise<CategorySummary[]> {
  const categories = await ctx.store.listCategories(ctx.auth.ref);
  return categories.map((c) => ({
    category: c.category,
    streamCount: c.streamCount,
    messageCount: c.messageCount,
  }));
}
