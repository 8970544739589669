/** One server per LMDB directory: a second one fails at start with a one-line message. */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { makeTempDir, rpc, runEventodb, startServer, stopAllServers } from '../e2e/helpers.js';

afterEach(stopAllServers);

it('refuses a second server on the same directory while the first one runs, and serves after it stops', async () => {
  const { dir, remove } = await makeTempDir();
  try {
    const url = `lmdb://${join(dir, 'kv')}`;
    const first = await startServer(['serve', '--db-url', url, '--log-level', 'warn']);
    const second = await runEventodb(['serve', '--db-url', url, '--port', '0', '--log-level', 'warn']);
    expect(second.code).toBe(1);
    const message = second.stderr.trim();
    expect(message).toMatch(/in use by another eventodb server \(pid \d+\)/);
    expect(message.split('\n')).toHaveLength(1);
    // The first server is untouched.
    const written = await rpc(first.url, first.token, 'stream.write', 'still-1', { type: 'T', data: {} });
    expect(written.status).toBe(200);

    await first.stop('SIGTERM');
    const third = await startServer([
      'serve',
      '--db-url',
      url,
      '--token',
      first.token ?? '',
      '--log-level',
      'warn',
    ]);
    const read = await rpc(third.url, first.token, 'stream.get', 'still-1');
    expect((read.body as unknown[]).length).toBe(1);
  } finally {
    await remove();
  }
});
