/**
 * The shape of a CLI command. A command file exports `parseXArgs`, `runX` and one `Command` made
 * with `defineCommand`; main.ts lists it in its `COMMANDS` table. That is all adding a command takes.
 */
import type { FlagTable } from './flags.js';
import type { CliIo } from './io.js';

/** What a command file declares. `C` is the command's validated configuration. */
export interface CommandSpec<C> {
  /** The word after `eventodb`. */
  name: string;
  /** One line for the command list of `eventodb --help`. */
  summary: string;
  /** What follows `eventodb <name>` in the usage line; default `[flags]`. */
  usage?: string;
  /** Extra help paragraphs printed between the usage line and the flags. */
  description?: string;
  /** Every flag of the command, declared once; `--help` is generated from it. */
  flags: FlagTable;
  /** argv (after the command name) and env → configuration. Throws `UsageError`, `HelpRequest`. */
  parse(argv: readonly string[], env: NodeJS.ProcessEnv): C;
  /** Does the work. Resolves on success (exit 0); a rejection is a failure (exit 1). */
  run(config: C, io: CliIo): Promise<void>;
}

/** A registered command with its configuration type erased, so commands fit in one table. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly description: string | undefined;
  readonly flags: FlagTable;
  /** `parse` then `run`. */
  execute(argv: readonly string[], io: CliIo): Promise<void>;
}

/** Wraps a command's spec for the `COMMANDS` table in main.ts. */
export function defineCommand<C>(spec: CommandSpec<C>): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage ?? '[flags]',
    description: spec.description,
    flags: spec.flags,
    execute: async (argv, io) => spec.run(spec.parse(argv, io.env), io),
  };
}
