/**
 * One ordered feed of a namespace's commits, for storage shared with other server processes
 * (PostgreSQL). There, commit reports arrive out of global order: this process hears of its own
 * commits at once and of other processes' a moment later, through the database. So the hub treats
 * a report only as a wake-up, and the tail reads what was committed since its last read
 * (`category.get("")` from its position, which never skips a message that commits later with a
 * lower global position: ADR 0005) and hands it on in global order. One read per wake-up serves
 * every subscription of the namespace whatever its filter, where each filter used to read on its
 * own; and the subscriptions poke from the positions handed on, as they do on a single-process
 * backend, with the shared pre-framed chunks (sse-output.ts).
 *
 * No read at all in the usual case: a reported commit whose positions follow on from the last one
 * handed on (the next global positions, without a gap) is handed on as it is. Nothing can lie
 * between the two, and whatever commits after it has higher positions (commits are ordered by
 * global position, ADR 0005), so it comes later by its own report or a read. A commit that leaves
 * a gap (another process's commit not reported yet, an import's sparse positions, a sequence
 * number a failed write used) wakes a read instead.
 *
 * The start: the tail begins after the namespace's highest global position, read when its first
 * subscription registers and before that subscription reads its backlog. Every message at or below
 * it is committed by then, so the backlog has it; every later one is read by the tail. A
 * subscription that registers later reads its backlog after everything the tail handed on before
 * it registered was committed, so nothing falls between the two either.
 */
import type { EventStore, NamespaceTarget } from '../store/event-store.js';
import type { Commit, CommittedPosition } from '../store/store.js';

/** Messages per read. */
const PAGE = 1000;

/** After a failed read (the store unreachable), the next attempt. */
const RETRY_MS = 1000;

export class NamespaceTail {
  /** Resolves once the start position is known; rejects when it could not be read. */
  readonly ready: Promise<void>;
  /** Subscriptions fed by this tail. */
  members = 0;
  #position = 0;
  #started = false;
  #reading = false;
  #dirty = false;
  #closed = false;
  #retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly target: NamespaceTarget,
    private readonly deliver: (messages: readonly CommittedPosition[]) => void,
  ) {
    this.ready = store.lastGlobalPosition(target).then((position) => {
      this.#position = position;
      this.#started = true;
      if (this.#dirty) this.wake();
    });
  }

  /** A commit in the namespace: handed on as it is when it follows on from the last one, else read. */
  report(commit: Commit): void {
    if (this.#closed) return;
    const last = commit.messages[commit.messages.length - 1];
    if (
      last !== undefined &&
      commit.missed !== true &&
      this.#started &&
      !this.#reading &&
      followsOn(this.#position, commit.messages)
    ) {
      this.#position = last.globalPosition;
      this.deliver(commit.messages);
      return;
    }
    this.wake();
  }

  /** Something was committed in the namespace: read it (or read again after the running read). */
  wake(): void {
    if (this.#closed) return;
    if (this.#reading || !this.#started) {
      this.#dirty = true;
      return;
    }
    void this.#readNew();
  }

  close(): void {
    this.#closed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
  }

  async #readNew(): Promise<void> {
    this.#reading = true;
    try {
      do {
        this.#dirty = false;
        let page: readonly CommittedPosition[];
        do {
          page = await this.store.getCategory(this.target, '', {
            position: this.#position + 1,
            batchSize: PAGE,
          });
          if (this.#closed) return;
          const last = page[page.length - 1];
          if (last === undefined) break;
          this.#position = last.globalPosition;
          this.deliver(page);
        } while (page.length >= PAGE);
      } while (this.#dirty && !this.#closed);
    } catch {
      // The store is unreachable (or the namespace went away, which ends its subscriptions):
      // try again shortly, from the same position.
      this.#retryLater();
    } finally {
      this.#reading = false;
    }
  }

  #retryLater(): void {
    if (this.#closed || this.#retry !== null) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.wake();
    }, RETRY_MS);
    this.#retry.unref();
  }
}

/** True when `messages` are exactly the global positions after `position`, in order. */
function followsOn(position: number, messages: readonly CommittedPosition[]): boolean {
  for (let i = 0; i < messages.length; i++) {
    if ((messages[i] as CommittedPosition).globalPosition !== position + 1 + i) return false;
  }
  return true;
}
