/**
 * The records of an export, in global-position order, read through the public RPC API only
 * (so it works against any EventoDB server): paged `category.get`, one cursor per category
 * (`''` for the whole namespace), merged by global position. Each cursor fetches its next page
 * while the current one is written, so server and client work in parallel. A page that fails
 * transiently is retried by the RPC client from the cursor's position, so a disturbed run
 * produces the same records as an undisturbed one.
 */
import { recordLineOfRow, type CategoryRow } from '../ndjson/record.js';
import { scanCategoryRows, type ScannedRow } from '../ndjson/row-scan.js';
import { formatTime, parseTime } from '../store/time.js';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { RpcClient } from './rpc.js';

export interface ExportSourceOptions {
  rpc: RpcClient;
  /** Categories to export; empty: the whole namespace. */
  categories: readonly string[];
  /** Inclusive lower bound on time, microseconds. */
  since?: number;
  /** Exclusive upper bound on time, microseconds. */
  until?: number;
  /** Only records after this global position (exclusive); default 0, the whole selection. */
  after?: number;
  /**
   * Send `since`/`until` to the server with each `category.get` (a server whose
   * `sys.capabilities` lists `category.get.timeWindow`), rather than reading the whole selection
   * and filtering here. Default false: the client-side filter every server works with.
   */
  serverTimeWindow?: boolean;
  /** Rows per `category.get`; default: sized to ~96 KiB replies. */
  pageSize?: number;
}

/**
 * Page sizing. Unless a fixed size is asked for, pages aim at ~96 KiB of reply, sized from the
 * bytes per row seen so far: small enough to keep memory low and flat, and measured as fast as
 * 10000-row pages because the next page is fetched while the current one is written.
 */
const TARGET_PAGE_BYTES = 96 * 1024;
const FIRST_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 10_000;

/** One category read page by page, one page ahead. */
class CategoryCursor {
  #rows: ScannedRow[] = [];
  #index = 0;
  #next: Promise<ScannedRow[]> | null;
  #position: number;
  #size: number;

  constructor(
    private readonly rpc: RpcClient,
    private readonly category: string,
    private readonly fixedSize: number | undefined,
    private readonly withTime: boolean,
    /** Extra `category.get` options (the server-side time window). */
    private readonly window: Readonly<Record<string, string>>,
    first: number,
  ) {
    this.#position = first;
    this.#size = fixedSize ?? FIRST_PAGE_SIZE;
    this.#next = this.#fetch();
  }

