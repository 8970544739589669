/**
 * Issue 12, black-box: re-runnable import (`--skip-existing`), incremental export (`--after`),
 * `eventodb pull` and its dry run, and the fallback to the client-side time filter against a
 * server without `sys.capabilities` (a loopback proxy standing in for the original).
 */
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli.js';
import { BIN, rpc, type StartedServer, useFileServer } from './helpers.js';
import { fromNdjson, generateRecords, makeRecord, toNdjson } from './records.js';
import { startRpcProxy } from './rpc-proxy.js';
import { generateToken } from '../../src/token.js';

const shared = useFileServer('pull');
let server: StartedServer;

beforeAll(() => {
  server = shared.server;
});

/** A fresh namespace on the server; its token. */
const namespace = (): Promise<string> => shared.namespace();

async function seeded(records: readonly object[]): Promise<string> {
  const token = await namespace();
  const result = await cli(['import', ...remote(token)], { input: toNdjson(records) });
  expect(result.code).toBe(0);
  return token;
}

const remote = (token: string, url = server.url): string[] => ['--url', url, '--token', token];
const from = (token: string, url = server.url): string[] => ['--from-url', url, '--from-token', token];

async function allRows(token: string): Promise<unknown[][]> {
  const { body } = await rpc(server.url, token, 'category.get', '', { batchSize: -1 });
  return body as unknown[][];
}

/** Starts `eventodb import` on `lines`, kills it once the server reported a committed batch. */
async function killedImport(token: string, ndjson: string): Promise<void> {
  const proc = spawn(BIN, ['import', ...remote(token)], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  const firstBatch = new Promise<void>((resolve) =>
    proc.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      if (/^imported \d+ events, gpos/m.test(stderr)) resolve();
    }),
  );
  const closed = new Promise((resolve) => proc.once('close', resolve));
  proc.stdin.on('error', () => undefined);
  // Send a little over half; the rest never comes: the process is killed mid-upload.
  const lines = ndjson.split('\n');
  proc.stdin.write(lines.slice(0, Math.floor(lines.length * 0.6)).join('\n') + '\n');
  await firstBatch;
  proc.kill('SIGKILL');
  await closed;
}

