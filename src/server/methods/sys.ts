/** `sys.*` methods (contract §6). */
import type { MethodContext } from '../context.js';

/** `sys.version()` → the server's semver string. */
export function handleSysVersion(_args: readonly unknown[], ctx: MethodContext): Promise<string> {
  return Promise.resolve(ctx.version);
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
