/**
 * The records of an export, in global-position order, read through the public RPC API only
 * (so it works against any EventoDB server): paged `category.get`, one cursor per category
 * (`''` for the whole namespace), merged by global position. Each cursor fetches its next page
 * while the current one is written, so server and client work in parallel. A page that fails
 * transiently is retried by the RPC client from the cursor's position, so a disturbed run
 * produces the same records as an undisturbed one.
 */
import { recordLineOfRow, type CategoryRow } from '../ndjson/record.js';
import { parseTime } from '../store/time.js';
import type { RpcClient } from './rpc.js';

export interface ExportSourceOptions {
  rpc: RpcClient;
  /** Categories to export; empty: the whole namespace. */
  categories: readonly string[];
  /** Inclusive lower bound on time, microseconds. */
  since?: number;
  /** Exclusive upper bound on time, microseconds. */
  until?: number;
  /** Rows per `category.get`; default 1000. */
  pageSize?: number;
}

/** One category read page by page, one page ahead. */
class CategoryCursor {
  #rows: CategoryRow[] = [];
  #index = 0;
  #next: Promise<CategoryRow[]> | null;
  #position = 1;

  constructor(
    private readonly rpc: RpcClient,
    private readonly category: string,
    private readonly pageSize: number,
  ) {
    this.#next = this.#fetch();
  }

  /** The next row, or null at the end. */
  async peek(): Promise<CategoryRow | null> {
    while (this.#index >= this.#rows.length) {
      if (this.#next === null) return null;
      this.#rows = await this.#next;
      this.#index = 0;
      const last = this.#rows.at(-1);
      this.#position = last === undefined ? this.#position : last[4] + 1;
      this.#next = this.#rows.length < this.pageSize ? null : this.#fetch();
    }
    return this.#rows[this.#index] ?? null;
  }

  /** The rest of the current page (for the single-cursor fast path). */
  takePage(): CategoryRow[] {
    const rest = this.#index === 0 ? this.#rows : this.#rows.slice(this.#index);
    this.#index = this.#rows.length;
    return rest;
  }

  advance(): void {
    this.#index++;
  }

  #fetch(): Promise<CategoryRow[]> {
    const position = this.#position;
    const promise = this.rpc.call<CategoryRow[]>('category.get', this.category, {
      position,
      batchSize: this.pageSize,
    });
    // Avoid an unhandled rejection while the previous page is still being written.
    promise.catch(() => undefined);
    return promise;
  }
}

/** Whole NDJSON lines of one or more pages. */
export interface ExportChunk {
  text: string;
  /** Records in `text`. */
  records: number;
  /** Global position of the last row read (written or filtered out). */
  lastGpos: number;
}

/** NDJSON text of the export, in chunks of whole lines, in global-position order. */
export async function* exportChunks(options: ExportSourceOptions): AsyncGenerator<ExportChunk> {
  const pageSize = options.pageSize ?? 1000;
  const names = options.categories.length === 0 ? [''] : [...new Set(options.categories)];
  const cursors = names.map((name) => new CategoryCursor(options.rpc, name, pageSize));
  const keep = timeFilter(options.since, options.until);
  for (;;) {
    const rows = cursors.length === 1 ? await nextPage(cursors[0]!) : await mergeSome(cursors, pageSize);
    if (rows.length === 0) return;
    let text = '';
    let records = 0;
    for (const row of rows) {
      if (!keep(row)) continue;
      text += recordLineOfRow(row) + '\n';
      records++;
    }
    yield { text, records, lastGpos: rows[rows.length - 1]![4] };
  }
}

async function nextPage(cursor: CategoryCursor): Promise<CategoryRow[]> {
  return (await cursor.peek()) === null ? [] : cursor.takePage();
}

/** Up to `max` rows, smallest global position first, across all cursors. */
async function mergeSome(cursors: CategoryCursor[], max: number): Promise<CategoryRow[]> {
  const out: CategoryRow[] = [];
  while (out.length < max) {
    let best: CategoryRow | null = null;
    let bestCursor: CategoryCursor | null = null;
    for (const cursor of cursors) {
      const row = await cursor.peek();
      if (row !== null && (best === null || row[4] < best[4])) {
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

function timeFilter(since: number | undefined, until: number | undefined): (row: CategoryRow) => boolean {
  if (since === undefined && until === undefined) return () => true;
  return (row) => {
    const t = parseTime(row[7]);
    return t !== null && (since === undefined || t >= since) && (until === undefined || t < until);
  };
}
