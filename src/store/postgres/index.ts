/**
 * The PostgreSQL backend: a registry schema plus one Message DB-shaped schema per namespace (see
 * schema.ts), on a `pg` connection pool. Several server processes may share one database: writers
 * serialise per namespace on a transaction-scoped advisory lock (write.ts), so the backend also
 * works behind a transaction-pooling proxy.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { invalidRequest } from '../../errors.js';
import { GroupWriter } from '../group-writer.js';
import type {
  BackendDefinition,
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
import { NamespaceRegistry, transaction } from './namespace.js';
import * as read from './read.js';
import { CommitWatcher } from './notify.js';
import { migrate, type SchemaRef } from './schema.js';
import { appendGroup } from './write.js';

/** Connections per server process unless the URL says `?pool=N` (or `?max=N`). */
export const DEFAULT_POOL_SIZE = 10;

const INT8_OID = 20;
const JSON_OIDS = new Set([114, 3802]);

/** bigint as a JS number (positions and counts stay below 2^53); JSON stays text. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) => {
    if (oid === INT8_OID) return (text: string) => Number(text);
    if (JSON_OIDS.has(oid)) return (text: string) => text;
    return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** The pool settings a `postgres://` URL gives; other query options go to the client as they are. */
export function poolConfig(url: string): pg.PoolConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidRequest('not a valid postgres:// URL');
  }
  const poolParam = parsed.searchParams.get('pool') ?? parsed.searchParams.get('max');
  parsed.searchParams.delete('pool');
  parsed.searchParams.delete('max');
  const max = poolParam === null ? DEFAULT_POOL_SIZE : Number(poolParam);
  if (!Number.isSafeInteger(max) || max < 1 || max > 1000) {
    throw invalidRequest('postgres:// pool must be an integer from 1 to 1000');
  }
  return {
    connectionString: parsed.toString(),
    max,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'eventodb',
    types,
  };
}

/** `host:port/database` of a URL, for messages (never the password). */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured server';
  }
}

/** The first line of an error's message; a refused `localhost` (IPv4 and IPv6) is an AggregateError. */
function reasonOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return reasonOf(err.errors[0]);
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const message = err.message !== '' ? err.message : typeof code === 'string' ? code : 'unknown error';
  return message.split('\n')[0] ?? message;
}

/** The PostgreSQL entry of open-store.ts's registry (`postgres://` and `postgresql://`). */
export const backend: BackendDefinition = {
  name: 'postgres',
  canRunInMemory: false,
  open: async (options) => createPostgresBackend(options.url),
};

/**
 * Connects, checks the database, runs the registry migrations and starts listening for other
 * processes' commits. Throws one clear line when the server cannot be reached or used.
 */
export async function createPostgresBackend(url: string): Promise<StoreBackend> {
  const config = poolConfig(url);
  const pool = new pg.Pool(config);
  // An idle connection that breaks (server restart) must not crash the process: the next query
  // gets a fresh connection, and a request in the gap fails with BACKEND_ERROR.
  pool.on('error', () => undefined);
  // The same for a connection checked out of the pool but between two queries (the server's
  // "terminating connection" can arrive in the chunk that ends the previous query): pg emits it on
  // the client, and the next query on it fails instead, so the request fails with BACKEND_ERROR.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const origin = randomUUID();
  const watcher = new CommitWatcher(config, pool, origin);
  try {
    await transaction(pool, async (client) => {
      const { rows } = await client.query<{ server_encoding: string }>('SHOW server_encoding');
      if (rows[0]?.server_encoding !== 'UTF8') {
        throw new Error(`the database encoding is ${rows[0]?.server_encoding ?? '?'}, UTF8 is required`);
      }
      await migrate((sql) => client.query(sql));
    });
    await watcher.start();
  } catch (err) {
    await watcher.close();
    await pool.end().catch(() => undefined);
    const reason = reasonOf(err);
    // One line, no cause: the CLI prints it as it is (a cause would repeat the reason).
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`cannot use PostgreSQL at ${where(url)}: ${reason}`);
  }
  return postgresBackend(pool, watcher, origin);
}

