/**
 * The CLI against a disturbed network: a proxy that fails some requests (export must retry and
 * produce the same file), and an import progress stream that ends without `done`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli.js';
import { BIN, makeTempDir, rpc, startServer, type StartedServer, storageArgs } from './helpers.js';
import { generateRecords, toNdjson } from './records.js';

let server: StartedServer;
let dir: string;
let removeDir: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove: removeDir } = await makeTempDir());
  server = await startServer([
    'serve',
    '--data-dir',
    join(dir, 'data'),
    ...(await storageArgs(join(dir, 'data'))),
    '--log-level',
    'warn',
  ]);
  const seeded = await cli(['import', '--url', server.url, '--token', server.token ?? ''], {
    input: toNdjson(generateRecords(2500)),
  });
  expect(seeded.code).toBe(0);
});

afterAll(async () => {
  await server.stop();
  await removeDir();
});

/** A loopback HTTP server; resolves with its URL. */
async function listen(app: Server): Promise<string> {
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
}

/** Forwards to the real server, but `fail(n)` decides for the n-th request to fail instead. */
function flakyProxy(target: string, fail: (n: number) => 'ok' | '502' | 'reset'): Server {
  let n = 0;
  return createServer((req, res) => {
    const verdict = fail(++n);
    if (verdict === 'reset') {
      req.socket.destroy();
      return;
    }
    if (verdict === '502') {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
      return;
    }
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 500, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
}

describe('export over a flaky network', () => {
  it('retries failed pages and writes the same file as an undisturbed run', async () => {
    const direct = join(dir, 'direct.ndjson');
    const flaky = join(dir, 'flaky.ndjson');
    const token = server.token ?? '';
    const page = ['--categories', 'workflow,order', '--page-size', '100'];
    expect((await cli(['export', '--url', server.url, '--token', token, ...page, '-o', direct])).code).toBe(
      0,
    );
    const proxy = flakyProxy(server.url, (n) => (n % 3 === 0 ? (n % 2 === 0 ? 'reset' : '502') : 'ok'));
    const url = await listen(proxy);
    try {
      const result = await cli(['export', '--url', url, '--token', token, ...page, '-o', flaky]);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/retry 1 after/);
    } finally {
      proxy.close();
    }
    expect(readFileSync(flaky, 'utf8')).toBe(readFileSync(direct, 'utf8'));
  });

  it('gives up after --retries and leaves no file', async () => {
    const proxy = flakyProxy(server.url, () => '502');
    const url = await listen(proxy);
    const out = join(dir, 'never.ndjson');
    try {
      const result = await cli([
        'export',
        '--url',
        url,
        '--token',
        server.token ?? '',
        '--retries',
        '2',
        '-o',
        out,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr.match(/retry \d after/g)).toHaveLength(2);
    } finally {
      proxy.close();
    }
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});

describe('import whose progress stream breaks off', () => {
  it('fails loudly, naming what was committed, when the stream ends without done', async () => {
    const cut = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"imported":1000,"gpos":1523}\n\n');
      req.resume();
      res.end();
    });
    const url = await listen(cut);
    try {
      const result = await cli(['import', '--url', url, '--token', 'any'], {
        input: toNdjson(generateRecords(3000)),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('IMPORT_INCOMPLETE');
      expect(result.stderr).toContain('committed 1000 events up to gpos 1523');
    } finally {
      cut.close();
    }
  });

  it('stops on Ctrl-C (SIGINT), saying what was committed', async () => {
    const token = server.token ?? '';
    const { status, body } = await rpc(server.url, token, 'ns.create', 'interrupted');
    expect(status).toBe(200);
    const nsToken = (body as { token: string }).token;
    const proc = spawn(BIN, ['import', '--url', server.url, '--token', nsToken], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    proc.stdin.on('error', () => undefined);
    proc.stdin.write(toNdjson(generateRecords(5000)));
    await waitFor(() => /imported \d+ events/.test(stderr));
    proc.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => proc.once('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('INTERRUPTED');
    const committed = Number(/committed (\d+) events/.exec(stderr)?.[1]);
    const stored = ((await rpc(server.url, nsToken, 'category.get', '', { batchSize: -1 })).body as unknown[])
      .length;
    expect(committed).toBeGreaterThan(0);
    expect(stored % 1000).toBe(0);
    expect(stored).toBeGreaterThanOrEqual(committed);
    expect(stored).toBeLessThanOrEqual(5000);
  });

  it('fails loudly when the server goes away mid-import', async () => {
    const { dir: other, remove } = await makeTempDir();
    const doomed = await startServer([
      'serve',
      '--data-dir',
      other,
      ...(await storageArgs(other)),
      '--log-level',
      'warn',
    ]);
    try {
      const running = cli(['import', '--url', doomed.url, '--token', doomed.token ?? ''], {
        input: toNdjson(generateRecords(60_000)),
      });
      // Kill it once the import is under way: its first batch is committed.
      await waitFor(async () => {
        const page = await rpc(doomed.url, doomed.token, 'category.get', '', { batchSize: 1 });
        return Array.isArray(page.body) && page.body.length > 0;
      });
      await doomed.stop('SIGKILL');
      const result = await running;
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/committed \d+ events/);
    } finally {
      await remove();
    }
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
