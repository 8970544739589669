/**
 * `npm run bench [-- rpc|import|subscribe|pull|redact|window|pg] [--events N] [--sizes N,M]
 * [--scenario-ms MS] [--window-events N] [--soak-ms MS] [--backend sqlite|postgres] [--db-url URL]`:
 * prints the
 * machine, then the RPC and import/export tables and the goals. Temp dirs and servers are
 * removed/killed at the end, also on failure and on Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { runCleanup } from './cleanup.js';
import { runImportExportBench } from './import-export-bench.js';
import { runRedactInspectBench } from './redact-inspect-bench.js';
import { runPgBench } from './pg-bench.js';
import { startBenchPostgres } from './pg-server.js';
import { machineTable } from './machine.js';
import { runPullBench } from './pull-bench.js';
import { runRpcBench } from './rpc-bench.js';
import { runSubscribeBench } from './subscribe-bench.js';
import { runWindowBench } from './window-bench.js';
import { formatTable, goalTable, type GoalCheck, type Table } from './table.js';

interface RunOptions {
  parts: Set<string>;
  sizes: number[];
  scenarioMs: number;
  events: number;
  windowEvents: number;
  soakMs: number;
  backend: 'sqlite' | 'postgres';
  dbUrl: string | undefined;
}

function parseRunArgs(argv: string[]): RunOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      events: { type: 'string' },
      sizes: { type: 'string' },
      'scenario-ms': { type: 'string', default: '4000' },
      'window-events': { type: 'string', default: '1000000' },
      'soak-ms': { type: 'string', default: '0' },
      // subscribe: the server's store (default SQLite in its data dir); `postgres` starts one.
      backend: { type: 'string', default: 'sqlite' },
      'db-url': { type: 'string' },
    },
  });
  const all = ['rpc', 'import', 'subscribe', 'pull', 'redact', 'window', 'pg'];
  const parts = new Set(positionals.length === 0 ? all : positionals);
  for (const part of parts) if (!all.includes(part)) throw new Error(`unknown part ${part}`);
  const events = Number(values.events ?? 200_000);
  const sizes = (values.sizes ?? `${events},${events * 4}`).split(',').map(Number);
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1))
    throw new Error('--events/--sizes: positive integers');
  return {
    parts,
    sizes,
    scenarioMs: Number(values['scenario-ms']),
    events,
    windowEvents: Number(values['window-events']),
    soakMs: Number(values['soak-ms']),
    backend: parseBackend(values.backend),
    dbUrl: values['db-url'],
  };
}

function parseBackend(value: string | undefined): 'sqlite' | 'postgres' {
  if (value === 'sqlite' || value === 'postgres') return value;
  throw new Error('--backend: sqlite or postgres');
}

/** `serve` flags and a label for the subscribe bench's store (`--db-url`, or `--backend postgres`). */
async function subscribeStore(options: RunOptions): Promise<{ serveArgs?: string[]; storeLabel?: string }> {
  if (options.dbUrl !== undefined)
    return { serveArgs: ['--db-url', options.dbUrl], storeLabel: 'given --db-url' };
  if (options.backend === 'sqlite') return {};
  const pgs = await startBenchPostgres();
  return { serveArgs: ['--db-url', await pgs.createDatabase('subscribe')], storeLabel: 'PostgreSQL' };
}

function print(table: Table): void {
  process.stdout.write(formatTable(table) + '\n');
}

async function main(): Promise<void> {
  const options = parseRunArgs(process.argv.slice(2));
  const started = performance.now();
  print(await machineTable());
  const goals: GoalCheck[] = [];
  if (options.parts.has('rpc')) {
    const rpc = await runRpcBench({ scenarioMs: options.scenarioMs, maxOps: 500_000 });
    rpc.tables.forEach(print);
    goals.push(...rpc.goals);
  }
  if (options.parts.has('subscribe')) {
    const sub = await runSubscribeBench({
      scenarioMs: options.scenarioMs,
      soakMs: options.soakMs,
      ...(await subscribeStore(options)),
    });
    sub.tables.forEach(print);
    goals.push(...sub.goals);
  }
  if (options.parts.has('import')) {
    const io = await runImportExportBench({ sizes: options.sizes });
    io.tables.forEach(print);
    goals.push(...io.goals);
  }
  if (options.parts.has('pull')) {
    const pull = await runPullBench({ events: options.events });
    pull.tables.forEach(print);
    goals.push(...pull.goals);
  }
  if (options.parts.has('redact')) {
    const redact = await runRedactInspectBench(options.sizes.at(-1) ?? 800_000);
    redact.tables.forEach(print);
    goals.push(...redact.goals);
  }
  if (options.parts.has('window')) {
    const window = await runWindowBench({ events: options.windowEvents });
    window.tables.forEach(print);
    goals.push(...window.goals);
  }
  if (options.parts.has('pg')) {
    const pgRows = await runPgBench({ sizes: options.sizes, scenarioMs: options.scenarioMs });
    pgRows.tables.forEach(print);
    goals.push(...pgRows.goals);
  }
  print(goalTable('Goals', goals));
  process.stdout.write(`total bench time ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}

const stop = (): void => {
  void runCleanup().finally(() => process.exit(130));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
} finally {
  await runCleanup();
}
