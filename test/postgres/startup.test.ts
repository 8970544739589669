/** `eventodb serve` against a PostgreSQL it cannot use: one clear line, a non-zero exit, no secret. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { pgAdminUrl } from '../pg-helpers.js';

const BIN = fileURLToPath(new URL('../../bin/eventodb', import.meta.url));

function serve(dbUrl: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--db-url', dbUrl, '--port', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 1));
    });
  });
}

it('exits non-zero with one line naming the server when PostgreSQL is unreachable', async () => {
  const port = await closedPort();
  const { code, stderr } = await serve(`postgres://eventodb:s3cret-pw@127.0.0.1:${port}/events`);
  expect(code).not.toBe(0);
  expect(code).not.toBeNull();
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).toContain(`127.0.0.1:${port}/events`);
  expect(stderr).not.toContain('s3cret-pw');
});

it('exits non-zero with one line, without the password, when the credentials are wrong', async () => {
  const url = new URL(pgAdminUrl());
  url.password = 'not-the-password';
  const { code, stderr } = await serve(url.toString());
  expect(code).not.toBe(0);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toContain('not-the-password');
});
