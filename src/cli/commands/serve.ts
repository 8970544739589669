/**
 * `eventodb serve`: opens the store, makes sure namespace `default` exists (printing its token
 * once when it generates one), serves HTTP until SIGTERM/SIGINT, then closes gracefully.
 *
 * stdout carries the two facts a script needs: `Default namespace token: <token>` (only when a
 * token was generated) and `listening on http://<host>:<port>` (the real port, also for
 * `--port 0`). Structured logs (pino) go to stderr and never contain a token.
 */
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { FastifyInstance } from 'fastify';
import { isEventoError } from '../../errors.js';
import type { EventStore } from '../../store/event-store.js';
import { openStore, supportedSchemes } from '../../store/open-store.js';
import { VERSION } from '../../version.js';
import { defineCommand } from '../command.js';
import {
  ensureDefaultNamespace,
  isDefaultNamespaceToken,
  reportDefaultNamespace,
} from '../default-namespace.js';
import { parseFlags, UsageError, type FlagTable } from '../flags.js';
import { whenAborted, writeLine, type CliIo } from '../io.js';
import { closeGracefully } from '../shutdown.js';

/** Log levels `--log-level` accepts (pino's, plus `silent`). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A `--log-level` value. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every flag of `eventodb serve`. */
export const SERVE_FLAGS = {
  port: {
    type: 'number',
    short: 'p',
    env: 'EVENTODB_PORT',
    default: 8080,
    min: 0,
    max: 65535,
    valueName: 'port',
    description: 'TCP port to listen on; 0 picks a free one (the real port is printed).',
  },
  host: {
    type: 'string',
    env: 'EVENTODB_HOST',
    default: '0.0.0.0',
    valueName: 'host',
    description: 'Address to listen on.',
  },
  'db-url': {
    type: 'string',
    env: 'EVENTODB_DB_URL',
    valueName: 'url',
    description: `Store URL; its scheme picks the backend (${supportedSchemes()
      .map((scheme) => `${scheme}:`)
      .join(' ')}; see docs/CLI.md). Default: the built-in backend in --data-dir.`,
  },
  'data-dir': {
    type: 'string',
    env: 'EVENTODB_DATA_DIR',
    default: './data',
    valueName: 'dir',
    description: 'Data directory, created if missing, for backends that keep files.',
  },
  token: {
    type: 'string',
    env: 'EVENTODB_TOKEN',
    isSecret: true,
    valueName: 'token',
    description: 'Token of the default namespace (ns_ZGVmYXVsdA_<64 hex>); set on startup.',
  },
  'test-mode': {
    type: 'boolean',
    env: 'EVENTODB_TEST_MODE',
    default: false,
    description:
      'Keep everything in memory (any backend that can); requests without a token act on default; unknown tokens register.',
  },
  'log-level': {
    type: 'string',
    env: 'EVENTODB_LOG_LEVEL',
    default: 'info',
    choices: LOG_LEVELS,
    valueName: 'level',
    description: 'Minimum level of the JSON logs written to stderr.',
  },
  'shutdown-timeout': {
    type: 'number',
    env: 'EVENTODB_SHUTDOWN_TIMEOUT',
    default: 10_000,
    min: 0,
    valueName: 'ms',
    description: 'On SIGTERM/SIGINT, how long in-flight requests may take before being cut off.',
  },
  'body-limit': {
    type: 'number',
    env: 'EVENTODB_BODY_LIMIT',
    default: 16 * 1024 * 1024,
    min: 1,
    valueName: 'bytes',
    description: 'Largest accepted request body (and import line), in bytes.',
  },
  'reply-limit': {
    type: 'number',
    env: 'EVENTODB_REPLY_LIMIT',
    default: 16 * 1024 * 1024,
    min: 1,
    valueName: 'bytes',
    description: 'Largest stream.get/category.get reply, in bytes (at least one message is always sent).',
  },
  'header-timeout': {
    type: 'number',
    env: 'EVENTODB_HEADER_TIMEOUT',
    default: 10_000,
    min: 0,
    valueName: 'ms',
    description: 'A connection must send complete request headers within this (0: no limit).',
  },
  'keep-alive-timeout': {
    type: 'number',
    env: 'EVENTODB_KEEP_ALIVE_TIMEOUT',
    default: 5_000,
    min: 0,
    valueName: 'ms',
    description: 'An idle keep-alive connection is closed after this (0: never).',
  },
  'body-timeout': {
    type: 'number',
    env: 'EVENTODB_BODY_TIMEOUT',
    default: 60_000,
    min: 0,
    valueName: 'ms',
    description: 'A request body that sends no byte for this long is cut off (0: no limit).',
  },
  'max-connections': {
    type: 'number',
    env: 'EVENTODB_MAX_CONNECTIONS',
    default: 4096,
    min: 1,
    valueName: 'n',
    description: 'Open connections served; more are answered 503 TOO_MANY_CONNECTIONS and closed.',
  },
} as const satisfies FlagTable;

