/**
 * `npm run bench -- window [--window-events N]`: a one-day time window (category.get `since`/`until`,
 * issue 12) out of N events (default 1,000,000) spread over 100 days, against reading the whole
 * selection, through a real server on SQLite. Both reads page with `category.get` (batchSize
 * 10,000) until an empty page, as a client does. Times are shuffled by up to ±1 hour around their
 * place, so time and global position do not agree (imported data). Goal: under 10 %.
 */
import { request } from 'node:http';
import { createHttpPoster } from './http-client.js';
import { makeTempDir } from './cleanup.js';
import { startServer } from './server.js';
import { formatMs, formatRatio, type GoalCheck, type Table } from './table.js';
import { formatTime } from '../src/store/time.js';

const DAYS = 100;
const DAY_MICROS = 86_400_000_000;
const START = Date.UTC(2025, 0, 1) * 1000;
const CATEGORIES = ['order', 'payment', 'shipment', 'customer', 'inventory'] as const;
const PAGE = 10_000;

/** One NDJSON line per event; the category cycles, one stream per category and 1000 slots. */
function* lines(events: number): Generator<string> {
  const positions = new Map<string, number>();
  let chunk = '';
  for (let gpos = 1; gpos <= events; gpos++) {
    const stream = `${CATEGORIES[gpos % CATEGORIES.length]}-${gpos % 1000}`;
    const pos = positions.get(stream) ?? 0;
    positions.set(stream, pos + 1);
    const jitter = (((gpos * 2_654_435_761) % 7_200_001) - 3_600_000) * 1000;
    const time = START + Math.floor(((gpos - 1) * DAYS * DAY_MICROS) / events) + jitter;
    const id = `00000000-0000-4000-8000-${gpos.toString(16).padStart(12, '0')}`;
    const data = `{"n":${gpos},"note":"window bench ${stream}"}`;
    chunk += `{"id":"${id}","stream":"${stream}","type":"T","pos":${pos},"gpos":${gpos},"data":${data},"meta":null,"time":"${formatTime(time)}"}\n`;
    if (gpos % 5000 === 0 || gpos === events) {
      yield chunk;
      chunk = '';
    }
  }
}

/** Streams the events into `/import`; resolves when the server reports done. */
function importEvents(url: string, token: string, events: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/import', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text = (text + c).slice(-2000)));
      res.on('end', () => (text.includes('"done":true') ? resolve() : reject(new Error(text))));
    });
    const source = lines(events);
    const pump = (): void => {
      for (let next = source.next(); next.done !== true; next = source.next()) {
        if (!req.write(next.value)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** Pages a category.get read to the end; resolves with [rows, ms]. */
async function readAll(
  url: string,
  token: string,
  category: string,
  window: object,
): Promise<[number, number]> {
  const poster = createHttpPoster(url, token, 1);
  const started = performance.now();
  let rows = 0;
  for (let globalPosition = 1; ;) {
    const text = await poster.post(
      JSON.stringify(['category.get', category, { ...window, globalPosition, batchSize: PAGE }]),
    );
    const page = JSON.parse(text) as unknown[][];
    const last = page.at(-1);
    if (last === undefined) break;
    rows += page.length;
    globalPosition = Number(last[4]) + 1;
  }
  poster.close();
  return [rows, performance.now() - started];
}

export async function runWindowBench(options: {
  events: number;
}): Promise<{ tables: Table[]; goals: GoalCheck[] }> {
  const dir = await makeTempDir('window');
  const server = await startServer(dir);
  const importStarted = performance.now();
  await importEvents(server.url, server.token, options.events);
  const importMs = performance.now() - importStarted;
  const day = 50;
  const since = formatTime(START + day * DAY_MICROS);
  const until = formatTime(START + (day + 1) * DAY_MICROS);
  const rows: string[][] = [];
  const goals: GoalCheck[] = [];
  for (const category of ['', 'order']) {
    // Warm both once (the page cache), then measure.
    await readAll(server.url, server.token, category, { since, until });
    const [wholeRows, wholeMs] = await readAll(server.url, server.token, category, {});
    const [windowRows, windowMs] = await readAll(server.url, server.token, category, { since, until });
    const ratio = windowMs / wholeMs;
    const label = category === '' ? "'' (all)" : category;
    rows.push([
      label,
      String(wholeRows),
      formatMs(wholeMs),
      String(windowRows),
      formatMs(windowMs),
      formatRatio(ratio),
    ]);
    goals.push({
      goal: `one-day window of ${label} < 10 % of the whole read`,
      measured: `${(ratio * 100).toFixed(2)} %`,
      isMet: ratio < 0.1,
    });
  }
  await server.stop();
  return {
    tables: [
      {
        title: `Time window (SQLite, ${options.events.toLocaleString('en-US')} events over ${DAYS} days, imported in ${(importMs / 1000).toFixed(1)} s)`,
        header: ['category', 'whole rows', 'whole ms', 'window rows', 'window ms', 'window / whole'],
        rows,
      },
    ],
    goals,
  };
}
