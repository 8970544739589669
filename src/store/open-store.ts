/**
 * Opens a store by URL scheme: the registry below maps each scheme to a backend folder, imported
 * lazily, so a driver (better-sqlite3, pg, lmdb) loads only when its scheme is chosen. Each backend
 * parses the rest of its own URL, creates its own directories or schema and declares what it
 * supports (its index.ts exports a `BackendDefinition` named `backend`).
 *
 * Schemes:
 * - `sqlite://<metadata file>[?synchronous=full|normal]`, or `sqlite:` for `<data dir>/eventodb.db`
 *   (the default when no URL is given); see src/store/sqlite/index.ts.
 * - `memory:`: SQLite in memory (the same as `sqlite:` in test mode).
 * - `postgres://user:pass@host:port/db[?pool=N&sslmode=...]` (or `postgresql://`): PostgreSQL,
 *   `pool` connections per process (default 10); other query options go to the client.
 * - `lmdb:///abs/dir[?sync=full|none&mapSize=bytes]` (or `lmdb:` for `<data dir>/lmdb`; `pebble:`
 *   is an alias): the embedded key-value backend; see src/store/kv/index.ts.
 */
import { EventoError, invalidRequest } from '../errors.js';
import { EventStore, type EventStoreOptions } from './event-store.js';
import type { BackendDefinition } from './store.js';

/** The store a server uses when no URL is given: SQLite in the data directory. */
export const DEFAULT_STORE_URL = 'sqlite:';

type BackendLoader = () => Promise<BackendDefinition>;

const sqlite: BackendLoader = async () => (await import('./sqlite/index.js')).backend;
const postgres: BackendLoader = async () => (await import('./postgres/index.js')).backend;
const kv: BackendLoader = async () => (await import('./kv/index.js')).backend;

/** Scheme (before the first `:`) → backend. */
const BACKENDS: ReadonlyMap<string, BackendLoader> = new Map([
  ['sqlite', sqlite],
  ['memory', sqlite],
  ['postgres', postgres],
  ['postgresql', postgres],
  ['lmdb', kv],
  ['pebble', kv],
]);

export interface OpenStoreOptions extends EventStoreOptions {
  /** The data directory, for backends that keep files and whose URL names no path. */
  dataDir?: string;
  /** Test mode: everything in memory, nothing persisted (UNSUPPORTED if the backend cannot). */
  inMemory?: boolean;
}

/** The URL schemes `openStore` knows. */
export function supportedSchemes(): string[] {
  return [...BACKENDS.keys()];
}

/**
 * Opens the store `url` names (default: SQLite in `dataDir`). Throws INVALID_REQUEST for an unknown
 * scheme or a URL the backend rejects, and when `inMemory` is asked of a backend that cannot.
 */
export async function openStore(
  url: string = DEFAULT_STORE_URL,
  options: OpenStoreOptions = {},
): Promise<EventStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? '';
  const load = BACKENDS.get(scheme);
  if (load === undefined) {
    throw invalidRequest(
      `unsupported database URL scheme "${scheme}" (supported: ${supportedSchemes()
        .map((s) => `${s}:`)
        .join(', ')})`,
    );
  }
  const definition = await load();
  const inMemory = options.inMemory === true || scheme === 'memory';
  if (inMemory && !definition.canRunInMemory) {
    throw invalidRequest(`the ${definition.name} backend cannot run in memory (test mode)`);
  }
  try {
    const backend = await definition.open({ url, dataDir: options.dataDir, inMemory });
    return new EventStore(backend, options);
  } catch (err) {
    if (err instanceof EventoError) throw err;
    throw new EventoError(
      'BACKEND_ERROR',
      `cannot open the ${definition.name} store: ${describe(err)}`,
      undefined,
      {
        cause: err,
      },
    );
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
