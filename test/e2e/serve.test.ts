import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/token.js';
import { VERSION } from '../../src/version.js';
import { makeTempDir, rpc, runEventodb, startServer, stopAllServers } from './helpers.js';

const TOKEN_SHAPE = /^ns_ZGVmYXVsdA_[0-9a-f]{64}$/;
const EXISTS_NOTE = 'default namespace exists; its token was printed when it was created';

afterEach(stopAllServers);

describe('eventodb serve on a data directory', () => {
  let data: Awaited<ReturnType<typeof makeTempDir>>;
  let firstToken: string;
  beforeAll(async () => {
    data = await makeTempDir();
  });
  afterAll(async () => data.remove());

  it('prints a working token on first start and serves /health, /version and /rpc', async () => {
    const server = await startServer(['serve', '--data-dir', data.dir]);
    expect(server.token).toMatch(TOKEN_SHAPE);
    firstToken = server.token ?? '';
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/version`)).json()).toEqual({ version: VERSION });
    const written = await rpc(server.url, firstToken, 'stream.write', 'account-1', {
      type: 'Opened',
      data: { a: 1 },
    });
    expect(written).toEqual({ status: 200, body: { position: 0, globalPosition: 1 } });
    const read = await rpc(server.url, firstToken, 'stream.get', 'account-1');
    expect(read.status).toBe(200);
    expect(read.body).toHaveLength(1);
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).not.toContain(firstToken);
  });

  it('on restart without a token prints none, says default exists, and keeps the data', async () => {
    const server = await startServer(['serve', '--data-dir', data.dir]);
    expect(server.token).toBeUndefined();
    expect(server.stdout()).not.toMatch(/ns_/);
    expect(server.stderr()).toContain(EXISTS_NOTE);
    const read = await rpc(server.url, firstToken, 'stream.get', 'account-1');
    expect(read.body).toHaveLength(1);
    expect(await server.stop()).toBe(0);
  });

  it('on restart with --token makes that token work and the old one stop working', async () => {
    const token = generateToken('default');
    const server = await startServer(['serve', '--data-dir', data.dir, '--token', token]);
    expect(server.token).toBeUndefined();
    expect((await rpc(server.url, token, 'stream.version', 'account-1')).body).toBe(0);
    expect((await rpc(server.url, firstToken, 'stream.version', 'account-1')).status).toBe(403);
    expect(await server.stop()).toBe(0);
    expect(server.stdout() + server.stderr()).not.toContain(token);
  });

  it('exits 0 on SIGTERM and SIGINT with the data intact', async () => {
    const token = generateToken('default');
    const env = { EVENTODB_TOKEN: token };
    const first = await startServer(['serve', '--data-dir', data.dir], { env });
    await rpc(first.url, token, 'stream.write', 'account-2', { type: 'Opened', data: {} });
    expect(await first.stop('SIGTERM')).toBe(0);
    const second = await startServer(['serve', '--data-dir', data.dir], { env });
    expect((await rpc(second.url, token, 'stream.version', 'account-2')).body).toBe(0);
    expect(await second.stop('SIGINT')).toBe(0);
  });
});

describe('eventodb serve startup', () => {
  it('refuses a malformed --token with exit 2 and does not echo it', async () => {
    const bad = 'ns_ZGVmYXVsdA_not-hex';
    const result = await runEventodb(['serve', '--test-mode', '--token', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('refusing to start');
    expect(result.stderr + result.stdout).not.toContain(bad);
  });

  it("refuses another namespace's token from EVENTODB_TOKEN with exit 2", async () => {
    const other = generateToken('other');
    const result = await runEventodb(['serve', '--test-mode'], { env: { EVENTODB_TOKEN: other } });
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).not.toContain(other);
  });

  it('keeps SQLite under ./data of the working directory by default', async () => {
    const cwd = await makeTempDir();
    try {
      const server = await startServer(['serve'], { cwd: cwd.dir });
      expect(server.token).toMatch(TOKEN_SHAPE);
      expect(await server.stop()).toBe(0);
      expect(await readdir(join(cwd.dir, 'data'))).toContain('eventodb.db');
    } finally {
      await cwd.remove();
    }
  });

  it('accepts token-less requests in --test-mode', async () => {
    const server = await startServer(['serve', '--test-mode']);
    const written = await rpc(server.url, undefined, 'stream.write', 'account-1', {
      type: 'Opened',
      data: {},
    });
    expect(written.status).toBe(200);
    expect(await server.stop()).toBe(0);
  });

  it('exits 1 when the port is already in use', async () => {
    const server = await startServer(['serve', '--test-mode']);
    const result = await runEventodb([
      'serve',
      '--test-mode',
      '--host',
      '127.0.0.1',
      '--port',
      new URL(server.url).port,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('EADDRINUSE');
    expect(await server.stop()).toBe(0);
  });
});

describe('eventodb commands', () => {
  it('prints the version', async () => {
    expect(await runEventodb(['version'])).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('prints the overview for --help and when run alone', async () => {
    for (const args of [['--help'], []]) {
      const result = await runEventodb(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('serve');
      expect(result.stdout).toContain('version');
    }
  });

  it('prints the flags of serve with their env names', async () => {
    const result = await runEventodb(['serve', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--port');
    expect(result.stdout).toContain('EVENTODB_PORT');
  });

  it('exits 2 for an unknown command and for a bad flag value', async () => {
    expect((await runEventodb(['frobnicate'])).code).toBe(2);
    const bad = await runEventodb(['serve', '--port', '70000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('run eventodb serve --help');
  });
});
