/**
 * Issue 13 benchmark: `eventodb export` with five redaction rules against the same export without
 * them, in the same run against the same server (alternating, best of two each), and
 * `eventodb inspect` of the generated file (plain and with the five rules reported). Peak RSS of
 * each CLI process from VmHWM (rss.ts).
 */
import { join } from 'node:path';
import { makeTempDir } from './cleanup.js';
import { runEventodb, type CliRun } from './cli.js';
import { generateExportFile } from './generate.js';
import { startServer } from './server.js';
import { formatMib, formatRate, formatRatio, type GoalCheck, type Table } from './table.js';

/** Five rules over the generated records' fields (generate.ts), two of them typed. */
export const BENCH_RULES = [
  'data.customerId',
  'data.items[*].sku',
  'metadata.userId',
  'Created:data.orderId',
  'Cancelled:data.note',
];

const ruleArgs = BENCH_RULES.flatMap((r) => ['--redact', r]);

function best(runs: CliRun[]): CliRun {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

export async function runRedactInspectBench(
  events: number,
): Promise<{ tables: Table[]; goals: GoalCheck[] }> {
  const dir = await makeTempDir(`redact-${events}`);
  const input = join(dir, 'input.ndjson');
  await generateExportFile(input, events);
  const server = await startServer(join(dir, 'data'));
  const remote = ['--url', server.url, '--token', server.token];
  await runEventodb(['import', ...remote, '--input', input]);
  const key = ['--redact-key', 'bench-key-of-at-least-16-bytes'];
  const plain: CliRun[] = [];
  const redacted: CliRun[] = [];
  for (let i = 0; i < 2; i++) {
    plain.push(await runEventodb(['export', ...remote, '--output', join(dir, 'plain.ndjson')]));
    redacted.push(
      await runEventodb(['export', ...remote, ...ruleArgs, ...key, '--output', join(dir, 'red.ndjson')]),
    );
  }
  await server.stop();
  const inspect = await runEventodb(['inspect', input]);
  const inspectRules = await runEventodb(['inspect', input, ...ruleArgs]);
  const rows: [string, CliRun][] = [
    ['export', best(plain)],
    ['export, 5 redaction rules', best(redacted)],
    ['inspect', inspect],
    ['inspect, 5 rules reported', inspectRules],
  ];
  const table: Table = {
    title: `Redaction and inspect (${formatRate(events)} events)`,
    header: ['operation', 'seconds', 'events/s', 'CLI peak RSS MiB'],
    rows: rows.map(([name, run]) => [
      name,
      run.seconds.toFixed(1),
      formatRate(events / run.seconds),
      formatMib(run.peakRssMib),
    ]),
  };
  const ratio = best(plain).seconds / best(redacted).seconds;
  const rss = Math.max(...rows.map(([, run]) => run.peakRssMib ?? Infinity));
  const goals: GoalCheck[] = [
    { goal: 'export with 5 rules / without ≥ 0.5', measured: formatRatio(ratio), isMet: ratio >= 0.5 },
    {
      goal: 'inspect ≥ 200,000 events/s',
      measured: `${formatRate(events / inspect.seconds)}/s`,
      isMet: events / inspect.seconds >= 200_000,
    },
    {
      goal: 'redact/inspect CLI peak RSS < 100 MB',
      measured: `${formatMib(rss)} MiB`,
      isMet: rss * 1.048576 < 100,
    },
  ];
  return { tables: [table], goals };
}
