/**
 * Re-runnable import and `pull` (issue 12), as real `bin/eventodb` processes against real servers,
 * beside the bare engine's import of the same file in the same run:
 *
 * - first import of an N-event file, then the same file again with `--skip-existing` (every
 *   record is already there; goal: at least 2x faster than the first import);
 * - `pull` of those N events from the source server into a fresh namespace of a second server,
 *   beside `export | import` through a shell pipe into another fresh namespace of that server
 *   (goal: pull at least as fast).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { bareImport } from './bare-import-export.js';
import { makeTempDir, onCleanup } from './cleanup.js';
import { runEventodb } from './cli.js';
import { generateExportFile } from './generate.js';
import { BIN, startServer, type BenchServer } from './server.js';
import { formatRate, formatRatio, type GoalCheck, type Table } from './table.js';

export interface PullBenchOptions {
  events: number;
}

async function createNamespace(server: BenchServer, id: string): Promise<string> {
  const res = await fetch(`${server.url}/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body: JSON.stringify(['ns.create', id]),
  });
  if (!res.ok) throw new Error(`ns.create ${id}: HTTP ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

/** `eventodb export | eventodb import` in one shell with pipefail; seconds from spawn to exit. */
async function runPipe(source: BenchServer, targetUrl: string, targetToken: string): Promise<number> {
  const started = performance.now();
  const script = `set -o pipefail; "$BIN" export --url "$SRC_URL" --token "$SRC_TOKEN" | "$BIN" import --url "$DST_URL" --token "$DST_TOKEN"`;
  const child = spawn('bash', ['-c', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      BIN,
      SRC_URL: source.url,
      SRC_TOKEN: source.token,
      DST_URL: targetUrl,
      DST_TOKEN: targetToken,
    },
  });
  onCleanup(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`export | import exited with ${String(code)}:\n${stderr}`);
  return (performance.now() - started) / 1000;
}

interface Row {
  operation: string;
  seconds: number;
  /** Peak RSS of the CLI process, MiB (null for the shell pipe: two processes). */
  rssMib: number | null;
}

/** Runs the cases; tables and goal checks. */
export async function runPullBench(o: PullBenchOptions): Promise<{ tables: Table[]; goals: GoalCheck[] }> {
  const dir = await makeTempDir(`pull-${o.events}`);
  const input = join(dir, 'input.ndjson');
  await generateExportFile(input, o.events);
  const source = await startServer(join(dir, 'source'));
  const target = await startServer(join(dir, 'target'));
  const rows: Row[] = [];
  const cli = async (operation: string, args: string[]): Promise<void> => {
    const run = await runEventodb(args);
    rows.push({ operation, seconds: run.seconds, rssMib: run.peakRssMib });
  };
  const into = ['--url', source.url, '--token', source.token, '--input', input];
  await cli('import (first)', ['import', ...into]);
  await cli('import --skip-existing (all there)', ['import', ...into, '--skip-existing']);
  const pulled = await createNamespace(target, 'pulled');
  const from = ['--from-url', source.url, '--from-token', source.token];
  await cli('pull', ['pull', ...from, '--url', target.url, '--token', pulled]);
  await cli('pull again (up to date)', ['pull', ...from, '--url', target.url, '--token', pulled]);
  const piped = await createNamespace(target, 'piped');
  rows.push({
    operation: 'export, import (shell pipe)',
    seconds: await runPipe(source, target.url, piped),
    rssMib: null,
  });
  await Promise.all([source.stop(), target.stop()]);
  const bareStarted = performance.now();
  await bareImport(input, join(dir, 'bare.db'));
  const bareSeconds = (performance.now() - bareStarted) / 1000;
  const seconds = (op: string): number => rows.find((r) => r.operation === op)?.seconds ?? Infinity;
  const skipSpeedup = seconds('import (first)') / seconds('import --skip-existing (all there)');
  const pullVsPipe = seconds('export, import (shell pipe)') / seconds('pull');
  const table: Table = {
    title: `Re-runnable import and pull, ${formatRate(o.events)} events (bare engine import beside)`,
    header: ['operation', 'seconds', 'events/s', 'bare import / this', 'CLI peak RSS MiB'],
    rows: [
      ...rows.map((r) => [
        r.operation,
        r.seconds.toFixed(1),
        formatRate(o.events / r.seconds),
        formatRatio(bareSeconds / r.seconds),
        r.rssMib === null ? '-' : r.rssMib.toFixed(0),
      ]),
      ['bare engine import', bareSeconds.toFixed(1), formatRate(o.events / bareSeconds), '1.00', '-'],
    ],
  };
  const goals: GoalCheck[] = [
    {
      goal: 're-import with --skip-existing ≥ 2× faster than the first import',
      measured: `${skipSpeedup.toFixed(2)}×`,
      isMet: skipSpeedup >= 2,
    },
    {
      goal: 'pull at least as fast as export piped into import',
      measured: `pipe/pull ${pullVsPipe.toFixed(2)}×`,
      isMet: pullVsPipe >= 1,
    },
  ];
  return { tables: [table], goals };
}
