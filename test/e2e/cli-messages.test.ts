/**
 * CLI messages and exit codes through bin/eventodb (issue 7, defects 3 and 11): local input
 * problems are INPUT_ERROR (not NETWORK), messages do not repeat themselves, an empty --token and
 * bad --since/--until are usage errors (exit 2), and a --url path prefix is honoured.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli.js';
import { BIN, makeTempDir, rpc, startServer, type StartedServer } from './helpers.js';
import { fromNdjson, generateRecords, toNdjson } from './records.js';

let server: StartedServer;
let dir: string;
let removeDir: () => Promise<void>;
let nsCount = 0;

beforeAll(async () => {
  ({ dir, remove: removeDir } = await makeTempDir());
  server = await startServer(['serve', '--data-dir', join(dir, 'data'), '--log-level', 'warn']);
});

afterAll(async () => {
  await server.stop();
  await removeDir();
});

async function namespace(): Promise<string> {
  const { status, body } = await rpc(server.url, server.token, 'ns.create', `msg${++nsCount}`);
  expect(status).toBe(200);
  return (body as { token: string }).token;
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The error line of a failed command: it names `code`, not NETWORK, and says nothing twice. */
function expectFailure(result: { code: number | null; stderr: string }, code: string): void {
  expect(result.code, result.stderr).toBe(1);
  const line = result.stderr.trim().split('\n').at(-1) ?? '';
  expect(line).toContain(`${code}:`);
  expect(line).not.toContain('NETWORK');
  expectNoRepeats(line);
}

/** No parenthesised part of `line` repeats text found elsewhere in it. */
function expectNoRepeats(line: string): void {
  for (const [group, inner] of line.matchAll(/\(([^()]+)\)/g)) {
    const rest = line.replace(group, '').toLowerCase();
    const words = (inner ?? '').toLowerCase().replace(/^(the|this) /, '');
    expect(rest, line).not.toContain(words);
  }
}

describe('import input errors', () => {
  const lines = toNdjson(generateRecords(5));

  it('reports --gzip on a plain file as INPUT_ERROR (exit 1), not NETWORK', async () => {
    const token = await namespace();
    const path = file('plain.ndjson', lines);
    const result = await cli(['import', '--url', server.url, '--token', token, '--gzip', '--input', path]);
    expectFailure(result, 'INPUT_ERROR');
  });

  it('reports corrupt and truncated gzip as INPUT_ERROR', async () => {
    const token = await namespace();
    const gz = gzipSync(Buffer.from(toNdjson(generateRecords(2000))));
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 20, 200);
    for (const bytes of [corrupt, gz.subarray(0, gz.length >> 1)]) {
      const path = file('bad.ndjson.gz', bytes);
      const result = await cli(['import', '--url', server.url, '--token', token, '--input', path]);
      expectFailure(result, 'INPUT_ERROR');
    }
  });

  it('reports a directory or a missing file as --input as INPUT_ERROR', async () => {
    const token = await namespace();
    for (const path of [dir, join(dir, 'missing.ndjson')]) {
      const result = await cli(['import', '--url', server.url, '--token', token, '--input', path]);
      expectFailure(result, 'INPUT_ERROR');
    }
  });

  it('states a server error once, with the line and what was committed', async () => {
    const token = await namespace();
    const result = await cli(['import', '--url', server.url, '--token', token], { input: `${lines}nope\n` });
    expectFailure(result, 'INVALID_JSON');
    expect(result.stderr).toContain('line 6');
    expect(result.stderr.match(/INVALID_JSON/g)).toHaveLength(1);
  });
});

describe('usage errors (exit 2)', () => {
  it('treats an empty --token as a usage error', async () => {
    for (const command of ['import', 'export']) {
      const result = await cli([command, '--url', server.url, '--token='], { input: '' });
      expect(result.code, `${command}: ${result.stderr}`).toBe(2);
    }
  });

  it('rejects --since/--until outside 0001-9999, impossible dates and offsets with exit 2', async () => {
    const token = await namespace();
    for (const [flag, value] of [
      ['--since', '0000-01-01'],
      ['--since', '0050-02-29'],
      ['--until', '2025-02-31'],
      ['--until', '2025-02-30T00:00:00Z'],
      ['--since', '2025-07-15T10:00:00+24:00'],
      ['--since', '2025-07-15T10:00:00+99:99'],
      ['--until', '9999-12-31T23:59:59-23:59'],
    ] as const) {
      const result = await cli(['export', '--url', server.url, '--token', token, flag, value]);
      expect(result.code, `${flag} ${value}: ${result.stderr}`).toBe(2);
    }
  });
});

describe('--url with a path', () => {
  let proxy: Server;
  let proxyUrl: string;

  beforeAll(async () => {
    // A reverse proxy serving eventodb under /x: strips the prefix, 404 for anything else.
    const target = new URL(server.url);
    proxy = createServer((req, res) => {
      if (!req.url?.startsWith('/x/')) {
        res.writeHead(404).end();
        return;
      }
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url.slice(2),
          headers: req.headers,
        },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/x`;
  });

  afterAll(async () => {
    proxy.close();
    await once(proxy, 'close');
  });

  it('imports and exports through a proxy prefix, with or without a trailing slash', async () => {
    const token = await namespace();
    const records = generateRecords(1500);
    const imported = await cli(['import', '--url', proxyUrl, '--token', token], { input: toNdjson(records) });
    expect(imported.code, imported.stderr).toBe(0);
    for (const url of [proxyUrl, `${proxyUrl}/`]) {
      const exported = await cli(['export', '--url', url, '--token', token, '--retries', '0']);
      expect(exported.code, exported.stderr).toBe(0);
      expect(fromNdjson(exported.stdout).map((r) => r.gpos)).toEqual(records.map((r) => r.gpos));
    }
  });
});

describe('interrupted export', () => {
  it('says INTERRUPTED once, without a repeated abort message', async () => {
    // A server that takes the request and never answers: the export waits until the signal.
    const stuck = createServer(() => undefined);
    stuck.listen(0, '127.0.0.1');
    await once(stuck, 'listening');
    const url = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}`;
    try {
      const output = join(dir, 'never.ndjson');
      const proc = spawn(BIN, ['export', '--url', url, '--token', 'ns_eA_x', '--output', output], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      await once(stuck, 'request');
      proc.kill('SIGINT');
      const [code] = (await once(proc, 'close')) as [number | null];
      expectFailure({ code, stderr }, 'INTERRUPTED');
      expect(stderr.match(/abort/gi) ?? []).toHaveLength(0);
    } finally {
      stuck.closeAllConnections();
      stuck.close();
    }
  });
});
