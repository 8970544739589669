/**
 * Import/export benchmark: `eventodb import` and `eventodb export` as separate processes against
 * a real server, beside the bare engine (bare-import-export.ts) on the same file, at two or more
 * sizes to show that memory stays flat as the file grows; then the same against a server on the
 * LMDB backend beside bare LMDB with the same key layout (bare-lmdb.ts), rows marked `(kv)`.
 *
 * Per size N: generate the file; fresh server: import it, export it (and check the export is
 * byte-identical to the input); at the first size also export with --gzip and import that gzip
 * file into another fresh server. Peak RSS comes from VmHWM (rss.ts).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bareExport, bareImport } from './bare-import-export.js';
import { bareLmdbExport, bareLmdbImport } from './bare-lmdb.js';
import { makeTempDir } from './cleanup.js';
import { runEventodb, type CliRun } from './cli.js';
import { generateExportFile, sha256OfFile } from './generate.js';
import { watchPeakRss } from './rss.js';
import { startServer } from './server.js';
import { formatMib, formatRate, formatRatio, type GoalCheck, type Table } from './table.js';

export interface ImportExportOptions {
  /** Event counts, smallest first (e.g. 200000 and 800000). */
  sizes: number[];
}

/** A CLI run with the server's memory peaks while it ran. */
type ServerRun = CliRun & { serverRssMib: number | null; serverAnonMib: number | null };

/** One measured operation. */
interface Measured {
  operation: string;
  events: number;
  seconds: number;
  bareSeconds: number | null;
  cliRssMib: number | null;
  serverRssMib: number | null;
  /** Peak RssAnon: the server's own memory, without file-mapped pages (rss.ts). */
  serverAnonMib: number | null;
}

