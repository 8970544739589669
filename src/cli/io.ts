/**
 * The I/O a command runs against. Commands never touch `process` directly: main.ts builds a
 * `CliIo` from the process, tests build one from in-memory streams.
 */
import type { Readable, Writable } from 'node:stream';
import { CLI_ERROR_CODES } from '../errors.js';

/** Streams, environment and the stop signal handed to every command's `run`. */
export interface CliIo {
  /** Input data (NDJSON for `import`). */
  stdin: Readable;
  /** Data only (NDJSON, a version, the one-time token); never logs or progress. */
  stdout: Writable;
  /** Logs, progress and error messages. */
  stderr: Writable;
  /** Whether stdin is a terminal (e.g. refuse to read data typed interactively). */
  isStdinTTY: boolean;
  /** Whether stdout is a terminal. */
  isStdoutTTY: boolean;
  /** Whether stderr is a terminal (live progress bar vs. plain periodic lines). */
  isStderrTTY: boolean;
  /** The environment flags fall back to (`EVENTODB_*`). */
  env: NodeJS.ProcessEnv;
  /**
   * Aborted on SIGTERM/SIGINT (main.ts) or by a test. A long-running command stops cleanly when
   * it fires and then resolves; a second signal makes main exit at once with code 1.
   */
  signal: AbortSignal;
}

/** A `CliIo` over the current process's streams and environment. */
export function processIo(signal: AbortSignal): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    isStdinTTY: process.stdin.isTTY === true,
    isStdoutTTY: process.stdout.isTTY === true,
    isStderrTTY: process.stderr.isTTY === true,
    env: process.env,
    signal,
  };
}

/** Writes `text` and a newline. */
export function writeLine(stream: Writable, text: string): void {
  stream.write(`${text}\n`);
}

/**
 * A one-line description of an error for stderr: `CODE: message` for a CLI-only code, and its
 * cause in parentheses only when that adds something (not a repeat of the message, not the
 * generic text of an abort).
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const isCliCode = typeof code === 'string' && Object.hasOwn(CLI_ERROR_CODES, code);
  const message = isCliCode && !err.message.startsWith(`${code}:`) ? `${code}: ${err.message}` : err.message;
  const cause: unknown = err.cause;
  if (
    cause instanceof Error &&
    cause.message !== '' &&
    cause.name !== 'AbortError' &&
    !message.includes(cause.message)
  ) {
    return `${message} (${cause.message})`;
  }
  return message;
}

/** Resolves when `signal` aborts (at once if it already has). */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Resolves once everything written to `stream` so far has been handed to the OS. */
export function flushStream(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableEnded || stream.destroyed) resolve();
    else stream.write('', () => resolve());
  });
}
