/**
 * Group commit shared by the backends: the writes that arrive while one group of a namespace is
 * being committed form the next group, so they share one transaction (one fsync, one WAL flush)
 * while each caller keeps its own outcome. The backend supplies the function that commits a group.
 */
import type { NewMessage, WriteResult } from './store.js';

/** An append's outcome: its positions, or the error it alone failed with. */
export type AppendOutcome = WriteResult | Error;

interface Pending {
  message: NewMessage;
  resolve: (result: WriteResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Hands queued writes to `commit` as one group, `concurrency` groups at a time (one unless the
 * backend orders concurrent groups itself): a group starts on the event-loop turn after its first
 * write, or once a group in flight is durable if that is later. Each caller gets its own outcome.
 */
export class GroupWriter {
  readonly #commit: (messages: NewMessage[]) => Promise<AppendOutcome[]>;
  readonly #concurrency: number;
  #pending: Pending[] = [];
  #scheduled = false;
  readonly #inFlight = new Set<Promise<void>>();
  #idle: Promise<void> = Promise.resolve();

  constructor(commit: (messages: NewMessage[]) => Promise<AppendOutcome[]>, concurrency = 1) {
    this.#commit = commit;
    this.#concurrency = concurrency;
  }

  /** Queues a write; resolves once its group has committed. */
  write(message: NewMessage): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ message, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves when every queued write has been committed. */
  async drained(): Promise<void> {
    while (this.#scheduled || this.#inFlight.size > 0) {
      await (this.#inFlight.size > 0 ? Promise.race(this.#inFlight) : this.#idle);
    }
  }

  #schedule(): void {
    // Writes that arrive while the groups in flight commit and sync form the next one.
    if (this.#scheduled || this.#inFlight.size >= this.#concurrency) return;
    this.#scheduled = true;
    this.#idle = new Promise((done) =>
      setImmediate(() => {
        this.#run();
        done();
      }),
    );
  }

  #run(): void {
    this.#scheduled = false;
    const flight: Promise<void> = this.#flush().then(() => {
      this.#inFlight.delete(flight);
      if (this.#pending.length > 0) this.#schedule();
    });
    this.#inFlight.add(flight);
  }

  async #flush(): Promise<void> {
    const group = this.#pending;
    this.#pending = [];
    let outcomes: AppendOutcome[];
    try {
      outcomes = await this.#commit(group.map((p) => p.message));
    } catch (err) {
      for (const p of group) p.reject(err);
      return;
    }
    group.forEach((p, i) => {
      const outcome = outcomes[i];
      if (outcome instanceof Error) p.reject(outcome);
      else if (outcome !== undefined) p.resolve(outcome);
      else p.reject(new Error('no outcome for a write'));
    });
  }
}
