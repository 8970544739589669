/**
 * A bounded closed-loop load: `clients` loops, each sending its next request when the previous
 * reply arrives, until `maxOps` requests in total or `maxMs` have passed (whichever first).
 * Records each request's latency and the load generator's own CPU time.
 */
import { percentile } from './table.js';

/** One measured run. */
export interface LoadResult {
  ops: number;
  seconds: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU the measuring process spent per operation (user + system), µs. */
  clientCpuUsPerOp: number;
}

export interface LoadOptions {
  clients: number;
  maxOps: number;
  maxMs: number;
  /** Performs operation `i` (0-based, global) for client `client`. */
  op: (client: number, i: number) => Promise<unknown>;
}

/** Runs the load; rejects with the first failed operation's error. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + options.maxMs;
  const cpuStart = process.cpuUsage();
  const loop = async (client: number): Promise<void> => {
    while (next < options.maxOps && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      await options.op(client, i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, c) => loop(c)));
  return summarize(latencies, started, cpuStart);
}

/** Synchronous variant for in-process engines (bare SQLite): one op after another. */
export function runSyncLoad(maxOps: number, maxMs: number, op: (i: number) => void): LoadResult {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + maxMs;
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < maxOps && performance.now() < deadline; i++) {
    const t0 = performance.now();
    op(i);
    latencies.push(performance.now() - t0);
  }
  return summarize(latencies, started, cpuStart);
}

/** The result of a load loop from its latencies, start time and CPU usage at the start. */
function summarize(latencies: number[], started: number, cpuStart: NodeJS.CpuUsage): LoadResult {
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const ops = latencies.length;
  return {
    ops,
    seconds,
    opsPerSecond: ops / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    clientCpuUsPerOp: ops === 0 ? 0 : (cpu.user + cpu.system) / ops,
  };
}
