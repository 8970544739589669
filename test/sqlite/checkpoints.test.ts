/**
 * WAL checkpoints off the event loop (src/store/sqlite/checkpoints.ts): the worker thread really
 * checkpoints, a failure is reported rather than fatal, the WAL stays bounded under sustained
 * writes, and deleting a namespace while its checkpoints run never touches a namespace created
 * again under the same id.
 */
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CheckpointThread, REWIND_FRAMES } from '../../src/store/sqlite/checkpoints.js';
import { openStore } from '../../src/store/open-store.js';
import { storageName } from '../../src/store/sqlite/schema.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'evt-ckpt-'));
  dirs.push(dir);
  return dir;
}
/** A WAL database with one table whose checkpoints are left to the test. */
function walDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (v TEXT)');
  return db;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('CheckpointThread', () => {
  it('copies the WAL into the database file on its own connection', async () => {
    const file = join(await tempDir(), 'x.db');
    const db = walDatabase(file);
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 200; i++) insert.run('x'.repeat(500));
    const before = statSync(file).size;

    const thread = new CheckpointThread();
    try {
      const result = await thread.checkpoint(file);
      expect(result.walFrames).toBeGreaterThan(0);
      expect(result.checkpointed).toBe(result.walFrames);
      expect(statSync(file).size).toBeGreaterThan(before);
      await thread.forget(file);
    } finally {
      await thread.close();
      db.close();
    }
  });

  it('reports a failure for one file and keeps serving others', async () => {
    const dir = await tempDir();
    const file = join(dir, 'ok.db');
    const db = walDatabase(file);
    const thread = new CheckpointThread();
    try {
      await expect(thread.checkpoint(join(dir, 'missing.db'))).rejects.toThrow();
      db.prepare('INSERT INTO t VALUES (?)').run('after the failure');
      const result = await thread.checkpoint(file);
      expect(result.walFrames).toBeGreaterThan(0);
      expect(result.checkpointed).toBe(result.walFrames);
    } finally {
      await thread.close();
      db.close();
    }
  });

  it('runs from the build too (the worker file bin/eventodb loads)', async () => {
    const builtModule = '../../dist/store/sqlite/checkpoints.js'; // built by global-setup.ts
    const built = (await import(builtModule)) as {
      CheckpointThread: typeof CheckpointThread;
    };
    const file = join(await tempDir(), 'x.db');
    const db = walDatabase(file);
    const thread = new built.CheckpointThread();
    try {
      db.prepare('INSERT INTO t VALUES (?)').run('through the build');
      const result = await thread.checkpoint(file);
      expect(result.walFrames).toBeGreaterThan(0);
      expect(result.checkpointed).toBe(result.walFrames);
    } finally {
      await thread.close();
      db.close();
    }
  });

  it('stops when idle and starts again on the next request', async () => {
    const file = join(await tempDir(), 'x.db');
    const db = walDatabase(file);
    const thread = new CheckpointThread({ idleStopMs: 50 });
    try {
      await thread.checkpoint(file);
      expect(thread.isRunning).toBe(true);
      await vi.waitFor(() => expect(thread.isRunning).toBe(false), { timeout: 5000 });
      db.prepare('INSERT INTO t VALUES (?)').run('after the restart');
      const again = await thread.checkpoint(file);
      expect(thread.isRunning).toBe(true);
      expect(again.checkpointed).toBe(again.walFrames);
    } finally {
      await thread.close();
      db.close();
    }
  });

  it('refuses work after close', async () => {
    const thread = new CheckpointThread();
    await thread.close();
    await expect(thread.checkpoint('/nonexistent.db')).rejects.toThrow(/closed/);
  });
});

describe('SQLite backend checkpoints', () => {
  const walBytes = (dir: string) =>
    readdirSync(join(dir, 'namespaces'))
      .filter((f) => f.endsWith('-wal'))
      .reduce((sum, f) => sum + statSync(join(dir, 'namespaces', f)).size, 0);

  it('keeps the WAL bounded and the data intact under sustained writes', async () => {
    const dir = await tempDir();
    const store = await openStore(`sqlite://${join(dir, 'eventodb.db')}`);
    try {
      await store.createNamespace('default', 'hash');
      const data = { payload: 'x'.repeat(400) };
      const rounds = 1200;
      for (let round = 0; round < rounds; round++) {
        await Promise.all(
          Array.from({ length: 8 }, (_, c) =>
            store.writeMessage('default', `account-${c}`, { type: 'Deposited', data }),
          ),
        );
      }
      // Far more WAL pages were written than REWIND_FRAMES; the WAL was rewound, not grown.
      expect(walBytes(dir)).toBeLessThan(3 * REWIND_FRAMES * 4096);
      expect(await store.streamVersion('default', 'account-7')).toBe(rounds - 1);
    } finally {
      await store.close();
    }
    const reopened = await openStore(`sqlite://${join(dir, 'eventodb.db')}`);
    try {
      expect(await reopened.streamVersion('default', 'account-0')).toBe(1199);
    } finally {
      await reopened.close();
    }
  });

  it('deletes a namespace while it is being checkpointed without touching its successor', async () => {
    const dir = await tempDir();
    const store = await openStore(`sqlite://${join(dir, 'eventodb.db')}`);
    try {
      for (let round = 0; round < 5; round++) {
        await store.createNamespace('scratch', 'hash');
        const writes = Array.from({ length: 50 }, (_, i) =>
          store.writeMessage('scratch', `item-${i % 5}`, { type: 'Added', data: { i } }),
        );
        await Promise.all(writes);
        const deleting = store.deleteNamespace('scratch');
        // A create racing the delete either loses (the namespace still exists) or waits until
        // the old file is gone and starts empty; it never ends up sharing the old file.
        const racing = await store.createNamespace('scratch', 'hash').then(
          () => 'created',
          (err: unknown) => (err as { code?: string }).code,
        );
        expect(await deleting).toEqual({ messagesDeleted: 50 });
        if (racing !== 'created') {
          expect(racing).toBe('NAMESPACE_EXISTS');
          await store.createNamespace('scratch', 'hash');
        }
        expect(await store.streamVersion('scratch', 'item-0')).toBeNull();
        await store.writeMessage('scratch', 'item-0', { type: 'Added', data: { round } });
        expect(await store.streamVersion('scratch', 'item-0')).toBe(0);
        await store.deleteNamespace('scratch');
      }
    } finally {
      await store.close();
    }
    expect(readdirSync(join(dir, 'namespaces')).filter((f) => f.startsWith(storageName('scratch')))).toEqual(
      [],
    );
  });
});
