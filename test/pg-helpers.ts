/**
 * PostgreSQL for tests: a fresh database per test file on the server the global setup started
 * (test/pg-global-setup.ts), emptied again whenever a test needs an empty store.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** The server's admin URL (its `postgres` database). */
export function pgAdminUrl(): string {
  return inject('pgUrl');
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates an empty database (on the run's server, or the one `adminUrl` names) and returns its URL. */
export async function createTestDatabase(adminUrl?: string): Promise<string> {
  const name = `evt_${randomBytes(6).toString('hex')}`;
  const admin = adminUrl ?? pgAdminUrl();
  await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  return withDatabase(admin, name);
}

/** Drops a database made by `createTestDatabase`, closing whatever still uses it. */
export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await withClient(withDatabase(url, 'postgres'), (c) =>
    c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

/** Drops every schema of the database but the system ones and `public`: an empty store again. */
export async function resetDatabase(url: string): Promise<void> {
  await withClient(url, async (c) => {
    const { rows } = await c.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace
      WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'public')`,
    );
    if (rows.length === 0) return;
    await c.query(`DROP SCHEMA ${rows.map((r) => pg.escapeIdentifier(r.nspname)).join(', ')} CASCADE`);
  });
}
