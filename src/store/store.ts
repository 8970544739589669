/**
 * The store interface every backend implements (SQLite, PostgreSQL, the embedded KV engine).
 *
 * Backends only store and fetch. Validation, id and time generation, option defaults, JSON
 * encoding and error mapping live once, above them, in `EventStore` (event-store.ts), which is
 * what the server, the CLI and the conformance suite use.
 *
 * Conventions for every method:
 * - `ns` is a `NamespaceRef`: a namespace id and the incarnation the caller opened (its token was
 *   checked against that incarnation). A backend acts only on that incarnation: when the namespace
 *   is missing, or was deleted (and perhaps created again under the same id, which is a new
 *   incarnation), every method throws NAMESPACE_NOT_FOUND. Writes and imports check this inside
 *   their transaction, so a delete racing a write can never let the write land in a namespace
 *   created later; a paged read checks it before each page. Deleting a namespace thereby ends the
 *   requests in flight on it.
 * - Positions are exact integers up to `MAX_POSITION` (2^53-1, the largest integer a JSON number or
 *   a JS number holds exactly). A backend never hands out a position above it: a write whose next
 *   global position or next stream position would exceed it throws INVALID_REQUEST
 *   (`PositionLimitError`), decided inside the write transaction, never a duplicate position and
 *   never DUPLICATE_MESSAGE_ID. Imports above `MAX_POSITION - 1` are refused above the backends.
 * - `data` and `metadata` are JSON text (an object; metadata may be null), so no layer re-parses
 *   a payload it only passes through.
 * - Times are integer microseconds since the Unix epoch.
 * - Errors a caller can act on are `EventoError`s with the contract's codes; anything else thrown
 *   is a backend failure and is reported as BACKEND_ERROR (IMPORT_FAILED for imports).
 */
import type { ConsumerGroup } from './stream-name.js';

/** The size of a message for `maxBytes`: the lengths of its `data` and `metadata` texts. */
export function messageSize(m: StoredMessage): number {
  return m.data.length + (m.metadata?.length ?? 0);
}

/** One stored message, as every backend returns it. */
export interface StoredMessage {
  /** UUID, unique in the namespace. */
  id: string;
  streamName: string;
  type: string;
  /** Position in its stream, from 0. */
  position: number;
  /** Position in the namespace, from 1; unique; increasing in commit order for normal writes. */
  globalPosition: number;
  /** JSON text of an object. */
  data: string;
  /** JSON text of an object, or null. */
  metadata: string | null;
  /** Microseconds since the Unix epoch. */
  time: number;
}

/** A message to append with `write`; positions are assigned by the backend. */
export interface NewMessage {
  id: string;
  streamName: string;
  type: string;
  data: string;
  metadata: string | null;
  time: number;
  /** The stream's version the writer expects (-1: the stream must not exist); absent: no check. */
  expectedVersion?: number;
}

export interface WriteResult {
  position: number;
  globalPosition: number;
}

/** The largest position (global or stream) a backend stores or hands out: 2^53-1. */
export const MAX_POSITION = Number.MAX_SAFE_INTEGER;

/**
 * A namespace as one request sees it: the id and the incarnation its token was checked against.
 * Each `createNamespace` starts a new incarnation, so a ref taken before a delete never reaches a
 * namespace created later under the same id.
 */
export interface NamespaceRef {
  readonly id: string;
  /** `NamespaceRecord.incarnation` of the namespace when the caller authenticated. */
  readonly incarnation: string;
}

/** A namespace as stored in the metadata registry. */
export interface NamespaceRecord {
  id: string;
  /**
   * Identity of this creation of the namespace (a random UUID set at create, never reused):
   * deleting and creating the same id gives a new incarnation.
   */
  incarnation: string;
  description: string;
  /** Hex SHA-256 of the namespace's token. */
  tokenHash: string;
  /** Microseconds since the epoch. */
  createdAt: number;
}

/** A namespace with its message count, as `listNamespaces` returns it. */
export interface NamespaceSummary extends NamespaceRecord {
  messageCount: number;
}

export interface NamespaceStats {
  messageCount: number;
  streamCount: number;
  /** Time of the newest message (microseconds), null when empty. */
  lastActivity: number | null;
}

export interface StreamSummary {
  stream: string;
  /** Highest position in the stream. */
  version: number;
  /** Time of the stream's newest message (microseconds). */
  lastActivity: number;
}

export interface CategorySummary {
  category: string;
  streamCount: number;
  messageCount: number;
}

export interface ReadStreamOptions {
  /** First stream position to return (≥ 0); ignored when `fromGlobalPosition` is set. */
  fromPosition: number;
  /** When set, filter on global position ≥ this instead of stream position. */
  fromGlobalPosition?: number;
  /** Maximum number of messages in total; null means no limit. Always ≥ 1 when not null. */
  limit: number | null;
  /**
   * Size bound: stop before the message that would bring the total length of the returned
   * messages' `data` and `metadata` (in UTF-16 code units, ≤ their UTF-8 bytes) above this. The
   * first message is always returned, however large. Absent: no size bound.
   */
  maxBytes?: number;
}

