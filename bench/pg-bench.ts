/**
 * The PostgreSQL rows (`npm run bench -- pg`): `eventodb serve --db-url postgres://...` against
 * the bare `pg` client (bare-pg.ts) on the same PostgreSQL (pg-server.ts), in the same run:
 * - `stream.write` from 16 clients on 16 streams vs one INSERT per transaction on 16 connections;
 * - the same 16 writers on the store façade in process (no HTTP), so the table shows what the
 *   server adds to the store's own rate;
 * - per size: `eventodb import` and `eventodb export` (separate processes, as a user runs them)
 *   vs COPY in 1000-row transactions and one ordered SELECT serialised to NDJSON; the export is
 *   checked byte-identical to the input, and the server's peak RSS is kept (a 1 GB file is
 *   `--sizes 2600000`).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bareAppends, bareCopyImport, bareExport, createBareTable } from './bare-pg.js';
import { makeTempDir } from './cleanup.js';
import { runEventodb } from './cli.js';
import { generateExportFile, sha256OfFile } from './generate.js';
import { runLoad } from './load.js';
import { startBenchPostgres, type BenchPostgres } from './pg-server.js';
import { createRawPoster } from './raw-http.js';
import { watchPeakRss } from './rss.js';
import { startServer } from './server.js';
import { storeWrites } from './store-direct.js';
import { formatMib, formatRate, formatRatio, type GoalCheck, type Table } from './table.js';

export interface PgBenchOptions {
  sizes: number[];
  scenarioMs: number;
}

const DATA = { orderId: 'ord-0001234', amount: 1234.56, note: 'benchmark payload' };

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/** 16 writers on 16 streams through the server, after a warm-up; writes per second. */
async function serverWrites(pgs: BenchPostgres, ms: number): Promise<number> {
  const url = await pgs.createDatabase('writes_ours');
  const server = await startServer(await makeTempDir('pg-writes'), ['--db-url', url]);
  const poster = createRawPoster(server.url, server.token, 16);
  const op = (c: number): Promise<string> =>
    poster.post(JSON.stringify(['stream.write', `acct-${c}`, { type: 'T', data: DATA }]), c);
  try {
    await runLoad({ clients: 16, maxOps: 500, maxMs: 2000, op });
    return (await runLoad({ clients: 16, maxOps: 100_000_000, maxMs: ms, op })).opsPerSecond;
  } finally {
    poster.close();
    await server.stop();
  }
}

interface SizeRow {
  events: number;
  fileMib: number;
  importSeconds: number;
  exportSeconds: number;
  bareImportSeconds: number;
  bareExportSeconds: number;
  serverRssMib: number | null;
  cliRssMib: number | null;
  isExact: boolean;
}

async function runSize(pgs: BenchPostgres, events: number): Promise<SizeRow> {
  const dir = await makeTempDir(`pg-io-${events}`);
  const input = join(dir, 'input.ndjson');
  const bytes = await generateExportFile(input, events);
  const url = await pgs.createDatabase(`io_ours_${events}`);
  const server = await startServer(join(dir, 'data'), ['--db-url', url]);
  const rss = watchPeakRss(server.pid);
  const remote = ['--url', server.url, '--token', server.token];
  const output = join(dir, 'export.ndjson');
  const imported = await runEventodb(['import', ...remote, '--input', input]);
  const exported = await runEventodb(['export', ...remote, '--output', output]);
  const serverRssMib = rss.stop();
  await server.stop();
  const isExact = (await sha256OfFile(input)) === (await sha256OfFile(output));
  await rm(output, { force: true });
  const bareUrl = await pgs.createDatabase(`io_bare_${events}`);
  await createBareTable(bareUrl);
  const bareIn = await timed(() => bareCopyImport(input, bareUrl));
  if (bareIn.value !== events) throw new Error(`bare COPY stored ${bareIn.value} of ${events} rows`);
  const bareOut = await timed(() => bareExport(bareUrl, join(dir, 'bare-export.ndjson')));
  await rm(dir, { recursive: true, force: true });
  return {
    events,
    fileMib: bytes / 1024 ** 2,
    importSeconds: imported.seconds,
    exportSeconds: exported.seconds,
    bareImportSeconds: bareIn.seconds,
    bareExportSeconds: bareOut.seconds,
    serverRssMib,
    cliRssMib: Math.max(imported.peakRssMib ?? 0, exported.peakRssMib ?? 0),
    isExact,
  };
}