  /** The next row, or null at the end. */
  async peek(): Promise<ScannedRow | null> {
    while (this.#index >= this.#rows.length) {
      if (this.#next === null) return null;
      const rows = await this.#next;
      this.#rows = rows;
      this.#index = 0;
      const last = rows.at(-1);
      this.#position = last === undefined ? this.#position : last.gpos + 1;
      // Only an empty page ends a category: a server may cut a page short of batchSize to bound
      // its reply size (docs/API.md, reply size), so a short page says nothing about the end.
      this.#next = rows.length === 0 ? null : this.#fetch();
      // Let the request for the next page leave now (the agent assigns its socket on a later
      // tick), so the server works on it while this page is written.
      if (this.#next !== null) await yieldToEventLoop();
    }
    return this.#rows[this.#index] ?? null;
  }

  /** The rest of the current page (for the single-cursor fast path). */
  takePage(): ScannedRow[] {
    const rest = this.#index === 0 ? this.#rows : this.#rows.slice(this.#index);
    this.#index = this.#rows.length;
    return rest;
  }

  advance(): void {
    this.#index++;
  }

  #fetch(): Promise<ScannedRow[]> {
    const promise = this.rpc
      .callRaw('category.get', this.category, {
        position: this.#position,
        batchSize: this.#size,
        ...this.window,
      })
      .then((reply) => {
        const rows = scanCategoryRows(reply, this.withTime) ?? parseRows(reply);
        if (this.fixedSize === undefined && rows.length > 0) {
          const fitting = Math.round((TARGET_PAGE_BYTES * rows.length) / reply.length);
          this.#size = Math.min(MAX_PAGE_SIZE, Math.max(1, fitting));
        }
        return rows;
      });
    // Avoid an unhandled rejection while the previous page is still being written.
    promise.catch(() => undefined);
    return promise;
  }
}

/** Whole NDJSON lines of one or more pages. */
export interface ExportChunk {
  /** NDJSON bytes: whole lines. */
  data: Buffer;
  /** Records in `data`. */
  records: number;
  /** Global position of the last row read (written or filtered out). */
  lastGpos: number;
  /**
   * Global position of the last record in `data`, null when it holds none. A transform that
   * drops records keeps it right: it is where a later `--after` continues from.
   */
  lastRecordGpos: number | null;
}

/** A stage between the export source and its sink (a file, stdout, an import): chunks in, out. */
export type ChunkTransform = (chunks: AsyncIterable<ExportChunk>) => AsyncIterable<ExportChunk>;

/** The export as NDJSON, in chunks of whole lines, in global-position order. */
export async function* exportChunks(options: ExportSourceOptions): AsyncGenerator<ExportChunk> {
  // Rows per merged chunk of several categories (the single-category path yields whole pages).
  const merged = 1000;
  const names = options.categories.length === 0 ? [''] : [...new Set(options.categories)];
  const isServerWindow = options.serverTimeWindow === true;
  const withTime = !isServerWindow && (options.since !== undefined || options.until !== undefined);
  const window = isServerWindow ? timeWindow(options.since, options.until) : {};
  const first = (options.after ?? 0) + 1;
  const cursors = names.map(
    (name) => new CategoryCursor(options.rpc, name, options.pageSize, withTime, window, first),
  );
  const keep = isServerWindow ? () => true : timeFilter(options.since, options.until);
  for (;;) {
    const rows = cursors.length === 1 ? await nextPage(cursors[0]!) : await mergeSome(cursors, merged);
    if (rows.length === 0) return;
    const kept = rows.filter(keep);
    yield {
      data: Buffer.concat(kept.map((row) => row.line)),
      records: kept.length,
      lastGpos: rows[rows.length - 1]!.gpos,
      lastRecordGpos: kept.at(-1)?.gpos ?? null,
    };
  }
}

/** The general path for a reply the scanner does not take (see row-scan.ts). */
function parseRows(reply: Buffer): ScannedRow[] {
  return (JSON.parse(reply.toString('utf8')) as CategoryRow[]).map((row) => ({
    line: Buffer.from(recordLineOfRow(row) + '\n'),
    gpos: row[4],
    time: row[7],
  }));
}

async function nextPage(cursor: CategoryCursor): Promise<ScannedRow[]> {
  return (await cursor.peek()) === null ? [] : cursor.takePage();
}

/** Up to `max` rows, smallest global position first, across all cursors. */
async function mergeSome(cursors: CategoryCursor[], max: number): Promise<ScannedRow[]> {
  const out: ScannedRow[] = [];
  while (out.length < max) {
    let best: ScannedRow | null = null;
    let bestCursor: CategoryCursor | null = null;
    for (const cursor of cursors) {
      const row = await cursor.peek();
      if (row !== null && (best === null || row.gpos < best.gpos)) {
        best = row;
        bestCursor = cursor;
      }
    }
    if (best === null || bestCursor === null) break;
    out.push(best);
    bestCursor.advance();
  }
  return out;
}

/** The `category.get` options of a server-side window: RFC 3339, since inclusive, until exclusive. */
function timeWindow(since: number | undefined, until: number | undefined): Record<string, string> {
  return {
    ...(since === undefined ? {} : { since: formatTime(since) }),
    ...(until === undefined ? {} : { until: formatTime(until) }),
  };
}

function timeFilter(since: number | undefined, until: number | undefined): (row: ScannedRow) => boolean {
  if (since === undefined && until === undefined) return () => true;
  return (row) => {
    const t = row.time === null ? null : parseTime(row.time);
    return t !== null && (since === undefined || t >= since) && (until === undefined || t < until);
  };
}
