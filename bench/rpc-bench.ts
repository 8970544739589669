/**
 * RPC benchmark: a real `eventodb serve` over HTTP keep-alive against bare better-sqlite3 doing
 * the same operation with the same schema and pragmas (see bare-sqlite.ts).
 *
 * Scenarios: `stream.write` from 1 client, 16 clients on 16 streams, 16 clients on one stream;
 * `stream.get` and `category.get` of 100 messages from 1 and 16 clients; and `stream.write` from 1
 * client over fetch, to show what the HTTP client itself costs.
 */
import { join } from 'node:path';
import { bareCategoryReads, bareStreamReads, bareWrites, fillStream, openBare } from './bare-sqlite.js';
import { makeTempDir } from './cleanup.js';
import { createFetchPoster, createHttpPoster, type RpcPoster } from './http-client.js';
import { runLoad, type LoadResult } from './load.js';
import { watchPeakRss } from './rss.js';
import { startServer, type BenchServer } from './server.js';
import { formatMib, formatMs, formatRate, formatRatio, type GoalCheck, type Table } from './table.js';

export interface RpcBenchOptions {
  /** Time limit of each scenario, ms. */
  scenarioMs: number;
  /** Count limit of each scenario. */
  maxOps: number;
}

export interface RpcBenchResult {
  tables: Table[];
  goals: GoalCheck[];
}

/** A payload of about 200 bytes as JSON. */
const DATA = {
  orderId: 'ord-0001234',
  customerId: 'cus-98765',
  amount: 1234.56,
  currency: 'EUR',
  items: [
    { sku: 'SKU-10001', qty: 2 },
    { sku: 'SKU-20002', qty: 1 },
  ],
  note: 'benchmark payload of roughly two hundred bytes',
};

const writeBody = (stream: string): string =>
  JSON.stringify(['stream.write', stream, { type: 'OrderPlaced', data: DATA }]);

interface Scenario {
  name: string;
  clients: number;
  kind: 'write' | 'stream' | 'category';
  result: LoadResult;
}

async function measure(
  server: BenchServer,
  clients: number,
  options: RpcBenchOptions,
  bodyOf: (client: number) => string,
): Promise<LoadResult> {
  const poster = createHttpPoster(server.url, server.token, clients);
  const bodies = Array.from({ length: clients }, (_, c) => bodyOf(c));
  try {
    // Warm up: open the sockets, let V8 optimise both sides.
    await runLoad({ clients, maxOps: 200, maxMs: 2000, op: (c) => poster.post(bodies[c] ?? '') });
    return await runLoad({
      clients,
      maxOps: options.maxOps,
      maxMs: options.scenarioMs,
      op: (c) => poster.post(bodies[c] ?? ''),
    });
  } finally {
    poster.close();
  }
}

async function measureFetch(server: BenchServer, options: RpcBenchOptions): Promise<LoadResult> {
  const poster: RpcPoster = createFetchPoster(server.url, server.token);
  const body = writeBody('fetch-1');
  await runLoad({ clients: 1, maxOps: 200, maxMs: 2000, op: () => poster.post(body) });
  return runLoad({ clients: 1, maxOps: options.maxOps, maxMs: options.scenarioMs, op: () => poster.post(body) });
}

async function runServerScenarios(
  server: BenchServer,
  o: RpcBenchOptions,
): Promise<{ scenarios: Scenario[]; viaFetch: LoadResult }> {
  const scenarios: Scenario[] = [];
  const add = async (name: string, clients: number, kind: Scenario['kind'], body: (c: number) => string) => {
    scenarios.push({ name, clients, kind, result: await measure(server, clients, o, body) });
  };
  await add('stream.write', 1, 'write', () => writeBody('single-1'));
  await add('stream.write, 16 streams', 16, 'write', (c) => writeBody(`multi-${c + 1}`));
  await add('stream.write, one stream', 16, 'write', () => writeBody('shared-1'));
  const streamGet = JSON.stringify(['stream.get', 'single-1', { position: 0, batchSize: 100 }]);
  const categoryGet = JSON.stringify(['category.get', 'multi', { position: 1, batchSize: 100 }]);
  await add('stream.get 100', 1, 'stream', () => streamGet);
  await add('stream.get 100', 16, 'stream', () => streamGet);
  await add('category.get 100', 1, 'category', () => categoryGet);
  await add('category.get 100', 16, 'category', () => categoryGet);
  const viaFetch = await measureFetch(server, o);
  return { scenarios, viaFetch };
}

