/**
 * RPC dispatch (contract §3): the body is `["method", arg1, arg2, ...]`; extra trailing
 * arguments are ignored. The method table is built here, in one place.
 */
import { invalidRequest, methodNotFound } from '../errors.js';
import type { MethodContext } from './context.js';
import { handleCategoryGet } from './methods/category.js';
import {
  handleNsCategories,
  handleNsCreate,
  handleNsDelete,
  handleNsInfo,
  handleNsList,
  handleNsStreams,
} from './methods/ns.js';
import {
  handleStreamGet,
  handleStreamLast,
  handleStreamVersion,
  handleStreamWrite,
} from './methods/stream.js';
import { handleSysCapabilities, handleSysHealth, handleSysVersion } from './methods/sys.js';
import { RawJson, RawJsonChunks } from './rows.js';

/**
 * One RPC method: takes the arguments after the method name and returns the result — any JSON
 * value, or a `RawJson` that is sent as is. Throws EventoErrors.
 */
export type RpcHandler = (args: readonly unknown[], ctx: MethodContext) => Promise<unknown>;

/** Every RPC method by name (a Map, so `toString` or `__proto__` are simply unknown). */
export const METHODS: ReadonlyMap<string, RpcHandler> = new Map<string, RpcHandler>([
  ['stream.write', handleStreamWrite],
  ['stream.get', handleStreamGet],
  ['stream.last', handleStreamLast],
  ['stream.version', handleStreamVersion],
  ['category.get', handleCategoryGet],
  ['ns.create', handleNsCreate],
  ['ns.delete', handleNsDelete],
  ['ns.list', handleNsList],
  ['ns.info', handleNsInfo],
  ['ns.streams', handleNsStreams],
  ['ns.categories', handleNsCategories],
  ['sys.version', handleSysVersion],
  ['sys.health', handleSysHealth],
  ['sys.capabilities', handleSysCapabilities],
]);

/** A parsed RPC call. */
export interface RpcCall {
  method: string;
  args: readonly unknown[];
}

/** Checks the envelope: a JSON array with a string method name first. Throws INVALID_REQUEST. */
export function parseRpcCall(body: unknown): RpcCall {
  if (!Array.isArray(body)) throw invalidRequest('the body must be a JSON array ["method", ...args]');
  const [method, ...args] = body as unknown[];
  if (typeof method !== 'string') throw invalidRequest('the method name (first element) must be a string');
  return { method, args };
}

/**
 * Runs one call and returns the JSON text of its result (as chunks to stream for a large read).
 * Throws METHOD_NOT_FOUND for an unknown method, and whatever the handler throws.
 */
export async function dispatch(call: RpcCall, ctx: MethodContext): Promise<string | RawJsonChunks> {
  const handler = METHODS.get(call.method);
  if (handler === undefined) {
    throw methodNotFound(`unknown method ${JSON.stringify(call.method)}`);
  }
  const result = await handler(call.args, ctx);
  if (result instanceof RawJsonChunks) return result;
  return result instanceof RawJson ? result.text : JSON.stringify(result ?? null);
}