interface SizeResult {
  events: number;
  fileMib: number;
  generateSeconds: number;
  isRoundTripExact: boolean;
  rows: Measured[];
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/** Import + export through a fresh server; returns the CLI runs and the server's peaks. */
async function serverRoundTrip(
  input: string,
  dir: string,
  withGzip: boolean,
  dbUrl?: (dataDir: string) => string,
): Promise<{ runs: Map<string, ServerRun>; output: string }> {
  const url = dbUrl?.(join(dir, 'data'));
  const server = await startServer(join(dir, 'data'), url === undefined ? [] : ['--db-url', url]);
  const rss = watchPeakRss(server.pid);
  const remote = ['--url', server.url, '--token', server.token];
  const runs = new Map<string, ServerRun>();
  const record = (name: string, run: CliRun): void => {
    runs.set(name, { ...run, serverRssMib: rss.peak(), serverAnonMib: rss.anonPeak() });
  };
  const output = join(dir, 'export.ndjson');
  record('import', await runEventodb(['import', ...remote, '--input', input]));
  record('export', await runEventodb(['export', ...remote, '--output', output]));
  if (withGzip)
    record('export --gzip', await runEventodb(['export', ...remote, '--gzip', '--output', `${output}.gz`]));
  rss.stop();
  await server.stop();
  await rm(join(dir, 'data'), { recursive: true, force: true });
  if (withGzip) {
    const fresh = await startServer(join(dir, 'data-gz'));
    const rssGz = watchPeakRss(fresh.pid);
    const run = await runEventodb([
      'import',
      '--url',
      fresh.url,
      '--token',
      fresh.token,
      '--input',
      `${output}.gz`,
    ]);
    runs.set('import (gzip file)', { ...run, serverRssMib: rssGz.stop(), serverAnonMib: rssGz.anonPeak() });
    await fresh.stop();
    await rm(join(dir, 'data-gz'), { recursive: true, force: true });
  }
  return { runs, output };
}

async function runSize(events: number, withGzip: boolean): Promise<SizeResult> {
  const dir = await makeTempDir(`io-${events}`);
  const input = join(dir, 'input.ndjson');
  const generated = await timed(() => generateExportFile(input, events));
  const { runs, output } = await serverRoundTrip(input, dir, withGzip);
  const isRoundTripExact = (await sha256OfFile(input)) === (await sha256OfFile(output));
  await rm(output, { force: true });
  const bareDb = join(dir, 'bare.db');
  const bareIn = await timed(() => bareImport(input, bareDb));
  if (bareIn.value !== events) throw new Error(`bare import stored ${bareIn.value} of ${events} rows`);
  const bareOut = await timed(() => bareExport(bareDb, join(dir, 'bare-export.ndjson')));
  const kv = await kvRoundTrip(input, dir, events);
  await rm(dir, { recursive: true, force: true });
  const rows: Measured[] = [...runs].map(([operation, run]) => ({
    operation,
    events,
    seconds: run.seconds,
    bareSeconds: operation === 'import' ? bareIn.seconds : operation === 'export' ? bareOut.seconds : null,
    cliRssMib: run.peakRssMib,
    serverRssMib: run.serverRssMib,
    serverAnonMib: run.serverAnonMib,
  }));
  rows.push(...kv.rows);
  return {
    events,
    fileMib: generated.value / 1024 ** 2,
    generateSeconds: generated.seconds,
    isRoundTripExact: isRoundTripExact && kv.isRoundTripExact,
    rows,
  };
}

/** The same file through a server on the LMDB backend (`lmdb:`), beside bare LMDB (bare-lmdb.ts). */
async function kvRoundTrip(
  input: string,
  dir: string,
  events: number,
): Promise<{ rows: Measured[]; isRoundTripExact: boolean }> {
  const { runs, output } = await serverRoundTrip(input, dir, false, (data) => `lmdb://${join(data, 'kv')}`);
  const isRoundTripExact = (await sha256OfFile(input)) === (await sha256OfFile(output));
  await rm(output, { force: true });
  const bareDir = join(dir, 'bare-lmdb');
  const bareIn = await timed(() => bareLmdbImport(input, bareDir));
  if (bareIn.value !== events) throw new Error(`bare lmdb import stored ${bareIn.value} of ${events}`);
  const bareOut = await timed(() => bareLmdbExport(bareDir, join(dir, 'bare-lmdb-export.ndjson')));
  const rows = [...runs].map(([operation, run]) => ({
    operation: `${operation} (kv)`,
    events,
    seconds: run.seconds,
    bareSeconds: operation === 'import' ? bareIn.seconds : bareOut.seconds,
    cliRssMib: run.peakRssMib,
    serverRssMib: run.serverRssMib,
    serverAnonMib: run.serverAnonMib,
  }));
  return { rows, isRoundTripExact };
}

/** Runs every size (gzip variants at the first only) and builds the tables and goal checks. */
export async function runImportExportBench(
  o: ImportExportOptions,
): Promise<{ tables: Table[]; goals: GoalCheck[] }> {
  const results: SizeResult[] = [];
  for (const [i, events] of o.sizes.entries()) results.push(await runSize(events, i === 0));
  return { tables: [resultTable(results), filesTable(results)], goals: importGoals(results) };
}

function resultTable(results: SizeResult[]): Table {
  return {
    title: 'Import/export through the CLI and a server vs the bare engine',
    header: [
      'operation',
      'events',
      'seconds',
      'events/s',
      'bare events/s',
      'ours/bare',
      'CLI peak RSS MiB',
      'server peak RSS MiB',
      'server peak anon MiB',
    ],
    rows: results.flatMap((r) =>
      r.rows.map((m) => [
        m.operation,
        formatRate(m.events),
        m.seconds.toFixed(1),
        formatRate(m.events / m.seconds),
        m.bareSeconds === null ? '-' : formatRate(m.events / m.bareSeconds),
        m.bareSeconds === null ? '-' : formatRatio(m.bareSeconds / m.seconds),
        formatMib(m.cliRssMib),
        formatMib(m.serverRssMib),
        formatMib(m.serverAnonMib),
      ]),
    ),
  };
}

function filesTable(results: SizeResult[]): Table {
  return {
    title: 'Generated files',
    header: ['events', 'file MiB', 'generated in s', 'export == input (sha256)'],
    rows: results.map((r) => [
      formatRate(r.events),
      r.fileMib.toFixed(0),
      r.generateSeconds.toFixed(1),
      r.isRoundTripExact ? 'yes' : '**no**',
    ]),
  };
}

function importGoals(results: SizeResult[]): GoalCheck[] {
  const all = results.flatMap((r) => r.rows);
  const kvRatio = (op: string): number =>
    Math.min(...all.filter((m) => m.operation === `${op} (kv)`).map((m) => (m.bareSeconds ?? 0) / m.seconds));
  const ratio = (op: string): number => {
    const rows = all.filter((m) => m.operation === op && m.bareSeconds !== null);
    return Math.min(...rows.map((m) => (m.bareSeconds ?? 0) / m.seconds));
  };
  const maxOf = (values: (number | null)[]): number => Math.max(...values.map((v) => v ?? Infinity));
  const cliMax = maxOf(all.map((m) => m.cliRssMib));
  // The server's own memory: an LMDB server maps its data file, whose cached pages VmHWM counts.
  const serverMax = maxOf(all.map((m) => m.serverAnonMib));
  const imports = all.filter((m) => m.operation === 'import');
  const first = imports[0];
  const last = imports[imports.length - 1];
  const growth = (pick: (m: Measured) => number | null): number =>
    first === undefined || last === undefined ? 0 : (pick(last) ?? 0) - (pick(first) ?? 0);
  const cliGrowth = growth((m) => m.cliRssMib);
  const serverGrowth = growth((m) => m.serverRssMib);
  const sizes = `${formatRate(first?.events ?? 0)} → ${formatRate(last?.events ?? 0)} events`;
  return [
    { goal: 'import ours/bare ≥ 0.7', measured: formatRatio(ratio('import')), isMet: ratio('import') >= 0.7 },
    { goal: 'export ours/bare ≥ 0.7', measured: formatRatio(ratio('export')), isMet: ratio('export') >= 0.7 },
    {
      goal: 'kv import ours/bare lmdb ≥ 0.7',
      measured: formatRatio(kvRatio('import')),
      isMet: kvRatio('import') >= 0.7,
    },
    {
      goal: 'kv export ours/bare lmdb ≥ 0.7',
      measured: formatRatio(kvRatio('export')),
      isMet: kvRatio('export') >= 0.7,
    },
    { goal: 'CLI peak RSS < 100 MB', measured: `${formatMib(cliMax)} MiB`, isMet: cliMax * 1.048576 < 100 },
    {
      goal: 'server peak memory (RssAnon) < 150 MB',
      measured: `${formatMib(serverMax)} MiB`,
      isMet: serverMax * 1.048576 < 150,
    },
    {
      goal: 'import RSS flat as the file grows (≤ 10 MiB growth)',
      measured: `CLI ${cliGrowth >= 0 ? '+' : ''}${cliGrowth.toFixed(1)}, server ${serverGrowth >= 0 ? '+' : ''}${serverGrowth.toFixed(1)} MiB (${sizes})`,
      isMet: cliGrowth <= 10 && serverGrowth <= 10,
    },
  ];
}
