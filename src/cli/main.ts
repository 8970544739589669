/**
 * The CLI entry point: the command table, dispatch, exit codes and signals. The only module that
 * calls `process.exit`.
 *
 * Adding a command: write `src/cli/commands/<name>.ts` exporting `parseXArgs`, `runX` and a
 * `Command` made with `defineCommand`, then add it to `COMMANDS` below.
 */
import { VERSION } from '../version.js';
import type { Command } from './command.js';
import { createHelpCommand, formatCommandHelp, formatMainHelp } from './commands/help.js';
import { exportCommand } from './commands/export.js';
import { importCommand } from './commands/import.js';
import { pullCommand } from './commands/pull.js';
import { inspectCommand } from './commands/inspect.js';
import { serveCommand } from './commands/serve.js';
import { versionCommand } from './commands/version.js';
import { HelpRequest, UsageError } from './flags.js';
import { describeError, flushStream, processIo, writeLine, type CliIo } from './io.js';
import { limitYoungGeneration } from './young-generation.js';

const helpCommand = createHelpCommand(() => COMMANDS);

/** Every command, in the order `eventodb --help` lists them. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  exportCommand,
  importCommand,
  pullCommand,
  inspectCommand,
  versionCommand,
  helpCommand,
];

/** Process exit codes: 0 ok, 1 failure, 2 usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** An exit code. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Runs one command line against `io` and returns its exit code; never rejects. Help goes to
 * stdout; usage errors (with a pointer to `--help`) and failures go to stderr.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(formatMainHelp(COMMANDS));
    return EXIT.ok;
  }
  if (name === '--version') return runCommand(versionCommand, rest, io);
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    writeLine(io.stderr, `eventodb: unknown command "${name}"`);
    writeLine(io.stderr, 'run eventodb --help');
    return EXIT.usage;
  }
  return runCommand(command, rest, io);
}

async function runCommand(command: Command, argv: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    await command.execute(argv, io);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof HelpRequest) {
      io.stdout.write(formatCommandHelp(command));
      return EXIT.ok;
    }
    if (err instanceof UsageError) {
      writeLine(io.stderr, `eventodb ${command.name}: ${err.message}`);
      writeLine(io.stderr, `run eventodb ${command.name} --help`);
      return EXIT.usage;
    }
    writeLine(io.stderr, `eventodb ${command.name}: ${describeError(err)}`);
    return EXIT.failure;
  }
}

/**
 * The process entry (bin/eventodb): SIGTERM/SIGINT abort the command's signal so it shuts down
 * cleanly; a second signal exits at once with 1. Exits with the command's code once stdout and
 * stderr are flushed.
 */
export async function main(argv: readonly string[]): Promise<void> {
  limitYoungGeneration(argv[0], process.env);
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.failure);
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let code: ExitCode;
  try {
    code = await runCli(argv, processIo(controller.signal));
  } catch (err) {
    process.stderr.write(`eventodb ${VERSION}: ${describeError(err)}\n`);
    code = EXIT.failure;
  }
  await Promise.all([flushStream(process.stdout), flushStream(process.stderr)]);
  process.exit(code);
}
