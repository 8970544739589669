/**
 * Durable commits without blocking the event loop. Namespace databases run WAL with
 * `synchronous=NORMAL`, so a commit writes its frames to the WAL without an fsync; before any
 * write or import batch is acknowledged, `WalSync.sync()` runs `fdatasync` on the WAL file in
 * libuv's thread pool. Once it resolves the commit is on disk: the same guarantee as
 * `synchronous=FULL`, which fsyncs inside the commit and would stall every request meanwhile.
 *
 * Group commit (write.ts) keeps one group per namespace in flight, so syncs of one file overlap
 * only when an import batch and a write group meet; each sync starts right away (concurrent syncs
 * of one file share the file system's journal commit).
 */
import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export class WalSync {
  readonly #wal: string;
  #fd: number | null = null;

  /** @param databaseFile The database whose `<file>-wal` is synced. */
  constructor(databaseFile: string) {
    this.#wal = `${databaseFile}-wal`;
  }

  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void> {
    const fd = this.#open();
    return new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  /** Closes the WAL file descriptor. */
  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  #open(): number {
    if (this.#fd === null) {
      this.#fd = openSync(this.#wal, 'r');
      // The WAL's directory entry must be durable too (once, when the file is first used).
      const dir = openSync(dirname(this.#wal), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    }
    return this.#fd;
  }
}
