/**
 * The MDB004 acceptance criteria, black-box: real `bin/eventodb export` and `import` processes
 * against a real `eventodb serve` on loopback, gzip checked with the system's gunzip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, cliPipe } from './cli.js';
import { rpc, type StartedServer, useFileServer } from './helpers.js';
import { fromNdjson, generateRecords, makeRecord, toNdjson } from './records.js';

const shared = useFileServer('ns');
let server: StartedServer;
let dir: string;

beforeAll(() => {
  server = shared.server;
  dir = shared.dir;
});

/** A fresh namespace on the server; its token. */
const namespace = (): Promise<string> => shared.namespace();

/** A namespace holding `records` (imported through the CLI). */
async function seeded(records: readonly object[]): Promise<string> {
  const token = await namespace();
  const result = await cli(['import', '--url', server.url, '--token', token], { input: toNdjson(records) });
  expect(result.stderr).toMatch(/imported \d+ events/);
  expect(result.code).toBe(0);
  return token;
}

const remote = (token: string): string[] => ['--url', server.url, '--token', token];

async function allRows(token: string): Promise<unknown[][]> {
  const { body } = await rpc(server.url, token, 'category.get', '', { batchSize: -1 });
  return body as unknown[][];
}

describe('eventodb export', () => {
  it('exports every event of the namespace as NDJSON records in global order (AC-1)', async () => {
    const token = await namespace();
    await rpc(server.url, token, 'stream.write', 'workflow-1', { type: 'Started', data: { a: 1 } });
    await rpc(server.url, token, 'stream.write', 'order-1', {
      type: 'Created',
      data: { amount: 100 },
      metadata: { correlationStreamName: 'workflow-1' },
    });
    const result = await cli(['export', ...remote(token)]);
    expect(result.code).toBe(0);
    const records = fromNdjson(result.stdout);
    expect(records.map((r) => [r.stream, r.type, r.pos, r.gpos])).toEqual([
      ['workflow-1', 'Started', 0, 1],
      ['order-1', 'Created', 0, 2],
    ]);
    expect(Object.keys(records[0]!)).toEqual(['id', 'stream', 'type', 'pos', 'gpos', 'data', 'meta', 'time']);
    expect(records[0]?.meta).toBeNull();
    expect(records[1]?.meta).toEqual({ correlationStreamName: 'workflow-1' });
    const rows = await allRows(token);
    expect(records.map((r) => [r.id, r.time])).toEqual(rows.map((row) => [row[0], row[7]]));
  });

  it('exports only the named categories, merged in global order (AC-2)', async () => {
    const source = generateRecords(2000); // several pages per category
    const token = await seeded(source);
    const result = await cli(['export', ...remote(token), '--categories', 'workflow,order']);
    expect(result.code).toBe(0);
    const expected = source.filter((r) => !r.stream.startsWith('account'));
    expect(fromNdjson(result.stdout)).toEqual(expected);
  });

  it('exports only events inside the time window, since inclusive and until exclusive (AC-3)', async () => {
    const records = [
      makeRecord({ stream: 'order-1', pos: 0, gpos: 1, time: '2025-06-30T23:59:59.999999Z' }),
      makeRecord({ stream: 'order-1', pos: 1, gpos: 2, time: '2025-07-01T00:00:00Z' }),
      makeRecord({ stream: 'order-2', pos: 0, gpos: 3, time: '2025-07-10T12:00:00.5Z' }),
      makeRecord({ stream: 'order-1', pos: 2, gpos: 4, time: '2025-07-14T23:59:59.999999Z' }),
      makeRecord({ stream: 'order-1', pos: 3, gpos: 5, time: '2025-07-15T00:00:00Z' }),
      makeRecord({ stream: 'order-3', pos: 0, gpos: 6, time: '2025-09-01T00:00:00Z' }),
    ];
    const token = await seeded(records);
    const result = await cli(['export', ...remote(token), '--since', '2025-07-01', '--until', '2025-07-15']);
    expect(result.code).toBe(0);
    expect(fromNdjson(result.stdout).map((r) => r.gpos)).toEqual([2, 3, 4]);
    const rfc = await cli(['export', ...remote(token), '--since', '2025-07-10T14:00:00+02:00']);
    expect(fromNdjson(rfc.stdout).map((r) => r.gpos)).toEqual([3, 4, 5, 6]);
  });

  it('writes a complete gzip file that gunzip reads, for --gzip and for a .gz name (AC-4)', async () => {
    const source = generateRecords(3000);
    const token = await seeded(source);
    const flagged = join(dir, 'flagged.out');
    const named = join(dir, 'named.ndjson.gz');
    expect((await cli(['export', ...remote(token), '--gzip', '--output', flagged])).code).toBe(0);
    expect((await cli(['export', ...remote(token), '-o', named])).code).toBe(0);
    for (const file of [flagged, named]) {
      execFileSync('gzip', ['-t', file]);
      expect(fromNdjson(execFileSync('gunzip', ['-c', file], { encoding: 'utf8' }))).toEqual(source);
      expect(existsSync(`${file}.partial`)).toBe(false);
    }
  });

  it('leaves no file behind when the export fails', async () => {
    const out = join(dir, 'failed.ndjson');
    const result = await cli([
      'export',
      '--url',
      server.url,
      '--token',
      `ns_bm9wZQ_${'0'.repeat(64)}`,
      '-o',
      out,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('AUTH_UNAUTHORIZED');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('ends quietly when the reader closes the pipe early', async () => {
    const token = await seeded(generateRecords(5000));
    const result = spawnSync(
      'bash',
      ['-c', `set -o pipefail; "${process.execPath}" bin/eventodb export --url ${server.url} | head -n 2`],
      { env: { ...process.env, EVENTODB_TOKEN: token }, encoding: 'utf8' },
    );
    expect(result.status).toBe(0);
    expect(fromNdjson(result.stdout)).toHaveLength(2);
    expect(result.stderr).not.toMatch(/error|EPIPE/i);
  });
});

describe('eventodb import', () => {
  it('stores events at exactly the exported global positions (AC-5)', async () => {
    const records = [47, 52, 89].map((gpos, i) =>
      makeRecord({
        stream: i === 1 ? 'order-456' : 'workflow-123',
        pos: i === 2 ? 1 : 0,
        gpos,
        time: '2025-07-15T10:00:00Z',
      }),
    );
    const token = await seeded(records);
    const rows = await allRows(token);
    expect(rows.map((r) => r[4])).toEqual([47, 52, 89]);
    const next = await rpc(
      server.url,
      token,
      'stream.write',
      'workflow-123',
      { type: 'Resumed', data: {} },
      { expectedVersion: 1 },
    );
    expect(next.body).toEqual({ position: 2, globalPosition: 90 });
  });

  it('rejects a global position that exists, naming the line, and aborts (AC-6)', async () => {
    const records = generateRecords(10);
    const token = await seeded(records);
    const again = [
      makeRecord({ stream: 'other-1', pos: 0, gpos: 1000, time: records[0]!.time }),
      records[4]!,
    ];
    const result = await cli(['import', ...remote(token)], { input: toNdjson(again) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/line 2: POSITION_EXISTS: global position \d+ already exists/);
    expect(result.stderr).toContain('committed 0 events');
    expect(await allRows(token)).toHaveLength(10);
  });

  it('shows progress while importing a large file (AC-7)', async () => {
    const token = await namespace();
    const result = await cli(['import', ...remote(token)], { input: toNdjson(generateRecords(5000)) });
    expect(result.code).toBe(0);
    const progress = result.stderr.split('\n').filter((l) => /^imported \d+ events, gpos \d+ \(/.test(l));
    expect(progress.length).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/imported 5000 events in \d+\.\ds, last gpos \d+/);
  });

  it('decompresses gzip input, with --gzip or recognised by its magic bytes (AC-8)', async () => {
    const records = generateRecords(1500);
    const file = join(dir, 'in.ndjson.gz');
    writeFileSync(file, gzipSync(toNdjson(records)));
    for (const flags of [['--gzip'], []]) {
      const token = await namespace();
      const result = await cli(['import', ...remote(token), ...flags, '--input', file]);
      expect(result.code).toBe(0);
      expect((await allRows(token)).map((r) => r[4])).toEqual(records.map((r) => r.gpos));
    }
  });

  it('imports into another namespace with the same positions (AC-10)', async () => {
    const source = generateRecords(50, 40);
    const a = await seeded(source);
    const b = await namespace();
    const [exp, imp] = await cliPipe(['export', ...remote(a)], ['import', ...remote(b)]);
    expect(exp.code).toBe(0);
    expect(imp.code).toBe(0);
    expect(await allRows(b)).toEqual(await allRows(a));
  });

  it('round-trips losslessly: export, import, export gives the same bytes', async () => {
    const token = await namespace();
    for (let i = 0; i < 20; i++) {
      await rpc(
        server.url,
        token,
        'stream.write',
        `order-${i % 4}`,
        { type: 'T', data: { i, s: 'x"\n\\' } },
        {},
      );
    }
    const first = await cli(['export', ...remote(token)]);
    const copy = await namespace();
    expect((await cli(['import', ...remote(copy)], { input: first.stdout })).code).toBe(0);
    const second = await cli(['export', ...remote(copy)]);
    expect(second.stdout).toBe(first.stdout);
    expect(first.stdout).toMatch(/"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{4,6}Z"/);
  });

  it('reports a bad line by its number and commits nothing of its batch', async () => {
    const records = generateRecords(1500);
    const lines = toNdjson(records).split('\n');
    lines.splice(1200, 0, '{"id": not json');
    const token = await namespace();
    const result = await cli(['import', ...remote(token)], { input: lines.join('\n') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/line 1201: INVALID_JSON/);
    expect(result.stderr).toContain('committed 1000 events');
    expect(await allRows(token)).toHaveLength(1000);
  });

  it('names an invalid record and a clash earlier in the same file', async () => {
    const token = await namespace();
    const bad = { ...makeRecord({ stream: 'a-1', pos: 0, gpos: 1, time: '2025-01-01T00:00:00Z' }), gpos: 0 };
    const invalid = await cli(['import', ...remote(token)], { input: toNdjson([bad]) });
    expect(invalid.stderr).toMatch(/line 1: INVALID_RECORD/);
    const r = makeRecord({ stream: 'a-1', pos: 0, gpos: 1, time: '2025-01-01T00:00:00Z' });
    const dup = await cli(['import', ...remote(token)], { input: toNdjson([r, { ...r, gpos: 2, pos: 1 }]) });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/line 2: POSITION_EXISTS: message id/);
    expect(await allRows(token)).toHaveLength(0);
  });

  it('clears the namespace first with --force --yes, and refuses --force without --yes off a TTY', async () => {
    const token = await seeded(generateRecords(30));
    const file = join(dir, 'force.ndjson');
    writeFileSync(file, toNdjson(generateRecords(30)));
    const refused = await cli(['import', ...remote(token), '--force', '--input', file]);
    expect(refused.code).toBe(2);
    expect(await allRows(token)).toHaveLength(30);
    writeFileSync(join(dir, 'bad.ndjson'), 'nonsense\n');
    const badFirst = await cli([
      'import',
      ...remote(token),
      '--force',
      '--yes',
      '--input',
      join(dir, 'bad.ndjson'),
    ]);
    expect(badFirst.code).toBe(1);
    expect(await allRows(token)).toHaveLength(30);
    const forced = await cli(['import', ...remote(token), '--force', '--yes', '--input', file]);
    expect(forced.code).toBe(0);
    expect((await allRows(token)).map((r) => r[0])).toEqual(
      fromNdjson(readFileSync(file, 'utf8')).map((r) => r.id),
    );
  });

  it('takes --url and --token from EVENTODB_URL and EVENTODB_TOKEN and never prints the token', async () => {
    const token = await namespace();
    const env = { EVENTODB_URL: server.url, EVENTODB_TOKEN: token };
    const imp = await cli(['import'], { input: toNdjson(generateRecords(5)), env });
    const exp = await cli(['export'], { env });
    expect(imp.code).toBe(0);
    expect(fromNdjson(exp.stdout)).toHaveLength(5);
    for (const out of [imp.stdout, imp.stderr, exp.stderr]) expect(out).not.toContain(token.slice(-64));
  });

  it('exits 2 with a usage message when --url or --token is missing', async () => {
    const noUrl = await cli(['import', '--token', 'x']);
    const noToken = await cli(['export', '--url', server.url]);
    expect([noUrl.code, noToken.code]).toEqual([2, 2]);
    expect(noUrl.stderr).toContain('--url');
    expect(noToken.stderr).toContain('--token');
  });
});
