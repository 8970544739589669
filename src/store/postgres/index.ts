/**
 * The PostgreSQL backend: a registry schema plus one Message DB-shaped schema per namespace (see
 * schema.ts), on a `pg` connection pool. Several server processes may share one database: writers
 * serialise per namespace on a transaction-scoped advisory lock (write.ts), so the backend also
 * works behind a transaction-pooling proxy.
 */
import pg from 'pg';
import { invalidRequest } from '../../errors.js';
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
import { NamespaceRegistry, transaction } from './namespace.js';
import * as read from './read.js';
import { migrate, namespaceRef } from './schema.js';
import { appendGroup, GroupWriter } from './write.js';

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

/**
 * Connects, checks the database and runs the registry migrations. Throws one clear line when the
 * server cannot be reached or used.
 */
export async function createPostgresBackend(url: string): Promise<StoreBackend> {
  const config = poolConfig(url);
  const pool = new pg.Pool(config);
  // An idle connection that breaks (server restart) must not crash the process: the next query
  // gets a fresh connection, and a request in the gap fails with BACKEND_ERROR.
  pool.on('error', () => undefined);
  try {
    await transaction(pool, async (client) => {
      const { rows } = await client.query<{ server_encoding: string }>('SHOW server_encoding');
      if (rows[0]?.server_encoding !== 'UTF8') {
        throw new Error(`the database encoding is ${rows[0]?.server_encoding ?? '?'}, UTF8 is required`);
      }
      await migrate((sql) => client.query(sql));
    });
  } catch (err) {
    await pool.end().catch(() => undefined);
    const reason = reasonOf(err);
    // One line, no cause: the CLI prints it as it is (a cause would repeat the reason).
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`cannot use PostgreSQL at ${where(url)}: ${reason}`);
  }
  return postgresBackend(pool);
}

function postgresBackend(pool: pg.Pool): StoreBackend {
  const registry = new NamespaceRegistry(pool);
  const writers = new Map<string, GroupWriter>();
  const writerOf = (ns: string): GroupWriter => {
    let writer = writers.get(ns);
    if (writer === undefined) {
      const ref = namespaceRef(ns);
      writer = new GroupWriter((messages) => appendGroup(pool, ref, messages));
      writers.set(ns, writer);
    }
    return writer;
  };

  return {
    name: 'postgres',
    supports: { persistent: true },
    createNamespace: async (record: NamespaceRecord) => registry.create(record),
    deleteNamespace: async (id: string) => {
      await writers.get(id)?.drained();
      writers.delete(id);
      return registry.delete(id);
    },
    getNamespace: async (id: string) => registry.get(id),
    listNamespaces: async () => registry.list(),
    setTokenHash: async (id: string, hash: string) => registry.setTokenHash(id, hash),
    namespaceStats: async (ns: string) => read.namespaceStats(pool, namespaceRef(ns)),
    write: (ns: string, message: NewMessage): Promise<WriteResult> => writerOf(ns).write(message),
    readStream: (ns: string, name: string, o: ReadStreamOptions): AsyncIterable<StoredMessage[]> =>
      read.readStream(pool, namespaceRef(ns), name, o),
    readCategory: (ns: string, name: string, o: ReadCategoryOptions): AsyncIterable<StoredMessage[]> =>
      read.readCategory(pool, namespaceRef(ns), name, o),
    lastMessage: async (ns, name, type) => read.lastMessage(pool, namespaceRef(ns), name, type),
    streamVersion: async (ns, name) => read.streamVersion(pool, namespaceRef(ns), name),
    listStreams: async (ns, o) => read.listStreams(pool, namespaceRef(ns), o),
    listCategories: async (ns) => read.listCategories(pool, namespaceRef(ns)),
    importBatch: async (ns: string, messages: readonly StoredMessage[], o: ImportOptions = {}) =>
      importBatch(pool, namespaceRef(ns), messages, o),
    close: async () => {
      await Promise.all([...writers.values()].map((w) => w.drained()));
      await pool.end();
    },
  };
}
