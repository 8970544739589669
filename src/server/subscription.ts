/**
 * One `GET /subscribe` connection: its backlog, then live pokes (contract §7).
 *
 * Wire format (text/event-stream), one block per message, in the subscription's order (stream
 * position for a stream, global position otherwise):
 *
 *   event: poke
 *   data: {"stream":"account-123","position":5,"globalPosition":1234}
 *
 * plus the comments `: ready` (after the backlog), `: keepalive` (every 15 s) and a last
 * `: closed: <reason>` before the server ends the stream.
 *
 * How no poke is lost: the subscription is registered with the hub (and so receives every commit)
 * BEFORE it reads the backlog; commits that arrive while it reads are held back and poked after it,
 * minus what the reads already covered (everything at or below the cursor). A live commit is poked
 * straight from the positions the hub hands on (on storage shared with other processes, those come
 * from the namespace's tail, namespace-tail.ts, in global order); with a correlation filter, which
 * needs each message's metadata, every matching commit wakes a read from the cursor instead, so
 * what is poked is exactly what `category.get` returns. When the client reads slower than pokes come,
 * at most `maxBufferBytes` wait in memory: the subscription then stops pushing, waits for the client
 * to drain and catches up from the store; a client that does not drain within `stallTimeoutMs` is
 * disconnected with `: closed: too slow` and reconnects from its last position. Nothing is skipped.
 *
 * Shared work: the hub offers each commit through the subscription's group (subscription-group.ts:
 * the subscriptions of the namespace with the same filter), which matches it once and builds the
 * pokes once; a live subscription that is sent all of them writes the group's pre-framed chunk
 * (sse-output.ts). Store reads of the same page at the same time are shared (shared-reads.ts).
 */
import type { ServerResponse } from 'node:http';
import type { EventStore, NamespaceTarget } from '../store/event-store.js';
import type { CommittedPosition, StoredMessage } from '../store/store.js';
import { pokeText, type PokeBatch } from './poke-batch.js';
import type { SharedReads } from './shared-reads.js';
import { SseOutput } from './sse-output.js';
import type { SubscriptionSpec } from './subscribe-params.js';
import { filterKey, orderKey } from './subscription-group.js';

/** Limits of one subscription. */
export interface SubscriptionLimits {
  /** Bytes of pokes that may wait for a slow client before it is caught up from the store. */
  maxBufferBytes: number;
  /** How long a client may leave its buffer full before it is disconnected. */
  stallTimeoutMs: number;
  /** Live positions held while the backlog is read, before falling back to another read. */
  maxPending: number;
}

/** Rows per backlog read. */
const PAGE = 1000;

const DEFAULT_LIMITS: SubscriptionLimits = {
  maxBufferBytes: 1 << 20,
  stallTimeoutMs: 30_000,
  maxPending: 10_000,
};

export class Subscription {
  readonly namespace: string;
  /** The namespace incarnation it was opened on ('' when the target is a bare id). */
  readonly incarnation: string;
  #cursor: number;
  /** Held live positions while reading; null when live. */
  #pending: CommittedPosition[] | null = [];
  /** A commit arrived that the running read may not have covered: read again. */
  #dirty = false;
  #reading: Promise<void> | null = null;
  #ended = false;
  #stalled = false;
  readonly #limits: SubscriptionLimits;
  readonly #readsOnly: boolean;

  constructor(
    readonly spec: SubscriptionSpec,
    readonly target: NamespaceTarget,
    private readonly res: ServerResponse,
    private readonly store: EventStore,
    options: {
      reads: SharedReads;
      limits?: Partial<SubscriptionLimits>;
      onEnd: () => void;
    },
  ) {
    this.namespace = typeof target === 'string' ? target : target.id;
    this.#reads = options.reads;
    this.incarnation = typeof target === 'string' ? '' : target.incarnation;
    this.#readKey = `${this.namespace}\n${this.incarnation}\n${filterKey(spec)}\n`;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#cursor = spec.kind === 'stream' ? spec.position - 1 : Math.max(1, spec.position) - 1;
    this.#readsOnly = spec.kind === 'category' && spec.correlation !== undefined;
    this.#out = new SseOutput(res);
    res.once('close', () => this.end());
    this.#onEnd = options.onEnd;
  }

  readonly #onEnd: () => void;
  /** What goes to the client (the route has sent the response header). */
  readonly #out: SseOutput;
  readonly #reads: SharedReads;
  /** This subscription's pages in `SharedReads`, less the start position. */
  readonly #readKey: string;

