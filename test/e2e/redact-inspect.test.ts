/**
 * Issue 13, black-box: `eventodb export --redact …` against a real server, the file checked the
 * way a user would (grep, compare pseudonyms, import it elsewhere), and `eventodb inspect` on
 * good, broken, gzip and large-enough-to-spill files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli.js';
import { rpc, type StartedServer, useFileServer } from './helpers.js';
import { fromNdjson, generateRecords, toNdjson } from './records.js';

const shared = useFileServer('redact');
let server: StartedServer;
let dir: string;

beforeAll(() => {
  server = shared.server;
  dir = shared.dir;
});

/** A fresh namespace on the server; its token. */
const namespace = (): Promise<string> => shared.namespace();

const remote = (token: string): string[] => ['--url', server.url, '--token', token];
const KEY = 'a-team-secret-of-32-bytes-length';
const EMAIL = 'ada.lovelace@example.com';

/** A shop namespace: one customer in an account stream and an order stream. */
async function shop(): Promise<string> {
  const token = await namespace();
  const write = (stream: string, type: string, data: object, metadata?: object) =>
    rpc(server.url, token, 'stream.write', stream, { type, data, ...(metadata ? { metadata } : {}) });
  await write('account-1', 'UserRegistered', { email: EMAIL, name: 'Ada' }, { ip: '10.0.0.7' });
  await write('order-9', 'OrderPlaced', {
    customerEmail: EMAIL,
    card: { number: '4111 1111 1111 1111' },
    items: [{ name: 'Engine', qty: 1 }],
  });
  await write('order-9', 'OrderShipped', { carrier: 'post' });
  return token;
}