export interface ReadCategoryOptions {
  /** First global position to return (≥ 1). */
  fromGlobalPosition: number;
  /** Maximum number of messages in total; null means no limit. Always ≥ 1 when not null. */
  limit: number | null;
  /**
   * Size bound: stop before the message that would bring the total length of the returned
   * messages' `data` and `metadata` (in UTF-16 code units, ≤ their UTF-8 bytes) above this. The
   * first message is always returned, however large. Absent: no size bound.
   */
  maxBytes?: number;
  /** Keep messages whose `metadata.correlationStreamName` has this category. */
  correlation?: string;
  /** Keep messages of streams owned by this consumer group member (stream-name.ts rule). */
  consumerGroup?: ConsumerGroup;
  /**
   * Keep messages whose `time` is ≥ this (microseconds). Served from an index (or an equally fast
   * structure): a narrow window out of a large namespace must not read every message. Imported
   * data need not be monotonic in time, so a backend cannot stop at the first message past the
   * window; pages still come in global position order.
   */
  since?: number;
  /** Keep messages whose `time` is < this (microseconds). Same rules as `since`. */
  until?: number;
}

export interface ListStreamsOptions {
  /** Only streams whose name starts with this. */
  prefix?: string;
  /** Only streams sorted after this name. */
  after?: string;
  /** 1..1000. */
  limit: number;
}

export interface ImportOptions {
  /** Delete every message of the namespace in the same transaction, before inserting. */
  clearFirst?: boolean;
  /**
   * Called at most once, before `importBatch` resolves, when the batch has passed every check and
   * its keys are in a transaction that commits before any transaction started later (it may not
   * be durable yet: the returned promise still resolves only once it is). A caller may start its
   * next batch from then on, so that batch's work overlaps this one's commit and sync. A backend
   * without such an earlier point need not call it; the caller then waits for the promise.
   */
  onStored?: () => void;
}

/** Backend differences, declared; code and tests branch on these, never on a backend's name. */
export interface StoreCapabilities {
  /** Data survives closing and reopening the store (the conformance runner must then reopen it). */
  persistent: boolean;
  /**
   * Other processes may write the same storage (several servers on one PostgreSQL database). The
   * backend then implements `watchExternalCommits`, and caches above it expire (event-store.ts).
   */
  sharedStorage: boolean;
  /**
   * How `data` and `metadata` come back: `text` byte-for-byte as written; `value` as an equal JSON
   * value (object keys may be reordered, as PostgreSQL's jsonb does). Round-trip tests compare
   * accordingly.
   */
  jsonFidelity: 'text' | 'value';
}

/** Where one committed message landed. */
export interface CommittedPosition {
  streamName: string;
  position: number;
  globalPosition: number;
}

/** One durable commit in a namespace: a written message, or an imported batch. */
export interface Commit {
  namespace: string;
  /** The commit's messages, in the order they were written or imported. */
  messages: readonly CommittedPosition[];
  /**
   * Only from `watchExternalCommits`, with no `messages`: commits of other processes in this
   * namespace may have gone unreported (the watch was interrupted and is back). Whoever tracks
   * commits re-reads the store.
   */
  missed?: true;
}

/** Receives commits; must return quickly (it runs on the write path) and never throw. */
export type CommitListener = (commit: Commit) => void;

/** What every backend implements. See the file comment for the shared conventions. */
export interface StoreBackend {
  /** The backend's name as reported by `sys.health` (`sqlite`, `postgres`, `kv`). */
  readonly name: string;
  readonly supports: StoreCapabilities;

  /**
   * Registers a namespace (with the record's incarnation) and creates its storage. Throws
   * NAMESPACE_EXISTS.
   */
  createNamespace(record: NamespaceRecord): Promise<void>;
  /**
   * Removes a namespace and all its messages; returns how many messages it held, null if missing.
   * Requests in flight on it end with NAMESPACE_NOT_FOUND (writes not yet committed are not
   * stored); once this resolves nothing more is written to its storage.
   */
  deleteNamespace(id: string): Promise<number | null>;
  /** The namespace's record, or null. */
  getNamespace(id: string): Promise<NamespaceRecord | null>;
  /**
   * Every namespace with its message count, sorted by id (code-unit order). Must not need every
   * namespace's storage open at once: a backend with per-namespace storage keeps the counts where
   * it can answer from (SQLite: in the metadata database, see its index.ts).
   */
  listNamespaces(): Promise<NamespaceSummary[]>;
  /** Replaces a namespace's token hash. Throws NAMESPACE_NOT_FOUND. */
  setTokenHash(id: string, tokenHash: string): Promise<void>;
  /** Message and stream counts and the newest message's time. */
  namespaceStats(ns: NamespaceRef): Promise<NamespaceStats>;
  /**
   * The highest global position stored in the namespace, 0 when it is empty. On shared storage,
   * every message at or below it is committed: none with a lower position commits later (the
   * guarantee `readCategory` gives, ADR 0005), imports of sparse positions aside.
   */
  lastGlobalPosition(ns: NamespaceRef): Promise<number>;

