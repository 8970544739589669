/** Runs the store conformance suite against the SQLite backend on files in a temporary directory. */
import { join } from 'node:path';
import { runFileStoreConformance } from './file-store.js';

runFileStoreConformance(
  'sqlite',
  { persistent: true, sharedStorage: false, jsonFidelity: 'text' },
  (dir) => `sqlite://${join(dir, 'eventodb.db')}`,
);
