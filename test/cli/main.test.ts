import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SERVE_FLAGS } from '../../src/cli/commands/serve.js';
import { COMMANDS, EXIT, runCli } from '../../src/cli/main.js';
import { VERSION } from '../../src/version.js';
import { createTestIo } from './helpers.js';

describe('runCli', () => {
  it('prints the overview with every command when run without arguments', async () => {
    const t = createTestIo();
    expect(await runCli([], t.io)).toBe(EXIT.ok);
    for (const command of COMMANDS) expect(t.stdout()).toContain(command.name);
    expect(t.stderr()).toBe('');
  });

  it('prints the same overview for --help, -h and help', async () => {
    const outputs = await Promise.all(
      [['--help'], ['-h'], ['help']].map(async (argv) => {
        const t = createTestIo();
        expect(await runCli(argv, t.io)).toBe(EXIT.ok);
        return t.stdout();
      }),
    );
    expect(new Set(outputs).size).toBe(1);
  });

  it('prints the version for version and --version', async () => {
    for (const argv of [['version'], ['--version']]) {
      const t = createTestIo();
      expect(await runCli(argv, t.io)).toBe(EXIT.ok);
      expect(t.stdout()).toBe(`${VERSION}\n`);
    }
  });

  it('exits 2 with a pointer to --help for an unknown command', async () => {
    const t = createTestIo();
    expect(await runCli(['frobnicate'], t.io)).toBe(EXIT.usage);
    expect(t.stderr()).toContain('unknown command "frobnicate"');
    expect(t.stderr()).toContain('eventodb --help');
    expect(t.stdout()).toBe('');
  });

  it('exits 2 for a bad flag and names the command help', async () => {
    const t = createTestIo();
    expect(await runCli(['serve', '--port', 'x'], t.io)).toBe(EXIT.usage);
    expect(t.stderr()).toContain('--port must be an integer');
    expect(t.stderr()).toContain('run eventodb serve --help');
  });

  it('prints the help of serve, listing every flag with its env name', async () => {
    for (const argv of [
      ['serve', '--help'],
      ['serve', '-h'],
      ['help', 'serve'],
    ]) {
      const t = createTestIo();
      expect(await runCli(argv, t.io)).toBe(EXIT.ok);
      for (const [name, spec] of Object.entries(SERVE_FLAGS)) {
        expect(t.stdout()).toContain(`--${name}`);
        expect(t.stdout()).toContain(spec.env);
      }
    }
  });

  it('exits 2 for help of an unknown command', async () => {
    const t = createTestIo();
    expect(await runCli(['help', 'nope'], t.io)).toBe(EXIT.usage);
  });
});

describe('runCli serve (in-process)', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('serves until aborted, then shuts down and exits 0', async () => {
    const t = createTestIo();
    const args = ['serve', '--test-mode', '--port', '0', '--host', '127.0.0.1', '--log-level', 'silent'];
    const exit = runCli(args, t.io);
    const url = await t.waitForStdout(/^listening on (\S+)$/m);
    const token = await t.waitForStdout(/^Default namespace token: (\S+)$/m);
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const write = await fetch(`${url}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(['stream.write', 'account-1', { type: 'Opened', data: {} }]),
    });
    expect(write.status).toBe(200);
    t.controller.abort();
    expect(await exit).toBe(EXIT.ok);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('lets an in-flight request finish after the abort before resolving', async () => {
    const t = createTestIo();
    const args = ['serve', '--test-mode', '--port', '0', '--host', '127.0.0.1', '--log-level', 'info'];
    const exit = runCli(args, t.io);
    const url = await t.waitForStdout(/^listening on (\S+)$/m);
    const encoder = new TextEncoder();
    let sendRest: () => void = () => undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('["stream.write", "account-1", '));
        sendRest = () => {
          controller.enqueue(encoder.encode('{"type": "Opened", "data": {}}]'));
          controller.close();
        };
      },
    });
    const response = fetch(`${url}/rpc`, { method: 'POST', body, duplex: 'half' });
    await t.waitForStderr(/"incoming request"/);
    t.controller.abort();
    await t.waitForStderr(/shutting down/);
    sendRest();
    expect((await response).status).toBe(200);
    expect(await exit).toBe(EXIT.ok);
  });

  it('cuts off a request still running when the shutdown timeout is over', async () => {
    const t = createTestIo();
    const args = ['serve', '--test-mode', '--port', '0', '--host', '127.0.0.1', '--log-level', 'info'];
    const exit = runCli([...args, '--shutdown-timeout', '100'], t.io);
    const url = await t.waitForStdout(/^listening on (\S+)$/m);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('["stream.write", '));
      },
    });
    const response = fetch(`${url}/rpc`, { method: 'POST', body, duplex: 'half' });
    await t.waitForStderr(/"incoming request"/);
    t.controller.abort();
    expect(await exit).toBe(EXIT.ok);
    await expect(response).rejects.toThrow();
    expect(t.stderr()).not.toContain('"request completed"');
  });

  it('exits 1 when the port is taken', async () => {
    const first = createTestIo();
    const args = ['serve', '--test-mode', '--host', '127.0.0.1', '--log-level', 'silent'];
    const running = runCli([...args, '--port', '0'], first.io);
    const port = new URL(await first.waitForStdout(/^listening on (\S+)$/m)).port;
    const second = createTestIo();
    expect(await runCli([...args, '--port', port], second.io)).toBe(EXIT.failure);
    expect(second.stderr()).toContain('EADDRINUSE');
    first.controller.abort();
    expect(await running).toBe(EXIT.ok);
  });

  it('creates a missing --data-dir', async () => {
    const root = await mkdtemp(join(tmpdir(), 'evt-cli-'));
    dirs.push(root);
    const t = createTestIo({ EVENTODB_DATA_DIR: join(root, 'a', 'b'), EVENTODB_LOG_LEVEL: 'silent' });
    const exit = runCli(['serve', '--port', '0', '--host', '127.0.0.1'], t.io);
    await t.waitForStdout(/^listening on (\S+)$/m);
    t.controller.abort();
    expect(await exit).toBe(EXIT.ok);
    expect(await readdir(join(root, 'a', 'b'))).toContain('eventodb.db');
  });

  it('exits 2 for an unsupported --db-url scheme', async () => {
    const t = createTestIo({ EVENTODB_LOG_LEVEL: 'silent' });
    expect(await runCli(['serve', '--db-url', 'mysql://x', '--port', '0'], t.io)).toBe(EXIT.usage);
    expect(t.stderr()).toContain('--db-url');
  });
});
