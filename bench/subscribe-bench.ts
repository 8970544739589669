/**
 * `/subscribe` under load (`npm run bench -- subscribe`), on one server in one run:
 * - `stream.write` throughput from 16 writers without subscribers, with 100 subscribers on the
 *   written category (fan-out 100: every write is poked 100 times), and with 100 subscribers on
 *   100 categories the writers take turns on (fan-out 1); each subscribed shape is compared with
 *   a run without subscribers that writes the same streams;
 * - poke latency (write acknowledged → poke received, p50/p99) for both shapes, one paced writer;
 * - the server's RSS: peak, and current at the start and the end of each subscribed scenario;
 *   with `--soak-ms`, also sampled every 10 s through a long fan-out-100 write load (the "memory
 *   stays flat" check).
 * The subscribers run in a separate process (subscriber-process.ts), so parsing pokes does not
 * share this process's event loop with the writers; arrival times are compared across processes
 * on the machine's clock.
 */
import { makeTempDir } from './cleanup.js';
import { runLoad, type LoadResult } from './load.js';
import { createRawPoster } from './raw-http.js';
import { readCpuMs, readRssKib, watchPeakRss } from './rss.js';
import { startServer, type BenchServer } from './server.js';
import { openSubscriberPool } from './subscriber-pool.js';
import { formatMs, formatRate, formatRatio, percentile, type GoalCheck, type Table } from './table.js';

export interface SubscribeBenchOptions {
  /** Length of each write scenario, ms. */
  scenarioMs: number;
  /** Open subscriptions during the "with subscribers" scenarios. */
  subscribers?: number;
  /** When > 0: a fan-out-100 write load of this length, RSS sampled every 10 s. */
  soakMs?: number;
  /** `serve` flags choosing the backend (default: SQLite in the data dir). */
  serveArgs?: readonly string[];
  /** The store, for the table's title (default SQLite). */
  storeLabel?: string;
}

const DATA = {
  orderId: 'ord-0001234',
  amount: 1234.56,
  note: 'benchmark payload of about two hundred bytes',
};

const writeBody = (stream: string): string =>
  JSON.stringify(['stream.write', stream, { type: 'T', data: DATA }]);

/** Where writer `c`'s `i`-th write goes: one category (`sub`), or `fan0`..`fan99` in turn. */
type Target = (c: number, i: number) => string;
const ONE_CATEGORY: Target = (c) => `sub-${c}`;
const fanOut1 =
  (categories: number): Target =>
  (c, i) =>
    `fan${i % categories}-${c}`;

/** A write load's result and the server's CPU time per write, µs (load-independent, unlike ops/s). */
type WriteResult = LoadResult & { serverCpuUsPerOp: number };

/** 16 writers for `ms` (after a short warm-up). */
async function writeLoad(server: BenchServer, ms: number, target: Target): Promise<WriteResult> {
  const poster = createRawPoster(server.url, server.token, 16);
  const op = (c: number, i: number): Promise<string> => poster.post(writeBody(target(c, i)), c);
  try {
    await runLoad({ clients: 16, maxOps: 500, maxMs: 2000, op });
    const cpu = readCpuMs(server.pid) ?? 0;
    const result = await runLoad({ clients: 16, maxOps: 100_000_000, maxMs: ms, op });
    const serverCpuUsPerOp = (((readCpuMs(server.pid) ?? 0) - cpu) * 1000) / Math.max(1, result.ops);
    return { ...result, serverCpuUsPerOp };
  } finally {
    poster.close();
  }
}

const oneCategoryPaths = (n: number): string[] => Array.from({ length: n }, () => '/subscribe?category=sub');
const fanOut1Paths = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `/subscribe?category=fan${i}`);

/** A write-load scenario with subscriptions open in the subscriber process. */
async function subscribedLoad(
  server: BenchServer,
  paths: string[],
  ms: number,
  target: Target,
): Promise<{ load: WriteResult; pokes: number; rssMib: [number, number] }> {
  const pool = await openSubscriberPool(server.url, server.token, paths);
  const before = readRssKib(server.pid) ?? 0;
  const load = await writeLoad(server, ms, target);
  const after = readRssKib(server.pid) ?? 0;
  const { pokes } = await pool.close();
  return { load, pokes, rssMib: [before / 1024, after / 1024] };
}

