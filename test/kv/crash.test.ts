/**
 * The LMDB backend after kill -9: every acknowledged write and import batch is there, no batch is
 * stored in part, and the environment opens cleanly (the stale directory lock is taken over).
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, rpc, startServer, stopAllServers, type StartedServer } from '../e2e/helpers.js';
import { generateRecords, toNdjson } from '../e2e/records.js';

afterEach(stopAllServers);

async function serve(dir: string, token?: string): Promise<StartedServer> {
  const args = ['serve', '--db-url', `lmdb://${join(dir, 'kv')}`, '--log-level', 'warn'];
  return startServer(token === undefined ? args : [...args, '--token', token]);
}

async function allGlobalPositions(server: StartedServer, token: string): Promise<number[]> {
  const { status, body } = await rpc(server.url, token, 'category.get', '', { batchSize: -1 });
  expect(status).toBe(200);
  return (body as unknown[][]).map((row) => row[4] as number);
}

describe('an LMDB server killed with SIGKILL', () => {
  it('keeps every write it acknowledged while other writes were still in flight', async () => {
    const { dir, remove } = await makeTempDir();
    try {
      const first = await serve(dir);
      const token = first.token ?? '';
      const acknowledged: number[] = [];
      const state: { killed: Promise<number | null> | null } = { killed: null };
      const writer = async (w: number): Promise<void> => {
        for (let i = 0; state.killed === null; i++) {
          const write = rpc(first.url, token, 'stream.write', `crash-${w}`, { type: 'T', data: { i } });
          const result = await write.catch(() => null);
          if (result?.status === 200) {
            acknowledged.push((result.body as { globalPosition: number }).globalPosition);
            if (acknowledged.length === 300) state.killed = first.stop('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
      await state.killed;

      const second = await serve(dir, token);
      const stored = await allGlobalPositions(second, token);
      expect(acknowledged.length).toBeGreaterThanOrEqual(300);
      expect(stored).toEqual(expect.arrayContaining(acknowledged));
      // Global positions stay gapless: nothing half-written sits between stored messages.
      expect(stored).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    } finally {
      await remove();
    }
  });

  it('keeps every acknowledged import batch and no part of the batch it was storing', async () => {
    const { dir, remove } = await makeTempDir();
    try {
      const first = await serve(dir);
      const token = first.token ?? '';
      const records = generateRecords(30_000, 50);
      let acknowledged = 0;
      await new Promise<void>((resolve) => {
        const req = request(`${first.url}/import`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
        });
        req.on('error', () => resolve());
        req.on('response', (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            for (const line of chunk.split('\n')) {
              const imported = /"imported":(\d+)/.exec(line)?.[1];
              if (imported === undefined) continue;
              acknowledged = Math.max(acknowledged, Number(imported));
              if (acknowledged >= 3000) void first.stop('SIGKILL').then(() => resolve());
            }
          });
          res.on('error', () => resolve());
          res.on('close', () => resolve());
        });
        req.end(toNdjson(records));
      });
      expect(acknowledged).toBeGreaterThanOrEqual(3000);
      expect(acknowledged).toBeLessThan(records.length);

      const second = await serve(dir, token);
      const stored = await allGlobalPositions(second, token);
      expect(stored.length).toBeGreaterThanOrEqual(acknowledged);
      // Whole batches of 1000 only, and exactly the first records of the file.
      expect(stored.length % 1000).toBe(0);
      expect(stored).toEqual(records.slice(0, stored.length).map((r) => r.gpos));
    } finally {
      await remove();
    }
  });
});
