/** In-process CLI plumbing: a `CliIo` over memory streams, with the captured output. */
import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';

/** A test's I/O: the `CliIo` to pass, what was written, and the controller of its signal. */
export interface TestIo {
  io: CliIo;
  controller: AbortController;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern` (its first capture group). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** The same for stderr (where the server's logs go). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** A fresh `CliIo` with an empty stdin, non-TTY streams and the given environment. */
export function createTestIo(env: NodeJS.ProcessEnv = {}): TestIo {
  const controller = new AbortController();
  const out = capture();
  const err = capture();
  const io: CliIo = {
    stdin: Readable.from([]),
    stdout: out.stream,
    stderr: err.stream,
    isStdinTTY: false,
    isStdoutTTY: false,
    isStderrTTY: false,
    env,
    signal: controller.signal,
  };
  const waitFor = (text: () => string, name: string, pattern: RegExp, timeoutMs = 10_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = pattern.exec(text());
        if (match === null) return false;
        clearInterval(timer);
        clearTimeout(timeout);
        resolve(match[1] ?? match[0]);
        return true;
      };
      const timer = setInterval(check, 10);
      const timeout = setTimeout(() => {
        clearInterval(timer);
        reject(new Error(`no ${String(pattern)} on ${name}; stderr:\n${err.text()}`));
      }, timeoutMs);
      check();
    });
  return {
    io,
    controller,
    stdout: out.text,
    stderr: err.text,
    waitForStdout: (pattern, timeoutMs) => waitFor(out.text, 'stdout', pattern, timeoutMs),
    waitForStderr: (pattern, timeoutMs) => waitFor(err.text, 'stderr', pattern, timeoutMs),
  };
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
