/** Runs the store conformance suite against the PostgreSQL backend: one database for this file. */
import { afterAll, beforeAll } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { createTestDatabase, dropTestDatabase, resetDatabase } from '../pg-helpers.js';
import { runStoreConformance } from './suite.js';

let url = '';

beforeAll(async () => {
  url = await createTestDatabase();
});

afterAll(async () => {
  if (url !== '') await dropTestDatabase(url);
});

runStoreConformance({
  name: 'postgres',
  supports: { persistent: true, sharedStorage: true, jsonFidelity: 'text' },
  factory: async () => {
    await resetDatabase(url);
    return openStore(url);
  },
  reopen: async (store) => {
    await store.close();
    return openStore(url);
  },
  // Another server process on the same database: its own pool, group writers and LISTEN connection.
  openPeer: async () => openStore(url),
});
