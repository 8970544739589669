/**
 * The SQLite backend: one metadata database plus one database per namespace (see schema.ts).
 *
 * URL: `sqlite://<metadata file>[?synchronous=full|normal][&maxOpen=N]` with the namespace files under
 * `<data dir>/namespaces/` (the data dir defaults to the metadata file's directory), or `sqlite:`
 * for `<data dir>/eventodb.db`. `full` (default) fsyncs every commit; `normal` survives a crash of
 * the process but may lose the last commits on power loss. `maxOpen` (default 256, at least 1):
 * namespace databases kept open at once, least recently used closed first (namespace.ts). In memory
 * (test mode, `memory:`) nothing touches the disk.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { invalidRequest } from '../../errors.js';
import type {
  BackendDefinition,
  BackendOpenOptions,
  ImportOptions,
  NamespaceRecord,
  NamespaceRef,
  NewMessage,
  ReadCategoryOptions,
  ReadStreamOptions,
  StoreBackend,
  StoredMessage,
  WriteResult,
} from '../store.js';
import { importBatch } from './import.js';
import { DEFAULT_MAX_OPEN, NamespaceRegistry, type NamespaceDb } from './namespace.js';
import * as read from './read.js';
import type { Synchronous } from './schema.js';

export { DEFAULT_MAX_OPEN };

export interface SqliteBackendOptions {
  /** Everything in memory (test mode). */
  inMemory?: boolean;
  /** The metadata database file (required unless in memory). */
  metadataFile?: string;
  /** Directory of the per-namespace files (`<dataDir>/namespaces`). */
  dataDir?: string;
  /** `full` (default): every commit is fsynced; `normal`: survives a crash of the process only. */
  synchronous?: Synchronous;
  /** Most namespace databases open at once (default `DEFAULT_MAX_OPEN`, 256). */
  maxOpen?: number;
}

/**
 * A paged read that holds the database open (the pool never closes it under the read) and stops
 * with NAMESPACE_NOT_FOUND before the next page once the namespace is deleted. Each page is one
 * synchronous statement (read.ts), so none runs on a closed connection.
 */
async function* heldPages(
  registry: NamespaceRegistry,
  ref: NamespaceRef,
  pages: (handle: NamespaceDb) => AsyncIterable<StoredMessage[]>,
): AsyncGenerator<StoredMessage[]> {
  const handle = await registry.acquire(ref);
  try {
    for await (const page of pages(handle)) {
      yield page;
      handle.assertLive(ref);
    }
  } finally {
    handle.release();
  }
}

/** The SQLite entry of open-store.ts's registry. */
export const backend: BackendDefinition = {
  name: 'sqlite',
  canRunInMemory: true,
  open: async (options) => createSqliteBackend(await parseSqliteUrl(options)),
};

/** `BackendOpenOptions` → backend options, creating the data directory. */
async function parseSqliteUrl(options: BackendOpenOptions): Promise<SqliteBackendOptions> {
  if (options.inMemory) return { inMemory: true };
  const rest = options.url.replace(/^sqlite:(\/\/)?/i, '');
  const [path = '', query = ''] = rest.split('?');
  const params = new URLSearchParams(query);
  const synchronous = params.get('synchronous') ?? 'full';
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw invalidRequest('sqlite: synchronous must be full or normal');
  }
  const maxOpenText = params.get('maxOpen');
  const maxOpen = maxOpenText === null ? undefined : Number(maxOpenText);
  if (
    maxOpen !== undefined &&
    (!/^\d+$/.test(maxOpenText ?? '') || !Number.isSafeInteger(maxOpen) || maxOpen < 1)
  ) {
    throw invalidRequest('sqlite: maxOpen must be an integer ≥ 1');
  }
  if (path === '' && options.dataDir === undefined) {
    throw invalidRequest('sqlite: needs a metadata file (sqlite:///path/eventodb.db) or a data directory');
  }
  const metadataFile = path === '' ? join(resolve(options.dataDir ?? ''), 'eventodb.db') : resolve(path);
  const dataDir = resolve(options.dataDir ?? dirname(metadataFile));
  // Private like PostgreSQL's data directory (the mode applies only to directories created here).
  await mkdir(dirname(metadataFile), { recursive: true, mode: 0o700 });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  return { metadataFile, dataDir, synchronous, ...(maxOpen === undefined ? {} : { maxOpen }) };
}

export function createSqliteBackend(options: SqliteBackendOptions): StoreBackend {
  const inMemory = options.inMemory === true;
  const registry = new NamespaceRegistry({
    metadataFile: inMemory ? null : (options.metadataFile ?? null),
    dataDir: inMemory ? null : (options.dataDir ?? null),
    synchronous: options.synchronous ?? 'full',
    maxOpen: options.maxOpen ?? DEFAULT_MAX_OPEN,
  });

  return {
    name: 'sqlite',
    supports: { persistent: !inMemory, sharedStorage: false, jsonFidelity: 'text' },
    createNamespace: async (record: NamespaceRecord) => registry.create(record),
    deleteNamespace: async (id: string) => registry.delete(id),
    getNamespace: async (id: string) => registry.get(id),
    listNamespaces: async () => registry.list(),
    setTokenHash: async (id: string, hash: string) => registry.setTokenHash(id, hash),
    namespaceStats: async (ns) => registry.use(ns, read.namespaceStats),
    lastGlobalPosition: async (ns) => registry.use(ns, read.lastGlobalPosition),
    // Group commit (write.ts) on the event loop. (A write worker thread was measured too: on 2
    // cores, shared with the clients, it was no faster; see PERFORMANCE.md.)
    write: async (ns, message: NewMessage): Promise<WriteResult> =>
      registry.use(ns, (h) => h.append(message)),
    readStream: (ns, name: string, o: ReadStreamOptions): AsyncIterable<StoredMessage[]> =>
      heldPages(registry, ns, (h) => read.readStream(h, name, o)),
    readCategory: (ns, name: string, o: ReadCategoryOptions): AsyncIterable<StoredMessage[]> =>
      heldPages(registry, ns, (h) => read.readCategory(h, name, o)),
    lastMessage: async (ns, name, type) => registry.use(ns, (h) => read.lastMessage(h, name, type)),
    streamVersion: async (ns, name) => registry.use(ns, (h) => read.streamVersion(h, name)),
    listStreams: async (ns, o) => registry.use(ns, (h) => read.listStreams(h, o)),
    listCategories: async (ns) => registry.use(ns, (h) => read.listCategories(h)),
    importBatch: async (ns, messages: readonly StoredMessage[], o: ImportOptions = {}) =>
      registry.use(ns, (h) => h.write(() => importBatch(h, messages, o))),
    readGlobalPositions: async (ns, positions) =>
      registry.use(ns, (h) => read.readGlobalPositions(h, positions)),
    close: async () => registry.close(),
  };
}
