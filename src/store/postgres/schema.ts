/**
 * PostgreSQL layout (docs/adr/0005-postgresql.md explains the choices).
 *
 * The registry schema `eventodb` holds
 *   namespaces(id text PK, incarnation text, schema_name text UNIQUE, description, token_hash,
 *              created_at timestamp, message_count bigint)
 *   migrations(version int PK, applied_at timestamp)
 *   schema_numbers: a sequence; each namespace schema takes the next number for its name
 *
 * Each namespace incarnation has its own schema (`schema_name`) with Message DB's table:
 *
 *   messages(global_position bigserial PK, position bigint, time timestamp (UTC, µs),
 *            stream_name text, type text, data json, metadata json NULL, id uuid UNIQUE,
 *            category text GENERATED from stream_name)
 *   unique (stream_name, position); index (category, global_position)
 *   index (time, global_position) and (category, time, global_position): time windows
 *     (category.get since/until) are found without reading other messages (read.ts)
 *   function eventodb_append(...): one group of appends in one statement (append-function.ts)
 *
 * Schema names: `ns_<id>_<n>` (readable in SQL) when that fits PostgreSQL's 63-byte identifier
 * limit, else `nh_<40 base32 characters of SHA-256(id)>_<n>`, where `n` is the next value of
 * `eventodb.schema_numbers`, taken when the namespace (incarnation) is created. A sequence never
 * hands out a number twice, so no two incarnations ever share a schema name, even under the same
 * id: a request holding a deleted incarnation names a dropped schema (undefined schema or table,
 * NAMESPACE_NOT_FOUND) and can never read or write the namespace created after it. The name is
 * kept in the registry row; schemas of the first release (`ns_<id>`, `nh_<hash>`) keep theirs.
 *
 * Text columns that are sorted or compared use the "C" collation: code-point order, the same as
 * SQLite's binary collation, whatever the database's locale. Every statement names its tables
 * with their schema, so the connection's search_path never matters.
 */
import { createHash } from 'node:crypto';
import { MAX_POSITION } from '../store.js';
import { appendFunctionTemplate } from './append-function.js';

/** The registry schema. */
export const REGISTRY = 'eventodb';

/** First argument of every advisory lock we take: keeps our keys apart from other applications'. */
export const LOCK_CLASS = 0x45564442; // 'EVDB'

/** The LISTEN/NOTIFY channel of commits (notify.ts). */
export const COMMIT_CHANNEL = 'eventodb_commits';

/** The append function's DDL, a `format` string over the schema (append-function.ts). */
const APPEND_FUNCTION = appendFunctionTemplate(REGISTRY, LOCK_CLASS, COMMIT_CHANNEL, MAX_POSITION);

/** Second argument of the lock around migrations (namespace locks use a hash of their id). */
const MIGRATION_LOCK = 0;

/** PostgreSQL truncates identifiers to 63 bytes; we never let it. */
const MAX_IDENTIFIER = 63;

/** The time indexes of a namespace table, as `format` strings taking its schema (`%I`). */
const TIME_INDEXES = [
  'CREATE INDEX IF NOT EXISTS messages_time ON %I.messages (time, global_position)',
  'CREATE INDEX IF NOT EXISTS messages_category_time ON %I.messages (category, time, global_position)',
];

/** Registry migrations, applied in order, each once (each entry may hold several statements). */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE ${REGISTRY}.namespaces (
    id text COLLATE "C" PRIMARY KEY,
    schema_name text NOT NULL UNIQUE,
    description text NOT NULL,
    token_hash text NOT NULL,
    created_at timestamp NOT NULL
  )`,
  // Incarnations (a namespace deleted and created again is a new one, in a new schema), the
  // message count that listNamespaces reports without scanning every namespace, and the numbers
  // that make schema names unique. Rows of the first release get a random incarnation and their
  // schemas' counts.
  `ALTER TABLE ${REGISTRY}.namespaces ADD COLUMN incarnation text;
  UPDATE ${REGISTRY}.namespaces SET incarnation = gen_random_uuid()::text;
  ALTER TABLE ${REGISTRY}.namespaces ALTER COLUMN incarnation SET NOT NULL;
  ALTER TABLE ${REGISTRY}.namespaces ADD COLUMN message_count bigint NOT NULL DEFAULT 0;
  DO $$
  DECLARE r record; n bigint;
  BEGIN
    FOR r IN SELECT id, schema_name FROM ${REGISTRY}.namespaces LOOP
      EXECUTE format('SELECT count(*) FROM %I.messages', r.schema_name) INTO n;
      UPDATE ${REGISTRY}.namespaces SET message_count = n WHERE id = r.id;
    END LOOP;
  END $$;
  CREATE SEQUENCE ${REGISTRY}.schema_numbers`,
  // Time windows (category.get since/until, issue 12) read from these indexes in every namespace.
  `DO $$
  DECLARE r record;
  BEGIN
    FOR r IN SELECT schema_name FROM ${REGISTRY}.namespaces LOOP
      ${TIME_INDEXES.map((sql) => `EXECUTE format('${sql}', r.schema_name);`).join('\n      ')}
    END LOOP;
  END $$`,
  // Appends in one round trip (append-function.ts), in every namespace.
  `DO $$
  DECLARE r record;
  BEGIN
    FOR r IN SELECT schema_name FROM ${REGISTRY}.namespaces LOOP
      EXECUTE format(${quoteLiteral(APPEND_FUNCTION)}, r.schema_name);
    END LOOP;
  END $$`,
];

/** The SQL creating a namespace's schema and table. */
export function namespaceDdl(schema: string): string {
  const s = quoteIdent(schema);
  return `CREATE SCHEMA ${s};
