/**
 * PostgreSQL layout (docs/adr/0005-postgresql.md explains the choices).
 *
 * The registry schema `eventodb` holds
 *   namespaces(id text PK, schema_name text UNIQUE, description, token_hash, created_at timestamp)
 *   migrations(version int PK, applied_at timestamp)
 *
 * Each namespace has its own schema (`schemaName`) with Message DB's table:
 *
 *   messages(global_position bigserial PK, position bigint, time timestamp (UTC, µs),
 *            stream_name text, type text, data json, metadata json NULL, id uuid UNIQUE,
 *            category text GENERATED from stream_name)
 *   unique (stream_name, position); index (category, global_position)
 *
 * Text columns that are sorted or compared use the "C" collation: code-point order, the same as
 * SQLite's binary collation, whatever the database's locale. Every statement names its tables
 * with their schema, so the connection's search_path never matters.
 */
import { createHash } from 'node:crypto';

/** The registry schema. */
export const REGISTRY = 'eventodb';

/** First argument of every advisory lock we take: keeps our keys apart from other applications'. */
export const LOCK_CLASS = 0x45564442; // 'EVDB'

/** Second argument of the lock around migrations (namespace locks use a hash of their schema). */
const MIGRATION_LOCK = 0;

/** PostgreSQL truncates identifiers to 63 bytes; we never let it. */
const MAX_IDENTIFIER = 63;

/** Registry migrations, applied in order, each once. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE ${REGISTRY}.namespaces (
    id text COLLATE "C" PRIMARY KEY,
    schema_name text NOT NULL UNIQUE,
    description text NOT NULL,
    token_hash text NOT NULL,
    created_at timestamp NOT NULL
  )`,
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
CREATE INDEX messages_category ON ${s}.messages (category, global_position);`;
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

/**
 * The schema of a namespace: `ns_<id>` when that fits in 63 bytes (readable in SQL; quoted
 * identifiers keep case, dots and dashes, so distinct ids give distinct names), else `nh_` + the
 * base32 SHA-256 of the id (55 bytes). The two prefixes never meet; a SHA-256 collision between
 * two long ids would hit the registry's UNIQUE(schema_name) and be refused, never truncated.
 */
export function schemaName(namespaceId: string): string {
  const readable = `ns_${namespaceId}`;
  if (Buffer.byteLength(readable, 'utf8') <= MAX_IDENTIFIER) return readable;
  return `nh_${base32(createHash('sha256').update(namespaceId, 'utf8').digest())}`;
}

/** The advisory lock key (second argument, with LOCK_CLASS) serialising a namespace's writers. */
export function lockKey(schema: string): number {
  return createHash('sha256').update(schema, 'utf8').digest().readInt32BE(0);
}

/** A quoted identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** What the SQL of one namespace needs: its table, sequence and lock. */
export interface NamespaceRef {
  id: string;
  schema: string;
  /** `"schema".messages` */
  table: string;
  /** `"schema".messages_global_position_seq` */
  sequence: string;
  /** The sequence as a regclass literal, for `setval`. */
  sequenceLiteral: string;
  /** `pg_advisory_xact_lock(...)` arguments. */
  lock: string;
}

const refs = new Map<string, NamespaceRef>();

/** The (cached) SQL names of a namespace. */
export function namespaceRef(id: string): NamespaceRef {
  let ref = refs.get(id);
  if (ref === undefined) {
    const schema = schemaName(id);
    const q = quoteIdent(schema);
    ref = {
      id,
      schema,
      table: `${q}.messages`,
      sequence: `${q}.messages_global_position_seq`,
      // Schema names hold no single quote (namespace ids are [A-Za-z0-9._-]).
      sequenceLiteral: `'${q}.messages_global_position_seq'`,
      lock: `${LOCK_CLASS}, ${lockKey(schema)}`,
    };
    if (refs.size > 10_000) refs.clear();
    refs.set(id, ref);
  }
  return ref;
}

/** A timestamp expression as integer microseconds since the epoch (exact: extract is numeric). */
export const micros = (expr = 'time'): string => `(extract(epoch FROM ${expr}) * 1000000)::int8`;