describe('eventodb import --skip-existing', () => {
  it('finishes a killed import: the namespace equals an uninterrupted import', async () => {
    const records = generateRecords(4000);
    const ndjson = toNdjson(records);
    const cut = await namespace();
    await killedImport(cut, ndjson);
    const before = (await allRows(cut)).length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(records.length);
    const rerun = await cli(['import', ...remote(cut), '--skip-existing'], { input: ndjson });
    // The server may still commit the batch it was storing when the CLI died, after `before` was
    // counted: what the re-run skips is what was stored when it started.
    const summary = /imported (\d+) events \(skipped (\d+) already there\)/.exec(rerun.stderr);
    const [imported, skipped] = [Number(summary?.[1]), Number(summary?.[2])];
    expect(skipped).toBeGreaterThanOrEqual(before);
    expect(skipped).toBeLessThan(records.length);
    expect(imported + skipped).toBe(records.length);
    expect(rerun.stderr).toMatch(new RegExp(`last gpos ${records.at(-1)!.gpos}$`, 'm'));
    expect(rerun.code).toBe(0);
    const whole = await seeded(records);
    expect(await allRows(cut)).toEqual(await allRows(whole));
  });

  it('shows skipped counts in its progress lines', async () => {
    const records = generateRecords(2500);
    const token = await seeded(records);
    const again = await cli(['import', ...remote(token), '--skip-existing'], { input: toNdjson(records) });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/^imported 0 events \(skipped \d+\), gpos \d+ \(/m);
    expect(again.stderr).toContain('imported 0 events (skipped 2500 already there)');
  });

  it('still stops on a record that clashes with a different stored one', async () => {
    const records = generateRecords(10);
    const token = await seeded(records);
    const changed = [records[0]!, { ...records[1]!, data: { changed: true } }];
    const result = await cli(['import', ...remote(token), '--skip-existing'], { input: toNdjson(changed) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/line 2: POSITION_EXISTS/);
    expect(result.stderr).toContain('committed 0 events');
  });

  it('refuses a server without the feature and sends nothing to /import', async () => {
    const proxy = await startRpcProxy(server.url);
    try {
      const token = await namespace();
      const result = await cli(['import', ...remote(token, proxy.url), '--skip-existing'], {
        input: toNdjson(generateRecords(5)),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('UNSUPPORTED_SERVER');
      expect(result.stderr).toContain('Nothing was imported');
      expect(proxy.paths.some((p) => p.startsWith('/import'))).toBe(false);
      expect(await allRows(token)).toHaveLength(0);
    } finally {
      await proxy.close();
    }
  });
});

describe('eventodb export --after', () => {
  it('continues after a global position, combined with categories and a time window', async () => {
    const records = generateRecords(300);
    const token = await seeded(records);
    const first = await cli(['export', ...remote(token), '--categories', 'order']);
    const orders = records.filter((r) => r.stream.startsWith('order-'));
    expect(first.stderr).toMatch(
      new RegExp(`exported ${orders.length} events in .*, last gpos ${orders.at(-1)!.gpos}$`, 'm'),
    );
    const middle = orders[99]!;
    const rest = await cli([
      'export',
      ...remote(token),
      '--categories',
      'order',
      '--after',
      String(middle.gpos),
    ]);
    expect(fromNdjson(rest.stdout)).toEqual(orders.slice(100));
    const until = records[250]!.time;
    const windowed = await cli([
      'export',
      ...remote(token),
      '--categories',
      'order',
      '--after',
      String(middle.gpos),
      '--until',
      until,
    ]);
    expect(fromNdjson(windowed.stdout)).toEqual(orders.slice(100).filter((r) => r.time < until));
  });

  it('names the --after position as last gpos when nothing is newer', async () => {
    const records = generateRecords(20);
    const token = await seeded(records);
    const last = records.at(-1)!.gpos;
    const result = await cli(['export', ...remote(token), '--after', String(last)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`exported 0 events in .*, last gpos ${last}$`, 'm'));
  });
});

describe('export time windows: server side or client side', () => {
  it('gives the same output through the server-side window and the client-side fallback', async () => {
    // Not monotonic in time: the window must not assume time grows with global position.
    const records = [
      makeRecord({ stream: 'order-1', pos: 0, gpos: 1, time: '2025-07-05T00:00:00Z' }),
      makeRecord({ stream: 'order-1', pos: 1, gpos: 2, time: '2025-06-01T00:00:00Z' }),
      makeRecord({ stream: 'order-2', pos: 0, gpos: 3, time: '2025-07-01T00:00:00Z' }),
      makeRecord({ stream: 'other-1', pos: 0, gpos: 4, time: '2025-07-02T00:00:00Z' }),
      makeRecord({ stream: 'order-1', pos: 2, gpos: 5, time: '2025-07-15T00:00:00Z' }),
      makeRecord({ stream: 'order-3', pos: 0, gpos: 6, time: '2025-07-14T23:59:59.999999Z' }),
    ];
    const token = await seeded(records);
    const original = await startRpcProxy(server.url, true);
    const ours = await startRpcProxy(server.url, false);
    try {
      const args = ['--categories', 'order', '--since', '2025-07-01', '--until', '2025-07-15'];
      const fallback = await cli(['export', ...remote(token, original.url), ...args]);
      const direct = await cli(['export', ...remote(token, ours.url), ...args]);
      expect(fromNdjson(fallback.stdout).map((r) => r.gpos)).toEqual([1, 3, 6]);
      expect(direct.stdout).toBe(fallback.stdout);
      const windowOf = (calls: unknown[][]): unknown[] =>
        calls.filter((c) => c[0] === 'category.get').map((c) => (c[2] as { since?: string }).since);
      expect(windowOf(original.calls).every((s) => s === undefined)).toBe(true);
      expect(windowOf(ours.calls).every((s) => s === '2025-07-01T00:00:00Z')).toBe(true);
    } finally {
      await original.close();
      await ours.close();
    }
  });
});

describe('eventodb pull', () => {
  it('moves the events once; the second identical run imports nothing and says up to date', async () => {
    const records = generateRecords(2500);
    const source = await seeded(records);
    const target = await namespace();
    const first = await cli(['pull', ...from(source), ...remote(target)]);
    expect(first.stderr).toMatch(/^pulled 2500 new events \(0 already there\) in .*, last gpos \d+$/m);
    expect(first.code).toBe(0);
    expect(await allRows(target)).toEqual(await allRows(source));
    const second = await cli(['pull', ...from(source), ...remote(target)]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(
      new RegExp(
        `^up to date: 0 new events \\(2500 already there\\) in .*, last gpos ${records.at(-1)!.gpos}$`,
        'm',
      ),
    );
    expect(await allRows(target)).toHaveLength(2500);
  });

  it('redacts on the way and, with a fixed key, tops up the redacted copy on a re-run', async () => {
    const records = generateRecords(300);
    const source = await seeded(records.slice(0, 200));
    const target = await namespace();
    const redact = ['--redact', 'data.text', '--redact-key', 'a-key-of-at-least-16-bytes'];
    const first = await cli(['pull', ...from(source), ...remote(target), ...redact]);
    expect(first.code).toBe(0);
    const rows = await allRows(target);
    expect(rows).toHaveLength(200);
    // category.get row: [id, stream, type, pos, gpos, data, meta, time]; ids and positions kept.
    const sourceRows = await allRows(source);
    expect(rows.map((r) => [r[0], r[1], r[3], r[4], r[7]])).toEqual(
      sourceRows.map((r) => [r[0], r[1], r[3], r[4], r[7]]),
    );
    expect(JSON.stringify(rows)).not.toContain('payload');
    await cli(['import', ...remote(source)], { input: toNdjson(records.slice(200)) });
    const second = await cli(['pull', ...from(source), ...remote(target), ...redact]);
    expect(second.stderr).toMatch(/^pulled 100 new events \(200 already there\)/m);
    expect(second.code).toBe(0);
  });

  it('refuses --redact without a key: a re-run would make other pseudonyms', async () => {
    const result = await cli([
      'pull',
      ...from(generateToken('a')),
      ...remote(generateToken('b')),
      '--redact',
      'data.x',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pull --redact needs --redact-key');
  });

  it('tops up with only the new events, honouring categories, a time window and --after', async () => {
    const records = generateRecords(600);
    const source = await seeded(records.slice(0, 400));
    const target = await namespace();
    const filters = ['--categories', 'workflow,order', '--since', records[50]!.time];
    const first = await cli(['pull', ...from(source), ...remote(target), ...filters]);
    expect(first.code).toBe(0);
    const later = records.slice(400);
    expect((await cli(['import', ...remote(source)], { input: toNdjson(later) })).code).toBe(0);
    const afterGpos = records[450]!.gpos;
    const topUp = await cli([
      'pull',
      ...from(source),
      ...remote(target),
      ...filters,
      '--after',
      String(afterGpos),
    ]);
    expect(topUp.code).toBe(0);
    const selected = (r: (typeof records)[number], i: number): boolean =>
      !r.stream.startsWith('account') && i >= 50 && (i < 400 || r.gpos > afterGpos);
    const expected = records.filter(selected);
    const rows = await allRows(target);
    expect(rows.map((r) => r[0])).toEqual(expected.map((r) => r.id));
    expect(topUp.stderr).toMatch(/^pulled \d+ new events \(0 already there\)/m);
  });

  it('--dry-run counts what the target lacks and writes nothing', async () => {
    const records = generateRecords(300);
    const source = await seeded(records);
    const target = await seeded(records.slice(0, 120));
    const dry = await cli(['pull', ...from(source), ...remote(target), '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(
      'dry run: would pull 180 new events of the 300 selected at the source; 120 already on the target',
    );
    expect(await allRows(target)).toHaveLength(120);
  });

  it('stops on different events at the same positions, naming the record and what was committed', async () => {
    const records = generateRecords(1500);
    const source = await seeded(records);
    const clash = makeRecord({ stream: 'else-1', pos: 0, gpos: records[1200]!.gpos, time: records[0]!.time });
    const target = await seeded([clash]);
    const dry = await cli(['pull', ...from(source), ...remote(target), '--dry-run']);
    expect(dry.stderr).toContain(
      `1 clash with other events at the same global position (a pull stops at the first, gpos ${clash.gpos})`,
    );
    const result = await cli(['pull', ...from(source), ...remote(target)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/pull failed at record 1201 of the source selection: POSITION_EXISTS/);
    expect(result.stderr).toContain('the target committed 1000 events');
    expect(await allRows(target)).toHaveLength(1001);
  });

  it('refuses a target without skip support before reading the source', async () => {
    const proxy = await startRpcProxy(server.url);
    try {
      const source = await seeded(generateRecords(5));
      const target = await namespace();
      const result = await cli(['pull', ...from(source), ...remote(target, proxy.url)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('UNSUPPORTED_SERVER');
      expect(await allRows(target)).toHaveLength(0);
    } finally {
      await proxy.close();
    }
  });

  it.each([
    [['--after', 'x'], /--after takes a global position/],
    [['--after=-1'], /--after takes a global position/],
    [['--since', '2025-07-02', '--until', '2025-07-01'], /--since must be before --until/],
  ])('exits 2 on a bad filter %j', async (flags, message) => {
    const result = await cli(['pull', ...from('ns_a_b'), ...remote('ns_c_d'), ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('exits 2 when source and target are the same namespace on the same server', async () => {
    const token = await namespace();
    const url = server.url.replace('127.0.0.1', 'localhost');
    const result = await cli(['pull', ...from(token), ...remote(token, `${url}/`)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('source and target are the same namespace on the same server');
    expect(result.stderr).not.toContain(token.slice(-64));
  });
});
