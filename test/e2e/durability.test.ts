/** Nothing acknowledged is lost: acknowledged writes and import batches survive a killed server. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from './cli.js';
import { makeTempDir, rpc, startServer, stopAllServers, storageArgs } from './helpers.js';
import { generateRecords, toNdjson } from './records.js';

afterEach(stopAllServers);

describe('a server killed with SIGKILL', () => {
  it('keeps every write and import batch it acknowledged', async () => {
    const { dir, remove } = await makeTempDir();
    try {
      const data = join(dir, 'data');
      const first = await startServer([
        'serve',
        '--data-dir',
        data,
        ...(await storageArgs(data)),
        '--log-level',
        'warn',
      ]);
      const token = first.token ?? '';
      const writes = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          rpc(first.url, token, 'stream.write', `ledger-${i % 7}`, { type: 'T', data: { i } }),
        ),
      );
      expect(writes.every((w) => w.status === 200)).toBe(true);
      const imported = await cli(['import', '--url', first.url, '--token', token], {
        input: toNdjson(generateRecords(2500, 1000)),
      });
      expect(imported.code).toBe(0);
      await first.stop('SIGKILL');

      const second = await startServer([
        'serve',
        '--data-dir',
        data,
        ...(await storageArgs(data)),
        '--token',
        token,
        '--log-level',
        'warn',
      ]);
      const { body } = await rpc(second.url, token, 'category.get', '', { batchSize: -1 });
      const rows = body as unknown[][];
      expect(rows).toHaveLength(2700);
      const written = writes.map((w) => (w.body as { globalPosition: number }).globalPosition);
      expect(rows.map((r) => r[4])).toEqual(expect.arrayContaining(written));
    } finally {
      await remove();
    }
  });
});
