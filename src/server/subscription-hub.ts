/**
 * The subscription hub: one commit listener on the store for the whole server, handing each
 * commit to the open subscriptions of its namespace (subscription.ts does the rest). It also sends
 * every subscription a keepalive comment and re-checks its token on a timer, and ends them all at
 * shutdown. The hub knows nothing of backends: whatever the store reports as committed (this
 * process's writes and imports, and other processes' on shared storage) reaches it the same way.
 */
import type { EventStore } from '../store/event-store.js';
import type { Commit } from '../store/store.js';
import type { Subscription } from './subscription.js';

export interface HubOptions {
  /** Milliseconds between `: keepalive` comments (default 15 s). */
  keepaliveMs?: number;
  /** Milliseconds between re-checks of each subscription's token (default 5 s). */
  authCheckMs?: number;
}

interface Entry {
  subscription: Subscription;
  /** False once the token no longer opens the namespace incarnation it opened. */
  stillAuthorized: () => Promise<boolean>;
}

export class SubscriptionHub {
  readonly #byNamespace = new Map<string, Map<Subscription, Entry>>();
  readonly #stopListening: () => void;
  readonly #timers: NodeJS.Timeout[];
  #size = 0;

  constructor(store: EventStore, options: HubOptions = {}) {
    this.#stopListening = store.onCommit((commit) => this.#dispatch(commit));
    this.#timers = [
      setInterval(
        () => this.#each((s) => s.subscription.comment('keepalive')),
        options.keepaliveMs ?? 15_000,
      ),
      setInterval(() => this.#checkTokens(), options.authCheckMs ?? 5_000),
    ];
    for (const timer of this.#timers) timer.unref();
  }

  /** Open subscriptions. */
  get size(): number {
    return this.#size;
  }

  /** Registers a subscription (before it reads its backlog); it leaves by itself when it ends. */
  add(subscription: Subscription, stillAuthorized: () => Promise<boolean>): void {
    let set = this.#byNamespace.get(subscription.namespace);
    if (set === undefined) {
      set = new Map();
      this.#byNamespace.set(subscription.namespace, set);
    }
    set.set(subscription, { subscription, stillAuthorized });
    this.#size++;
  }

  /** Called by a subscription when it ends. */
  remove(subscription: Subscription): void {
    const set = this.#byNamespace.get(subscription.namespace);
    if (set?.delete(subscription) !== true) return;
    this.#size--;
    if (set.size === 0) this.#byNamespace.delete(subscription.namespace);
  }

  /** Ends every subscription with `reason` and stops listening. */
  close(reason: string): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#stopListening();
    this.#each((s) => s.subscription.end(reason));
  }

  #dispatch(commit: Commit): void {
    const set = this.#byNamespace.get(commit.namespace);
    if (set !== undefined) for (const entry of set.values()) entry.subscription.offer(commit);
  }

  #each(fn: (entry: Entry) => void): void {
    for (const set of [...this.#byNamespace.values()]) for (const entry of [...set.values()]) fn(entry);
  }

  #checkTokens(): void {
    this.#each((entry) => {
      void entry.stillAuthorized().then(
        (ok) => {
          if (!ok) entry.subscription.end('the token is no longer valid for this namespace');
        },
        () => undefined, // the store is unreachable: keep serving, check again next time
      );
    });
  }
}
