/**
 * Spawns a real `bin/eventodb serve` on 127.0.0.1 with a free port and waits for the two stdout
 * lines a script relies on: `Default namespace token: <token>` and `listening on <url>`.
 * Every server is registered with cleanup, so it is killed even when a benchmark fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';

/**
 * The launcher every benchmark spawns (needs `npm run build`); `BENCH_EVENTODB_BIN` points the
 * servers at another build (e.g. an older commit's, for a before/after run with the same bench).
 */
export const BIN =
  process.env['BENCH_EVENTODB_BIN'] ?? fileURLToPath(new URL('../bin/eventodb', import.meta.url));
/** Node flags of `npm start` (package.json), so the bench measures the server as it is started. */
const SERVE_NODE_FLAGS = ['--max-semi-space-size=8'];
/** Extra node flags for the server from `BENCH_SERVER_NODE_FLAGS` (e.g. `--cpu-prof`), space-separated. */
const EXTRA_NODE_FLAGS = (process.env['BENCH_SERVER_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');

const STARTUP_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

/** A running server. */
export interface BenchServer {
  url: string;
  /** The default namespace's token (the data dir is fresh, so the server generated it). */
  token: string;
  pid: number;
  /** SIGTERM, then SIGKILL if it has not exited after 10 s. Idempotent. */
  stop(): Promise<void>;
}

/** Starts `eventodb serve` on a fresh `dataDir`, with `extraArgs` (e.g. `--db-url postgres://...`). */
export async function startServer(dataDir: string, extraArgs: readonly string[] = []): Promise<BenchServer> {
  const child = spawn(
    process.execPath,
    [
      ...SERVE_NODE_FLAGS,
      ...EXTRA_NODE_FLAGS,
      BIN,
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = (): Promise<void> => stopChild(child);
  onCleanup(stop);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const { url, token } = await readStartup(child, () => stderr, true);
  if (child.pid === undefined) throw new Error('server has no pid');
  return { url, token, pid: child.pid, stop };
}

/** Starts bench/durable-floor-server.ts (node:http + one fdatasync per request) in `dir`. */
export async function startFloorServer(dir: string): Promise<BenchServer> {
  const script = fileURLToPath(new URL('./durable-floor-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = (): Promise<void> => stopChild(child);
  onCleanup(stop);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const { url } = await readStartup(child, () => stderr, false);
  if (child.pid === undefined) throw new Error('floor server has no pid');
  return { url, token: 'unused', pid: child.pid, stop };
}

function readStartup(
  child: ChildProcess,
  stderr: () => string,
  needsToken: boolean,
): Promise<{ url: string; token: string }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let token: string | undefined;
    const timer = setTimeout(() => fail('did not start within 15 s'), STARTUP_TIMEOUT_MS);
    function fail(reason: string): void {
      clearTimeout(timer);
      reject(new Error(`eventodb serve ${reason}\n${stderr()}`));
    }
    child.once('exit', (code) => fail(`exited with ${String(code)}`));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      token ??= /^Default namespace token: (\S+)$/m.exec(stdout)?.[1];
      const url = /^listening on (\S+)$/m.exec(stdout)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      if (token === undefined && needsToken)
        reject(new Error('server printed no token (data dir not fresh?)'));
      else resolve({ url, token: token ?? '' });
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