export async function runPgBench(o: PgBenchOptions): Promise<{ tables: Table[]; goals: GoalCheck[] }> {
  const pgs = await startBenchPostgres();
  const ours = await serverWrites(pgs, o.scenarioMs);
  const storeUrl = await pgs.createDatabase('writes_store');
  const store = (await storeWrites(DATA, 16, 100_000_000, o.scenarioMs, 0, storeUrl)).opsPerSecond;
  const bareUrl = await pgs.createDatabase('writes_bare');
  await createBareTable(bareUrl);
  const bare = await bareAppends(bareUrl, 16, o.scenarioMs);
  const sizes: SizeRow[] = [];
  for (const events of o.sizes) sizes.push(await runSize(pgs, events));
  const rate = (events: number, seconds: number): string => formatRate(events / seconds);
  const rows = [
    [
      'stream.write, 16 clients / INSERT per txn, 16 connections',
      '-',
      formatRate(ours),
      formatRate(bare),
      formatRatio(ours / bare),
      '-',
      '-',
    ],
    [
      'store.writeMessage in process (no HTTP), 16 writers / same bare',
      '-',
      formatRate(store),
      formatRate(bare),
      formatRatio(store / bare),
      '-',
      '-',
    ],
    ...sizes.flatMap((s) => [
      [
        `import (${s.fileMib.toFixed(0)} MiB; export == input: ${s.isExact ? 'yes' : '**no**'})`,
        formatRate(s.events),
        rate(s.events, s.importSeconds),
        rate(s.events, s.bareImportSeconds),
        formatRatio(s.bareImportSeconds / s.importSeconds),
        formatMib(s.cliRssMib),
        formatMib(s.serverRssMib),
      ],
      [
        'export',
        formatRate(s.events),
        rate(s.events, s.exportSeconds),
        rate(s.events, s.bareExportSeconds),
        formatRatio(s.bareExportSeconds / s.exportSeconds),
        '-',
        '-',
      ],
    ]),
  ];
  const worst = (pick: (s: SizeRow) => number): number => Math.min(...sizes.map(pick));
  const importRatio = worst((s) => s.bareImportSeconds / s.importSeconds);
  const exportRatio = worst((s) => s.bareExportSeconds / s.exportSeconds);
  const serverRss = Math.max(...sizes.map((s) => s.serverRssMib ?? Infinity));
  return {
    tables: [
      {
        title: 'PostgreSQL: the server vs the bare pg client, same PostgreSQL (fsync on)',
        header: [
          'operation',
          'events',
          'ours /s',
          'bare /s',
          'ours/bare',
          'CLI peak RSS MiB',
          'server peak RSS MiB',
        ],
        rows,
      },
    ],
    goals: [
      {
        goal: 'PostgreSQL stream.write, 16 clients ≥ 8,000/s',
        measured: formatRate(ours),
        isMet: ours >= 8000,
      },
      {
        goal: 'PostgreSQL import ours/bare ≥ 0.7',
        measured: formatRatio(importRatio),
        isMet: importRatio >= 0.7,
      },
      {
        goal: 'PostgreSQL export ours/bare ≥ 0.7',
        measured: formatRatio(exportRatio),
        isMet: exportRatio >= 0.7,
      },
      {
        goal: 'PostgreSQL server peak RSS < 150 MB during import/export',
        measured: `${formatMib(serverRss)} MiB`,
        isMet: serverRss * 1.048576 < 150,
      },
    ],
  };
}
