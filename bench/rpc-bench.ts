/**
 * RPC benchmark: a real `eventodb serve` over HTTP keep-alive against bare better-sqlite3 doing
 * the same operation with the same schema and pragmas (see bare-sqlite.ts).
 *
 * Scenarios: `stream.write` from 1 client, 16 clients on 16 streams, 16 clients on one stream;
 * `stream.get` and `category.get` of 100 messages from 1 and 16 clients; and `stream.write` from 1
 * and 16 clients over node:http and fetch, to show what the HTTP client itself costs (the
 * measurements use the cheapest, raw-http.ts).
 */
import { join } from 'node:path';
import { bareCategoryReads, bareStreamReads, bareWrites, fillStream, openBare } from './bare-sqlite.js';
import { makeTempDir } from './cleanup.js';
import { createFetchPoster, createHttpPoster, type RpcPoster } from './http-client.js';
import { createRawPoster } from './raw-http.js';
import { runLoad, type LoadResult } from './load.js';
import { watchPeakRss } from './rss.js';
import { startFloorServer, startServer, type BenchServer } from './server.js';
import { storeWrites } from './store-direct.js';
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
  kind: 'floor' | 'write' | 'stream' | 'category';
  result: LoadResult;
}

type PosterFactory = (server: BenchServer, clients: number) => RpcPoster;

const RAW: PosterFactory = (server, clients) => createRawPoster(server.url, server.token, clients);
const CLIENTS: readonly [string, PosterFactory][] = [
  ['node:http Agent keepAlive', (server, clients) => createHttpPoster(server.url, server.token, clients)],
  ['fetch (undici)', (server) => createFetchPoster(server.url, server.token)],
];

async function measure(
  server: BenchServer,
  clients: number,
  o: RpcBenchOptions,
  bodyOf: (client: number) => string,
  makePoster: PosterFactory = RAW,
): Promise<LoadResult> {
  const poster = makePoster(server, clients);
  const bodies = Array.from({ length: clients }, (_, c) => bodyOf(c));
  const op = (c: number): Promise<string> => poster.post(bodies[c] ?? '', c);
  try {
    // Warm up: open the connections, let V8 optimise both sides.
    await runLoad({ clients, maxOps: 500, maxMs: 2000, op });
    return await runLoad({ clients, maxOps: o.maxOps, maxMs: o.scenarioMs, op });
  } finally {
    poster.close();
  }
}

interface ClientRow {
  client: string;
  clients: number;
  result: LoadResult;
}

/** stream.write through node:http and fetch, 1 and 16 clients, for the client-cost table. */
async function measureClients(server: BenchServer, o: RpcBenchOptions): Promise<ClientRow[]> {
  const rows: ClientRow[] = [];
  const short = { ...o, scenarioMs: Math.ceil(o.scenarioMs / 2) };
  for (const [client, factory] of CLIENTS) {
    for (const clients of [1, 16]) {
      const result = await measure(server, clients, short, (c) => writeBody(`client-${c}`), factory);
      rows.push({ client, clients, result });
    }
  }
  return rows;
}

async function runServerScenarios(
  server: BenchServer,
  o: RpcBenchOptions,
): Promise<{ scenarios: Scenario[]; clientRows: ClientRow[] }> {
  const scenarios: Scenario[] = [];
  const add = async (name: string, clients: number, kind: Scenario['kind'], body: (c: number) => string) => {
    scenarios.push({ name, clients, kind, result: await measure(server, clients, o, body) });
  };
  // The floor of /rpc: HTTP, fastify, auth and dispatch, no store.
  await add('sys.version (no store)', 1, 'floor', () => '["sys.version"]');
  await add('sys.version (no store)', 16, 'floor', () => '["sys.version"]');
  await add('stream.write', 1, 'write', () => writeBody('single-1'));
  await add('stream.write, 16 streams', 16, 'write', (c) => writeBody(`multi-${c + 1}`));
  await add('stream.write, one stream', 16, 'write', () => writeBody('shared-1'));
  const streamGet = JSON.stringify(['stream.get', 'single-1', { position: 0, batchSize: 100 }]);
  const categoryGet = JSON.stringify(['category.get', 'multi', { position: 1, batchSize: 100 }]);
  await add('stream.get 100', 1, 'stream', () => streamGet);
  await add('stream.get 100', 16, 'stream', () => streamGet);
  await add('category.get 100', 1, 'category', () => categoryGet);
  await add('category.get 100', 16, 'category', () => categoryGet);
  const clientRows = await measureClients(server, o);
  return { scenarios, clientRows };
}

interface BareResults {
  /** bench/durable-floor-server.ts from 1 client: round trip + one fdatasync, nothing else. */
  durableFloor: LoadResult;
  writeFull: LoadResult;
  writeNormal: LoadResult;
  storeSingle: LoadResult;
  storeMulti: LoadResult;
  storeMultiListened: LoadResult;
  streamRead: LoadResult;
  categoryRead: LoadResult;
}

async function runBare(o: RpcBenchOptions): Promise<BareResults> {
  const dir = await makeTempDir('bare-rpc');
  const floor = await startFloorServer(dir);
  let durableFloor: LoadResult;
  try {
    durableFloor = await measure(floor, 1, o, () => writeBody('floor-1'));
  } finally {
    await floor.stop();
  }
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
    const storeSingle = await storeWrites(DATA, 1, o.maxOps, o.scenarioMs);
    const storeMulti = await storeWrites(DATA, 16, o.maxOps, o.scenarioMs);
    const storeMultiListened = await storeWrites(DATA, 16, o.maxOps, o.scenarioMs, 10);
    return {
      durableFloor,
      writeFull,
      writeNormal,
      streamRead,
      categoryRead,
      storeSingle,
      storeMulti,
      storeMultiListened,
    };
  } finally {
    full.close();
    normal.close();
  }
}

