import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../src/cli/commands/serve.js';
import { UsageError } from '../../src/cli/flags.js';
import { generateToken } from '../../src/token.js';

const DEFAULT_TOKEN = generateToken('default');

function usageMessage(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parseServeArgs(argv, env);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error('expected a UsageError');
}

describe('parseServeArgs', () => {
  it('defaults to port 8080 on 0.0.0.0 with SQLite under ./data', () => {
    expect(parseServeArgs([], {})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      dbUrl: undefined,
      dataDir: resolve('data'),
      token: undefined,
      testMode: false,
      logLevel: 'info',
      bodyLimit: 16 * 1024 * 1024,
      shutdownTimeout: 10_000,
      replyLimit: 16 * 1024 * 1024,
      headersTimeout: 10_000,
      keepAliveTimeout: 5_000,
      bodyTimeout: 60_000,
      maxConnections: 4096,
    });
  });

  it('reads every setting from EVENTODB_* variables', () => {
    const config = parseServeArgs([], {
      EVENTODB_PORT: '9000',
      EVENTODB_HOST: '127.0.0.1',
      EVENTODB_DB_URL: 'sqlite:///tmp/meta.db',
      EVENTODB_DATA_DIR: '/tmp/evt',
      EVENTODB_TOKEN: DEFAULT_TOKEN,
      EVENTODB_LOG_LEVEL: 'warn',
      EVENTODB_BODY_LIMIT: '1024',
      EVENTODB_SHUTDOWN_TIMEOUT: '500',
      EVENTODB_REPLY_LIMIT: '2048',
      EVENTODB_HEADER_TIMEOUT: '1000',
      EVENTODB_KEEP_ALIVE_TIMEOUT: '0',
      EVENTODB_BODY_TIMEOUT: '3000',
      EVENTODB_MAX_CONNECTIONS: '100',
    });
    expect(config).toEqual({
      port: 9000,
      host: '127.0.0.1',
      dbUrl: 'sqlite:///tmp/meta.db',
      dataDir: '/tmp/evt',
      token: DEFAULT_TOKEN,
      testMode: false,
      logLevel: 'warn',
      bodyLimit: 1024,
      shutdownTimeout: 500,
      replyLimit: 2048,
      headersTimeout: 1000,
      keepAliveTimeout: 0,
      bodyTimeout: 3000,
      maxConnections: 100,
    });
  });

  it('lets flags override the environment', () => {
    const env = { EVENTODB_PORT: '9000', EVENTODB_LOG_LEVEL: 'warn', EVENTODB_TEST_MODE: '1' };
    const config = parseServeArgs(['--port', '0', '--log-level', 'debug', '--no-test-mode'], env);
    expect(config).toMatchObject({ port: 0, logLevel: 'debug', testMode: false });
  });

  it('leaves the backend to the default (SQLite in --data-dir) when no --db-url is given', () => {
    expect(parseServeArgs(['--data-dir', '/srv/evt'], {})).toMatchObject({
      dbUrl: undefined,
      dataDir: '/srv/evt',
    });
  });

  it('keeps the chosen backend in test mode, which then runs in memory', () => {
    expect(parseServeArgs(['--test-mode'], {})).toMatchObject({ testMode: true, dbUrl: undefined });
    expect(parseServeArgs(['--db-url', 'sqlite:///tmp/x.db'], { EVENTODB_TEST_MODE: 'true' })).toMatchObject({
      testMode: true,
      dbUrl: 'sqlite:///tmp/x.db',
    });
  });

  it.each([
    [['--port', '65536']],
    [['--port', 'http']],
    [['--body-limit', '0']],
    [['--reply-limit', '0']],
    [['--max-connections', '0']],
    [['--header-timeout', '-1']],
    [['--log-level', 'verbose']],
    [['--host', '']],
    [['--unknown']],
  ])('rejects %j', (argv) => {
    expect(() => parseServeArgs(argv, {})).toThrow(UsageError);
  });

  it('refuses a malformed token without echoing it', () => {
    const message = usageMessage(['--token', 'ns_not-a-token_secret']);
    expect(message).toContain('refusing to start');
    expect(message).not.toContain('ns_not-a-token_secret');
  });

  it("refuses another namespace's token without echoing it", () => {
    const other = generateToken('other');
    expect(usageMessage([], { EVENTODB_TOKEN: other })).not.toContain(other);
  });
});