/** The validated configuration of `eventodb serve`. */
export interface ServeConfig {
  port: number;
  host: string;
  /** The store URL (`--db-url`); undefined: the default backend (open-store.ts) in `dataDir`. */
  dbUrl: string | undefined;
  /** Absolute path, for backends that keep files; each creates what it needs. */
  dataDir: string;
  /** The default namespace's token, already checked to be well-formed and to name `default`. */
  token: string | undefined;
  testMode: boolean;
  logLevel: LogLevel;
  bodyLimit: number;
  /** Milliseconds in-flight requests get after SIGTERM/SIGINT. */
  shutdownTimeout: number;
  /** Bytes of rows a read reply holds at most. */
  replyLimit: number;
  /** Milliseconds for complete request headers (0: none). */
  headersTimeout: number;
  /** Milliseconds an idle keep-alive connection stays open (0: no limit). */
  keepAliveTimeout: number;
  /** Milliseconds a request body may send nothing (0: no limit). */
  bodyTimeout: number;
  /** Open connections served normally. */
  maxConnections: number;
}

/**
 * argv + env → `ServeConfig`. Throws `UsageError` for bad values and for a `--token` that is
 * malformed or not `default`'s (never echoed).
 */
export function parseServeArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ServeConfig {
  const { values } = parseFlags(SERVE_FLAGS, argv, env);
  const token = values.token;
  if (token !== undefined && !isDefaultNamespaceToken(token)) {
    throw new UsageError(
      '--token/EVENTODB_TOKEN is not a token of the default namespace (expected ns_ZGVmYXVsdA_ followed by 64 lower-case hex characters); refusing to start',
    );
  }
  const dbUrl = values['db-url'];
  if (values.host.trim() === '') throw new UsageError('--host must not be empty');
  const dataDir = resolve(values['data-dir']);
  return {
    port: values.port,
    host: values.host,
    dbUrl,
    dataDir,
    token,
    testMode: values['test-mode'],
    logLevel: values['log-level'] as LogLevel,
    bodyLimit: values['body-limit'],
    shutdownTimeout: values['shutdown-timeout'],
    replyLimit: values['reply-limit'],
    headersTimeout: values['header-timeout'],
    keepAliveTimeout: values['keep-alive-timeout'],
    bodyTimeout: values['body-timeout'],
    maxConnections: values['max-connections'],
  };
}

/**
 * V8's old generation may grow to this percent above what the last full GC kept before the next
 * one. V8's default lets it double or more: during a long export, request objects promoted out of
 * the young generation then piled up to ~20 MiB above the live heap (server RSS 128 → 146 MiB at
 * 800,000 events); at 20 % the peak stayed at 128 MiB, at the same speed (PERFORMANCE.md). V8
 * reads this flag at every GC, so setting it here works however node was started.
 */
export const HEAP_GROWING_PERCENT = 20;

/**
 * Runs the server until `io.signal` aborts, then stops accepting connections, lets in-flight
 * requests finish, closes the store and resolves. Rejects when the store cannot be opened or
 * the port cannot be bound (`UsageError` for an unsupported `--db-url` scheme).
 */
export async function runServe(config: ServeConfig, io: CliIo): Promise<void> {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  // Loaded here, not at the top: the other commands (export, import) never pay for fastify.
  const [{ pino }, { createServer }] = await Promise.all([
    import('pino'),
    import('../../server/create-server.js'),
  ]);
  const logger = pino({ level: config.logLevel }, io.stderr);
  const store = await openConfiguredStore(config);
  try {
    reportDefaultNamespace(await ensureDefaultNamespace(store, config.token), io, logger);
    const app = await createServer({
      store,
      testMode: config.testMode,
      bodyLimit: config.bodyLimit,
      replyLimit: config.replyLimit,
      headersTimeout: config.headersTimeout,
      keepAliveTimeout: config.keepAliveTimeout,
      bodyTimeout: config.bodyTimeout,
      maxConnections: config.maxConnections,
      logger,
      version: VERSION,
    });
    try {
      await app.listen({ port: config.port, host: config.host });
      writeLine(io.stdout, `listening on ${listeningUrl(app, config.host)}`);
      await whenAborted(io.signal);
      logger.info('shutting down: waiting for in-flight requests');
    } finally {
      await closeGracefully(app, { graceMs: config.shutdownTimeout, logger });
    }
  } finally {
    await store.close();
  }
  logger.info('stopped');
}

async function openConfiguredStore(config: ServeConfig): Promise<EventStore> {
  try {
    return await openStore(config.dbUrl, { dataDir: config.dataDir, inMemory: config.testMode });
  } catch (err) {
    if (isEventoError(err) && err.code === 'INVALID_REQUEST')
      throw new UsageError(`--db-url: ${err.message}`);
    throw err;
  }
}

function listeningUrl(app: FastifyInstance, host: string): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The `serve` command for main.ts's table. */
export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Run the HTTP server (JSON-RPC, subscriptions, import).',
  flags: SERVE_FLAGS,
  parse: parseServeArgs,
  run: runServe,
});
