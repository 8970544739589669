/**
 * Profiling aid (not part of `npm run bench`): a fresh server, `n` subscribers on one category
 * (no backlog), then `ms` of 16 writers on that category. Run with
 * `BENCH_SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR" node --import tsx bench/profile-fanout.ts [n] [ms] [serve args...]`
 * so the server's profile covers the fan-out write load and nothing else.
 */
import { makeTempDir, runCleanup } from './cleanup.js';
import { runLoad } from './load.js';
import { createRawPoster } from './raw-http.js';
import { readCpuMs } from './rss.js';
import { startServer } from './server.js';
import { openSubscriberPool } from './subscriber-pool.js';

const n = Number(process.argv[2] ?? 100);
const ms = Number(process.argv[3] ?? 8000);
const server = await startServer(await makeTempDir('profile-fanout'), process.argv.slice(4));
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
    op: (c) => poster.post(body(c), c),
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
