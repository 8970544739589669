/** Shared plumbing for the conformance feature files: store lifecycle, fixtures, comparisons. */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect } from 'vitest';
import { EventoError } from '../../src/errors.js';
import type { EventStore, JsonObject, NamespaceTarget } from '../../src/store/event-store.js';
import type { StoredMessage, WriteResult } from '../../src/store/store.js';
import type { ConformanceOptions } from './suite.js';

/** Token hash used for every namespace the suite creates. */
export const TOKEN_HASH = 'a'.repeat(64);

/** A fixed time with a non-zero microsecond part: 2025-07-15T10:00:00.123456Z. */
export const BASE_TIME = 1_752_573_600_123_456;

export interface StoreHandle {
  /** The store of the running test. */
  readonly store: EventStore;
  /** Closes the store and opens the same storage again (only when the runner gives `reopen`). */
  reopen(): Promise<void>;
  /** A second store on the same storage (only when the runner gives `openPeer`); closed after the test. */
  openPeer(): Promise<EventStore>;
}

/** A fresh store per test from the runner's factory, closed after each test. */
export function useStore(opts: ConformanceOptions): StoreHandle {
  let current: EventStore | undefined;
  const peers: EventStore[] = [];
  beforeEach(async () => {
    current = await opts.factory();
  });
  afterEach(async () => {
    const store = current;
    current = undefined;
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
    await store?.close();
  });
  return {
    get store(): EventStore {
      if (current === undefined) throw new Error('no store open: use the handle inside a test');
      return current;
    },
    async reopen(): Promise<void> {
      const { reopen } = opts;
      if (reopen === undefined || current === undefined) throw new Error('this runner cannot reopen');
      const old = current;
      current = undefined;
      current = await reopen(old);
    },
    async openPeer(): Promise<EventStore> {
      const { openPeer } = opts;
      if (openPeer === undefined || current === undefined) throw new Error('this runner cannot open a peer');
      const peer = await openPeer(current);
      peers.push(peer);
      return peer;
    },
  };
}

/** Creates a namespace in the store and returns its id. */
export async function createNamespace(store: EventStore, id = 'test'): Promise<string> {
  await store.createNamespace(id, TOKEN_HASH);
  return id;
}

/** Writes `count` messages to one stream, one after another; returns the write results. */
export async function writeSequential(
  store: EventStore,
  ns: NamespaceTarget,
  stream: string,
  count: number,
  data: (i: number) => JsonObject = (i) => ({ i }),
): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  for (let i = 0; i < count; i++)
    results.push(await store.writeMessage(ns, stream, { type: 'Tick', data: data(i) }));
  return results;
}

/** Writes `count` messages spread round-robin over `streams`, `concurrency` writes at a time. */
export async function writeSpread(
  store: EventStore,
  ns: NamespaceTarget,
  streams: readonly string[],
  count: number,
  concurrency = 100,
): Promise<void> {
  for (let start = 0; start < count; start += concurrency) {
    const end = Math.min(count, start + concurrency);
    const writes: Promise<WriteResult>[] = [];
    for (let i = start; i < end; i++) {
      const stream = streams[i % streams.length] ?? 'none-0';
      writes.push(store.writeMessage(ns, stream, { type: 'Tick', data: { i } }));
    }
    await Promise.all(writes);
  }
}

/** A record for `importBatch`; JSON fields default to small objects, time to BASE_TIME + gpos (mod 10^9). */
export function record(
  fields: Pick<StoredMessage, 'streamName' | 'position' | 'globalPosition'> & Partial<StoredMessage>,
): StoredMessage {
  return {
    id: randomUUID(),
    type: 'Imported',
    data: JSON.stringify({ gpos: fields.globalPosition }),
    metadata: null,
    time: BASE_TIME + (fields.globalPosition % 1_000_000_000),
    ...fields,
  };
}

/** A JSON value with object keys sorted at every depth. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** JSON text in canonical form (parsed, keys sorted), so backends that reorder keys compare equal. */
export function canonicalJson(text: string | null): string | null {
  return text === null ? null : JSON.stringify(sortKeys(JSON.parse(text)));
}

/** A stored message with its JSON fields in canonical form. */
export function canonical(message: StoredMessage): StoredMessage {
  return { ...message, data: canonicalJson(message.data) ?? '', metadata: canonicalJson(message.metadata) };
}

/** The error a promise rejects with, checked to be an instance of `type` (an EventoError by default). */
export async function rejectionOf<E extends EventoError = EventoError>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E = EventoError as unknown as abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as E;
  }
  throw new Error('expected the operation to be rejected, but it succeeded');
}

/** Global positions of a list of messages. */
export const gposOf = (messages: readonly StoredMessage[]): number[] => messages.map((m) => m.globalPosition);

/** Stream positions of a list of messages. */
export const positionsOf = (messages: readonly StoredMessage[]): number[] => messages.map((m) => m.position);

/** True when the numbers strictly increase. */
export const isStrictlyIncreasing = (values: readonly number[]): boolean =>
  values.every((v, i) => i === 0 || v > (values[i - 1] ?? Number.NaN));

/** `[0, 1, ..., n-1]`. */
export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
