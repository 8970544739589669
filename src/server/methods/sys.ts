/** `sys.*` methods (contract §6). */
import type { MethodContext } from '../context.js';

/** `sys.version()` → the server's semver string. */
export function handleSysVersion(_args: readonly unknown[], ctx: MethodContext): Promise<string> {
  return Promise.resolve(ctx.version);
}

/**
 * Extensions of ours a client may detect with `sys.capabilities` (the original server answers
 * METHOD_NOT_FOUND to the call, and clients then fall back).
 */
export const FEATURES = ['category.get.timeWindow', 'import.onExisting'] as const;

/** The `sys.capabilities` result. */
export interface SysCapabilitiesResult {
  version: string;
  features: readonly string[];
}

/** `sys.capabilities()` → `{version, features}` (ours). */
export function handleSysCapabilities(
  _args: readonly unknown[],
  ctx: MethodContext,
): Promise<SysCapabilitiesResult> {
  return Promise.resolve({ version: ctx.version, features: FEATURES });
}

/** The `sys.health` result. */
export interface SysHealthResult {
  status: 'ok';
  /** The store backend's name, as its definition declares it. */
  backend: string;
  /** Open HTTP connections, this one included. */
  connections: number;
}

/** `sys.health()` → `{status: "ok", backend, connections}`. */
export async function handleSysHealth(
  _args: readonly unknown[],
  ctx: MethodContext,
): Promise<SysHealthResult> {
  return { status: 'ok', backend: ctx.store.backendName, connections: await ctx.connections() };
}
