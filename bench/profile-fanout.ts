/**
 * Profiling aid (not part of `npm run bench`): a fresh server, `n` subscribers on one category
 * (no backlog), then `ms` of 16 writers on that category, as fast as they go or paced to `rate`
 * writes/s in total (0: unpaced). Prints writes/s, pokes and the server's CPU per write. Run with
 * `BENCH_SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR" node --import tsx bench/profile-fanout.ts [n] [ms] [rate] [serve args...]`
 * so the server's profile covers the fan-out write load and nothing else. Paced runs compare
 * builds (`BENCH_EVENTODB_BIN`) on a loaded machine: at the same write rate the group commits
 * have the same shape, and server CPU time per write does not depend on the other processes.
 */
import { makeTempDir, runCleanup } from './cleanup.js';
import { runLoad } from './load.js';
import { createRawPoster } from './raw-http.js';
import { readCpuMs } from './rss.js';
import { startServer } from './server.js';
import { openSubscriberPool } from './subscriber-pool.js';

const n = Number(process.argv[2] ?? 100);
const ms = Number(process.argv[3] ?? 8000);
const rate = Number(process.argv[4] ?? 0);
const server = await startServer(await makeTempDir('profile-fanout'), process.argv.slice(5));
/** Each client's next write time, when paced. */
const due = new Array<number>(16).fill(performance.now());
const pace = async (c: number): Promise<void> => {
  if (rate <= 0) return;
  due[c] = Math.max((due[c] ?? 0) + (16 * 1000) / rate, performance.now());
  const wait = (due[c] ?? 0) - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
};
try {
  const pool = await openSubscriberPool(
    server.url,
    server.token,
    Array.from({ length: n }, () => '/subscribe?category=sub'),
  );
  const poster = createRawPoster(server.url, server.token, 16);
  const body = (c: number): string =>
    JSON.stringify(['stream.write', `sub-${c}`, { type: 'T', data: { note: 'profile payload' } }]);
  const cpu = readCpuMs(server.pid) ?? 0;
  const result = await runLoad({
    clients: 16,
    maxOps: 100_000_000,
    maxMs: ms,
    op: async (c) => {
      await poster.post(body(c), c);
      await pace(c);
    },
  });
  const cpuUs = ((readCpuMs(server.pid) ?? 0) - cpu) * 1000;
  poster.close();
  const { pokes } = await pool.close();
  console.log(
    `${result.opsPerSecond.toFixed(0)} writes/s, ${pokes} pokes, server ${(cpuUs / result.ops).toFixed(0)} µs CPU/write`,
  );
} finally {
  await server.stop();
  await runCleanup();
}
