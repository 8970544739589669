/**
 * The store façade: validation, defaults, id/time generation, JSON encoding and error mapping,
 * once, above whichever backend is open (the abstract-level split of public `put` → `_put`).
 */
import { randomUUID } from 'node:crypto';
import {
  EventoError,
  InvalidRecordError,
  PositionExistsError,
  invalidRequest,
  isEventoError,
  backendError,
  namespaceNotFound,
} from '../errors.js';
import {
  MAX_POSITION,
  type CategorySummary,
  type Commit,
  type CommitListener,
  type ImportOptions,
  type NamespaceRecord,
  type NamespaceRef,
  type NamespaceStats,
  type NamespaceSummary,
  type StoreBackend,
  type StoreCapabilities,
  type StoredMessage,
  type StreamSummary,
  type WriteResult,
} from './store.js';
import { isCategory, type ConsumerGroup } from './stream-name.js';
import { splitExisting } from './import-skip.js';
import { END_TIME, isTimeInRange, nowMicros } from './time.js';
import { uuidv7 } from './uuid.js';
import {
  assertImportable,
  assertJsonDepth,
  assertMessageType,
  assertNamespaceId,
  assertStreamName,
  assertWellFormed,
  isUuid,
} from './validate.js';

/** Largest `batchSize` a read accepts (-1 means no limit). */
export const MAX_BATCH_SIZE = 10_000;

export type JsonObject = Record<string, unknown>;

export interface WriteMessageInput {
  type: string;
  data: JsonObject;
  metadata?: JsonObject | null;
}

export interface WriteMessageOptions {
  /** A UUID; a UUIDv7 is generated when absent. */
  id?: string;
  /** -1: the stream must not exist. */
  expectedVersion?: number;
}

export interface GetStreamOptions {
  /** Default 0; a negative position counts as 0. */
  position?: number;
  /** Filter on global position instead of stream position. */
  globalPosition?: number;
  /** Default 1000; -1 no limit; 0 returns []; 1..10000. */
  batchSize?: number;
  /** Size bound of the reply (see `ReadStreamOptions.maxBytes`); absent: none. */
  maxBytes?: number;
}

export interface GetCategoryOptions {
  /** Global position to start at; default 1. */
  position?: number;
  /** Same as `position` (takes precedence). */
  globalPosition?: number;
  batchSize?: number;
  correlation?: string;
  consumerGroup?: ConsumerGroup;
  /** Size bound of the reply (see `ReadStreamOptions.maxBytes`); absent: none. */
  maxBytes?: number;
  /** Only messages whose time is ≥ this (µs since the epoch); must be below `until`. */
  since?: number;
  /** Only messages whose time is < this (µs since the epoch). */
  until?: number;
}

export interface ImportBatchOptions extends ImportOptions {
  /**
   * What to do with a record whose global position is stored already. `error` (default):
   * POSITION_EXISTS. `skip`: a record equal to the stored message (same id, stream, position,
   * type, data and metadata as JSON values, and time) is skipped and counted; one that differs is
   * still POSITION_EXISTS, naming the fields that differ. Ignored with `clearFirst`.
   */
  onExisting?: 'error' | 'skip';
}

export interface ImportBatchResult {
  /** Records stored by this batch. */
  imported: number;
  /** Records skipped because they were stored already (`onExisting: 'skip'`). */
  skipped: number;
}

export type { NamespaceSummary };

/**
 * The namespace a data method acts on: a `NamespaceRef` (the incarnation a token opened; the
 * server passes this), or a bare id, which means the incarnation current when the call starts
 * (the CLI and tests, where no token was checked earlier).
 */
export type NamespaceTarget = string | NamespaceRef;

export type NamespaceInfo = NamespaceRecord & NamespaceStats;

export interface ListStreamsInput {
  prefix?: string;
  cursor?: string;
  /** 1..1000, default 100. */
  limit?: number;
}

