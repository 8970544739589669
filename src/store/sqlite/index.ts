/**
 * The SQLite backend: one metadata database plus one database per namespace (see schema.ts).
 *
 * URL: `sqlite://<metadata file>[?synchronous=full|normal]` with the namespace files under
 * `<data dir>/namespaces/` (the data dir defaults to the metadata file's directory), or `sqlite:`
 * for `<data dir>/eventodb.db`. `full` (default) fsyncs every commit; `normal` survives a crash of
 * the process but may lose the last commits on power loss. In memory (test mode, `memory:`) nothing
 * touches the disk.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { invalidRequest } from '../../errors.js';
import type {
  BackendDefinition,
  BackendOpenOptions,
  ImportOptions,
  NamespaceRecord,
  NewMessage,
  ReadCategoryOptions,
  ReadStreamOptions,
  StoreBackend,
  StoredMessage,
  WriteResult,
} from '../store.js';
import { importBatch } from './import.js';
import { NamespaceRegistry } from './namespace.js';
import * as read from './read.js';
import type { Synchronous } from './schema.js';
import { appendGroup, GroupWriter } from './write.js';

export interface SqliteBackendOptions {
  /** Everything in memory (test mode). */
  inMemory?: boolean;
  /** The metadata database file (required unless in memory). */
  metadataFile?: string;
  /** Directory of the per-namespace files (`<dataDir>/namespaces`). */
  dataDir?: string;
  /** `full` (default): every commit is fsynced; `normal`: survives a crash of the process only. */
  synchronous?: Synchronous;
}

/**
 * How appends reach the database: group commit on the event loop. (A write worker thread was
 * measured too: on 2 cores, shared with the clients, it was no faster; see PERFORMANCE.md.)
 */
interface Appender {
  write(ns: string, message: NewMessage): Promise<WriteResult>;
  /** Commits what is queued for `ns` and releases it (before its storage is removed). */
  release(ns: string): Promise<void>;
  close(): Promise<void>;
}

function inThreadAppender(registry: NamespaceRegistry): Appender {
  const writers = new Map<string, GroupWriter>();
  return {
    write: async (ns, message) => {
      let writer = writers.get(ns);
      if (writer === undefined) {
        const handle = registry.db(ns);
        writer = new GroupWriter((messages) => handle.write(() => appendGroup(handle, messages)));
        writers.set(ns, writer);
      }
      return writer.write(message);
    },
    release: async (ns) => {
      await writers.get(ns)?.drained();
      writers.delete(ns);
    },
    close: async () => {
      await Promise.all([...writers.values()].map((w) => w.drained()));
    },
  };
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
  const synchronous = new URLSearchParams(query).get('synchronous') ?? 'full';
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw invalidRequest('sqlite: synchronous must be full or normal');
  }
  if (path === '' && options.dataDir === undefined) {
    throw invalidRequest('sqlite: needs a metadata file (sqlite:///path/eventodb.db) or a data directory');
  }
  const metadataFile = path === '' ? join(resolve(options.dataDir ?? ''), 'eventodb.db') : resolve(path);
  const dataDir = resolve(options.dataDir ?? dirname(metadataFile));
  await mkdir(dirname(metadataFile), { recursive: true });
  return { metadataFile, dataDir, synchronous };
}

export function createSqliteBackend(options: SqliteBackendOptions): StoreBackend {
  const inMemory = options.inMemory === true;
  const synchronous = options.synchronous ?? 'full';
  const registry = new NamespaceRegistry({
    metadataFile: inMemory ? null : (options.metadataFile ?? null),
    dataDir: inMemory ? null : (options.dataDir ?? null),
    synchronous,
  });
  const appender = inThreadAppender(registry);

  return {
    name: 'sqlite',
    supports: { persistent: !inMemory, sharedStorage: false, jsonFidelity: 'text' },
    createNamespace: async (record: NamespaceRecord) => registry.create(record),
    deleteNamespace: async (id: string) => {
      if (registry.get(id) === null) return null;
      await appender.release(id);
      return registry.delete(id);
    },
    getNamespace: async (id: string) => registry.get(id),
    listNamespaces: async () => registry.list(),
    setTokenHash: async (id: string, hash: string) => registry.setTokenHash(id, hash),
    namespaceStats: async (ns: string) => read.namespaceStats(registry.db(ns)),
    write: (ns: string, message: NewMessage): Promise<WriteResult> => appender.write(ns, message),
    readStream: (ns: string, name: string, o: ReadStreamOptions): AsyncIterable<StoredMessage[]> =>
      read.readStream(registry.db(ns), name, o),
    readCategory: (ns: string, name: string, o: ReadCategoryOptions): AsyncIterable<StoredMessage[]> =>
      read.readCategory(registry.db(ns), name, o),
    lastMessage: async (ns, name, type) => read.lastMessage(registry.db(ns), name, type),
    streamVersion: async (ns, name) => read.streamVersion(registry.db(ns), name),
    listStreams: async (ns, o) => read.listStreams(registry.db(ns), o),
    listCategories: async (ns) => read.listCategories(registry.db(ns)),
    importBatch: async (ns: string, messages: readonly StoredMessage[], o: ImportOptions = {}) => {
      const handle = registry.db(ns);
      await handle.write(() => importBatch(handle, messages, o));
    },
    close: async () => {
      await appender.close();
      await registry.close();
    },
  };
}