/** Resolves `ref` to its schema first, then pages as `read` does (an AsyncIterable is sync to make). */
async function* resolvedPages(
  registry: NamespaceRegistry,
  ref: NamespaceRef,
  read: (schema: SchemaRef) => AsyncIterable<StoredMessage[]>,
): AsyncGenerator<StoredMessage[]> {
  yield* read(await registry.resolve(ref));
}

function postgresBackend(pool: pg.Pool, watcher: CommitWatcher, origin: string): StoreBackend {
  const registry = new NamespaceRegistry(pool);
  /** One group writer per incarnation (by schema), so a group never mixes two incarnations. */
  const writers = new Map<string, { id: string; writer: GroupWriter }>();
  const writerOf = (ref: SchemaRef): GroupWriter => {
    let entry = writers.get(ref.schema);
    if (entry === undefined) {
      entry = { id: ref.id, writer: new GroupWriter((messages) => appendGroup(pool, ref, origin, messages)) };
      writers.set(ref.schema, entry);
    }
    return entry.writer;
  };
  const on = async <T>(ns: NamespaceRef, fn: (schema: SchemaRef) => Promise<T>): Promise<T> =>
    fn(await registry.resolve(ns));

  return {
    name: 'postgres',
    supports: { persistent: true, sharedStorage: true, jsonFidelity: 'text' },
    createNamespace: async (record: NamespaceRecord) => registry.create(record),
    deleteNamespace: async (id: string) => {
      const deleted = await registry.delete(id);
      // Writes queued for the deleted incarnation fail NAMESPACE_NOT_FOUND on their own (its
      // schema is gone); its writer is only dropped from the map once idle.
      for (const [schema, entry] of writers) {
        if (entry.id === id) void entry.writer.drained().then(() => writers.delete(schema));
      }
      return deleted;
    },
    getNamespace: async (id: string) => registry.get(id),
    listNamespaces: async () => registry.list(),
    setTokenHash: async (id: string, hash: string) => registry.setTokenHash(id, hash),
    namespaceStats: async (ns) => on(ns, (s) => read.namespaceStats(pool, s)),
    lastGlobalPosition: async (ns) => on(ns, (s) => read.lastGlobalPosition(pool, s)),
    write: async (ns, message: NewMessage): Promise<WriteResult> => on(ns, (s) => writerOf(s).write(message)),
    readStream: (ns, name: string, o: ReadStreamOptions): AsyncIterable<StoredMessage[]> =>
      resolvedPages(registry, ns, (s) => read.readStream(pool, s, name, o)),
    readCategory: (ns, name: string, o: ReadCategoryOptions): AsyncIterable<StoredMessage[]> =>
      resolvedPages(registry, ns, (s) => read.readCategory(pool, s, name, o)),
    lastMessage: async (ns, name, type) => on(ns, (s) => read.lastMessage(pool, s, name, type)),
    streamVersion: async (ns, name) => on(ns, (s) => read.streamVersion(pool, s, name)),
    listStreams: async (ns, o) => on(ns, (s) => read.listStreams(pool, s, o)),
    listCategories: async (ns) => on(ns, (s) => read.listCategories(pool, s)),
    importBatch: async (ns, messages: readonly StoredMessage[], o: ImportOptions = {}) =>
      on(ns, (s) => importBatch(pool, s, origin, messages, o)),
    readGlobalPositions: async (ns, positions) => on(ns, (s) => read.readGlobalPositions(pool, s, positions)),
    watchExternalCommits: (listener) => watcher.watch(listener),
    close: async () => {
      await Promise.all([...writers.values()].map((entry) => entry.writer.drained()));
      await watcher.close();
      await pool.end();
    },
  };
}
