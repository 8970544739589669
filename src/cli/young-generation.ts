/**
 * Keeps V8's young generation at its initial size (two 1 MiB semi-spaces) in the client commands
 * (export, import, pull, inspect), which stream bytes and hold little: left to grow, it doubled up
 * to two 16 MiB semi-spaces under redaction's allocation rate and made ~20 of the ~100 MiB peak
 * RSS of `export` with five rules (docs/PERFORMANCE.md, "Issue 13 goals, session 5").
 *
 * `--max-semi-space-size` cannot be set here: V8 reads it once, when the heap is set up, and the
 * `#!/usr/bin/env node` launcher cannot pass flags. The growth factor is read each time the young
 * generation would grow, so `v8.setFlagsFromString` works for it at run time (measured: the new
 * space stays at 2 MiB, peak RSS 100 → 84 MiB for that export, 85 → 80 MiB for a plain one, at
 * the same speed on a loaded machine). `serve` keeps V8's defaults (`npm start` sets its own
 * `--max-semi-space-size`), and so does a process whose node flags already set a semi-space size.
 */
import { setFlagsFromString } from 'node:v8';

const CLIENT_COMMANDS = new Set(['export', 'import', 'pull', 'inspect']);

/** Applies the flag for `command` (the first CLI argument); returns whether it did. */
export function limitYoungGeneration(command: string | undefined, env: NodeJS.ProcessEnv): boolean {
  if (command === undefined || !CLIENT_COMMANDS.has(command)) return false;
  const given = [...process.execArgv, env.NODE_OPTIONS ?? ''].join(' ');
  if (/semi[-_]space/.test(given)) return false;
  setFlagsFromString('--semi-space-growth-factor=1');
  return true;
}