/** Runs the server scenarios, then the bare engine, and builds the tables. */
export async function runRpcBench(o: RpcBenchOptions): Promise<RpcBenchResult> {
  const server = await startServer(await makeTempDir('rpc'));
  const rss = watchPeakRss(server.pid);
  const { scenarios, clientRows } = await runServerScenarios(server, o);
  const serverRss = rss.stop();
  await server.stop();
  scenarios.push(...(await runKvScenarios(o)));
  const bare = await runBare(o);
  return {
    tables: [
      rpcTable(scenarios, bare, serverRss),
      layerTable(scenarios, bare),
      clientTable(scenarios, clientRows),
    ],
    goals: rpcGoals(scenarios),
  };
}

/** stream.write on a server on the LMDB backend (`lmdb:`), for the kv vs SQLite goal. */
async function runKvScenarios(o: RpcBenchOptions): Promise<Scenario[]> {
  const dir = await makeTempDir('rpc-kv');
  const server = await startServer(dir, ['--db-url', `lmdb://${dir}/kv`]);
  try {
    const scenarios: Scenario[] = [];
    for (const [name, clients, body] of [
      ['stream.write (kv)', 1, () => writeBody('single-1')],
      ['stream.write, 16 streams (kv)', 16, (c: number) => writeBody(`multi-${c + 1}`)],
    ] as const) {
      scenarios.push({ name, clients, kind: 'write', result: await measure(server, clients, o, body) });
    }
    return scenarios;
  } finally {
    await server.stop();
  }
}

function bareOf(kind: Scenario['kind'], bare: BareResults): LoadResult | null {
  if (kind === 'floor') return null;
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
        b === null ? '-' : formatRate(b.opsPerSecond),
        b === null ? '-' : formatMs(b.p50Ms),
        b === null ? '-' : formatRatio(r.opsPerSecond / b.opsPerSecond),
        kind === 'write' ? formatRate(bare.writeNormal.opsPerSecond) : '-',
      ];
    }),
  };
}

function layerTable(scenarios: Scenario[], bare: BareResults): Table {
  const http = (name: string): LoadResult | undefined => scenarios.find((s) => s.name === name)?.result;
  const rows: [string, string, LoadResult | undefined][] = [
    ['durable floor: bare node:http + 1 fdatasync per request, no store', '1', bare.durableFloor],
    ['bare SQLite, synchronous=NORMAL, 1 txn per append', '1', bare.writeNormal],
    ['bare SQLite, synchronous=FULL, 1 txn per append', '1', bare.writeFull],
    ['EventStore in-process (group commit, FULL)', '1', bare.storeSingle],
    ['EventStore in-process (group commit, FULL)', '16', bare.storeMulti],
    ['EventStore in-process, 10 commit listeners', '16', bare.storeMultiListened],
    ['server over HTTP', '1', http('stream.write')],
    ['server over HTTP, 16 streams', '16', http('stream.write, 16 streams')],
  ];
  return {
    title: 'stream.write layer by layer (what each layer costs)',
    header: ['layer', 'concurrent', 'ops/s', 'p50 ms', 'p99 ms'],
    rows: rows.map(([layer, clients, r]) => [
      layer,
      clients,
      r === undefined ? '-' : formatRate(r.opsPerSecond),
      r === undefined ? '-' : formatMs(r.p50Ms),
      r === undefined ? '-' : formatMs(r.p99Ms),
    ]),
  };
}

function clientTable(scenarios: Scenario[], others: ClientRow[]): Table {
  const raw: ClientRow[] = scenarios
    .filter((s) => s.kind === 'write' && s.name === 'stream.write')
    .concat(scenarios.filter((s) => s.name === 'stream.write, 16 streams'))
    .map((s) => ({ client: 'raw keep-alive socket (raw-http.ts)', clients: s.clients, result: s.result }));
  return {
    title: 'Load-generator cost: stream.write through each HTTP client',
    header: ['client', 'clients', 'ops/s', 'p50 ms', 'client CPU µs/op'],
    rows: [...raw, ...others].map(({ client, clients, result: r }) => [
      client,
      String(clients),
      formatRate(r.opsPerSecond),
      formatMs(r.p50Ms),
      r.clientCpuUsPerOp.toFixed(0),
    ]),
  };
}

function rpcGoals(scenarios: Scenario[]): GoalCheck[] {
  const rate = (name: string, clients: number): number =>
    scenarios.find((s) => s.name === name && s.clients === clients)?.result.opsPerSecond ?? 0;
  const single = rate('stream.write', 1);
  const multi = rate('stream.write, 16 streams', 16);
  const kvMulti = rate('stream.write, 16 streams (kv)', 16);
  return [
    {
      goal: 'kv stream.write, 16 clients > SQLite in the same run',
      measured: `${formatRate(kvMulti)}/s vs ${formatRate(multi)}/s`,
      isMet: kvMulti > multi,
    },
    { goal: 'stream.write, 1 client ≥ 5,000/s', measured: `${formatRate(single)}/s`, isMet: single >= 5000 },
    {
      goal: 'stream.write, 16 clients ≥ 10,000/s',
      measured: `${formatRate(multi)}/s`,
      isMet: multi >= 10_000,
    },
  ];
}
