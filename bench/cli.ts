/**
 * Runs one `bin/eventodb` command (import, export) as its own process, timing it from spawn to
 * exit and polling its peak RSS. A non-zero exit fails the benchmark with the end of stderr.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { onCleanup } from './cleanup.js';
import { watchPeakRss } from './rss.js';
import { BIN } from './server.js';

/** What one CLI run took. */
export interface CliRun {
  seconds: number;
  /** Peak RSS of the CLI process in MiB. */
  peakRssMib: number | null;
}

/** Hard stop for one command, so a hung import cannot hang the run. */
const CLI_TIMEOUT_MS = 10 * 60_000;

/** Runs `eventodb <args>`; resolves when it exits 0. */
export async function runEventodb(args: readonly string[]): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  if (child.pid === undefined) throw new Error(`could not spawn eventodb ${args[0] ?? ''}`);
  const rss = watchPeakRss(child.pid);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  const peakRssMib = rss.stop();
  if (code !== 0) throw new Error(`eventodb ${args[0] ?? ''} exited with ${String(code)}:\n${stderr}`);
  return { seconds, peakRssMib };
}
