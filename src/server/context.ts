/**
 * What the routes and the RPC methods are given: the types every server module shares, in one
 * module that imports no route, so that no two server modules import each other.
 */
import type { EventStore } from '../store/event-store.js';
import type { AuthContext, AuthOptions } from './auth.js';

export interface RouteDeps {
  store: EventStore;
  /** Pass to `authenticateRequest` (auth.ts) to authenticate a request. */
  auth: AuthOptions;
  bodyLimit: number;
  /** Bytes of rows a read reply holds at most. */
  replyLimit: number;
  version: string;
}

/** What a method handler may use. */
export interface MethodContext {
  store: EventStore;
  /** The authenticated caller. */
  auth: AuthContext;
  /** The server's semver, for `sys.version`. */
  version: string;
  /** The number of open HTTP connections, for `sys.health`. */
  connections(): Promise<number>;
  /** Bytes of rows a read reply holds at most (`ServerOptions.replyLimit`). */
  replyLimit: number;
}
