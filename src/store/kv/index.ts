/**
 * The embedded key-value backend on LMDB (the role Pebble plays in the original EventoDB): one
 * LMDB environment holding every namespace under a space prefix of its own (keys.ts; the choice is
 * measured in docs/adr/0007-lmdb-kv-backend.md).
 *
 * URL: `lmdb:///abs/dir` or `lmdb://./rel/dir` (the environment's directory), or `lmdb:` with
 * `--data-dir` for `<data dir>/lmdb`; `pebble:` is an alias. Query options:
 * - `sync=full` (default): a write or import batch is acknowledged once its commit is flushed to
 *   disk (it survives a process crash and a power loss). `sync=none`: commits are not flushed; they
 *   survive a crash of the process (the OS holds the pages) but the last ones may be lost on power
 *   loss or an OS crash.
 * - `mapSize=<bytes>`: the initial memory map (default 256 MiB); LMDB grows it when full.
 *
 * The directory is 0700 and its files 0600. One server per directory: a second one fails at start
 * (lock.ts).
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { open } from 'lmdb';
import { invalidRequest } from '../../errors.js';
import { GroupWriter } from '../group-writer.js';
import type { BackendDefinition, BackendOpenOptions, NamespaceRef, StoreBackend } from '../store.js';
import { importBatch } from './import.js';
import { lockDirectory } from './lock.js';
import { readStats, Registry, type Db } from './namespace.js';
import { categoryChunks, categoryFilter, chunkSize, paged, streamChunks, windowChunks } from './pages.js';
import * as read from './read.js';
import { appendGroup } from './write.js';

/** The default initial map size: LMDB grows the map (and the file) when a commit needs more. */
export const DEFAULT_MAP_SIZE = 256 * 1024 * 1024;

export interface KvBackendOptions {
  /** The environment's directory. */
  dir: string;
  /** `full` (default): acknowledged writes are on disk; `none`: see the file comment. */
  sync?: 'full' | 'none';
  /** Initial map size in bytes. */
  mapSize?: number;
}

/** The LMDB entry of open-store.ts's registry. */
export const backend: BackendDefinition = {
  name: 'kv',
  canRunInMemory: false,
  open: async (options) => createKvBackend(parseKvUrl(options)),
};

/** `BackendOpenOptions` → backend options. */
export function parseKvUrl(options: BackendOpenOptions): KvBackendOptions {
  const rest = options.url.replace(/^(lmdb|pebble):(\/\/)?/i, '');
  const [path = '', query = ''] = rest.split('?');
  const params = new URLSearchParams(query);
  const sync = params.get('sync') ?? 'full';
  if (sync !== 'full' && sync !== 'none') throw invalidRequest('lmdb: sync must be full or none');
  const mapSizeText = params.get('mapSize');
  const mapSize = mapSizeText === null ? DEFAULT_MAP_SIZE : Number(mapSizeText);
  if (!/^\d+$/.test(mapSizeText ?? '0') || !Number.isSafeInteger(mapSize) || mapSize < 65_536) {
    throw invalidRequest('lmdb: mapSize must be an integer number of bytes ≥ 65536');
  }
  if (path === '' && options.dataDir === undefined) {
    throw invalidRequest('lmdb: needs a directory (lmdb:///path/to/dir) or a data directory');
  }
  const dir = path === '' ? join(resolve(options.dataDir ?? ''), 'lmdb') : resolve(decodeURIComponent(path));
  return { dir, sync, mapSize };
}

/** Creates the directory (0700) and LMDB's files (0600) before LMDB opens them. */
function prepareDirectory(dir: string): void {
  if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700);
  for (const file of ['data.mdb', 'lock.mdb']) {
    closeSync(openSync(join(dir, file), 'a', 0o600));
    chmodSync(join(dir, file), 0o600);
  }
}

/**
 * Append groups of a namespace in flight at once: LMDB runs write transactions one after
 * another, each seeing the ones before it, so the next group can commit while the previous one
 * syncs; each caller still waits for its own group to be durable.
 */
