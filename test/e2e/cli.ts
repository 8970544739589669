/** Runs `bin/eventodb` with data on stdin, or two of them piped together. */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './helpers.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EVENTODB_')));
  return spawn(BIN, args, {
    env: { ...base, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function finish(proc: ChildProcess, timeoutMs: number): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  proc.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  proc.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Runs the CLI to completion with `input` on stdin (empty when absent). */
export function cli(
  args: readonly string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  const proc = start(args, options.env ?? {});
  proc.stdin?.on('error', () => undefined);
  proc.stdin?.end(options.input ?? '');
  return finish(proc, options.timeoutMs ?? 30_000);
}

/** Runs `eventodb <left> | eventodb <right>`; both results. */
export async function cliPipe(
  left: readonly string[],
  right: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<[CliResult, CliResult]> {
  const a = start(left, env);
  const b = start(right, env);
  a.stdin?.end();
  if (a.stdout !== null && b.stdin !== null) a.stdout.pipe(b.stdin);
  const bDone = finish(b, 30_000);
  let aErr = '';
  a.stderr?.setEncoding('utf8').on('data', (c: string) => (aErr += c));
  const aCode = await new Promise<number | null>((resolve) => a.once('close', resolve));
  return [{ code: aCode, stdout: '', stderr: aErr }, await bDone];
}
