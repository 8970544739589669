/**
 * `/subscribe` under load (`npm run bench -- subscribe`): poke latency (write acknowledged → poke
 * received, p50/p99) with 100 open subscriptions, and `stream.write` throughput from 16 writers
 * without subscribers and with 100 of them, in the same run on the same server. The subscribers
 * live in this process (so latencies share one clock); their parsing CPU is part of what the
 * 2-core machine pays. Server RSS is sampled through the run.
 */
import { get, type IncomingMessage } from 'node:http';
import { makeTempDir } from './cleanup.js';
import { runLoad, type LoadResult } from './load.js';
import { createRawPoster } from './raw-http.js';
import { readPeakRssKib } from './rss.js';
import { startServer, type BenchServer } from './server.js';
import { formatMs, formatRate, formatRatio, percentile, type GoalCheck, type Table } from './table.js';

export interface SubscribeBenchOptions {
  /** Length of each write scenario, ms. */
  scenarioMs: number;
  /** Open subscriptions during the "with subscribers" scenarios. */
  subscribers?: number;
}

const DATA = {
  orderId: 'ord-0001234',
  amount: 1234.56,
  note: 'benchmark payload of about two hundred bytes',
};

/** One subscriber: counts pokes and calls `onPoke` with each global position. */
function subscribe(server: BenchServer, onPoke: (gpos: number) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = get(
      `${server.url}/subscribe?category=sub&token=${server.token}`,
      { agent: false },
      (res: IncomingMessage) => {
        let buffered = '';
        let ready = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let end = buffered.indexOf('\n\n');
          while (end !== -1) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            end = buffered.indexOf('\n\n');
            const match = /"globalPosition":(\d+)/.exec(block);
            if (match?.[1] !== undefined) onPoke(Number(match[1]));
            else if (!ready && block === ': ready') {
              ready = true;
              resolve(() => req.destroy());
            }
          }
        });
      },
    );
    req.on('error', reject);
  });
}

const writeBody = (stream: string): string =>
  JSON.stringify(['stream.write', stream, { type: 'T', data: DATA }]);

/** 16 writers on 16 streams of category `sub` for `ms`. */
async function writeLoad(server: BenchServer, ms: number): Promise<LoadResult> {
  const poster = createRawPoster(server.url, server.token, 16);
  const op = (c: number): Promise<string> => poster.post(writeBody(`sub-${c}`), c);
  try {
    await runLoad({ clients: 16, maxOps: 500, maxMs: 2000, op });
    return await runLoad({ clients: 16, maxOps: 10_000_000, maxMs: ms, op });
  } finally {
    poster.close();
  }
}

/** One writer at a time: the latency from each acknowledgement to each subscriber's poke. */
async function pokeLatency(server: BenchServer, subscribers: number, ms: number): Promise<number[]> {
  const acked = new Map<number, number>();
  const early = new Map<number, number>();
  const latencies: number[] = [];
  const closers = await Promise.all(
    Array.from({ length: subscribers }, () =>
      subscribe(server, (gpos) => {
        const at = acked.get(gpos);
        // A poke may beat the write's own reply: it then counts as 0 ms.
        if (at === undefined) early.set(gpos, (early.get(gpos) ?? 0) + 1);
        else latencies.push(performance.now() - at);
      }),
    ),
  );
  const poster = createRawPoster(server.url, server.token, 1);
  const deadline = performance.now() + ms;
  try {
    while (performance.now() < deadline) {
      const reply = JSON.parse(await poster.post(writeBody('sub-latency'))) as { globalPosition: number };
      acked.set(reply.globalPosition, performance.now());
      for (let i = 0; i < (early.get(reply.globalPosition) ?? 0); i++) latencies.push(0);
      // A light, steady rate: latency, not queueing, is measured here.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    poster.close();
    for (const close of closers) close();
  }
  return latencies;
}

export interface SubscribeBenchResult {
  tables: Table[];
  goals: GoalCheck[];
}

export async function runSubscribeBench(o: SubscribeBenchOptions): Promise<SubscribeBenchResult> {
  const subscribers = o.subscribers ?? 100;
  const server = await startServer(await makeTempDir('subscribe'));
  try {
    const rssStart = readPeakRssKib(server.pid);
    const without = await writeLoad(server, o.scenarioMs);
    let pokes = 0;
    const closers = await Promise.all(
      Array.from({ length: subscribers }, () => subscribe(server, () => pokes++)),
    );
    const withSubs = await writeLoad(server, o.scenarioMs);
    for (const close of closers) close();
    const latencies = await pokeLatency(server, subscribers, o.scenarioMs);
    const rssEnd = readPeakRssKib(server.pid);
    const ratio = withSubs.opsPerSecond / without.opsPerSecond;
    const p99 = percentile(latencies, 99);
    const mib = (kib: number | null) => (kib === null ? '-' : `${(kib / 1024).toFixed(1)} MiB`);
    return {
      tables: [
        {
          title: `/subscribe: ${subscribers} subscribers on one category, 16 writers`,
          header: ['scenario', 'ops/s', 'p50 ms', 'p99 ms', 'note'],
          rows: [
            [
              'stream.write, no subscribers',
              formatRate(without.opsPerSecond),
              formatMs(without.p50Ms),
              formatMs(without.p99Ms),
              '',
            ],
            [
              `stream.write, ${subscribers} subscribers`,
              formatRate(withSubs.opsPerSecond),
              formatMs(withSubs.p50Ms),
              formatMs(withSubs.p99Ms),
              `${formatRatio(ratio)} of no subscribers; ${pokes} pokes received`,
            ],
            [
              `poke latency, ${subscribers} subscribers (ack → poke)`,
              String(latencies.length),
              formatMs(percentile(latencies, 50)),
              formatMs(p99),
              `server peak RSS ${mib(rssStart)} → ${mib(rssEnd)}`,
            ],
          ],
        },
      ],
      goals: [
        {
          goal: `poke latency p99 < 5 ms (${subscribers} subscribers)`,
          isMet: p99 < 5,
          measured: formatMs(p99),
        },
        {
          goal: 'write throughput with subscribers ≥ 0.9× without',
          isMet: ratio >= 0.9,
          measured: formatRatio(ratio),
        },
      ],
    };
  } finally {
    await server.stop();
  }
}
