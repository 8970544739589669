/** Runs the store conformance suite against the LMDB key-value backend in a temporary directory. */
import { join } from 'node:path';
import { runFileStoreConformance } from './file-store.js';

runFileStoreConformance(
  'kv',
  { persistent: true, sharedStorage: false, jsonFidelity: 'text' },
  (dir) => `lmdb://${join(dir, 'kv')}`,
);