  /**
   * Appends one message at the stream's next position (0 for a new stream) and the namespace's
   * next global position (above every stored one). Concurrent writes to one stream get unique,
   * gapless positions. Throws STREAM_VERSION_CONFLICT (`StreamVersionConflictError`) when
   * `expectedVersion` is set and differs from the stream's version (-1 when missing), and
   * DUPLICATE_MESSAGE_ID when the id exists in the namespace, INVALID_REQUEST
   * (`PositionLimitError`) when the next global or stream position would exceed `MAX_POSITION`,
   * NAMESPACE_NOT_FOUND when `ns`'s incarnation is gone (checked in the transaction). Resolves
   * once durable.
   */
  write(ns: NamespaceRef, message: NewMessage): Promise<WriteResult>;
  /** A stream's messages in position order, in pages (each non-empty). */
  readStream(
    ns: NamespaceRef,
    streamName: string,
    options: ReadStreamOptions,
  ): AsyncIterable<StoredMessage[]>;
  /**
   * A category's messages (every message of the namespace when `category` is '') in global
   * position order, in pages (each non-empty). A reader never skips a message committed by a
   * concurrent normal write.
   */
  readCategory(
    ns: NamespaceRef,
    category: string,
    options: ReadCategoryOptions,
  ): AsyncIterable<StoredMessage[]>;
  /** The stream's message with the highest position (of `type`, when given), or null. */
  lastMessage(ns: NamespaceRef, streamName: string, type?: string): Promise<StoredMessage | null>;
  /** The stream's highest position, or null when it has no messages. */
  streamVersion(ns: NamespaceRef, streamName: string): Promise<number | null>;
  /** Streams sorted by name. */
  listStreams(ns: NamespaceRef, options: ListStreamsOptions): Promise<StreamSummary[]>;
  /** Categories sorted by name. */
  listCategories(ns: NamespaceRef): Promise<CategorySummary[]>;

  /**
   * Stores messages with their explicit positions, all in one transaction: on any error nothing
   * of the batch is stored. Throws `PositionExistsError` (POSITION_EXISTS) naming the first
   * record whose global position, (stream, position) or id — checked in that order — exists in
   * the namespace or earlier in the batch. Keeps Message DB's invariant that within one stream
   * position order and global order agree: a record whose position is below (above) that of a
   * stored message or of another record of the batch in the same stream, but whose global position
   * is above (below) it, is refused with `InvalidRecordError` (INVALID_RECORD, field `pos`, `index`
   * the record's index) naming both, e.g. `stream acct-1 position 3 at global position 90 would
   * follow position 7 at global position 80` (src/store/stream-order.ts). Checked only when no
   * record clashes: any clash in the batch is POSITION_EXISTS. Afterwards a normal write gets a
   * global position above every stored one, and each stream continues at its highest
   * position + 1. Positions arrive validated (1 ≤ gpos < MAX_POSITION, 0 ≤ pos < MAX_POSITION).
   * NAMESPACE_NOT_FOUND when `ns`'s incarnation is gone (checked in the transaction).
   */
  importBatch(ns: NamespaceRef, messages: readonly StoredMessage[], options?: ImportOptions): Promise<void>;
  /**
   * The stored messages at these global positions (those that exist; the rest are left out), in
   * global position order. `globalPositions` holds at most 10,000 distinct valid positions, in any
   * order. Used by a re-runnable import (`onExisting: 'skip'`) to compare a batch with what is
   * stored, so it must be a point lookup per position (an index), never a scan.
   */
  readGlobalPositions(ns: NamespaceRef, globalPositions: readonly number[]): Promise<StoredMessage[]>;

  /**
   * Only when `supports.sharedStorage`: calls `listener` for every commit made by OTHER processes
   * on the same storage (this process's own commits are reported by the façade, so none is
   * reported twice), in commit order per namespace. Returns a function that stops watching.
   */
  watchExternalCommits?(listener: CommitListener): () => void;

  /** Releases every resource; pending writes complete first. */
  close(): Promise<void>;
}

/** How `openStore` (open-store.ts) opens a backend. */
export interface BackendOpenOptions {
  /** The `--db-url` as given (the backend parses its own scheme's syntax). */
  url: string;
  /** The `--data-dir`, for backends that keep files and whose URL names no path. */
  dataDir: string | undefined;
  /** Test mode: keep everything in memory and persist nothing. */
  inMemory: boolean;
}

/** What each backend folder's index.ts exports as `backend`. */
export interface BackendDefinition {
  /** The backend's name, as `sys.health` reports it. */
  readonly name: string;
  /** Whether `open` honours `inMemory` (test mode). */
  readonly canRunInMemory: boolean;
  /**
   * Opens (and creates, with its directories or schema) the storage the URL names. Throws
   * INVALID_REQUEST for a URL it cannot use, BACKEND_ERROR when the storage cannot be reached.
   */
  open(options: BackendOpenOptions): Promise<StoreBackend>;
}