/** One paced writer: the latency from each acknowledgement to each subscriber's poke. */
async function pokeLatency(
  server: BenchServer,
  paths: string[],
  ms: number,
  target: Target,
): Promise<number[]> {
  const pool = await openSubscriberPool(server.url, server.token, paths);
  pool.record();
  const acked = new Map<number, number>();
  const poster = createRawPoster(server.url, server.token, 1);
  const deadline = performance.now() + ms;
  try {
    for (let i = 0; performance.now() < deadline; i++) {
      const reply = JSON.parse(await poster.post(writeBody(target(0, i)))) as { globalPosition: number };
      acked.set(reply.globalPosition, performance.timeOrigin + performance.now());
      // A light, steady rate: latency, not queueing, is measured here.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    poster.close();
  }
  const { arrivals } = await pool.close();
  // A poke may beat the write's own reply: it then counts as 0 ms.
  return arrivals.flatMap(([gpos, at]) => {
    const ack = acked.get(gpos);
    return ack === undefined ? [] : [Math.max(0, at - ack)];
  });
}

/** A long fan-out-100 write load; the server's RSS every 10 s, MiB. */
async function soak(server: BenchServer, subscribers: number, ms: number): Promise<number[]> {
  const pool = await openSubscriberPool(server.url, server.token, oneCategoryPaths(subscribers));
  const samples = [(readRssKib(server.pid) ?? 0) / 1024];
  const timer = setInterval(() => samples.push((readRssKib(server.pid) ?? 0) / 1024), 10_000);
  try {
    await writeLoad(server, ms, ONE_CATEGORY);
  } finally {
    clearInterval(timer);
    await pool.close();
  }
  samples.push((readRssKib(server.pid) ?? 0) / 1024);
  return samples;
}

export interface SubscribeBenchResult {
  tables: Table[];
  goals: GoalCheck[];
}

const mib = (n: number): string => `${n.toFixed(1)} MiB`;

export async function runSubscribeBench(o: SubscribeBenchOptions): Promise<SubscribeBenchResult> {
  const n = o.subscribers ?? 100;
  const server = await startServer(await makeTempDir('subscribe'), o.serveArgs);
  const peak = watchPeakRss(server.pid);
  try {
    const without = await writeLoad(server, o.scenarioMs, ONE_CATEGORY);
    const fan100 = await subscribedLoad(server, oneCategoryPaths(n), o.scenarioMs, ONE_CATEGORY);
    // Fan-out 1 writes to 16 × n streams over n categories: its own baseline has the same pattern.
    const without1 = await writeLoad(server, o.scenarioMs, fanOut1(n));
    const fan1 = await subscribedLoad(server, fanOut1Paths(n), o.scenarioMs, fanOut1(n));
    const lat100 = await pokeLatency(server, oneCategoryPaths(n), o.scenarioMs, ONE_CATEGORY);
    const lat1 = await pokeLatency(server, fanOut1Paths(n), o.scenarioMs, fanOut1(n));
    const soaked = (o.soakMs ?? 0) > 0 ? await soak(server, n, o.soakMs ?? 0) : [];
    const ratio100 = fan100.load.opsPerSecond / without.opsPerSecond;
    const ratio1 = fan1.load.opsPerSecond / without1.opsPerSecond;
    const p99 = percentile(lat100, 99);
    const write = (name: string, r: WriteResult, note: string): string[] => [
      name,
      formatRate(r.opsPerSecond),
      formatMs(r.p50Ms),
      formatMs(r.p99Ms),
      `server ${r.serverCpuUsPerOp.toFixed(0)} µs CPU/write${note === '' ? '' : `; ${note}`}`,
    ];
    const latency = (name: string, l: number[]): string[] => [
      name,
      String(l.length),
      formatMs(percentile(l, 50)),
      formatMs(percentile(l, 99)),
      '',
    ];
    const rows = [
      write('stream.write, no subscribers (16 streams in one category)', without, ''),
      write(
        `stream.write, ${n} subscribers on the category (fan-out ${n})`,
        fan100.load,
        `${formatRatio(ratio100)} of none; ${fan100.pokes} pokes; RSS ${mib(fan100.rssMib[0])} → ${mib(fan100.rssMib[1])}`,
      ),
      write(`stream.write, no subscribers (${16 * n} streams in ${n} categories)`, without1, ''),
      write(
        `stream.write, ${n} subscribers on ${n} categories (fan-out 1)`,
        fan1.load,
        `${formatRatio(ratio1)} of none; ${fan1.pokes} pokes; RSS ${mib(fan1.rssMib[0])} → ${mib(fan1.rssMib[1])}`,
      ),
      latency(`poke latency, fan-out ${n} (ack → poke)`, lat100),
      latency('poke latency, fan-out 1 (ack → poke)', lat1),
    ];
    if (soaked.length > 0) {
      rows.push([
        `soak: ${((o.soakMs ?? 0) / 60_000).toFixed(1)} min of 16 writers, fan-out ${n}`,
        '',
        '',
        '',
        `RSS every 10 s: ${soaked.map((s) => s.toFixed(0)).join(' ')} MiB`,
      ]);
    }
    const goals: GoalCheck[] = [
      {
        goal: `poke latency p99 < 5 ms (${n} subscribers, ${o.storeLabel ?? 'SQLite'})`,
        isMet: p99 < 5,
        measured: formatMs(p99),
      },
      {
        goal: `write throughput with ${n} subscribers (fan-out ${n}, ${o.storeLabel ?? 'SQLite'}) ≥ 0.9× without`,
        isMet: ratio100 >= 0.9,
        measured: formatRatio(ratio100),
      },
      {
        goal: `write throughput with ${n} subscribers (fan-out 1, ${o.storeLabel ?? 'SQLite'}) ≥ 0.9× without`,
        isMet: ratio1 >= 0.9,
        measured: formatRatio(ratio1),
      },
    ];
    return {
      tables: [
        {
          title: `/subscribe on ${o.storeLabel ?? 'SQLite'}: ${n} subscribers (in a separate process), 16 writers; server peak RSS ${mib(peak.stop() ?? 0)}`,
          header: ['scenario', 'ops/s', 'p50 ms', 'p99 ms', 'note'],
          rows,
        },
      ],
      goals,
    };
  } finally {
    peak.stop();
    await server.stop();
  }
}
