/** The SQLite store's files are private: directories 0700, database files (and -wal, -shm) 0600. */
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('SQLite file modes', () => {
  const dirs: string[] = [];
  let umask: number | undefined;
  afterEach(async () => {
    if (umask !== undefined) process.umask(umask);
    umask = undefined;
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('creates the data directory 0700 and every database file 0600, whatever the umask', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'evt-modes-'));
    dirs.push(parent);
    // A permissive umask must not widen what the store creates.
    umask = process.umask(0);
    const dataDir = join(parent, 'data');
    const store = await openStore(`sqlite://${join(dataDir, 'eventodb.db')}`);
    try {
      await store.createNamespace('orders', 'a'.repeat(64));
      await store.writeMessage('orders', 'order-1', { type: 'Placed', data: {} });
      expect(modeOf(dataDir)).toBe(0o700);
      expect(modeOf(join(dataDir, 'namespaces'))).toBe(0o700);
      const files = [
        ...readdirSync(dataDir)
          .filter((f) => f !== 'namespaces')
          .map((f) => join(dataDir, f)),
        ...readdirSync(join(dataDir, 'namespaces')).map((f) => join(dataDir, 'namespaces', f)),
      ];
      // The metadata and the namespace database, each with its -wal and -shm.
      expect(files.filter((f) => /\.db-(wal|shm)$/.test(f))).toHaveLength(4);
      for (const file of files) expect([file, modeOf(file)]).toEqual([file, 0o600]);
    } finally {
      await store.close();
    }
  });
});
