/**
 * An import whose PostgreSQL connection is terminated in the middle of a batch's COPY: the batch
 * commits nothing, the CLI reports IMPORT_FAILED with the line and what was committed, the server
 * stays up, and importing the rest of the file then completes it.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { cli } from '../e2e/cli.js';
import { makeTempDir, rpc, startServer, stopAllServers, type StartedServer } from '../e2e/helpers.js';
import { generateRecords, toNdjson } from '../e2e/records.js';
import { createTestDatabase, dropTestDatabase } from '../pg-helpers.js';

let url = '';
let server: StartedServer;
let removeDir: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  url = await createTestDatabase();
  const temp = await makeTempDir();
  removeDir = temp.remove;
  server = await startServer(['serve', '--db-url', url, '--data-dir', temp.dir, '--log-level', 'fatal']);
});

afterAll(async () => {
  await stopAllServers();
  if (url !== '') await dropTestDatabase(url);
  await removeDir();
});

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** The `default` namespace's messages table. */
async function messagesTable(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ schema_name: string }>(
    `SELECT schema_name FROM eventodb.namespaces WHERE id = 'default'`,
  );
  return `${pg.escapeIdentifier(rows[0]?.schema_name ?? '')}.messages`;
}

it('commits nothing of a batch whose connection is terminated during its COPY, and imports the rest afterwards', async () => {
  const records = generateRecords(3000);
  const token = server.token ?? '';
  const importArgs = ['import', '--url', server.url, '--token', token];
  const admin = await connect();
  const blocker = await connect();
  try {
    const table = await messagesTable(admin);
    // An uncommitted row at the global position of the second batch's 501st record: that batch's
    // COPY waits on it (a unique index), in the middle of its rows, until we terminate it.
    const held = records[1500]?.gpos ?? 0;
    await blocker.query('BEGIN');
    await blocker.query(
      `INSERT INTO ${table} (global_position, position, time, stream_name, type, data, metadata, id)
        VALUES ($1, 0, now(), 'blocker-1', 'Held', '{}', NULL, $2)`,
      [held, randomUUID()],
    );
    const importing = cli(importArgs, { input: toNdjson(records) });
    let copyPid = 0;
    await vi.waitFor(
      async () => {
        const { rows } = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database()
            AND query LIKE 'COPY %' AND wait_event_type = 'Lock'`,
        );
        copyPid = rows[0]?.pid ?? 0;
        expect(copyPid).not.toBe(0);
      },
      { timeout: 20_000, interval: 50 },
    );
    await admin.query('SELECT pg_terminate_backend($1)', [copyPid]);
    const result = await importing;
    await blocker.query('ROLLBACK');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('import failed at line 1001: IMPORT_FAILED');
    expect(result.stderr).toContain(`committed 1000 events up to gpos ${records[999]?.gpos}`);
    // Exactly the first batch is stored: nothing of the cut one.
    const stored = await admin.query<{ n: string; top: string }>(
      `SELECT count(*) AS n, max(global_position) AS top FROM ${table}`,
    );
    expect(stored.rows[0]).toEqual({ n: '1000', top: String(records[999]?.gpos) });

    // The server is up, and the rest of the file imports.
    expect((await rpc(server.url, token, 'ns.info', 'default')).status).toBe(200);
    const rest = await cli(importArgs, { input: toNdjson(records.slice(1000)) });
    expect(rest.stderr).toContain('imported 2000 events');
    expect(rest.code).toBe(0);
    const all = await admin.query<{ gpos: string }>(
      `SELECT global_position AS gpos FROM ${table} ORDER BY 1`,
    );
    expect(all.rows.map((r) => Number(r.gpos))).toEqual(records.map((r) => r.gpos));
  } finally {
    await Promise.all([admin.end(), blocker.end()]);
  }
}, 60_000);
