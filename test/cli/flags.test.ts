import { describe, expect, it } from 'vitest';
import { formatFlagHelp, HelpRequest, parseFlags, UsageError, type FlagTable } from '../../src/cli/flags.js';

const TABLE = {
  port: {
    type: 'number',
    short: 'p',
    env: 'X_PORT',
    default: 8080,
    min: 0,
    max: 65535,
    description: 'Port.',
  },
  name: { type: 'string', env: 'X_NAME', description: 'Name.' },
  level: {
    type: 'string',
    env: 'X_LEVEL',
    default: 'info',
    choices: ['info', 'debug'],
    description: 'Level.',
  },
  secret: { type: 'string', env: 'X_SECRET', isSecret: true, choices: ['a'], description: 'Secret.' },
  fast: { type: 'boolean', env: 'X_FAST', description: 'Fast.' },
} as const satisfies FlagTable;

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseFlags(TABLE, argv, env).values;

/** Runs `fn` and returns the `UsageError` it throws. */
function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('expected a UsageError');
}

describe('parseFlags', () => {
  it('uses the defaults when neither flag nor env is set', () => {
    expect(parse([])).toEqual({ port: 8080, name: undefined, level: 'info', secret: undefined, fast: false });
  });

  it('prefers the env over the default', () => {
    expect(parse([], { X_PORT: '9000', X_NAME: 'n', X_FAST: 'yes' })).toMatchObject({
      port: 9000,
      name: 'n',
      fast: true,
    });
  });

  it('prefers the flag over the env', () => {
    const env = { X_PORT: '9000', X_NAME: 'env', X_FAST: 'true' };
    expect(parse(['--port', '1', '--name=flag', '--no-fast'], env)).toMatchObject({
      port: 1,
      name: 'flag',
      fast: false,
    });
  });

  it('treats an empty env value as unset', () => {
    expect(parse([], { X_PORT: '', X_NAME: '' })).toMatchObject({ port: 8080, name: undefined });
  });

  it('accepts short aliases and takes the last of repeated flags', () => {
    expect(parse(['-p', '5', '--port', '6'])).toMatchObject({ port: 6 });
  });

  it.each([['abc'], ['1.5'], ['70000'], ['-1'], [''], ['0x10']])('rejects --port=%j', (value) => {
    expect(usageError(() => parse([`--port=${value}`])).message).toContain('--port must be an integer');
  });

  it('names the env variable when an env value is bad', () => {
    expect(usageError(() => parse([], { X_PORT: 'nope' })).message).toMatch(/^X_PORT must be an integer/);
  });

  it('rejects a value outside the choices', () => {
    expect(usageError(() => parse(['--level', 'loud'])).message).toContain('one of info, debug');
  });

  it('never echoes the value of a secret flag', () => {
    expect(usageError(() => parse(['--secret', 'hunter2'])).message).not.toContain('hunter2');
  });

  it('rejects a boolean env value it cannot read', () => {
    expect(usageError(() => parse([], { X_FAST: 'maybe' })).message).toContain('X_FAST');
  });

  it('rejects an unknown flag, a missing value and a positional', () => {
    expect(usageError(() => parse(['--bogus'])).message).toContain("unknown flag '--bogus'");
    expect(() => parse(['--name'])).toThrow(UsageError);
    expect(() => parse(['extra'])).toThrow(UsageError);
    expect(() => parse(['--fast=yes'])).toThrow(UsageError);
  });

  it('returns positionals when the command allows them', () => {
    expect(parseFlags(TABLE, ['a', '--fast', 'b'], {}, { allowPositionals: true }).positionals).toEqual([
      'a',
      'b',
    ]);
  });

  it('throws HelpRequest for -h and --help, before validating values', () => {
    expect(() => parse(['-h'])).toThrow(HelpRequest);
    expect(() => parse(['--port', 'abc', '--help'])).toThrow(HelpRequest);
  });
});

describe('formatFlagHelp', () => {
  it('lists every flag with its env name and default, and --help', () => {
    const help = formatFlagHelp(TABLE);
    for (const [name, spec] of Object.entries(TABLE)) {
      expect(help).toContain(`--${name}`);
      expect(help).toContain(spec.env);
      expect(help).toContain(spec.description);
    }
    expect(help).toContain('default 8080');
    expect(help).toContain('-p, --port <n>');
    expect(help).toContain('-h, --help');
  });
});
