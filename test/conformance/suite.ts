/**
 * The store conformance suite: one set of tests every backend runs through the `EventStore`
 * façade. A runner (`<backend>.test.ts`) calls `runStoreConformance` with a factory that returns
 * a fresh, isolated store per call; tests branch on `supports`, never on a backend's name.
 */
import { describe } from 'vitest';
import type { EventStore } from '../../src/store/event-store.js';
import type { StoreCapabilities } from '../../src/store/store.js';
import { commitsConformance } from './commits.js';
import { concurrencyConformance } from './concurrency.js';
import { importBatchConformance } from './import-batch.js';
import { importSkipConformance } from './import-skip.js';
import { incarnationsConformance } from './incarnations.js';
import { lastVersionConformance } from './last-version.js';
import { listingConformance } from './listing.js';
import { namespacesConformance } from './namespaces.js';
import { positionsConformance } from './positions.js';
import { readCategoryConformance } from './read-category.js';
import { readGlobalPositionsConformance } from './read-global-positions.js';
import { readSizeConformance } from './read-size.js';
import { readStreamConformance } from './read-stream.js';
import { streamOrderConformance } from './stream-order.js';
import { timeWindowConformance } from './time-window.js';
import { writeConformance } from './write.js';

export interface ConformanceOptions {
  /** The backend's label in test output. */
  name: string;
  /** What the backend declares; must equal the opened store's `supports`. */
  supports: StoreCapabilities;
  /** A fresh, isolated, empty store on every call. */
  factory: () => Promise<EventStore>;
  /** Closes `store` and opens the same storage again; required when `supports.persistent`. */
  reopen?: (store: EventStore) => Promise<EventStore>;
  /**
   * Opens a second store on the same storage, as another server process would; required when
   * `supports.sharedStorage`. The suite closes it.
   */
  openPeer?: (store: EventStore) => Promise<EventStore>;
}

/** Registers the whole suite for one backend. */
export function runStoreConformance(opts: ConformanceOptions): void {
  describe(`store conformance: ${opts.name}`, () => {
    describe('write', () => writeConformance(opts));
    describe('read stream', () => readStreamConformance(opts));
    describe('read category', () => readCategoryConformance(opts));
    describe('time window', () => timeWindowConformance(opts));
    describe('read global positions', () => readGlobalPositionsConformance(opts));
    describe('size-bounded reads', () => readSizeConformance(opts));
    describe('last message and version', () => lastVersionConformance(opts));
    describe('namespaces', () => namespacesConformance(opts));
    describe('listing', () => listingConformance(opts));
    describe('import batch', () => importBatchConformance(opts));
    describe('import skipping what exists', () => importSkipConformance(opts));
    describe('stream order on import', () => streamOrderConformance(opts));
    describe('commit events', () => commitsConformance(opts));
    describe('concurrency', () => concurrencyConformance(opts));
    describe('namespace incarnations', () => incarnationsConformance(opts));
    describe('positions near 2^53', () => positionsConformance(opts));
  });
}