interface BareResults {
  writeFull: LoadResult;
  writeNormal: LoadResult;
  streamRead: LoadResult;
  categoryRead: LoadResult;
}

async function runBare(o: RpcBenchOptions): Promise<BareResults> {
  const dir = await makeTempDir('bare-rpc');
  const data = JSON.stringify(DATA);
  const full = openBare(join(dir, 'full.db'), 'FULL');
  const normal = openBare(join(dir, 'normal.db'), 'NORMAL');
  try {
    const writeFull = bareWrites(full, data, o.maxOps, o.scenarioMs);
    const writeNormal = bareWrites(normal, data, o.maxOps, o.scenarioMs);
    fillStream(full, 'read-1', 1000, data);
    for (let s = 1; s <= 16; s++) fillStream(full, `cat-${s}`, 100, data);
    const streamRead = bareStreamReads(full, 'read-1', o.maxOps, o.scenarioMs);
    const categoryRead = bareCategoryReads(full, 'cat', o.maxOps, o.scenarioMs);
    return { writeFull, writeNormal, streamRead, categoryRead };
  } finally {
    full.close();
    normal.close();
  }
}

/** Runs the server scenarios, then the bare engine, and builds the tables. */
export async function runRpcBench(o: RpcBenchOptions): Promise<RpcBenchResult> {
  const server = await startServer(await makeTempDir('rpc'));
  const rss = watchPeakRss(server.pid);
  const { scenarios, viaFetch } = await runServerScenarios(server, o);
  const serverRss = rss.stop();
  await server.stop();
  const bare = await runBare(o);
  return {
    tables: [rpcTable(scenarios, bare, serverRss), clientTable(scenarios[0]?.result, viaFetch)],
    goals: rpcGoals(scenarios),
  };
}

function bareOf(kind: Scenario['kind'], bare: BareResults): LoadResult {
  return kind === 'write' ? bare.writeFull : kind === 'stream' ? bare.streamRead : bare.categoryRead;
}

function rpcTable(scenarios: Scenario[], bare: BareResults, serverRss: number | null): Table {
  return {
    title: `RPC over HTTP keep-alive vs bare better-sqlite3 (server peak RSS ${formatMib(serverRss)} MiB)`,
    header: [
      'operation',
      'clients',
      'ops',
      'ops/s',
      'p50 ms',
      'p99 ms',
      'bare FULL ops/s',
      'bare p50 ms',
      'ours/bare',
      'bare NORMAL ops/s',
    ],
    rows: scenarios.map(({ name, clients, kind, result: r }) => {
      const b = bareOf(kind, bare);
      return [
        name,
        String(clients),
        String(r.ops),
        formatRate(r.opsPerSecond),
        formatMs(r.p50Ms),
        formatMs(r.p99Ms),
        formatRate(b.opsPerSecond),
        formatMs(b.p50Ms),
        formatRatio(r.opsPerSecond / b.opsPerSecond),
        kind === 'write' ? formatRate(bare.writeNormal.opsPerSecond) : '-',
      ];
    }),
  };
}

function clientTable(viaHttp: LoadResult | undefined, viaFetch: LoadResult): Table {
  const row = (name: string, r: LoadResult): string[] => [
    name,
    formatRate(r.opsPerSecond),
    formatMs(r.p50Ms),
    r.clientCpuUsPerOp.toFixed(0),
  ];
  return {
    title: 'Load-generator overhead: stream.write, 1 client',
    header: ['client', 'ops/s', 'p50 ms', 'client CPU µs/op'],
    rows: [...(viaHttp === undefined ? [] : [row('node:http Agent keepAlive', viaHttp)]), row('fetch (undici)', viaFetch)],
  };
}

function rpcGoals(scenarios: Scenario[]): GoalCheck[] {
  const rate = (name: string, clients: number): number =>
    scenarios.find((s) => s.name === name && s.clients === clients)?.result.opsPerSecond ?? 0;
  const single = rate('stream.write', 1);
  const multi = rate('stream.write, 16 streams', 16);
  return [
    { goal: 'stream.write, 1 client ≥ 5,000/s', measured: `${formatRate(single)}/s`, isMet: single >= 5000 },
    { goal: 'stream.write, 16 clients ≥ 10,000/s', measured: `${formatRate(multi)}/s`, isMet: multi >= 10_000 },
  ];
}
