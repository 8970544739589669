/**
 * The subscription hub: one commit listener on the store for the whole server, handing each
 * commit to the subscription groups of its namespace (subscription-group.ts: the subscriptions
 * with the same filter, which pick the matching positions and build the pokes once per commit;
 * subscription.ts does the rest). It owns the store reads shared between subscriptions
 * (shared-reads.ts) and tells them of each commit before the subscriptions hear of it. It also sends
 * every subscription a keepalive comment and re-checks its token on a timer, and ends them all at
 * shutdown. The hub knows nothing of backends: whatever the store reports as committed (this
 * process's writes and imports, and other processes' on shared storage) reaches it the same way.
 */
import type { EventStore } from '../store/event-store.js';
import type { Commit } from '../store/store.js';
import { SharedReads } from './shared-reads.js';
import type { Subscription } from './subscription.js';
import { filterKey, SubscriptionGroup, viewCommit } from './subscription-group.js';

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
  /** Store reads shared by subscriptions that read the same page at the same time. */
  readonly reads = new SharedReads();
  readonly #entries = new Map<Subscription, Entry>();
  /** Namespace id → filter key → group. */
  readonly #groups = new Map<string, Map<string, SubscriptionGroup>>();
  readonly #stopListening: () => void;
  readonly #timers: NodeJS.Timeout[];

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
    return this.#entries.size;
  }

  /** Registers a subscription (before it reads its backlog); it leaves by itself when it ends. */
  add(subscription: Subscription, stillAuthorized: () => Promise<boolean>): void {
    let groups = this.#groups.get(subscription.namespace);
    if (groups === undefined) {
      groups = new Map();
      this.#groups.set(subscription.namespace, groups);
    }
    const key = filterKey(subscription.spec);
    let group = groups.get(key);
    if (group === undefined) {
      group = new SubscriptionGroup(subscription.spec);
      groups.set(key, group);
    }
    group.members.add(subscription);
    this.#entries.set(subscription, { subscription, stillAuthorized });
  }

  /** Called by a subscription when it ends. */
  remove(subscription: Subscription): void {
    if (!this.#entries.delete(subscription)) return;
    const groups = this.#groups.get(subscription.namespace);
    const key = filterKey(subscription.spec);
    const group = groups?.get(key);
    if (groups === undefined || group === undefined) return;
    group.members.delete(subscription);
    if (group.members.size === 0) groups.delete(key);
    if (groups.size === 0) this.#groups.delete(subscription.namespace);
  }

  /** Ends every subscription with `reason` and stops listening. */
  close(reason: string): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#stopListening();
    this.#each((s) => s.subscription.end(reason));
  }

  #dispatch(commit: Commit): void {
    this.reads.committed();
    const groups = this.#groups.get(commit.namespace);
    if (groups === undefined) return;
    if (commit.missed === true) {
      // Commits may have gone unreported: each reads from its cursor (what is poked stays exact).
      for (const group of groups.values()) for (const member of group.members) member.resync();
      return;
    }
    const view = viewCommit(commit.messages);
    for (const group of groups.values()) group.offer(view);
  }

  #each(fn: (entry: Entry) => void): void {
    for (const entry of [...this.#entries.values()]) fn(entry);
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