CREATE TABLE ${s}.messages (
  global_position bigserial PRIMARY KEY,
  position bigint NOT NULL,
  time timestamp NOT NULL,
  stream_name text COLLATE "C" NOT NULL,
  type text NOT NULL,
  data json NOT NULL,
  metadata json,
  id uuid NOT NULL,
  category text COLLATE "C" GENERATED ALWAYS AS (split_part(stream_name, '-', 1)) STORED,
  CONSTRAINT messages_id UNIQUE (id),
  CONSTRAINT messages_stream UNIQUE (stream_name, position)
);
CREATE INDEX messages_category ON ${s}.messages (category, global_position);
CREATE INDEX messages_time ON ${s}.messages (time, global_position);
CREATE INDEX messages_category_time ON ${s}.messages (category, time, global_position);
${APPEND_FUNCTION.replaceAll('%1$I', s)};`;
}

/** Runs the registry migrations not yet applied; `query` runs inside one transaction. */
export async function migrate(query: (sql: string) => Promise<{ rows: unknown[] }>): Promise<void> {
  // Two servers starting at once: the second waits here, then finds the work done.
  await query(`SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${MIGRATION_LOCK})`);
  await query(`CREATE SCHEMA IF NOT EXISTS ${REGISTRY}`);
  await query(`CREATE TABLE IF NOT EXISTS ${REGISTRY}.migrations (
    version int PRIMARY KEY, applied_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc'))`);
  const { rows } = await query(`SELECT coalesce(max(version), 0) AS v FROM ${REGISTRY}.migrations`);
  const applied = Number((rows[0] as { v: unknown }).v);
  for (let version = applied + 1; version <= MIGRATIONS.length; version++) {
    await query(MIGRATIONS[version - 1] ?? '');
    await query(`INSERT INTO ${REGISTRY}.migrations (version) VALUES (${version})`);
  }
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Bytes of the SHA-256 text in a hashed schema name: `nh_` + 40 + `_` + up to 19 digits ≤ 63. */
const HASH_CHARS = 40;

/**
 * The schema of a namespace incarnation (see the file comment): `ns_<id>_<number>` when that fits
 * in 63 bytes (quoted identifiers keep case, dots and dashes), else `nh_<hash of id>_<number>`.
 * Unique because `number` is; the id part is only there for people reading the database.
 */
export function schemaName(namespaceId: string, number: number): string {
  const readable = `ns_${namespaceId}_${number}`;
  if (Buffer.byteLength(readable, 'utf8') <= MAX_IDENTIFIER) return readable;
  const hash = base32(createHash('sha256').update(namespaceId, 'utf8').digest()).slice(0, HASH_CHARS);
  return `nh_${hash}_${number}`;
}

/**
 * The advisory lock key (second argument, with LOCK_CLASS) serialising a namespace's writers, of
 * every incarnation, with its delete: a hash of the id.
 */
export function lockKey(namespaceId: string): number {
  return createHash('sha256').update(namespaceId, 'utf8').digest().readInt32BE(0);
}

/** The arguments of `pg_advisory_xact_lock` for a namespace's write lock. */
export const lockArgs = (namespaceId: string): string => `${LOCK_CLASS}, ${lockKey(namespaceId)}`;

/** A quoted identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A string literal (standard_conforming_strings is on since PostgreSQL 9.1). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** What the SQL of one namespace incarnation needs: its names, table, sequence and lock. */
export interface SchemaRef {
  /** The namespace id. */
  id: string;
  incarnation: string;
  schema: string;
  /** `"schema".messages` */
  table: string;
  /** `"schema".messages_global_position_seq` */
  sequence: string;
  /** The sequence as a regclass literal, for `setval`. */
  sequenceLiteral: string;
  /** `pg_advisory_xact_lock(...)` arguments. */
  lock: string;
  /** The second argument of the namespace's write lock (see `lockKey`). */
  lockKey: number;
  /** `"schema".eventodb_append`: the append function (append-function.ts). */
  append: string;
}

/** The SQL names of a namespace incarnation stored in `schema`. */
export function schemaRef(id: string, incarnation: string, schema: string): SchemaRef {
  const q = quoteIdent(schema);
  return {
    id,
    incarnation,
    schema,
    table: `${q}.messages`,
    sequence: `${q}.messages_global_position_seq`,
    sequenceLiteral: quoteLiteral(`${q}.messages_global_position_seq`),
    lock: lockArgs(id),
    lockKey: lockKey(id),
    append: `${q}.eventodb_append`,
  };
}

/** A timestamp expression as integer microseconds since the epoch (exact: extract is numeric). */
export const micros = (expr = 'time'): string => `(extract(epoch FROM ${expr}) * 1000000)::int8`;
