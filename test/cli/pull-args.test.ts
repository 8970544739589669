import { describe, expect, it } from 'vitest';
import { parseExportArgs } from '../../src/cli/commands/export.js';
import { parseImportArgs } from '../../src/cli/commands/import.js';
import { parsePullArgs } from '../../src/cli/commands/pull.js';
import { UsageError } from '../../src/cli/flags.js';
import { isSameNamespace, normaliseServerUrl } from '../../src/cli/same-namespace.js';
import { generateToken } from '../../src/token.js';

const PROD = generateToken('prod');
const LOCAL = generateToken('local');
const base = ['--from-url', 'https://prod.example:8080', '--from-token', PROD];
const target = ['--url', 'http://localhost:8080', '--token', LOCAL];

function usageMessage(parse: () => unknown): string {
  try {
    parse();
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error('expected a UsageError');
}

describe('parsePullArgs', () => {
  it('reads source, target and every export filter', () => {
    const config = parsePullArgs(
      [
        ...base,
        ...target,
        '--categories',
        'order,workflow',
        '--since',
        '2025-07-01',
        '--until',
        '2025-07-02',
      ],
      {},
    );
    expect(config.source).toEqual({ url: 'https://prod.example:8080', token: PROD });
    expect(config.target).toEqual({ url: 'http://localhost:8080', token: LOCAL });
    expect(config.categories).toEqual(['order', 'workflow']);
    expect(config.since).toBe(Date.UTC(2025, 6, 1) * 1000);
    expect(config.until).toBe(Date.UTC(2025, 6, 2) * 1000);
    expect(config.isDryRun).toBe(false);
    expect(config.after).toBeUndefined();
  });

  it('takes the source from EVENTODB_FROM_URL and EVENTODB_FROM_TOKEN, flags first', () => {
    const env = { EVENTODB_FROM_URL: 'http://src:1', EVENTODB_FROM_TOKEN: PROD };
    expect(parsePullArgs(target, env).source).toEqual({ url: 'http://src:1', token: PROD });
    expect(parsePullArgs(['--from-url', 'http://other:2', ...target], env).source.url).toBe('http://other:2');
  });

  it('names the missing source flag and its variable', () => {
    expect(usageMessage(() => parsePullArgs(target, {}))).toBe(
      '--from-url (or EVENTODB_FROM_URL) is required',
    );
    expect(usageMessage(() => parsePullArgs(['--from-url', 'http://a', ...target], {}))).toBe(
      '--from-token (or EVENTODB_FROM_TOKEN) is required',
    );
  });

  it('reads --after and --dry-run', () => {
    const config = parsePullArgs([...base, ...target, '--after', '1234', '--dry-run'], {});
    expect(config.after).toBe(1234);
    expect(config.isDryRun).toBe(true);
    expect(parsePullArgs([...base, ...target, '--after', '0'], {}).after).toBe(0);
  });

  it.each(['-1', '1.5', 'abc', '1e3', '', '99999999999999999999'])('rejects --after %j', (after) => {
    expect(usageMessage(() => parsePullArgs([...base, ...target, `--after=${after}`], {}))).toMatch(
      /^--after takes a global position, an integer ≥ 0/,
    );
  });

  it('rejects --since at or after --until', () => {
    const at = ['--since', '2025-07-02', '--until', '2025-07-02'];
    const after = ['--since', '2025-07-03', '--until', '2025-07-02'];
    expect(usageMessage(() => parsePullArgs([...base, ...target, ...at], {}))).toBe(
      '--since must be before --until',
    );
    expect(usageMessage(() => parsePullArgs([...base, ...target, ...after], {}))).toBe(
      '--since must be before --until',
    );
  });

  it('rejects a source and target that are the same namespace on the same server', () => {
    const same = ['--from-url', 'http://127.0.0.1:8080/', '--from-token', LOCAL];
    expect(usageMessage(() => parsePullArgs([...same, ...target], {}))).toMatch(
      /^source and target are the same namespace on the same server/,
    );
  });

  it('accepts the same namespace name on two servers, and two namespaces on one server', () => {
    const otherServer = ['--from-url', 'http://localhost:8081', '--from-token', LOCAL];
    expect(parsePullArgs([...otherServer, ...target], {}).source.url).toBe('http://localhost:8081');
    const otherNs = ['--from-url', 'http://localhost:8080', '--from-token', PROD];
    expect(parsePullArgs([...otherNs, ...target], {}).source.token).toBe(PROD);
  });

  it('never echoes a token in a usage error', () => {
    const message = usageMessage(() =>
      parsePullArgs(['--from-url', 'http://a', '--from-token', 'bad token', ...target], {}),
    );
    expect(message).toBe('--from-token contains spaces or control characters');
  });
});

describe('isSameNamespace', () => {
  it('treats spellings of one server as one: case, default port, trailing slash, loopback names', () => {
    expect(normaliseServerUrl('HTTP://Example.COM:80/')).toBe(normaliseServerUrl('http://example.com'));
    expect(normaliseServerUrl('http://localhost:8080')).toBe(normaliseServerUrl('http://127.0.0.1:8080/'));
    expect(normaliseServerUrl('http://a:8080/x')).not.toBe(normaliseServerUrl('http://a:8080/y'));
    expect(normaliseServerUrl('http://a:8080')).not.toBe(normaliseServerUrl('https://a:8080'));
  });

  it('sees two tokens of one namespace as the same namespace', () => {
    const url = 'http://db:8080';
    expect(isSameNamespace({ url, token: generateToken('ns1') }, { url, token: generateToken('ns1') })).toBe(
      true,
    );
    expect(isSameNamespace({ url, token: generateToken('ns1') }, { url, token: generateToken('ns2') })).toBe(
      false,
    );
    expect(isSameNamespace({ url, token: 'opaque' }, { url, token: 'opaque' })).toBe(true);
  });
});

describe('export and import flags', () => {
  const remote = ['--url', 'http://a:1', '--token', LOCAL];

  it('export takes --after with the other filters', () => {
    const config = parseExportArgs(
      [...remote, '--after', '41', '--categories', 'order', '--since', '2025-01-01'],
      {},
    );
    expect(config).toMatchObject({ after: 41, categories: ['order'], since: Date.UTC(2025, 0, 1) * 1000 });
  });

  it('export rejects a negative --after and --since at --until', () => {
    expect(usageMessage(() => parseExportArgs([...remote, '--after=-3'], {}))).toMatch(/^--after takes/);
    expect(
      usageMessage(() => parseExportArgs([...remote, '--since', '2025-01-02', '--until', '2025-01-01'], {})),
    ).toBe('--since must be before --until');
  });

  it('import takes --skip-existing, off by default', () => {
    expect(parseImportArgs(remote, {}).skipExisting).toBe(false);
    expect(parseImportArgs([...remote, '--skip-existing'], {}).skipExisting).toBe(true);
  });
});