const PIPELINED_GROUPS = 2;

export function createKvBackend(options: KvBackendOptions): StoreBackend {
  prepareDirectory(options.dir);
  const unlock = lockDirectory(options.dir);
  const durable = options.sync !== 'none';
  let db: Db;
  try {
    db = open({
      path: options.dir,
      keyEncoding: 'binary',
      encoding: 'msgpack',
      mapSize: options.mapSize ?? DEFAULT_MAP_SIZE,
      noSync: !durable,
      overlappingSync: durable,
    }) as unknown as Db;
  } catch (err) {
    unlock();
    throw err;
  }
  const registry = new Registry(db);
  const writers = new Map<string, GroupWriter>();
  const synced = async (): Promise<void> => {
    if (durable) await db.flushed;
  };

  const writerOf = (ns: NamespaceRef): GroupWriter => {
    const key = `${ns.id}\u0000${ns.incarnation}`;
    let writer = writers.get(key);
    if (writer === undefined) {
      writer = new GroupWriter(async (messages) => {
        const outcomes = await appendGroup(db, ns, messages);
        await synced();
        return outcomes;
      }, PIPELINED_GROUPS);
      writers.set(key, writer);
    }
    return writer;
  };

  return {
    name: 'kv',
    supports: { persistent: true, sharedStorage: false, jsonFidelity: 'text' },
    createNamespace: async (record) => {
      await registry.create(record);
      await synced();
    },
    deleteNamespace: async (id) => {
      const count = await registry.delete(id);
      for (const key of writers.keys()) if (key.startsWith(`${id}\u0000`)) writers.delete(key);
      await synced();
      return count;
    },
    getNamespace: async (id) => registry.getRecord(id),
    listNamespaces: async () => registry.list(),
    setTokenHash: async (id, hash) => {
      await registry.setTokenHash(id, hash);
      await synced();
    },
    namespaceStats: async (ns) => read.namespaceStats(db, registry.keys(ns)),
    lastGlobalPosition: async (ns) => readStats(db, registry.keys(ns))[0] - 1,
    write: async (ns, message) => writerOf(ns).write(message),
    readStream: (ns, name, o) => {
      const keysOf = () => registry.keys(ns);
      const from = o.fromGlobalPosition === undefined ? o.fromPosition : 0;
      const max = chunkSize(o.limit);
      return paged(streamChunks(db, keysOf, name, from, max, o.fromGlobalPosition), o.limit, o.maxBytes);
    },
    readCategory: (ns, name, o) => {
      const keysOf = () => registry.keys(ns);
      const keep = categoryFilter(o);
      const max = chunkSize(o.limit);
      const source =
        o.since === undefined && o.until === undefined
          ? categoryChunks(db, keysOf, name, o.fromGlobalPosition, max, keep)
          : windowChunks(db, keysOf, name, o, max, keep);
      return paged(source, o.limit, o.maxBytes);
    },
    lastMessage: async (ns, name, type) => read.lastMessage(db, registry.keys(ns), name, type),
    streamVersion: async (ns, name) => read.streamVersion(db, registry.keys(ns), name),
    listStreams: async (ns, o) => read.listStreams(db, registry.keys(ns), o),
    listCategories: async (ns) => read.listCategories(db, registry.keys(ns)),
    importBatch: async (ns, messages, o = {}) => {
      const { moved } = await importBatch(db, ns, messages, o, (space) => registry.markForPurge(space));
      if (moved !== null) {
        registry.remember(ns.id, moved.entry);
        registry.schedulePurge(moved.oldSpace);
      }
      await synced();
    },
    readGlobalPositions: async (ns, positions) => read.readGlobalPositions(db, registry.keys(ns), positions),
    close: async () => {
      await Promise.all([...writers.values()].map((w) => w.drained()));
      await registry.close();
      await db.close();
      unlock();
    },
  };
}
