/**
 * Opens a store by URL scheme; the only module that loads a backend, lazily, so a driver loads
 * only when its scheme is chosen.
 *
 * - `sqlite://<file>[?synchronous=full|normal]`: the metadata database at `<file>`; one database
 *   per namespace under `<dataDir>/namespaces/` (`dataDir` defaults to the file's directory).
 *   `full` (default) fsyncs every commit; `normal` survives a process crash but may lose the last
 *   commits on power loss.
 * - `sqlite://:memory:` (or `memory:`): everything in memory, gone on close (test mode).
 * - `postgres://user:pass@host:port/db[?pool=N&sslmode=...]` (or `postgresql://`): PostgreSQL,
 *   `pool` connections per process (default 10); other query options go to the client.
 */
import { dirname, resolve } from 'node:path';
import { invalidRequest } from '../errors.js';
import { EventStore } from './event-store.js';

export interface OpenStoreOptions {
  /** Where per-namespace files live (SQLite); defaults to the metadata file's directory. */
  dataDir?: string;
}

/** The URL a bare `--data-dir` selects: SQLite with its metadata file inside that directory. */
export function sqliteUrlForDataDir(dataDir: string): string {
  return `sqlite://${resolve(dataDir, 'eventodb.db')}`;
}

/** Opens the store `url` names. Throws INVALID_REQUEST for an unknown scheme. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<EventStore> {
  if (url === 'memory:' || url === 'sqlite://:memory:' || url === 'sqlite::memory:') {
    const { createSqliteBackend } = await import('./sqlite/index.js');
    return new EventStore(createSqliteBackend({ inMemory: true }));
  }
  if (url.startsWith('sqlite://')) {
    const [path = '', query = ''] = url.slice('sqlite://'.length).split('?');
    const file = resolve(path);
    const synchronous = new URLSearchParams(query).get('synchronous') ?? 'full';
    if (synchronous !== 'full' && synchronous !== 'normal') {
      throw invalidRequest('sqlite:// synchronous must be full or normal');
    }
    const { createSqliteBackend } = await import('./sqlite/index.js');
    return new EventStore(
      createSqliteBackend({
        metadataFile: file,
        dataDir: resolve(options.dataDir ?? dirname(file)),
        synchronous,
      }),
    );
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { createPostgresBackend } = await import('./postgres/index.js');
    return new EventStore(await createPostgresBackend(url));
  }
  throw invalidRequest(
    `unsupported database URL scheme: ${url.split(':')[0] ?? url} (supported: sqlite://, postgres://, memory:)`,
  );
}