export interface EventStoreOptions {
  /**
   * How long a namespace record (what authentication checks a token against) is served from
   * memory when other processes share the storage (`supports.sharedStorage`): a namespace deleted
   * or a token rotated through another server stops working here within this time. Default 1000 ms.
   * Without shared storage every change goes through this process and the cache never goes stale.
   */
  namespaceCacheMs?: number;
}

/** Global positions per `readGlobalPositions` call (its documented maximum). */
const READ_POSITIONS_MAX = 10_000;

/** Namespace records cached at most (the least recently fetched are dropped first). */
const NAMESPACE_CACHE_ENTRIES = 10_000;

/** The store as the server, the CLI and the tests use it. */
export class EventStore {
  readonly #backend: StoreBackend;
  readonly #listeners = new Set<CommitListener>();
  /** Writes and imports started and not settled yet. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing = false;
  readonly #namespaces: NamespaceCache;
  readonly #stopWatching: (() => void) | undefined;

  constructor(backend: StoreBackend, options: EventStoreOptions = {}) {
    this.#backend = backend;
    const shared = backend.supports.sharedStorage;
    this.#namespaces = new NamespaceCache(shared ? (options.namespaceCacheMs ?? 1000) : Infinity);
    if (shared && backend.watchExternalCommits === undefined) {
      throw new Error(`the ${backend.name} backend declares sharedStorage without watchExternalCommits`);
    }
    this.#stopWatching = shared ? backend.watchExternalCommits?.((commit) => this.#emit(commit)) : undefined;
  }

  /**
   * Calls `listener` after every durable commit in any namespace: each written message and each
   * imported batch, from this process and (with `supports.sharedStorage`) from other processes on
   * the same storage. Listeners run synchronously on the write path: they must be quick and must
   * not throw (a throwing listener is removed). Returns a function that removes the listener.
   */
  onCommit(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get backendName(): string {
    return this.#backend.name;
  }

  get supports(): StoreCapabilities {
    return this.#backend.supports;
  }

  /** Creates a namespace. Throws INVALID_REQUEST (bad id), NAMESPACE_EXISTS. */
  async createNamespace(id: string, tokenHash: string, description = ''): Promise<NamespaceRecord> {
    assertNamespaceId(id);
    const record: NamespaceRecord = {
      id,
      incarnation: randomUUID(),
      tokenHash,
      description,
      createdAt: nowMicros(),
    };
    await this.#call(() => this.#backend.createNamespace(record));
    this.#namespaces.forget(id);
    return record;
  }

  /** Deletes a namespace and its messages. Throws NAMESPACE_NOT_FOUND. */
  async deleteNamespace(id: string): Promise<{ messagesDeleted: number }> {
    assertNamespaceId(id);
    this.#namespaces.forget(id);
    const deleted = await this.#call(() => this.#backend.deleteNamespace(id)).finally(() =>
      this.#namespaces.forget(id),
    );
    if (deleted === null) throw namespaceNotFound(id);
    return { messagesDeleted: deleted };
  }

  /**
   * The namespace's record, or null (also for an invalid id). Served from a cache: see
   * `EventStoreOptions.namespaceCacheMs` for how stale it may be.
   */
  async getNamespace(id: string): Promise<NamespaceRecord | null> {
    const cached = this.#namespaces.get(id);
    if (cached !== undefined) return cached;
    const record = await this.#call(() => this.#backend.getNamespace(id));
    if (record !== null) this.#namespaces.set(record);
    return record;
  }

  /** Every namespace with its message count, sorted by id. */
  async listNamespaces(): Promise<NamespaceSummary[]> {
    return this.#call(() => this.#backend.listNamespaces());
  }