describe('eventodb export --redact', () => {
  it('writes no e-mail in clear, keeps one pseudonym per customer, and the file imports and serves', async () => {
    const token = await shop();
    const file = join(dir, 'slice.ndjson');
    const exported = await cli(
      [
        'export',
        ...remote(token),
        '--redact',
        'data.email',
        '--redact',
        'OrderPlaced:data.customerEmail',
        '--redact',
        'data.card.number',
        '-o',
        file,
      ],
      { env: { EVENTODB_REDACT_KEY: KEY } },
    );
    expect(exported.stderr).not.toContain(KEY);
    expect(exported.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain('4111 1111 1111 1111');
    const records = fromNdjson(text);
    const pseudonym = records[0]?.data['email'];
    expect(pseudonym).toMatch(/^u_[0-9a-f]{16}@redacted\.invalid$/);
    expect(records[1]?.data['customerEmail']).toBe(pseudonym);
    expect((records[1]?.data['card'] as { number: string }).number).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
    expect(records[0]?.meta).toEqual({ ip: '10.0.0.7' });

    const original = (await rpc(server.url, token, 'category.get', '', {})).body as unknown[][];
    expect(records.map((r) => [r.id, r.stream, r.type, r.pos, r.gpos, r.time])).toEqual(
      original.map((row) => [row[0], row[1], row[2], row[3], row[4], row[7]]),
    );

    const again = await cli(['export', ...remote(token), '--redact', 'data.email'], {
      env: { EVENTODB_REDACT_KEY: KEY },
    });
    expect(fromNdjson(again.stdout)[0]?.data['email']).toBe(pseudonym);

    const local = await namespace();
    const imported = await cli(['import', ...remote(local), '--input', file]);
    expect(imported.code).toBe(0);
    const served = (await rpc(server.url, local, 'stream.get', 'account-1', {})).body as unknown[][];
    expect(served[0]?.[4]).toEqual({ email: pseudonym, name: 'Ada' });
  });

  it('drops matched fields with --redact-drop and warns about a rule that matched nothing', async () => {
    const token = await shop();
    const result = await cli([
      'export',
      ...remote(token),
      '--redact',
      'metadata.ip',
      '--redact',
      'data.emial',
      '--redact-drop',
    ]);
    expect(result.code).toBe(0);
    expect(fromNdjson(result.stdout)[0]?.meta).toEqual({});
    expect(result.stderr).toMatch(/random key/);
    expect(result.stderr).toContain('warning: redaction rule "data.emial" matched nothing');
    expect(result.stderr).not.toContain('"metadata.ip" matched nothing');
  });

  it('reads rules from a file with comments', async () => {
    const token = await shop();
    const rules = join(dir, 'rules.txt');
    writeFileSync(rules, '# personal data\ndata.email\nOrderPlaced:data.customerEmail  # same customer\n');
    const result = await cli(['export', ...remote(token), '--redact-file', rules, '--redact-key', KEY]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(EMAIL);
  });

  it('rejects a malformed rule, an unknown top-level field and a short key as usage errors', async () => {
    const token = await namespace();
    const bad = await cli(['export', ...remote(token), '--redact', 'data.items[x]']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"data.items[x]"');
    const unknown = await cli(['export', ...remote(token), '--redact', 'dta.email']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"dta.email"');
    const short = await cli([
      'export',
      ...remote(token),
      '--redact',
      'data.email',
      '--redact-key',
      'short-secret',
    ]);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 16 bytes');
    expect(short.stderr).not.toContain('short-secret');
  });
});

describe('eventodb inspect', () => {
  const records = generateRecords(30);
  const good = (): string => {
    const path = join(dir, `good-${Math.random()}.ndjson`);
    writeFileSync(path, toNdjson(records));
    return path;
  };

  it('summarises a sound file and exits 0', async () => {
    const result = await cli(['inspect', good()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^events\s+30 on 30 lines$/m);
    expect(result.stdout).toMatch(/^categories\s+account 10, order 10, workflow 10$/m);
    expect(result.stdout).toMatch(/^result\s+ok$/m);
  });

  it('reads gzip by its magic bytes and stdin with -', async () => {
    const path = join(dir, 'file.gz.bin');
    writeFileSync(path, gzipSync(toNdjson(records)));
    const gz = await cli(['inspect', path, '--json']);
    expect(gz.code).toBe(0);
    expect(JSON.parse(gz.stdout)).toMatchObject({ events: 30, isValid: true });
    const piped = await cli(['inspect', '-', '--json'], { input: gzipSync(toNdjson(records)) });
    expect(JSON.parse(piped.stdout)).toMatchObject({ events: 30, isValid: true });
  });

  it('prints a JSON report with ranges, streams and counts', async () => {
    const result = await cli(['inspect', good(), '--json']);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      isValid: true,
      events: 30,
      lines: 30,
      streams: new Set(records.map((r) => r.stream)).size,
      gpos: { min: records[0]!.gpos, max: records.at(-1)!.gpos },
      time: { min: records[0]!.time, max: records.at(-1)!.time },
      problemCount: 0,
      problems: [],
    });
    expect(report['categories']).toEqual({ account: 10, order: 10, workflow: 10 });
  });

  it('reports broken lines, gpos and stream order with line numbers and exits 1', async () => {
    const lines = toNdjson(records).split('\n');
    lines[4] = '{"id":"nope"}';
    const swapped = lines[10]!;
    lines[10] = lines[11]!;
    lines[11] = swapped;
    const path = join(dir, 'bad.ndjson');
    writeFileSync(path, lines.join('\n'));
    const result = await cli(['inspect', path, '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/problem\(s\), the first at line 5/);
    const report = JSON.parse(result.stdout) as { problems: { line: number; message: string }[] };
    expect(report.problems.map((p) => p.line)).toEqual([5, 12]);
    expect(report.problems[0]?.message).toMatch(/^INVALID_RECORD: id must be a UUID/);
    expect(report.problems[1]?.message).toMatch(/^gpos \d+ is not greater than gpos \d+ at line 11$/);
  });

  it('finds a duplicate id, a repeated (stream, position) and a backwards position after spilling', async () => {
    const many = generateRecords(400);
    const dupId = { ...many[350]!, id: many[20]!.id };
    const stream = many[380]!.stream;
    const previous = many.slice(0, 380).findLastIndex((r) => r.stream === stream);
    const dupPos = { ...many[380]!, pos: many[previous]!.pos };
    many[350] = dupId;
    many[380] = dupPos;
    const back = { ...many[390]!, pos: 0 };
    many[390] = back;
    const path = join(dir, 'dups.ndjson');
    writeFileSync(path, toNdjson(many));
    const result = await cli(['inspect', path, '--json'], { env: { EVENTODB_INSPECT_SPILL_BYTES: '4096' } });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      spills: number;
      problems: { line: number; message: string }[];
    };
    expect(report.spills).toBeGreaterThan(0);
    expect(report.problems).toEqual([
      { line: 351, message: `duplicate id ${many[20]!.id} (first at line 21)` },
      {
        line: 381,
        message: `duplicate (stream, position) ${JSON.stringify(stream)} ${dupPos.pos} (first at line ${previous + 1})`,
      },
      {
        line: 391,
        message: expect.stringMatching(
          new RegExp(
            `^stream "${back.stream}" position 0 comes after position \\d+ \\(line \\d+\\): positions must increase`,
          ),
        ) as string,
      },
    ]);
  });

  it('reports which rules match which message types', async () => {
    const path = join(dir, 'typed.ndjson');
    writeFileSync(
      path,
      toNdjson(records.map((r, i) => ({ ...r, type: i % 2 === 0 ? 'A' : 'B', meta: { ip: '1.2.3.4' } }))),
    );
    const result = await cli([
      'inspect',
      path,
      '--json',
      '--redact',
      'metadata.ip',
      '--redact',
      'B:data.n',
      '--redact',
      'data.nope',
    ]);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { redaction: unknown }).redaction).toEqual([
      { rule: 'metadata.ip', matches: 30, byType: { A: 15, B: 15 } },
      { rule: 'B:data.n', matches: 15, byType: { B: 15 } },
      { rule: 'data.nope', matches: 0, byType: {} },
    ]);
  });

  it('exits 2 without a file or with a bad rule', async () => {
    expect((await cli(['inspect'])).code).toBe(2);
    const bad = await cli(['inspect', good(), '--redact', 'dta.email']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"dta.email"');
  });
});
