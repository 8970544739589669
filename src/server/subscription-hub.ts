/**
 * The subscription hub: one commit listener on the store for the whole server, handing each
 * commit to the subscription groups of its namespace (subscription-group.ts: the subscriptions
 * with the same filter, which pick the matching positions and build the pokes once per commit;
 * subscription.ts does the rest). It owns the store reads shared between subscriptions
 * (shared-reads.ts) and tells them of each commit before the subscriptions hear of it. It also sends
 * every subscription a keepalive comment and re-checks its token on a timer, and ends them all at
 * shutdown. The hub knows nothing of backends: whatever the store reports as committed (this
 * process's writes and imports, and other processes' on shared storage) reaches it the same way.
 * On shared storage those reports can come out of global order, so they only wake the namespace's
 * tail (namespace-tail.ts), which reads what was committed and hands it to the groups in order.
 */
import type { EventStore } from '../store/event-store.js';
import type { Commit, CommittedPosition } from '../store/store.js';
import { NamespaceTail } from './namespace-tail.js';
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
  /** Namespace id → incarnation and filter key → group. */
  readonly #groups = new Map<string, Map<string, SubscriptionGroup>>();
  /** Shared storage only: namespace id → incarnation → tail. */
  readonly #tails = new Map<string, Map<string, NamespaceTail>>();
  /** Shared storage only: the tail that feeds each subscription. */
  readonly #tailOf = new Map<Subscription, NamespaceTail>();
  readonly #store: EventStore;
  readonly #shared: boolean;
  readonly #stopListening: () => void;
  readonly #timers: NodeJS.Timeout[];

  constructor(store: EventStore, options: HubOptions = {}) {
    this.#store = store;
    this.#shared = store.supports.sharedStorage;
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

  /**
   * Registers a subscription; it leaves by itself when it ends. Resolves when it may read its
   * backlog (on shared storage, once its namespace's tail knows where it starts); rejects when the
   * store cannot be read.
   */
  async add(subscription: Subscription, stillAuthorized: () => Promise<boolean>): Promise<void> {
    let groups = this.#groups.get(subscription.namespace);
    if (groups === undefined) {
      groups = new Map();
      this.#groups.set(subscription.namespace, groups);
    }
    const key = groupKey(subscription);
    let group = groups.get(key);
    if (group === undefined) {
      group = new SubscriptionGroup(subscription.spec, subscription.incarnation);
      groups.set(key, group);
    }
    group.members.add(subscription);
    this.#entries.set(subscription, { subscription, stillAuthorized });
    if (this.#shared) await this.#tailFor(subscription).ready;
  }

  /** The tail of the subscription's namespace incarnation, started by its first subscription. */
  #tailFor(subscription: Subscription): NamespaceTail {
    const { namespace, incarnation } = subscription;
    let tails = this.#tails.get(namespace);
    if (tails === undefined) {
      tails = new Map();
      this.#tails.set(namespace, tails);
    }
    let tail = tails.get(incarnation);
    if (tail === undefined) {
      const started = new NamespaceTail(this.#store, subscription.target, (messages) =>
        this.#offer(namespace, incarnation, messages),
      );
      tails.set(incarnation, started);
      // Could not start: the next subscription starts another.
      started.ready.catch(() => this.#dropTail(namespace, incarnation, started));
      tail = started;
    }
    tail.members++;
    this.#tailOf.set(subscription, tail);
    return tail;
  }

  #dropTail(namespace: string, incarnation: string, tail: NamespaceTail): void {
    tail.close();
    const tails = this.#tails.get(namespace);
    if (tails?.get(incarnation) !== tail) return;
    tails.delete(incarnation);
    if (tails.size === 0) this.#tails.delete(namespace);
  }

  /** Called by a subscription when it ends. */
  remove(subscription: Subscription): void {
    if (!this.#entries.delete(subscription)) return;
    const tail = this.#tailOf.get(subscription);
    if (tail !== undefined) {
      this.#tailOf.delete(subscription);
      if (--tail.members === 0) this.#dropTail(subscription.namespace, subscription.incarnation, tail);
    }
    const groups = this.#groups.get(subscription.namespace);
    const key = groupKey(subscription);
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
    for (const tails of this.#tails.values()) for (const tail of tails.values()) tail.close();
    this.#each((s) => s.subscription.end(reason));
  }

  #dispatch(commit: Commit): void {
    this.reads.committed();
    if (this.#shared) {
      // The tail hands it on in order, or reads what was committed (missed commits included).
      for (const tail of this.#tails.get(commit.namespace)?.values() ?? []) tail.report(commit);
      return;
    }
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

  /** What a tail read, to the groups of its namespace incarnation. */
  #offer(namespace: string, incarnation: string, messages: readonly CommittedPosition[]): void {
    const groups = this.#groups.get(namespace);
    if (groups === undefined) return;
    const view = viewCommit(messages);
    for (const group of groups.values()) if (group.incarnation === incarnation) group.offer(view);
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

/** Subscriptions with the same filter on the same namespace incarnation share a group. */
function groupKey(subscription: Subscription): string {
  return `${subscription.incarnation}\n${filterKey(subscription.spec)}`;
}