  /** Record and statistics of a namespace. Throws NAMESPACE_NOT_FOUND. */
  async namespaceInfo(id: string): Promise<NamespaceInfo> {
    assertNamespaceId(id);
    const record = await this.getNamespace(id);
    if (record === null) throw namespaceNotFound(id);
    return { ...record, ...(await this.#call(() => this.#backend.namespaceStats(refOf(record)))) };
  }

  /**
   * The namespace's highest global position, 0 when it is empty (see `StoreBackend`). Throws
   * NAMESPACE_NOT_FOUND.
   */
  async lastGlobalPosition(ns: NamespaceTarget): Promise<number> {
    const ref = await this.#ref(ns);
    return this.#call(() => this.#backend.lastGlobalPosition(ref));
  }

  async setTokenHash(id: string, tokenHash: string): Promise<void> {
    this.#namespaces.forget(id);
    await this.#call(() => this.#backend.setTokenHash(id, tokenHash)).finally(() =>
      this.#namespaces.forget(id),
    );
  }

  /**
   * Appends a message. Throws INVALID_REQUEST (empty or ill-formed name or type, data or metadata
   * nested deeper than MAX_JSON_DEPTH, bad id, bad expectedVersion), STREAM_VERSION_CONFLICT,
   * DUPLICATE_MESSAGE_ID, NAMESPACE_NOT_FOUND (also when `ns` is an incarnation since deleted),
   * INVALID_REQUEST (`PositionLimitError`) when the stream or the namespace has no position left
   * below 2^53.
   */
  writeMessage(
    ns: NamespaceTarget,
    streamName: string,
    message: WriteMessageInput,
    options: WriteMessageOptions = {},
  ): Promise<WriteResult> {
    return this.#tracked(() => this.#writeMessage(ns, streamName, message, options));
  }

  async #writeMessage(
    ns: NamespaceTarget,
    streamName: string,
    message: WriteMessageInput,
    options: WriteMessageOptions,
  ): Promise<WriteResult> {
    assertStreamName(streamName);
    assertMessageType(message.type);
    assertJsonDepth(message.data, 'data');
    if (message.metadata != null) assertJsonDepth(message.metadata, 'metadata');
    if (options.id !== undefined && !isUuid(options.id)) throw invalidRequest('id must be a UUID');
    const ev = options.expectedVersion;
    if (ev !== undefined && (!Number.isSafeInteger(ev) || ev < -1)) {
      throw invalidRequest('expectedVersion must be an integer ≥ -1');
    }
    const ref = await this.#ref(ns);
    const result = await this.#call(() =>
      this.#backend.write(ref, {
        id: options.id?.toLowerCase() ?? uuidv7(),
        streamName,
        type: message.type,
        data: JSON.stringify(message.data),
        metadata: message.metadata == null ? null : JSON.stringify(message.metadata),
        time: nowMicros(),
        ...(ev === undefined ? {} : { expectedVersion: ev }),
      }),
    );
    if (this.#listeners.size > 0) {
      this.#emit({
        namespace: ref.id,
        messages: [{ streamName, position: result.position, globalPosition: result.globalPosition }],
      });
    }
    return result;
  }

  /** One page of a stream (`stream.get`); [] for a category name. */
  async getStream(
    ns: NamespaceTarget,
    streamName: string,
    options: GetStreamOptions = {},
  ): Promise<StoredMessage[]> {
    assertStreamName(streamName);
    const limit = batchLimit(options.batchSize);
    if (limit === 0 || isCategory(streamName)) return [];
    const fromPosition = Math.max(0, options.position ?? 0);
    const ref = await this.#ref(ns);
    return this.#collect(() =>
      this.#backend.readStream(ref, streamName, {
        fromPosition,
        limit,
        ...(options.globalPosition === undefined ? {} : { fromGlobalPosition: options.globalPosition }),
        ...sizeBound(options.maxBytes),
      }),
    );
  }

  /** One page of a category in global order (`category.get`); '' reads the whole namespace. */
  async getCategory(
    ns: NamespaceTarget,
    name: string,
    options: GetCategoryOptions = {},
  ): Promise<StoredMessage[]> {
    assertWellFormed(name, 'categoryName');
    assertWellFormed(options.correlation, 'correlation');
    const limit = batchLimit(options.batchSize);
    if (limit === 0 || (name !== '' && !isCategory(name))) return [];
    const group = options.consumerGroup;
    if (group !== undefined) {
      const { member, size } = group;
      if (
        !Number.isSafeInteger(size) ||
        size < 1 ||
        !Number.isSafeInteger(member) ||
        member < 0 ||
        member >= size
      ) {
        throw invalidRequest('consumerGroup needs integers 0 <= member < size');
      }
    }
    const window = timeWindow(options.since, options.until);
    const from = Math.max(1, options.globalPosition ?? options.position ?? 1);
    const ref = await this.#ref(ns);
    return this.#collect(() =>
      this.#backend.readCategory(ref, name, {
        fromGlobalPosition: from,
        limit,
        ...(options.correlation === undefined ? {} : { correlation: options.correlation }),
        ...(group === undefined ? {} : { consumerGroup: group }),
        ...window,
        ...sizeBound(options.maxBytes),
      }),
    );
  }

  /**
   * Every message of a category ('' for all) from a global position, page by page. Throws
   * NAMESPACE_NOT_FOUND at the next page once the namespace is deleted.
   */
  async *readCategory(
    ns: NamespaceTarget,
    name: string,
    fromGlobalPosition = 1,
  ): AsyncGenerator<StoredMessage[]> {
    const ref = await this.#ref(ns);
    const pages = await this.#call(async () =>
      this.#backend.readCategory(ref, name, { fromGlobalPosition, limit: null })[Symbol.asyncIterator](),
    );
    try {
      for (;;) {
        const next = await this.#call(() => pages.next());
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      // A consumer that stops early lets the backend release what the read holds.
      await pages.return?.();
    }
  }

  /**
   * The stored messages at these global positions, in global order; positions not stored are left
   * out. Throws INVALID_REQUEST for a position that is not an integer ≥ 1 or for more than 10,000
   * distinct positions.
   */
  async readGlobalPositions(
    ns: NamespaceTarget,
    globalPositions: readonly number[],
  ): Promise<StoredMessage[]> {
    const distinct = [...new Set(globalPositions)];
    if (distinct.some((g) => !Number.isSafeInteger(g) || g < 1)) {
      throw invalidRequest('global positions must be integers ≥ 1');
    }
    if (distinct.length > READ_POSITIONS_MAX) {
      throw invalidRequest(`at most ${READ_POSITIONS_MAX} global positions at a time`);
    }
    const ref = await this.#ref(ns);
    return this.#call(() => this.#backend.readGlobalPositions(ref, distinct));
  }

  async lastMessage(ns: NamespaceTarget, streamName: string, type?: string): Promise<StoredMessage | null> {
    assertStreamName(streamName);
    assertWellFormed(type, 'type');
    const ref = await this.#ref(ns);
    return this.#call(() => this.#backend.lastMessage(ref, streamName, type));
  }

  async streamVersion(ns: NamespaceTarget, streamName: string): Promise<number | null> {
    assertStreamName(streamName);
    const ref = await this.#ref(ns);
    return this.#call(() => this.#backend.streamVersion(ref, streamName));
  }

  async listStreams(ns: NamespaceTarget, input: ListStreamsInput = {}): Promise<StreamSummary[]> {
    assertWellFormed(input.prefix, 'prefix');
    assertWellFormed(input.cursor, 'cursor');
    const limit = input.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
      throw invalidRequest('limit must be an integer from 1 to 1000');
    }
    const ref = await this.#ref(ns);
    return this.#call(() =>
      this.#backend.listStreams(ref, {
        limit,
        ...(input.prefix === undefined ? {} : { prefix: input.prefix }),
        ...(input.cursor === undefined ? {} : { after: input.cursor }),
      }),
    );
  }

  async listCategories(ns: NamespaceTarget): Promise<CategorySummary[]> {
    const ref = await this.#ref(ns);
    return this.#call(() => this.#backend.listCategories(ref));
  }

  /**
   * Stores validated records with their explicit positions in one transaction. Throws
   * INVALID_RECORD (an empty or ill-formed stream or type, a time out of range: see
   * `assertImportable`; `InvalidRecordError` naming the field and the record's index for a `gpos`
   * or `pos` that would leave no room for a later write, ≥ 2^53-1, and for a record that would
   * break its stream's order, where position order and global order agree: stream-order.ts),
   * POSITION_EXISTS
   * (`PositionExistsError` with the record's index), NAMESPACE_NOT_FOUND (also when `ns` is an
   * incarnation since deleted) or IMPORT_FAILED. With `onExisting: 'skip'` records already stored
   * exactly are skipped (see `ImportBatchOptions`); the rest is stored in one transaction.
   */
  importBatch(
    ns: NamespaceTarget,
    messages: readonly StoredMessage[],
    options: ImportBatchOptions = {},
  ): Promise<ImportBatchResult> {
    return this.#tracked(() => this.#importBatch(ns, messages, options));
  }

  async #importBatch(
    ns: NamespaceTarget,
    batch: readonly StoredMessage[],
    { onExisting = 'error', ...options }: ImportBatchOptions,
  ): Promise<ImportBatchResult> {
    assertImportable(batch);
    batch.forEach(assertImportPositions);
    const ref = await this.#ref(ns);
    let messages = batch;
    let skipped = 0;
    let indexOf = (i: number) => i;
    if (onExisting === 'skip' && options.clearFirst !== true && batch.length > 0) {
      const stored = await this.#storedAt(ref, batch);
      const split = splitExisting(batch, stored);
      messages = split.rest;
      skipped = split.skipped;
      indexOf = (i) => split.restIndex[i] ?? i;
    }
    if (messages.length > 0 || options.clearFirst === true) {
      // A later batch's skip lookups must see this one, so with `skip` it is signalled as stored
      // only once it resolves (committed and durable).
      const { onStored, ...unsignalled } = options;
      const backendOptions = onExisting === 'skip' || onStored === undefined ? unsignalled : options;
      await this.#call(() => this.#backend.importBatch(ref, messages, backendOptions), 'IMPORT_FAILED').catch(
        (err: unknown) => {
          throw messages === batch ? err : reindexed(err, indexOf);
        },
      );
    }
    if (this.#listeners.size > 0 && messages.length > 0) {
      this.#emit({
        namespace: ref.id,
        messages: messages.map(({ streamName, position, globalPosition }) => ({
          streamName,
          position,
          globalPosition,
        })),
      });
    }
    return { imported: messages.length, skipped };
  }

  /** The stored messages at the batch's global positions, in lookups of at most 10,000. */
  async #storedAt(ref: NamespaceRef, batch: readonly StoredMessage[]): Promise<StoredMessage[]> {
    const positions = [...new Set(batch.map((m) => m.globalPosition))];
    const stored: StoredMessage[] = [];
    for (let i = 0; i < positions.length; i += READ_POSITIONS_MAX) {
      const some = positions.slice(i, i + READ_POSITIONS_MAX);
      stored.push(...(await this.#call(() => this.#backend.readGlobalPositions(ref, some), 'IMPORT_FAILED')));
    }
    return stored;
  }

  /**
   * Completes the writes and imports already asked for (later ones fail with BACKEND_ERROR), stops
   * reporting commits and releases the backend.
   */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.allSettled([...this.#inFlight]);
    this.#stopWatching?.();
    this.#listeners.clear();
    await this.#backend.close();
  }

  /** Runs a write, counted so that `close()` can wait for it. */
  #tracked<T>(write: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(backendError('the store is closed'));
    const running = write();
    this.#inFlight.add(running);
    const forget = () => this.#inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  #emit(commit: Commit): void {
    for (const listener of this.#listeners) {
      try {
        listener(commit);
      } catch {
        // A listener that throws would otherwise fail a write that is already durable.
        this.#listeners.delete(listener);
      }
    }
  }

  /** `ns` as a ref: a bare id takes the namespace's current incarnation. Throws NAMESPACE_NOT_FOUND. */
  async #ref(ns: NamespaceTarget): Promise<NamespaceRef> {
    if (typeof ns !== 'string') return ns;
    const record = await this.getNamespace(ns);
    if (record === null) throw namespaceNotFound(ns);
    return refOf(record);
  }

  async #collect(read: () => AsyncIterable<StoredMessage[]>): Promise<StoredMessage[]> {
    return this.#call(async () => {
      const out: StoredMessage[] = [];
      for await (const page of read()) for (const m of page) out.push(m);
      return out;
    });
  }

  async #call<T>(
    fn: () => Promise<T>,
    failure: 'BACKEND_ERROR' | 'IMPORT_FAILED' = 'BACKEND_ERROR',
  ): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isEventoError(err)) throw err;
      throw new EventoError(failure, 'the store failed', undefined, { cause: err });
    }
  }
}

