/**
 * Several server processes on one database: two child processes (each with its own store, pool
 * and group writer) write concurrently to shared streams while this process pages through the
 * whole namespace. Every stream must be gapless, optimistic `expectedVersion` updates exact, and
 * the paging reader must have seen every message (none committed behind its position).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { createTestDatabase, dropTestDatabase } from '../pg-helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRITERS = 8;
const WRITES = 40;
const STREAMS = 5;
const INCREMENTS = 5;

/** The child: plain appends to shared streams plus read-then-write increments of one counter. */
const CHILD = `
const { openStore } = await import(${JSON.stringify(`${ROOT}dist/store/open-store.js`)});
const [url, tag] = process.argv.slice(1);
const store = await openStore(url);
const wins = [];
await Promise.all(Array.from({ length: ${WRITERS} }, async (_, w) => {
  for (let i = 0; i < ${WRITES}; i++) {
    await store.writeMessage('shared', 'acct-' + ((w + i) % ${STREAMS}), { type: 'T', data: { tag, w, i } });
  }
  for (let done = 0; done < ${INCREMENTS}; ) {
    const version = (await store.streamVersion('shared', 'counter-1')) ?? -1;
    try {
      const r = await store.writeMessage('shared', 'counter-1', { type: 'Inc', data: { tag, w } }, { expectedVersion: version });
      wins.push(r.position);
      done++;
    } catch (err) {
      if (err.code !== 'STREAM_VERSION_CONFLICT') throw err;
    }
  }
}));
await store.close();
process.stdout.write(JSON.stringify(wins));
`;

function runChild(url: string, tag: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, url, tag], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as number[]);
      else reject(new Error(`writer ${tag} exited with ${code}: ${err}`));
    });
  });
}

let url = '';
let store: EventStore | undefined;

beforeAll(async () => {
  url = await createTestDatabase();
  store = await openStore(url);
  await store.createNamespace('shared', 'a'.repeat(64));
});

afterAll(async () => {
  await store?.close();
  if (url !== '') await dropTestDatabase(url);
});

it('keeps streams gapless, expectedVersion exact and a paging reader complete across two processes', async () => {
  if (store === undefined) throw new Error('no store');
  const s = store;
  const total = 2 * WRITERS * (WRITES + INCREMENTS);
  const seen: number[] = [];
  let writing = true;
  const reader = (async () => {
    let from = 1;
    for (;;) {
      const page = await s.getCategory('shared', '', { position: from, batchSize: 50 });
      for (const m of page) seen.push(m.globalPosition);
      if (page.length > 0) from = (page.at(-1)?.globalPosition ?? 0) + 1;
      else if (!writing) return;
    }
  })();
  const wins = await Promise.all([runChild(url, 'a'), runChild(url, 'b')]);
  writing = false;
  await reader;

  const all = await s.getCategory('shared', '', { batchSize: -1 });
  expect(all).toHaveLength(total);
  expect(seen).toEqual(all.map((m) => m.globalPosition));
  for (let k = 0; k < STREAMS; k++) {
    const stream = await s.getStream('shared', `acct-${k}`, { batchSize: -1 });
    expect(stream.map((m) => m.position)).toEqual(stream.map((_, i) => i));
  }
  const counter = await s.getStream('shared', 'counter-1', { batchSize: -1 });
  expect(counter.map((m) => m.position)).toEqual(counter.map((_, i) => i));
  expect(counter).toHaveLength(2 * WRITERS * INCREMENTS);
  expect(wins.flat().sort((a, b) => a - b)).toEqual(counter.map((m) => m.position));
});
