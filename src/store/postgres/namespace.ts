/** The namespace registry (`eventodb.namespaces`) and the per-namespace schemas. */
import type pg from 'pg';
import { EventoError, invalidRequest } from '../../errors.js';
import type { NamespaceRecord } from '../store.js';
import { formatTime } from '../time.js';
import { micros, namespaceDdl, namespaceRef, quoteIdent, REGISTRY } from './schema.js';

/** How long a cached namespace record is trusted: the bound for another server's change to show. */
export const RECORD_TTL_MS = 1000;

const SELECT_RECORD = `SELECT id, description, token_hash, ${micros('created_at')} AS created_at
  FROM ${REGISTRY}.namespaces`;

interface NamespaceRow {
  id: string;
  description: string;
  token_hash: string;
  created_at: number;
}

const toRecord = (r: NamespaceRow): NamespaceRecord => ({
  id: r.id,
  description: r.description,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
});

/** NAMESPACE_NOT_FOUND for a namespace whose schema is gone (deleted, here or by another server). */
export function namespaceNotFound(id: string): EventoError {
  return new EventoError('NAMESPACE_NOT_FOUND', `namespace ${id} not found`);
}

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

/** The registry, with a short-lived cache of records (every request authenticates through it). */
export class NamespaceRegistry {
  readonly #pool: pg.Pool;
  readonly #records = new Map<string, { record: NamespaceRecord; until: number }>();

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** A namespace's record; hits are cached for RECORD_TTL_MS. */
  async get(id: string): Promise<NamespaceRecord | null> {
    const cached = this.#records.get(id);
    if (cached !== undefined && cached.until > performance.now()) return cached.record;
    const { rows } = await this.#pool.query<NamespaceRow>(`${SELECT_RECORD} WHERE id = $1`, [id]);
    const row = rows[0];
    if (row === undefined) {
      this.#records.delete(id);
      return null;
    }
    const record = toRecord(row);
    this.#records.set(id, { record, until: performance.now() + RECORD_TTL_MS });
    return record;
  }

  async list(): Promise<NamespaceRecord[]> {
    const { rows } = await this.#pool.query<NamespaceRow>(`${SELECT_RECORD} ORDER BY id`);
    return rows.map(toRecord);
  }

  /** Registers the namespace and creates its schema in one transaction. */
  async create(record: NamespaceRecord): Promise<void> {
    const ref = namespaceRef(record.id);
    await this.#transaction(async (client) => {
      try {
        await client.query(
          `INSERT INTO ${REGISTRY}.namespaces (id, schema_name, description, token_hash, created_at)
          VALUES ($1, $2, $3, $4, $5::timestamp)`,
          [record.id, ref.schema, record.description, record.tokenHash, formatTime(record.createdAt)],
        );
      } catch (err) {
        const e = err as { code?: unknown; constraint?: unknown };
        if (e.code === '23505' && e.constraint === 'namespaces_pkey') {
          throw new EventoError('NAMESPACE_EXISTS', `namespace ${record.id} exists`);
        }
        if (e.code === '23505') {
          throw invalidRequest(`namespace id ${record.id} collides with another namespace's storage`);
        }
        throw err;
      }
      await client.query(namespaceDdl(ref.schema));
    });
    this.#records.delete(record.id);
  }

  async setTokenHash(id: string, tokenHash: string): Promise<void> {
    this.#records.delete(id);
    const { rowCount } = await this.#pool.query(
      `UPDATE ${REGISTRY}.namespaces SET token_hash = $2 WHERE id = $1`,
      [id, tokenHash],
    );
    if (rowCount === 0) throw namespaceNotFound(id);
  }

  /**
   * Removes the namespace and its schema; returns its message count, null if it did not exist.
   * Takes the namespace's write lock first, so writers of other servers finish or wait.
   */
  async delete(id: string): Promise<number | null> {
    const ref = namespaceRef(id);
    this.#records.delete(id);
    return this.#transaction(async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(${ref.lock})`);
      const { rowCount } = await client.query(`DELETE FROM ${REGISTRY}.namespaces WHERE id = $1`, [id]);
      if (rowCount === 0) return null;
      const { rows } = await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${ref.table}`);
      await client.query(`DROP SCHEMA ${quoteIdent(ref.schema)} CASCADE`);
      return rows[0]?.n ?? 0;
    });
  }

  async #transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return transaction(this.#pool, fn);
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