/** Namespace records by id, each for `ttlMs`, at most NAMESPACE_CACHE_ENTRIES of them. */
class NamespaceCache {
  readonly #entries = new Map<string, { record: NamespaceRecord; expires: number }>();

  constructor(private readonly ttlMs: number) {}

  get(id: string): NamespaceRecord | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.expires < performance.now()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry.record;
  }

  set(record: NamespaceRecord): void {
    if (this.#entries.size >= NAMESPACE_CACHE_ENTRIES) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(record.id, { record, expires: performance.now() + this.ttlMs });
  }

  forget(id: string): void {
    this.#entries.delete(id);
  }
}

/** The backend's `maxBytes` option: only a positive bound is passed on. */
function sizeBound(maxBytes: number | undefined): { maxBytes?: number } {
  return maxBytes !== undefined && maxBytes > 0 ? { maxBytes } : {};
}

const refOf = (record: NamespaceRecord): NamespaceRef => ({
  id: record.id,
  incarnation: record.incarnation,
});

/**
 * An imported record's positions must leave room for a later write: a normal write takes the
 * highest position + 1, which must stay ≤ MAX_POSITION (2^53-1) to be exact and unique.
 */
function assertImportPositions(m: StoredMessage, index: number): void {
  const room = MAX_POSITION - 1;
  if (!Number.isSafeInteger(m.globalPosition) || m.globalPosition < 1 || m.globalPosition > room) {
    throw new InvalidRecordError(index, 'gpos', `gpos must be an integer from 1 to ${room}`);
  }
  if (!Number.isSafeInteger(m.position) || m.position < 0 || m.position > room) {
    throw new InvalidRecordError(index, 'pos', `pos must be an integer from 0 to ${room}`);
  }
}