  /** True once the stream has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Reads and pokes the backlog, then `: ready`; live pokes follow from `offer`. */
  async start(): Promise<void> {
    await this.#catchUp();
    if (!this.#ended) this.#out.write(': ready\n\n');
  }

  /**
   * A commit's positions that this subscription's filter matches, in its order, from its group
   * (subscription-group.ts), synchronously on the write path; their pokes are `batch` from `start`.
   */
  offer(matching: readonly CommittedPosition[], batch: PokeBatch, start: number): void {
    if (this.#ended) return;
    if (this.#readsOnly || this.#stalled) {
      this.#wake();
      return;
    }
    if (this.#pending !== null) {
      if (this.#pending.length + matching.length > this.#limits.maxPending) this.#dirty = true;
      else this.#pending.push(...matching);
      return;
    }
    if (this.#key(matching[0] as CommittedPosition) > this.#cursor) {
      // Live and all of it new (the usual case): send the group's shared pokes.
      this.#cursor = this.#key(matching[matching.length - 1] as CommittedPosition);
      this.#out.writeSlice(batch, start, start + matching.length);
      if (this.#out.buffered > this.#limits.maxBufferBytes) this.#stall();
      return;
    }
    this.#pokeAll(matching);
  }

  /** Commits may have gone unreported: read from the cursor. */
  resync(): void {
    if (!this.#ended) this.#wake();
  }

  /** Writes a comment (keepalive); ignored while the client's buffer is full. */
  comment(text: string): void {
    if (!this.#ended && !this.#stalled) this.#out.write(`: ${text}\n\n`);
  }

  /** Ends the stream, with `: closed: <reason>` when given. */
  end(reason?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#out.end(reason === undefined ? undefined : `: closed: ${reason}\n\n`);
    this.#onEnd();
  }

  #key(m: CommittedPosition): number {
    return orderKey(this.spec, m);
  }

  #pokeAll(positions: readonly CommittedPosition[]): void {
    const sorted =
      positions.length > 1 ? [...positions].sort((a, b) => this.#key(a) - this.#key(b)) : positions;
    for (const m of sorted) if (this.#key(m) > this.#cursor) this.#poke(m);
    if (this.#out.buffered > this.#limits.maxBufferBytes) this.#stall();
  }

  #poke(m: CommittedPosition): void {
    this.#cursor = this.#key(m);
    this.#out.write(pokeText(m));
  }

  /** Starts a read from the cursor, or asks the running one to read again. */
  #wake(): void {
    if (this.#reading !== null || this.#stalled) this.#dirty = true;
    else void this.#catchUp();
  }

  /** Reads from the cursor until the store has nothing newer, then pokes what was held back. */
  #catchUp(): Promise<void> {
    const run = async (): Promise<void> => {
      try {
        do {
          this.#dirty = false;
          if (!this.#readsOnly) this.#pending = [];
          await this.#readToEnd();
        } while (this.#dirty && !this.#ended);
        const held = this.#pending;
        this.#pending = null;
        if (held !== null && held.length > 0 && !this.#ended) this.#pokeAll(held);
      } catch {
        // The namespace went away or the store failed: the client reconnects from its position.
        this.end('the store could not be read; reconnect from your last position');
      } finally {
        this.#reading = null;
      }
    };
    this.#reading = run();
    return this.#reading;
  }

  async #readToEnd(): Promise<void> {
    for (;;) {
      if (this.#ended) return;
      const page = await this.#read(this.#cursor + 1);
      for (const m of page) this.#poke(m);
      this.#out.flush();
      if (page.length < PAGE) return;
      if (this.#out.buffered > this.#limits.maxBufferBytes && !(await this.#drained())) return;
    }
  }

  /** One page from `from`, shared with subscriptions of the same filter reading it now (shared-reads.ts). */
  #read(from: number): Promise<StoredMessage[]> {
    return this.#reads.read(this.#readKey + String(from), () => this.#readOwn(from));
  }

  #readOwn(from: number): Promise<StoredMessage[]> {
    const spec = this.spec;
    const { store, target: ns } = this;
    if (spec.kind === 'stream') return store.getStream(ns, spec.stream, { position: from, batchSize: PAGE });
    if (spec.kind === 'all') return store.getCategory(ns, '', { position: from, batchSize: PAGE });
    return store.getCategory(ns, spec.category, {
      position: from,
      batchSize: PAGE,
      ...(spec.consumerGroup === undefined ? {} : { consumerGroup: spec.consumerGroup }),
      ...(spec.correlation === undefined ? {} : { correlation: spec.correlation }),
    });
  }

  /** Stops pushing live pokes until the client drains, then catches up from the store. */
  #stall(): void {
    if (this.#stalled) return;
    this.#stalled = true;
    void this.#drained().then((drained) => {
      this.#stalled = false;
      if (drained && !this.#ended) {
        this.#pending = this.#readsOnly ? null : [];
        void this.#catchUp();
      }
    });
  }

  /** Waits for the client to read its buffer; false (and ends) when it does not in time. */
  #drained(): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        stopWaiting();
        this.res.off('close', onClose);
        if (!ok) this.end('too slow: the client did not read its pokes; reconnect from your last position');
        resolve(ok && !this.#ended);
      };
      const onDrain = (): void => done(true);
      const onClose = (): void => done(false);
      const timer = setTimeout(() => done(false), this.#limits.stallTimeoutMs);
      const stopWaiting = this.#out.onceDrained(onDrain);
      this.res.once('close', onClose);
    });
  }
}
