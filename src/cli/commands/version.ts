/** `eventodb version`: prints the version to stdout. */
import { VERSION } from '../../version.js';
import { defineCommand } from '../command.js';
import { parseFlags } from '../flags.js';
import { writeLine, type CliIo } from '../io.js';

/** `eventodb version` takes no flags besides `--help`. */
export const VERSION_FLAGS = {} as const;

/** The configuration of `eventodb version` (nothing to configure). */
export type VersionConfig = Record<string, never>;

/** Validates the (empty) command line. Throws `UsageError` for any flag or argument. */
export function parseVersionArgs(argv: readonly string[], env: NodeJS.ProcessEnv): VersionConfig {
  parseFlags(VERSION_FLAGS, argv, env);
  return {};
}

/** Writes the version and a newline to stdout. */
export function runVersion(_config: VersionConfig, io: CliIo): Promise<void> {
  writeLine(io.stdout, VERSION);
  return Promise.resolve();
}

/** The `version` command for main.ts's table. */
export const versionCommand = defineCommand({
  name: 'version',
  summary: 'Print the version.',
  flags: VERSION_FLAGS,
  parse: parseVersionArgs,
  run: runVersion,
});
