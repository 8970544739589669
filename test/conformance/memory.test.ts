/** Runs the store conformance suite against the in-memory store (test mode). */
import { openStore } from '../../src/store/open-store.js';
import { runStoreConformance } from './suite.js';

runStoreConformance({
  name: 'memory',
  supports: { persistent: false, sharedStorage: false, jsonFidelity: 'text' },
  factory: () => openStore('memory:'),
});
