/**
 * The subscriptions of one namespace with the same filter (`filterKey`): the hub hands each commit
 * to the group, which picks the matching positions once (in the subscriptions' order), adds their
 * pokes to the turn's shared `PokeBatch` and offers both to every member. What a member does with
 * them (send, hold back while it reads, wake a read) stays in subscription.ts.
 */
import type { CommittedPosition } from '../store/store.js';
import { category, isInConsumerGroup } from '../store/stream-name.js';
import { PokeBatch } from './poke-batch.js';
import type { SubscriptionSpec } from './subscribe-params.js';
import type { Subscription } from './subscription.js';

/** What subscriptions with the same key are sent (their start position aside). */
export function filterKey(spec: SubscriptionSpec): string {
  if (spec.kind === 'all') return 'all';
  if (spec.kind === 'stream') return JSON.stringify(['stream', spec.stream]);
  const group = spec.consumerGroup;
  return JSON.stringify([
    'category',
    spec.category,
    group?.member ?? null,
    group?.size ?? null,
    spec.correlation ?? null,
  ]);
}

/** The position a subscription orders its pokes by: stream position for a stream, else global. */
export function orderKey(spec: SubscriptionSpec, m: CommittedPosition): number {
  return spec.kind === 'stream' ? m.position : m.globalPosition;
}

/** A commit's messages with their categories, worked out once for every group. */
export interface CommitView {
  messages: readonly CommittedPosition[];
  categories: readonly string[];
}

export function viewCommit(messages: readonly CommittedPosition[]): CommitView {
  return { messages, categories: messages.map((m) => category(m.streamName)) };
}

function matches(spec: SubscriptionSpec, view: CommitView, i: number): boolean {
  const m = view.messages[i] as CommittedPosition;
  if (spec.kind === 'all') return true;
  if (spec.kind === 'stream') return m.streamName === spec.stream;
  if (view.categories[i] !== spec.category) return false;
  return spec.consumerGroup === undefined || isInConsumerGroup(m.streamName, spec.consumerGroup);
}

export class SubscriptionGroup {
  readonly members = new Set<Subscription>();
  #batch: PokeBatch | null = null;

  constructor(
    readonly spec: SubscriptionSpec,
    /** The namespace incarnation of its members. */
    readonly incarnation: string,
  ) {}

  /** Offers the commit's matching positions (if any) and their pokes to every member. */
  offer(view: CommitView): void {
    const spec = this.spec;
    let matching: CommittedPosition[] = [];
    for (let i = 0; i < view.messages.length; i++) {
      if (matches(spec, view, i)) matching.push(view.messages[i] as CommittedPosition);
    }
    if (matching.length === 0) return;
    if (!isOrdered(spec, matching)) matching = matching.sort((a, b) => orderKey(spec, a) - orderKey(spec, b));
    const batch = this.#turnBatch();
    const start = batch.length;
    batch.append(matching);
    for (const member of this.members) member.offer(matching, batch, start);
  }

  /** The batch of this event-loop turn: later turns start a new one, so none grows for long. */
  #turnBatch(): PokeBatch {
    let batch = this.#batch;
    if (batch === null) {
      batch = new PokeBatch();
      this.#batch = batch;
      process.nextTick(() => {
        this.#batch = null;
      });
    }
    return batch;
  }
}

function isOrdered(spec: SubscriptionSpec, positions: readonly CommittedPosition[]): boolean {
  for (let i = 1; i < positions.length; i++) {
    if (
      orderKey(spec, positions[i - 1] as CommittedPosition) >=
      orderKey(spec, positions[i] as CommittedPosition)
    )
      return false;
  }
  return true;
}
