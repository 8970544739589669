/**
 * The namespace registry (`eventodb.namespaces`) and the per-incarnation schemas. No record cache
 * here: the façade caches records (event-store.ts, bounded in time for shared storage). What is
 * cached is the schema of an incarnation, which never changes (a deleted incarnation's schema is
 * dropped, and its name is never given again: schema.ts).
 */
import type pg from 'pg';
import { namespaceNotFound, namespaceExists } from '../../errors.js';
import type { NamespaceRecord, NamespaceRef, NamespaceSummary } from '../store.js';
import { formatTime } from '../time.js';
import {
  lockArgs,
  micros,
  namespaceDdl,
  quoteIdent,
  quoteLiteral,
  REGISTRY,
  schemaName,
  schemaRef,
  type SchemaRef,
} from './schema.js';

const SELECT_RECORD = `SELECT id, incarnation, description, token_hash, ${micros('created_at')} AS created_at,
  message_count FROM ${REGISTRY}.namespaces`;

/** Incarnation → schema entries kept at most (they are small and never stale, only unused). */
const SCHEMA_CACHE_ENTRIES = 10_000;

interface NamespaceRow {
  id: string;
  incarnation: string;
  description: string;
  token_hash: string;
  created_at: number;
  message_count: number;
}

const toRecord = (r: NamespaceRow): NamespaceRecord => ({
  id: r.id,
  incarnation: r.incarnation,
  description: r.description,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
});

/** True for "relation/schema does not exist": the namespace's schema was dropped or never made. */
export function isMissingSchema(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '42P01' || code === '3F000';
}

/** Runs `fn`, turning a missing schema into NAMESPACE_NOT_FOUND. */
export async function inNamespace<T>(id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isMissingSchema(err)) throw namespaceNotFound(id);
    throw err;
  }
}

/** The SQL that fails (rolling back the transaction) unless `ref`'s incarnation is current. */
export function assertCurrentSql(ref: SchemaRef): string {
  // A missing row divides by zero (22012), which the caller turns into NAMESPACE_NOT_FOUND.
  return `SELECT 1 / count(*) FROM ${REGISTRY}.namespaces WHERE id = ${quoteLiteral(ref.id)}
    AND incarnation = ${quoteLiteral(ref.incarnation)}`;
}

/** True for the error `assertCurrentSql` raises. */
export function isNotCurrent(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '22012';
}

export class NamespaceRegistry {
  readonly #pool: pg.Pool;
  readonly #schemas = new Map<string, SchemaRef>();

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** A namespace's current record, or null. */
  async get(id: string): Promise<NamespaceRecord | null> {
    const { rows } = await this.#pool.query<NamespaceRow>(`${SELECT_RECORD} WHERE id = $1`, [id]);
    const row = rows[0];
    return row === undefined ? null : toRecord(row);
  }

  async list(): Promise<NamespaceSummary[]> {
    const { rows } = await this.#pool.query<NamespaceRow>(`${SELECT_RECORD} ORDER BY id`);
    return rows.map((r) => ({ ...toRecord(r), messageCount: r.message_count }));
  }

  /**
   * The schema of the incarnation `ref` names. Throws NAMESPACE_NOT_FOUND when that incarnation is
   * not the current one; a cached entry may name a schema dropped since, which the statement using
   * it then finds missing.
   */
  async resolve(ref: NamespaceRef): Promise<SchemaRef> {
    const key = `${ref.id}\u0000${ref.incarnation}`;
    const cached = this.#schemas.get(key);
    if (cached !== undefined) return cached;
    const { rows } = await this.#pool.query<{ schema_name: string }>(
      `SELECT schema_name FROM ${REGISTRY}.namespaces WHERE id = $1 AND incarnation = $2`,
      [ref.id, ref.incarnation],
    );
    const schema = rows[0]?.schema_name;
    if (schema === undefined) throw namespaceNotFound(ref.id);
    const resolved = schemaRef(ref.id, ref.incarnation, schema);
    if (this.#schemas.size >= SCHEMA_CACHE_ENTRIES) this.#schemas.clear();
    this.#schemas.set(key, resolved);
    return resolved;
  }

  /** Registers the namespace and creates its schema in one transaction. */
  async create(record: NamespaceRecord): Promise<void> {
    await transaction(this.#pool, async (client) => {
      const { rows } = await client.query<{ n: number }>(`SELECT nextval('${REGISTRY}.schema_numbers') AS n`);
      const schema = schemaName(record.id, rows[0]?.n ?? 0);
      try {
        await client.query(
          `INSERT INTO ${REGISTRY}.namespaces
            (id, incarnation, schema_name, description, token_hash, created_at)
          VALUES ($1, $2, $3, $4, $5, $6::timestamp)`,
          [
            record.id,
            record.incarnation,
            schema,
            record.description,
            record.tokenHash,
            formatTime(record.createdAt),
          ],
        );
      } catch (err) {
        const e = err as { code?: unknown; constraint?: unknown };
        if (e.code === '23505' && e.constraint === 'namespaces_pkey') {
          throw namespaceExists(`namespace ${record.id} exists`);
        }
        throw err;
      }
      await client.query(namespaceDdl(schema));
    });
  }

  async setTokenHash(id: string, tokenHash: string): Promise<void> {
    const { rowCount } = await this.#pool.query(
      `UPDATE ${REGISTRY}.namespaces SET token_hash = $2 WHERE id = $1`,
      [id, tokenHash],
    );
    if (rowCount === 0) throw namespaceNotFound(id);
  }

  /**
   * Removes the namespace and its schema; returns its message count, null if it did not exist.
   * Takes the namespace's write lock first, so writers and importers of every server finish
   * before it or find the incarnation gone.
   */
  async delete(id: string): Promise<number | null> {
    return transaction(this.#pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(${lockArgs(id)})`);
      const { rows } = await client.query<{ schema_name: string }>(
        `DELETE FROM ${REGISTRY}.namespaces WHERE id = $1 RETURNING schema_name`,
        [id],
      );
      const schema = rows[0]?.schema_name;
      if (schema === undefined) return null;
      const table = `${quoteIdent(schema)}.messages`;
      const counted = await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
      await client.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
      return counted.rows[0]?.n ?? 0;
    });
  }
}

/** Runs `fn` in a transaction on a pooled connection; a broken connection is not reused. */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}
