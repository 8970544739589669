/** The SQLite backend: one metadata database plus one database per namespace (see schema.ts). */
import type {
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
import { NamespaceRegistry, type NamespaceDb } from './namespace.js';
import * as read from './read.js';
import type { Synchronous } from './schema.js';
import { GroupWriter } from './write.js';

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

export function createSqliteBackend(options: SqliteBackendOptions): StoreBackend {
  const inMemory = options.inMemory === true;
  const registry = new NamespaceRegistry({
    metadataFile: inMemory ? null : (options.metadataFile ?? null),
    dataDir: inMemory ? null : (options.dataDir ?? null),
    synchronous: options.synchronous ?? 'full',
  });
  const writers = new WeakMap<NamespaceDb, GroupWriter>();
  const writerOf = (ns: string): GroupWriter => {
    const handle = registry.db(ns);
    let writer = writers.get(handle);
    if (writer === undefined) {
      writer = new GroupWriter(handle);
      writers.set(handle, writer);
    }
    return writer;
  };
  const live = new Set<GroupWriter>();

  return {
    name: 'sqlite',
    supports: { persistent: !inMemory },
    createNamespace: async (record: NamespaceRecord) => registry.create(record),
    deleteNamespace: async (id: string) => {
      const writer = registry.get(id) === null ? undefined : writers.get(registry.db(id));
      await writer?.drained();
      return registry.delete(id);
    },
    getNamespace: async (id: string) => registry.get(id),
    listNamespaces: async () => registry.list(),
    setTokenHash: async (id: string, hash: string) => registry.setTokenHash(id, hash),
    namespaceStats: async (ns: string) => read.namespaceStats(registry.db(ns)),
    write: (ns: string, message: NewMessage): Promise<WriteResult> => {
      const writer = writerOf(ns);
      live.add(writer);
      return writer.write(message);
    },
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
      await writers.get(handle)?.drained();
      importBatch(handle, messages, o);
    },
    close: async () => {
      await Promise.all([...live].map((w) => w.drained()));
      registry.close();
    },
  };
}
