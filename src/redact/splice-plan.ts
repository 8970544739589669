/**
 * Turns the byte ranges the rules matched in a canonical line (byte-walk.ts) into edits: replace
 * a value, or cut a member or element out with exactly one of its separating commas. Returns
 * null whenever splicing could differ from applying the rules one after another to the parsed
 * record; the caller then takes that path:
 *
 * - two matches overlap or nest (a later rule would see the earlier rule's output);
 * - dropping, with two or more matches and a rule holding an `[N]` step (an earlier drop in the
 *   same array would shift the index).
 */
import { elementsOf } from './byte-walk.js';

/** Fields of one match in the flat list `matches`. */
export const MATCH_FIELDS = 4;
/** Fields of one edit in the flat list `planEdits` returns: start, end, match (-1: cut). */
export const EDIT_FIELDS = 3;

/** Reused by every call (one line at a time). */
const ORDER: number[] = [];
const EDITS: number[] = [];

/**
 * Edits for `matches` (flat: start, end, element, container per match), sorted by start, or null.
 * Pseudonymising replaces `[start, end)` with match `m`'s new value; dropping cuts. The result
 * is reused by the next call.
 */
export function planEdits(
  b: Buffer,
  matches: number[],
  drop: boolean,
  hasIndexStep: boolean,
): number[] | null {
  const count = matches.length / MATCH_FIELDS;
  const from = drop ? 2 : 0;
  const order = ORDER;
  order.length = 0;
  for (let m = 0; m < count; m++) {
    // Insertion sort by start: a line has a handful of matches.
    let k = order.length;
    const start = matches[m * MATCH_FIELDS + from]!;
    while (k > 0 && matches[order[k - 1]! * MATCH_FIELDS + from]! > start) k--;
    order.splice(k, 0, m);
  }
  if (count > 1) {
    if (drop && hasIndexStep) return null;
    for (let k = 1; k < count; k++) {
      const prev = order[k - 1]! * MATCH_FIELDS;
      const next = order[k]! * MATCH_FIELDS;
      if (matches[next + from]! < matches[prev + 1]!) return null;
    }
  }
  const edits = EDITS;
  edits.length = 0;
  if (!drop) {
    for (const m of order) edits.push(matches[m * MATCH_FIELDS]!, matches[m * MATCH_FIELDS + 1]!, m);
    return edits;
  }
  const containers = new Set<number>();
  for (let m = 0; m < count; m++) containers.add(matches[m * MATCH_FIELDS + 3]!);
  const cut = new Set<number>();
  for (let m = 0; m < count; m++) cut.add(matches[m * MATCH_FIELDS + 2]!);
  for (const container of containers) cutElements(elementsOf(b, container), cut, edits);
  const sorted: number[] = [];
  const byStart = Array.from({ length: edits.length / EDIT_FIELDS }, (_, e) => e).sort(
    (x, y) => edits[x * EDIT_FIELDS]! - edits[y * EDIT_FIELDS]!,
  );
  for (const e of byStart) sorted.push(edits[e * EDIT_FIELDS]!, edits[e * EDIT_FIELDS + 1]!, -1);
  return sorted;
}

/**
 * Cuts the elements whose start is in `cut`, each with one comma: the one before it when a kept
 * element precedes it, else the one after it (if any). Together the cuts leave the kept elements
 * joined by single commas.
 */
function cutElements(elements: number[], cut: Set<number>, edits: number[]): void {
  let isKeptBefore = false;
  for (let k = 0; k < elements.length; k += 2) {
    const start = elements[k]!;
    const end = elements[k + 1]!;
    if (!cut.has(start)) {
      isKeptBefore = true;
      continue;
    }
    if (isKeptBefore) edits.push(elements[k - 1]!, end, -1);
    else edits.push(start, k + 2 < elements.length ? elements[k + 2]! : end, -1);
  }
}
