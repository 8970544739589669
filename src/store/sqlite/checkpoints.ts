/**
 * WAL checkpoints off the event loop.
 *
 * SQLite's automatic checkpoint runs inside a commit, every 1000 WAL pages: it copies pages into
 * the database file and fsyncs it on the committing thread, which here is the event loop. Namespace
 * connections therefore run with `wal_autocheckpoint=0`, and after commits `WalCheckpoints` asks a
 * worker thread (checkpoint-worker.ts, one per store) to run a PASSIVE checkpoint on its own
 * connection, at most one at a time per file and at most every `CHECKPOINT_INTERVAL_MS`.
 *
 * A PASSIVE checkpoint never blocks the writer, so under steady writes the WAL may never be fully
 * copied at the moment a write begins, which is when SQLite rewinds it to its start. When a
 * checkpoint reports a WAL above `REWIND_FRAMES`, the next one is gated: writes wait (they queue and
 * then commit as one group) until it has copied everything, so the next commit rewinds the WAL.
 *
 * If the thread fails, checkpoints fall back to running on the serving connection: slower, never
 * skipped. Durability does not depend on any of this: commits are durable in the WAL.
 */
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

/** Minimum time between two checkpoints of one file. */
export const CHECKPOINT_INTERVAL_MS = 50;
/** WAL size (pages) above which writes pause for a checkpoint that lets the WAL rewind. */
export const REWIND_FRAMES = 4096;

export type CheckpointRequest =
  | { id: number; op: 'checkpoint' | 'forget'; file: string }
  /** Close every connection and end the thread (no reply). */
  | { id: 0; op: 'stop' };
export type CheckpointReply =
  | { id: number; ok: true; walFrames: number; checkpointed: number }
  | { id: number; ok: false; error: string };
export interface CheckpointResult {
  /** Pages in the WAL when the checkpoint ran. */
  walFrames: number;
  /** Of those, pages now copied into the database file. */
  checkpointed: number;
}

/** Runs `PRAGMA wal_checkpoint(PASSIVE)` on `db` (the thread's connection, or the fallback). */
export function passiveCheckpoint(db: Database): CheckpointResult {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
  return { walFrames: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0 };
}

/** A thread idle this long stops (its ~11 MiB are returned) and starts again on the next request. */
export const IDLE_STOP_MS = 2000;
/** How long `close()` waits for the thread to close its connections before terminating it. */
const STOP_TIMEOUT_MS = 5000;

/** The worker thread that runs checkpoints; started on first use, stopped when idle. */
export class CheckpointThread {
  #worker: Worker | null = null;
  #failed: Error | null = null;
  #nextId = 1;
  #idleTimer: NodeJS.Timeout | undefined;
  readonly #idleStopMs: number;

  readonly #waiting = new Map<
    number,
    { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }
  >();

  constructor(options: { idleStopMs?: number } = {}) {
    this.#idleStopMs = options.idleStopMs ?? IDLE_STOP_MS;
  }

  /** Runs a PASSIVE checkpoint of `file` on the thread. */
  checkpoint(file: string): Promise<CheckpointResult> {
    return this.#send('checkpoint', file);
  }

