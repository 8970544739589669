/**
 * One store read for every subscription that needs the same page at the same time: in `reads`
 * mode (shared storage, correlation filters) a commit wakes every subscription of its filter, and
 * subscriptions that poked the same messages sit at the same cursor, so they ask for the same
 * page. A read may only be joined while it can still see every commit reported so far: a read
 * started before the latest commit report may have missed that commit, so a subscription woken
 * by it must not take that read's result. The hub calls `committed()` before it hands a commit
 * to the subscriptions; reads started after that (the woken subscriptions' own) are shared.
 */
import type { StoredMessage } from '../store/store.js';

interface InFlight {
  /** `committed()` calls seen when the read started. */
  generation: number;
  page: Promise<StoredMessage[]>;
}

export class SharedReads {
  readonly #inFlight = new Map<string, InFlight>();
  #generation = 0;
  #started = 0;

  /** Store reads started (the rest were joined); for tests and the bench. */
  get started(): number {
    return this.#started;
  }

  /** A commit is about to be reported: reads already running may not include it. */
  committed(): void {
    this.#generation++;
  }

  /**
   * The page `key` (namespace incarnation, filter and start position): the running read of that
   * page when it started after the last reported commit, else `run()`'s. The page is shared: the
   * caller must not change it.
   */
  read(key: string, run: () => Promise<StoredMessage[]>): Promise<StoredMessage[]> {
    const running = this.#inFlight.get(key);
    if (running !== undefined && running.generation === this.#generation) return running.page;
    this.#started++;
    const page = run();
    const entry: InFlight = { generation: this.#generation, page };
    this.#inFlight.set(key, entry);
    const done = (): void => {
      if (this.#inFlight.get(key) === entry) this.#inFlight.delete(key);
    };
    page.then(done, done);
    return page;
  }
}
