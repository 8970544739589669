/**
 * The flags that select what an export reads (`export`, `pull`), declared and checked once:
 * categories, a time window, a global position to continue after, page size and retries.
 */
import { isCategory } from '../store/stream-name.js';
import { parseDateOrTime } from '../store/time.js';
import { UsageError, type FlagTable } from './flags.js';

export const SELECTION_FLAGS = {
  categories: {
    type: 'string',
    valueName: 'a,b',
    description: 'Comma-separated categories to export (default: all), merged in global order.',
  },
  since: {
    type: 'string',
    valueName: 'time',
    description: 'Only events at or after this time: YYYY-MM-DD (UTC midnight) or RFC 3339.',
  },
  until: {
    type: 'string',
    valueName: 'time',
    description: 'Only events before this time: YYYY-MM-DD (UTC midnight) or RFC 3339.',
  },
  after: {
    type: 'string',
    valueName: 'gpos',
    description:
      'Only events after this global position (exclusive): the "last gpos" of an earlier run, to continue it.',
  },
  'page-size': {
    type: 'number',
    min: 1,
    max: 10_000,
    description: 'Events per category.get request (default: as many as fit in ~96 KiB).',
  },
  retries: {
    type: 'number',
    env: 'EVENTODB_RETRIES',
    default: 5,
    min: 0,
    max: 100,
    description: 'Retries of a page after a network error or 5xx, with backoff.',
  },
} as const satisfies FlagTable;

/** What to read from the source. */
export interface SelectionConfig {
  /** Empty: the whole namespace. */
  categories: string[];
  /** Inclusive, microseconds. */
  since?: number;
  /** Exclusive, microseconds. */
  until?: number;
  /** Exclusive global position. */
  after?: number;
  retries: number;
  pageSize?: number;
}

/** The parsed values of `SELECTION_FLAGS`. */
export interface SelectionValues {
  categories: string | undefined;
  since: string | undefined;
  until: string | undefined;
  after: string | undefined;
  'page-size': number | undefined;
  retries: number;
}

/** Checks the selection flags. Throws `UsageError` (bad category, bad time, since ≥ until). */
export function parseSelection(v: SelectionValues): SelectionConfig {
  const categories = (v.categories ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const bad = categories.find((c) => !isCategory(c));
  if (bad !== undefined) throw new UsageError(`--categories takes category names without "-" (got "${bad}")`);
  const config: SelectionConfig = {
    categories,
    retries: v.retries,
    ...(v['page-size'] === undefined ? {} : { pageSize: v['page-size'] }),
    ...(v.after === undefined ? {} : { after: parseAfter(v.after) }),
    ...(v.since === undefined ? {} : { since: parseTimeFlag(v.since, '--since') }),
    ...(v.until === undefined ? {} : { until: parseTimeFlag(v.until, '--until') }),
  };
  if (config.since !== undefined && config.until !== undefined && config.since >= config.until) {
    throw new UsageError('--since must be before --until');
  }
  return config;
}

/** A global position: decimal digits only (no sign, no fraction, no exponent), a safe integer. */
function parseAfter(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(`--after takes a global position, an integer ≥ 0 (got ${JSON.stringify(text)})`);
  }
  return value;
}

function parseTimeFlag(text: string, flag: string): number {
  try {
    return parseDateOrTime(text, flag);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
