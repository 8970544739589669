/**
 * The redaction flags shared by `export` and `pull` (issue 13): declared once, parsed into a
 * `RedactConfig`, and turned into a `Redactor` when the command runs. A command spreads
 * `REDACT_FLAGS` into its table, calls `parseRedactFlags` in its parse step, `startRedaction` when
 * it runs, and `reportUnmatched` once everything is written.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChunkTransform } from '../client/export-source.js';
import { Redactor } from '../redact/redactor.js';
import { parseRule, parseRulesText, RuleSyntaxError, type RedactRule } from '../redact/rule.js';
import { UsageError, type FlagTable, type FlagValues } from './flags.js';
import { writeLine } from './io.js';
import type { Writable } from 'node:stream';

/** Minimum HMAC key length in bytes (UTF-8 of the flag or env value). */
export const MIN_REDACT_KEY_BYTES = 16;

/** The rule flags alone (`inspect` checks rules against a file without redacting). */
export const REDACT_RULE_FLAGS = {
  redact: {
    type: 'string',
    isMultiple: true,
    valueName: 'rule',
    description:
      'Pseudonymise the values at a path: data.email, data.card.number, data.items[*].name, metadata.ip, optionally for one type (UserRegistered:data.email).',
  },
  'redact-file': {
    type: 'string',
    valueName: 'file',
    description: 'Read redaction rules from a file, one per line (# starts a comment).',
  },
} as const satisfies FlagTable;

export const REDACT_FLAGS = {
  ...REDACT_RULE_FLAGS,
  'redact-key': {
    type: 'string',
    env: 'EVENTODB_REDACT_KEY',
    isSecret: true,
    valueName: 'key',
    description: `HMAC-SHA256 key of the pseudonyms, at least ${MIN_REDACT_KEY_BYTES} bytes: the same key gives the same pseudonyms in every run (default: a random key per run).`,
  },
  'redact-drop': {
    type: 'boolean',
    description: 'Remove the fields the rules match instead of pseudonymising them.',
  },
} as const satisfies FlagTable;

/** Validated redaction settings; undefined in a command's config when no rule was given. */
export interface RedactConfig {
  rules: RedactRule[];
  /** The HMAC key; absent: a random key per run. */
  key?: Buffer;
  drop: boolean;
}

/** Reads the redaction flags. Throws `UsageError` for a bad rule (quoted), file or key. */
export function parseRedactFlags(v: FlagValues<typeof REDACT_FLAGS>): RedactConfig | undefined {
  const rules = parseRedactRules(v);
  if (rules.length === 0) {
    if (v['redact-drop'])
      throw new UsageError('--redact-drop needs rules: --redact RULE or --redact-file FILE');
    return undefined;
  }
  const config: RedactConfig = { rules, drop: v['redact-drop'] };
  const keyText = v['redact-key'];
  if (keyText !== undefined) {
    const key = Buffer.from(keyText, 'utf8');
    if (key.length < MIN_REDACT_KEY_BYTES) {
      throw new UsageError(
        `--redact-key (or EVENTODB_REDACT_KEY) must be at least ${MIN_REDACT_KEY_BYTES} bytes (got ${key.length})`,
      );
    }
    config.key = key;
  }
  return config;
}

/** The rules of `--redact` (in order) then `--redact-file`. Throws `UsageError` quoting a bad rule. */
export function parseRedactRules(v: FlagValues<typeof REDACT_RULE_FLAGS>): RedactRule[] {
  const rules: RedactRule[] = [];
  try {
    for (const text of v.redact) rules.push(parseRule(text));
    if (v['redact-file'] !== undefined) rules.push(...parseRulesText(readRulesFile(v['redact-file'])));
  } catch (err) {
    if (err instanceof RuleSyntaxError) throw new UsageError(err.message);
    throw err;
  }
  return rules;
}

function readRulesFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code);
    throw new UsageError(`cannot read --redact-file ${path}: ${why}`);
  }
}

/** The redactor for a run; without a key it makes a random one and says so (never printing it). */
export function startRedaction(config: RedactConfig, stderr: Writable): Redactor {
  let key = config.key;
  if (key === undefined) {
    key = randomBytes(32);
    writeLine(
      stderr,
      'redact: no --redact-key or EVENTODB_REDACT_KEY given: using a random key for this run, ' +
        'so pseudonyms will not match those of other runs',
    );
  }
  return new Redactor({ rules: config.rules, key, drop: config.drop });
}

/**
 * Warns on stderr about every rule that matched nothing in the whole run (a typo must not pass
 * silently). The exit code stays 0: see docs/CLI.md, "Sharing production data safely".
 */
export function reportUnmatched(redactor: Redactor, stderr: Writable, what: string): void {
  for (const rule of redactor.unmatched()) {
    writeLine(stderr, `warning: redaction rule "${rule}" matched nothing in this ${what} (a typo?)`);
  }
}

/**
 * The export pipeline stage (export-pipeline.ts) that redacts every record of a chunk. Records are
 * rewritten, never dropped, so the chunk's counts and positions stay as they are.
 */
export function redactionTransform(redactor: Redactor): ChunkTransform {
  return async function* (chunks) {
    for await (const chunk of chunks) yield { ...chunk, data: redactor.redactLines(chunk.data) };
  };
}

/** A command's redaction for one run: its pipeline stages and the end-of-run report. */
export interface RedactionStage {
  /** The redaction transform, or none when no rule was given. */
  transforms: ChunkTransform[];
  /** Warns about rules that matched nothing (`what`: the command, e.g. `export`). */
  report(what: string): void;
}

/** Starts redaction for `config` (undefined: no rules, no stages) and says so on `stderr`. */
export function startRedactionStage(config: RedactConfig | undefined, stderr: Writable): RedactionStage {
  if (config === undefined) return { transforms: [], report: () => undefined };
  const redactor = startRedaction(config, stderr);
  return {
    transforms: [redactionTransform(redactor)],
    report: (what) => reportUnmatched(redactor, stderr, what),
  };
}