  /** Closes the thread's connection to `file` (before the file is removed). */
  async forget(file: string): Promise<void> {
    if (this.#worker === null) return;
    await this.#send('forget', file).catch(() => undefined);
  }

  /** True while the thread is running. */
  get isRunning(): boolean {
    return this.#worker !== null;
  }

  /** Stops the thread after it has closed its connections; later requests are refused. */
  async close(): Promise<void> {
    this.#failed = new Error('checkpoint thread closed');
    clearTimeout(this.#idleTimer);
    const worker = this.#detach();
    if (worker === null) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    const force = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
    worker.postMessage({ id: 0, op: 'stop' } satisfies CheckpointRequest);
    worker.ref();
    await exited;
    clearTimeout(force);
  }

  #send(op: 'checkpoint' | 'forget', file: string): Promise<CheckpointResult> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    clearTimeout(this.#idleTimer);
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, op, file } satisfies CheckpointRequest);
      worker.ref();
    });
  }

  /** Forgets the running thread (its exit is then expected) and returns it. */
  #detach(): Worker | null {
    const worker = this.#worker;
    this.#worker = null;
    worker
      ?.removeAllListeners('exit')
      .removeAllListeners('error')
      .on('error', () => undefined);
    return worker;
  }

  #stopWhenIdle(worker: Worker): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#worker !== worker || this.#waiting.size > 0) return;
      this.#detach();
      worker.postMessage({ id: 0, op: 'stop' } satisfies CheckpointRequest);
    }, this.#idleStopMs);
    this.#idleTimer.unref();
  }

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = startWorker(new URL(`./checkpoint-worker${extension()}`, import.meta.url));
    worker.on('message', (reply: CheckpointReply) => {
      const waiter = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if (this.#waiting.size === 0) {
        worker.unref();
        this.#stopWhenIdle(worker);
      }
      if (reply.ok) waiter?.resolve({ walFrames: reply.walFrames, checkpointed: reply.checkpointed });
      else waiter?.reject(new Error(reply.error));
    });
    const fail = (err: Error) => {
      this.#failed = err;
      this.#worker = null;
      for (const waiter of this.#waiting.values()) waiter.reject(err);
      this.#waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`checkpoint thread exited with code ${code}`)));
    worker.unref();
    this.#worker = worker;
    return worker;
  }
}

/** `.ts` when running from source (tests), `.js` from dist. */
function extension(): string {
  return import.meta.url.endsWith('.ts') ? '.ts' : '.js';
}

function startWorker(url: URL): Worker {
  // Checkpoints need little memory: a small heap keeps the server's footprint down.
  const resourceLimits = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 };
  if (url.pathname.endsWith('.js')) return new Worker(url, { resourceLimits });
  // From source (vitest, tsx): load the TypeScript worker through tsx, a dev dependency.
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(code, { eval: true });
}

/** Schedules the checkpoints of one namespace database (see the file comment). */
export class WalCheckpoints {
  readonly #file: string;
  readonly #db: Database;
  readonly #thread: CheckpointThread;
  #running: Promise<void> | null = null;
  #gate: Promise<void> | null = null;
  #lastEnded = 0;
  #rewindNext = false;
  #released = false;

  constructor(file: string, db: Database, thread: CheckpointThread) {
    this.#file = file;
    this.#db = db;
    this.#thread = thread;
    db.pragma('wal_autocheckpoint = 0');
  }

  /** Call after each commit: starts a checkpoint when one is due. */
  afterCommit(): void {
    if (
      this.#released ||
      this.#running !== null ||
      performance.now() - this.#lastEnded < CHECKPOINT_INTERVAL_MS
    )
      return;
    const gated = this.#rewindNext;
    this.#rewindNext = false;
    const run = this.#run(gated).finally(() => {
      this.#running = null;
      if (gated) this.#gate = null;
      this.#lastEnded = performance.now();
    });
    this.#running = run;
    if (gated) this.#gate = run;
  }

  /** Await before a write transaction when not null: a gated checkpoint is running. */
  beforeWrite(): Promise<void> | null {
    return this.#gate;
  }

  /** Waits for a running checkpoint, then makes the thread let go of the file. */
  async release(): Promise<void> {
    this.#released = true;
    await this.#running;
    await this.#thread.forget(this.#file);
  }

  async #run(gated: boolean): Promise<void> {
    let result: CheckpointResult;
    try {
      result = await this.#thread.checkpoint(this.#file);
    } catch {
      if (!this.#db.open) return;
      result = passiveCheckpoint(this.#db);
    }
    // After a gated run the next commit rewinds the WAL; its size says nothing yet.
    if (!gated && result.walFrames > REWIND_FRAMES) this.#rewindNext = true;
  }
}
