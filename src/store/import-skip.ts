/**
 * A re-runnable import (`onExisting: 'skip'`): which records of a batch are already stored,
 * exactly, at their global position, and which clash with a different stored message there.
 */
import { PositionExistsError } from '../errors.js';
import type { StoredMessage } from './store.js';

/** The fields of a record compared with the stored message, by their export-record names. */
const FIELDS: readonly (readonly [string, (a: StoredMessage, b: StoredMessage) => boolean])[] = [
  ['id', (a, b) => a.id.toLowerCase() === b.id.toLowerCase()],
  ['stream', (a, b) => a.streamName === b.streamName],
  ['pos', (a, b) => a.position === b.position],
  ['type', (a, b) => a.type === b.type],
  ['data', (a, b) => sameJson(a.data, b.data)],
  ['meta', (a, b) => sameJson(a.metadata, b.metadata)],
  ['time', (a, b) => a.time === b.time],
];

/** What `splitExisting` found: the records left to import, with their indexes in the batch. */
export interface ExistingSplit {
  rest: StoredMessage[];
  /** `restIndex[i]` is the batch index of `rest[i]`. */
  restIndex: number[];
  skipped: number;
}

/**
 * Splits a batch against the messages stored at its global positions: a record equal to the
 * stored one is skipped (once: a second record of the batch at the same position is kept, so the
 * backend reports it as POSITION_EXISTS as it would without skipping); a record that differs
 * throws POSITION_EXISTS (`PositionExistsError`, clash `gpos`) naming the fields that differ.
 */
export function splitExisting(
  batch: readonly StoredMessage[],
  stored: readonly StoredMessage[],
): ExistingSplit {
  const byGpos = new Map(stored.map((m) => [m.globalPosition, m]));
  const split: ExistingSplit = { rest: [], restIndex: [], skipped: 0 };
  batch.forEach((m, index) => {
    const existing = byGpos.get(m.globalPosition);
    if (existing === undefined) {
      split.rest.push(m);
      split.restIndex.push(index);
      return;
    }
    const differing = FIELDS.filter(([, same]) => !same(m, existing)).map(([name]) => name);
    if (differing.length > 0) {
      throw new PositionExistsError(
        index,
        'gpos',
        `global position ${m.globalPosition} already exists with different ${listOf(differing)}`,
        differing,
      );
    }
    byGpos.delete(m.globalPosition);
    split.skipped++;
  });
  return split;
}

/** `a`, `a and b`, `a, b and c`. */
function listOf(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Equal JSON texts as values: object key order is ignored (PostgreSQL's jsonb reorders keys). */
function sameJson(a: string | null, b: string | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) =>
      x < y ? -1 : x > y ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
