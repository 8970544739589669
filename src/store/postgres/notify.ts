/**
 * Commits of other server processes on the same database (`watchExternalCommits`).
 *
 * Every append group and import batch calls `pg_notify` on `COMMIT_CHANNEL` inside its
 * transaction (PostgreSQL delivers it at commit, in commit order, and never for a rollback). The
 * payload is small whatever the commit's size (NOTIFY payloads are limited to 8000 bytes): the
 * sending backend instance's random `origin`, the namespace id, its schema and the commit's
 * lowest and highest global position (plus, for an import, whose positions may be sparse among
 * stored ones, the id of the transaction that inserted the rows).
 *
 * One dedicated connection per backend (not from the pool: a pooled connection is handed to
 * other work and LISTEN is session state) receives them. Notifications of our own origin are
 * ignored (the façade reports our commits); for others, the rows of that range are read from the
 * schema and reported as one `Commit`, one notification after another, so in commit order.
 *
 * A dropped LISTEN connection is reconnected (with backoff). Notifications sent while it was down
 * are lost, so once it listens again every namespace of the registry is reported as `missed`
 * (store.ts): its subscribers re-read the store from their cursors, and nothing committed by
 * another process during the gap (a PostgreSQL restart, a cut connection) goes unpoked.
 */
import pg from 'pg';
import type { Commit, CommitListener, CommittedPosition } from '../store.js';
import { COMMIT_CHANNEL, REGISTRY, quoteIdent, quoteLiteral, type SchemaRef } from './schema.js';

/** Reconnect delays of the LISTEN connection: doubling from the first to the last. */
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5000;

/** What a notification carries (short keys: the payload limit is 8000 bytes). */
interface Payload {
  /** Origin: the sending backend instance. */
  o: string;
  /** Namespace id. */
  n: string;
  /** Schema of the incarnation. */
  s: string;
  /** Lowest and highest global position of the commit. */
  a: number;
  b: number;
  /** For an import: the xmin of its rows (other rows may lie between a and b). */
  x?: string;
}

/**
 * The statement (for the end of a writing transaction) that notifies a commit of global positions
 * `low..high` in `ref`. With `sparse`, the notification also names the inserting transaction's
 * xmin (read from the row at `low`, which the transaction inserted), so the range's other rows are
 * left out.
 */
export function notifySql(
  origin: string,
  ref: SchemaRef,
  low: number,
  high: number,
  sparse: boolean,
): string {
  const fixed = JSON.stringify({ o: origin, n: ref.id, s: ref.schema, a: low, b: high });
  if (!sparse) return `SELECT pg_notify('${COMMIT_CHANNEL}', ${quoteLiteral(fixed)})`;
  const open = fixed.slice(0, -1);
  return `SELECT pg_notify('${COMMIT_CHANNEL}', ${quoteLiteral(`${open},"x":"`)} ||
    (SELECT xmin::text FROM ${ref.table} WHERE global_position = ${low}) || '"}')`;
}

function parsePayload(text: string): Payload | null {
  try {
    const p = JSON.parse(text) as Partial<Payload>;
    if (
      typeof p.o !== 'string' ||
      typeof p.n !== 'string' ||
      typeof p.s !== 'string' ||
      typeof p.a !== 'number' ||
      typeof p.b !== 'number'
    ) {
      return null;
    }
    return p as Payload;
  } catch {
    return null;
  }
}

/** The LISTEN connection of one backend instance and the listeners it feeds. */
export class CommitWatcher {
  readonly #config: pg.ClientConfig;
  readonly #pool: pg.Pool;
  readonly #origin: string;
  readonly #listeners = new Set<CommitListener>();
  #client: pg.Client | null = null;
  #closed = false;
  /** True once a LISTEN has succeeded: later connections are reconnects. */
  #listenedBefore = false;
  #retryMs = RECONNECT_FIRST_MS;
  #retry: NodeJS.Timeout | null = null;
  /** Notifications are handled one after another, so commits are reported in commit order. */
  #queue: Promise<void> = Promise.resolve();

  constructor(config: pg.ClientConfig, pool: pg.Pool, origin: string) {
    this.#config = { ...config, application_name: 'eventodb-listen', keepAlive: true };
    this.#pool = pool;
    this.#origin = origin;
  }

  /** Connects and listens; throws when the first connection fails. */
  async start(): Promise<void> {
    await this.#connect();
  }

  /** Adds a listener; returns the function that removes it. */
  watch(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Ends the LISTEN connection (and any reconnect planned) and waits for reports under way. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
    await this.#queue;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on('notification', (message) => {
      if (message.channel === COMMIT_CHANNEL && message.payload !== undefined)
        this.#received(message.payload);
    });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${COMMIT_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#retryMs = RECONNECT_FIRST_MS;
    if (this.#listenedBefore) this.#queue = this.#queue.then(() => this.#reportMissed());
    this.#listenedBefore = true;
  }

  /** After a reconnect: every namespace may have missed commits (see the file comment). */
  async #reportMissed(): Promise<void> {
    let ids: string[];
    try {
      const { rows } = await this.#pool.query<[string]>({
        text: `SELECT id FROM ${REGISTRY}.namespaces`,
        rowMode: 'array',
      });
      ids = rows.map(([id]) => id);
    } catch {
      // Unreachable again: the next reconnect reports them.
      return;
    }
    for (const namespace of ids) {
      const commit: Commit = { namespace, messages: [], missed: true };
      for (const listener of this.#listeners) listener(commit);
    }
  }

  #lost(client: pg.Client): void {
    if (this.#closed || this.#client !== client) return;
    this.#client = null;
    client.end().catch(() => undefined);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retry !== null) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(RECONNECT_MAX_MS, this.#retryMs * 2);
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.#connect().catch(() => this.#scheduleReconnect());
    }, delay);
    this.#retry.unref();
  }

  #received(text: string): void {
    const payload = parsePayload(text);
    if (payload === null || payload.o === this.#origin || this.#listeners.size === 0) return;
    this.#queue = this.#queue.then(() => this.#report(payload));
  }

  async #report(p: Payload): Promise<void> {
    let messages: CommittedPosition[];
    try {
      const sparse = p.x === undefined ? '' : ` AND xmin = $3::text::xid`;
      const { rows } = await this.#pool.query<[string, number, number]>({
        text: `SELECT stream_name, position, global_position FROM ${quoteIdent(p.s)}.messages
          WHERE global_position BETWEEN $1 AND $2${sparse} ORDER BY global_position`,
        values: p.x === undefined ? [p.a, p.b] : [p.a, p.b, p.x],
        rowMode: 'array',
      });
      messages = rows.map(([streamName, position, globalPosition]) => ({
        streamName,
        position,
        globalPosition,
      }));
    } catch {
      // The namespace was deleted meanwhile, or the database is unreachable: nothing to report
      // (subscribers re-read the store at their next wake-up).
      return;
    }
    if (messages.length === 0) return;
    const commit: Commit = { namespace: p.n, messages };
    for (const listener of this.#listeners) listener(commit);
  }
}
