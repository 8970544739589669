/**
 * What a server can do beyond the original EventoDB protocol, asked once per command with the RPC
 * `sys.capabilities` → `{"version":"…","features":["category.get.timeWindow","import.onExisting"]}`.
 * A server that answers with an error (the original answers METHOD_NOT_FOUND) has none of them,
 * and the CLI falls back to what every server does. A server that cannot be reached is still a
 * failure (NETWORK): falling back would only fail later with a less clear message.
 */
import { RpcError, type RpcClient } from './rpc.js';

/** The features the CLI uses, as `sys.capabilities` names them. */
export const FEATURES = {
  /** `category.get` takes `since`/`until` (RFC 3339; since inclusive, until exclusive). */
  timeWindow: 'category.get.timeWindow',
  /** `POST /import?onExisting=skip` skips records equal to the stored ones. */
  importSkip: 'import.onExisting',
} as const;

/** A server's capabilities. */
export interface ServerCapabilities {
  /** Its version, when it said; null for a server without `sys.capabilities`. */
  version: string | null;
  features: ReadonlySet<string>;
}

/** The capabilities of the server behind `rpc`. Throws `RpcError` NETWORK only. */
export async function fetchCapabilities(rpc: RpcClient): Promise<ServerCapabilities> {
  try {
    const reply = await rpc.call<{ version?: unknown; features?: unknown } | null>('sys.capabilities');
    const features = Array.isArray(reply?.features)
      ? reply.features.filter((f): f is string => typeof f === 'string')
      : [];
    const version = typeof reply?.version === 'string' ? reply.version : null;
    return { version, features: new Set(features) };
  } catch (err) {
    // The server answered, with an error (it does not know the method) or with something else.
    const answered = (err instanceof RpcError && err.status !== 0) || err instanceof SyntaxError;
    if (answered) return { version: null, features: new Set() };
    throw err;
  }
}
