/**
 * `eventodb help [command]` and the text of every `--help`, generated from the command table and
 * each command's flag table.
 */
import { VERSION } from '../../version.js';
import { defineCommand, type Command } from '../command.js';
import { formatFlagHelp, parseFlags, UsageError } from '../flags.js';
import type { CliIo } from '../io.js';

/** The configuration of `eventodb help`: the command to explain, or none for the overview. */
export interface HelpConfig {
  topic: string | undefined;
}

/** `eventodb help` takes no flags besides `--help`. */
export const HELP_FLAGS = {} as const;

/** Reads the optional command name. Throws `UsageError` for more than one argument or any flag. */
export function parseHelpArgs(argv: readonly string[], env: NodeJS.ProcessEnv): HelpConfig {
  const { positionals } = parseFlags(HELP_FLAGS, argv, env, { allowPositionals: true });
  if (positionals.length > 1) throw new UsageError('help takes at most one command name');
  return { topic: positionals[0] };
}

/** The overview `eventodb`, `eventodb --help` and `eventodb help` print. */
export function formatMainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return [
    `eventodb ${VERSION}: an event store server, wire-compatible with EventoDB.`,
    '',
    'Usage: eventodb <command> [flags]',
    '',
    'Commands:',
    list,
    '',
    'Run "eventodb <command> --help" for the flags of a command.',
    'Flags fall back to EVENTODB_* environment variables, then to defaults (flag > env > default).',
    'Exit codes: 0 ok, 1 failure, 2 usage error.',
    '',
  ].join('\n');
}

/** The help of one command: usage line, description, flags with their env names and defaults. */
export function formatCommandHelp(command: Command): string {
  const parts = [`Usage: eventodb ${command.name} ${command.usage}`, '', command.summary, ''];
  if (command.description !== undefined) parts.push(command.description.trimEnd(), '');
  parts.push(formatFlagHelp(command.flags));
  return parts.join('\n');
}

/** Builds the `help` command over the command table (a getter, since the table includes it). */
export function createHelpCommand(getCommands: () => readonly Command[]): Command {
  const runHelp = (config: HelpConfig, io: CliIo): Promise<void> => {
    const commands = getCommands();
    if (config.topic === undefined) {
      io.stdout.write(formatMainHelp(commands));
      return Promise.resolve();
    }
    const command = commands.find((c) => c.name === config.topic);
    if (command === undefined) return Promise.reject(new UsageError(`unknown command "${config.topic}"`));
    io.stdout.write(formatCommandHelp(command));
    return Promise.resolve();
  };
  return defineCommand({
    name: 'help',
    summary: 'Show help for eventodb or one command.',
    usage: '[command]',
    flags: HELP_FLAGS,
    parse: parseHelpArgs,
    run: runHelp,
  });
}