/**
 * The backend's `since`/`until`: integers of the accepted time range (a caller past the wire, where
 * they were parsed from RFC 3339), `since` below `until`. Throws INVALID_REQUEST naming the option.
 */
function timeWindow(
  since: number | undefined,
  until: number | undefined,
): { since?: number; until?: number } {
  for (const [name, value] of [
    ['since', since],
    ['until', until],
  ] as const) {
    if (value !== undefined && !(isTimeInRange(value) || value === END_TIME)) {
      throw invalidRequest(`${name} must be a time from 0001 to 9999 UTC`);
    }
  }
  if (since !== undefined && until !== undefined && since >= until) {
    throw invalidRequest('since must be before until');
  }
  return { ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) };
}

/** A record error of the batch left after skipping, with the record's index in the whole batch. */
function reindexed(err: unknown, indexOf: (i: number) => number): unknown {
  if (err instanceof PositionExistsError)
    return new PositionExistsError(indexOf(err.index), err.clash, err.message, err.differs);
  if (err instanceof InvalidRecordError)
    return new InvalidRecordError(indexOf(err.index), err.field, err.message);
  return err;
}

/** `batchSize` → a limit: default 1000, -1 → null (no limit), 0 → 0, 1..10000. */
function batchLimit(batchSize: number | undefined): number | null {
  if (batchSize === undefined) return 1000;
  if (batchSize === -1) return null;
  if (!Number.isSafeInteger(batchSize) || batchSize < 0 || batchSize > MAX_BATCH_SIZE) {
    throw invalidRequest(`batchSize must be -1 or an integer from 0 to ${MAX_BATCH_SIZE}`);
  }
  return batchSize;
}
