/**
 * Flag tables: every flag of a command is declared once (type, `EVENTODB_*` env name, default,
 * description), parsed strictly with node's `util.parseArgs`, resolved with the precedence
 * flag > env > default, and rendered into `--help` (docs/adr/0002-cli-parsing.md).
 *
 * `-h`/`--help` is implicit on every table; boolean flags also accept `--no-<name>` so a flag can
 * override a true env value. Number flags take integers only (decimal digits, optional `-`).
 */
import { parseArgs } from 'node:util';

interface FlagBase {
  /** Help text: one sentence. */
  description: string;
  /** Environment variable consulted when the flag is absent (an empty value counts as absent). */
  env?: string;
  /** One-letter alias (`p` for `-p`). */
  short?: string;
}

/** A flag taking text. */
export interface StringFlag extends FlagBase {
  type: 'string';
  default?: string;
  /** Allowed values; anything else is a usage error. */
  choices?: readonly string[];
  /** Never echo the value in an error message (tokens). */
  isSecret?: boolean;
  /** Placeholder in help, e.g. `url` for `--db-url <url>`; defaults to `value`. */
  valueName?: string;
  /** Repeatable: the value is every occurrence in order (`string[]`, empty when absent; no env). */
  isMultiple?: boolean;
}

/** A switch: absent → env → default (false when not declared). */
export interface BooleanFlag extends FlagBase {
  type: 'boolean';
  default?: boolean;
}

/** An integer, optionally bounded (inclusive). */
export interface NumberFlag extends FlagBase {
  type: 'number';
  default?: number;
  min?: number;
  max?: number;
  /** Placeholder in help; defaults to `n`. */
  valueName?: string;
}

/** One declared flag. */
export type FlagSpec = StringFlag | BooleanFlag | NumberFlag;

/** A command's flags by long name (without `--`). Declare with `as const satisfies FlagTable`. */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

type ValueOf<F> = F extends BooleanFlag ? boolean : F extends NumberFlag ? number : string;

/** The resolved values of a table: a flag without a default may be undefined (booleans never). */
export type FlagValues<T extends FlagTable> = {
  [K in keyof T]: T[K] extends BooleanFlag
    ? boolean
    : T[K] extends { isMultiple: true }
      ? string[]
      : T[K] extends { default: string | number }
        ? ValueOf<T[K]>
        : ValueOf<T[K]> | undefined;
};

/** What `parseFlags` returns. */
export interface ParsedFlags<T extends FlagTable> {
  values: FlagValues<T>;
  positionals: string[];
}

/** A mistake in the command line or environment: exit code 2, message to stderr. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Thrown by `parseFlags` when `-h`/`--help` is present; main prints the command's help, exit 0. */
export class HelpRequest extends Error {
  constructor() {
    super('help requested');
    this.name = 'HelpRequest';
  }
}

/** Options of `parseFlags`. */
export interface ParseFlagsOptions {
  /** Accept positional arguments (default false: any positional is a usage error). */
  allowPositionals?: boolean;
}

/**
 * Parses `argv` against `table` and resolves every flag (flag > env > default). Throws
 * `HelpRequest` when `-h`/`--help` is given, `UsageError` for an unknown flag, a missing value,
 * an unexpected positional or a value of the wrong type, range or choice.
 */
export function parseFlags<T extends FlagTable>(
  table: T,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  options: ParseFlagsOptions = {},
): ParsedFlags<T> {
  const parsed = tokenize(table, argv, options.allowPositionals ?? false);
  if (parsed.values['help'] === true) throw new HelpRequest();
  const values: Record<string, string | string[] | number | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(table)) {
    const raw = parsed.values[name];
    values[name] =
      spec.type === 'string' && spec.isMultiple === true
        ? (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(
            (r) => convert(spec, r, `--${name}`) as string,
          )
        : resolveFlag(name, spec, raw, env);
  }
  return { values: values as FlagValues<T>, positionals: parsed.positionals };
}

type RawValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

function tokenize(
  table: FlagTable,
  argv: readonly string[],
  allowPositionals: boolean,
): { values: RawValues; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(table)) {
    options[name] = {
      type: spec.type === 'boolean' ? 'boolean' : 'string',
      ...(spec.type === 'string' && spec.isMultiple === true ? { multiple: true } : {}),
      ...(spec.short === undefined ? {} : { short: spec.short }),
    };
  }
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals, allowNegative: true });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // For an unknown flag parseArgs adds advice about positionals that misleads here.
    const unknown = /^Unknown option '[^']*'/.exec(message);
    if (unknown !== null) throw new UsageError(unknown[0].replace(/^Unknown option/, 'unknown flag'));
    throw new UsageError(message.replace(/\n/g, ' ').replace(/\.$/, ''));
  }
}

function resolveFlag(
  name: string,
  spec: FlagSpec,
  raw: RawValues[string],
  env: NodeJS.ProcessEnv,
): string | number | boolean | undefined {
  const fromFlag = Array.isArray(raw) ? raw.at(-1) : raw;
  if (fromFlag !== undefined) return convert(spec, fromFlag, `--${name}`);
  const fromEnv = spec.env === undefined ? undefined : env[spec.env];
  if (fromEnv !== undefined && fromEnv !== '' && spec.env !== undefined) {
    return convert(spec, fromEnv, spec.env);
  }
  return spec.type === 'boolean' ? (spec.default ?? false) : spec.default;
}

function convert(spec: FlagSpec, raw: string | boolean, label: string): string | number | boolean {
  if (spec.type === 'boolean') return typeof raw === 'boolean' ? raw : parseBoolean(raw, label);
  const text = String(raw);
  const shown = spec.type === 'string' && spec.isSecret === true ? '' : ` (got ${JSON.stringify(text)})`;
  if (spec.type === 'number') return parseInteger(spec, text, label, shown);
  if (spec.choices !== undefined && !spec.choices.includes(text)) {
    throw new UsageError(`${label} must be one of ${spec.choices.join(', ')}${shown}`);
  }
  return text;
}

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];

function parseBoolean(text: string, label: string): boolean {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new UsageError(`${label} must be true or false (1/0, yes/no, on/off) (got ${JSON.stringify(text)})`);
}

function parseInteger(spec: NumberFlag, text: string, label: string, shown: string): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  const min = spec.min ?? Number.MIN_SAFE_INTEGER;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = spec.min === undefined && spec.max === undefined ? '' : ` from ${min} to ${max}`;
    throw new UsageError(`${label} must be an integer${range}${shown}`);
  }
  return value;
}

/** The `Flags:` section of a command's help, one entry per flag plus `-h, --help`. */
export function formatFlagHelp(table: FlagTable): string {
  const rows = Object.entries(table).map(([name, spec]) => {
    const short = spec.short === undefined ? '    ' : `-${spec.short}, `;
    const value =
      spec.type === 'boolean' ? '' : ` <${spec.valueName ?? (spec.type === 'number' ? 'n' : 'value')}>`;
    const notes = [
      spec.type === 'string' && spec.isMultiple === true ? 'repeatable' : undefined,
      spec.env === undefined ? undefined : `env ${spec.env}`,
      spec.default === undefined ? undefined : `default ${JSON.stringify(spec.default)}`,
      spec.type === 'string' && spec.choices !== undefined ? `one of ${spec.choices.join('|')}` : undefined,
    ].filter((n) => n !== undefined);
    const detail = notes.length === 0 ? '' : `\n${' '.repeat(8)}(${notes.join('; ')})`;
    return `  ${short}--${name}${value}\n${' '.repeat(8)}${spec.description}${detail}`;
  });
  rows.push(`  -h, --help\n${' '.repeat(8)}Show this help.`);
  return `Flags:\n${rows.join('\n')}\n`;
}
