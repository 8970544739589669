/**
 * Black-box plumbing: spawn bin/eventodb (built by test/global-setup.ts), wait for the server's
 * `listening on <url>` line, talk to it over HTTP, stop it with a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { freshStorage, testDbUrl, type TestStorage } from '../backends.js';

/** Absolute path of the launcher. */
export const BIN = fileURLToPath(new URL('../../bin/eventodb', import.meta.url));

/** Options of `runEventodb` and `startServer`. */
export interface SpawnOptions {
  /** Extra environment; inherited `EVENTODB_*` variables are dropped first. */
  env?: NodeJS.ProcessEnv;
  /** Working directory; default the repository root. */
  cwd?: string;
  /** Give up after this long (default 15 s). */
  timeoutMs?: number;
}

/** How a finished command ended and what it wrote. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `eventodb serve`. */
export interface StartedServer {
  /** Base URL from the `listening on` line, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The token from `Default namespace token:`, undefined when none was printed. */
  token: string | undefined;
  proc: ChildProcess;
  /** Everything written to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code; no-op after exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<StartedServer>();

function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EVENTODB_')));
  return { ...env, ...extra };
}

function spawnBin(args: readonly string[], options: SpawnOptions): ChildProcess {
  return spawn(BIN, args, {
    cwd: options.cwd ?? fileURLToPath(new URL('../..', import.meta.url)),
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collect(proc: ChildProcess): { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return { stdout: () => out, stderr: () => err };
}

function exited(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  }
  return new Promise((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
}

/** Runs `eventodb <args>` to completion (killed after the timeout). */
export async function runEventodb(args: readonly string[], options: SpawnOptions = {}): Promise<RunResult> {
  const proc = spawnBin(args, options);
  const output = collect(proc);
  const timer = setTimeout(() => proc.kill('SIGKILL'), options.timeoutMs ?? 15_000);
  const { code, signal } = await exited(proc);
  clearTimeout(timer);
  return { code, signal, stdout: output.stdout(), stderr: output.stderr() };
}

/**
 * Starts `eventodb <args>` (normally `serve ...`) with `EVENTODB_HOST=127.0.0.1` and
 * `EVENTODB_PORT=0` unless `options.env` or the flags say otherwise, and resolves once it prints
 * `listening on <url>`. Rejects, with its output, if it exits or times out first.
 */
export async function startServer(
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<StartedServer> {
  const proc = spawnBin(args, {
    ...options,
    env: { EVENTODB_HOST: '127.0.0.1', EVENTODB_PORT: '0', ...options.env },
  });
  const output = collect(proc);
  const url = await waitForListening(proc, output, options.timeoutMs ?? 15_000).catch((err: Error) => {
    proc.kill('SIGKILL');
    throw new Error(
      `eventodb ${args.join(' ')}: ${err.message}\nstdout:\n${output.stdout()}\nstderr:\n${output.stderr()}`,
    );
  });
  const server: StartedServer = {
    url,
    token: /^Default namespace token: (\S+)$/m.exec(output.stdout())?.[1],
    proc,
    stdout: output.stdout,
    stderr: output.stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      running.delete(server);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return (await exited(proc)).code;
    },
  };
  running.add(server);
  return server;
}

function waitForListening(
  proc: ChildProcess,
  output: { stdout: () => string },
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const finish = (settle: () => void): void => {
      clearInterval(poll);
      clearTimeout(timer);
      settle();
    };
    const poll = setInterval(() => {
      const url = /^listening on (\S+)$/m.exec(output.stdout())?.[1];
      if (url !== undefined) finish(() => resolve(url));
      else if (proc.exitCode !== null) {
        finish(() => reject(new Error(`exited with ${proc.exitCode} before listening`)));
      }
    }, 20);
    const timer = setTimeout(() => finish(() => reject(new Error('did not start in time'))), timeoutMs);
  });
}

/** Kills every server `startServer` started that is still running (use in `afterEach`). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop('SIGKILL')));
}

/** A fresh temporary directory and a function that removes it. */
export async function makeTempDir(
  prefix = 'evt-e2e-',
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** POSTs `[method, ...args]` to `/rpc` with the token (if any); the status and the parsed body. */
export async function rpc(
  url: string,
  token: string | undefined,
  method: string,
  ...args: unknown[]
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/rpc`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify([method, ...args]),
  });
  return { status: response.status, body: await response.json() };
}

const storages = new Map<string, Promise<TestStorage>>();

/**
 * The `--db-url` flag for a server whose data lives in `dataDir`, on the test backend
 * (`EVENTODB_TEST_DB_URL`, test/backends.ts): the same storage every time for the same directory,
 * so a restarted server finds its data. Empty for the default, SQLite files in `dataDir`. Storage
 * on a database server lives as long as the test database server does.
 */
export async function storageArgs(dataDir: string): Promise<string[]> {
  if (testDbUrl() === undefined) return [];
  let storage = storages.get(dataDir);
  if (storage === undefined) {
    storage = freshStorage();
    storages.set(dataDir, storage);
  }
  return ['--db-url', (await storage).url];
}

/** The server one test file shares (see `useFileServer`). */
export interface FileServer {
  /** The running server; read it inside hooks and tests (it starts in `beforeAll`). */
  readonly server: StartedServer;
  /** The file's temporary directory; the server's data is under `data/`. */
  readonly dir: string;
  /** Creates the namespace `<prefix><n>` through the admin token; resolves with its token. */
  namespace(): Promise<string>;
}

/**
 * Registers `beforeAll`/`afterAll` hooks that start one `eventodb serve` on the test backend
 * (`storageArgs`) for the calling test file, in a temporary directory, and stop and remove it.
 */
export function useFileServer(prefix: string): FileServer {
  let server: StartedServer | undefined;
  let dir: string | undefined;
  let remove = async (): Promise<void> => undefined;
  let count = 0;
  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir());
    const data = join(dir, 'data');
    server = await startServer([
      'serve',
      '--data-dir',
      data,
      ...(await storageArgs(data)),
      '--log-level',
      'warn',
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    await remove();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useFileServer: read the server inside hooks and tests');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get dir() {
      return started(dir);
    },
    namespace: async () => {
      const s = started(server);
      const { status, body } = await rpc(s.url, s.token, 'ns.create', `${prefix}${++count}`);
      if (status !== 200) throw new Error(`ns.create failed: ${status} ${JSON.stringify(body)}`);
      return (body as { token: string }).token;
    },
  };
}
