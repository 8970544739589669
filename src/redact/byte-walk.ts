/**
 * A rule's path walked over the bytes of a canonical record line (canonical-json.ts) instead of
 * over parsed objects: the same matches, in the same order, as `walk` in redactor.ts, reported as
 * byte ranges so the caller can splice replacements in.
 */
import { endOfString, endOfValue } from '../ndjson/canonical-json.js';
import type { PathStep } from './rule.js';
import { CLOSE_BRACE, CLOSE_BRACKET, COMMA, OPEN_BRACE, OPEN_BRACKET } from '../ndjson/json-bytes.js';

/** A path step with the bytes its key is written as. */
export type ByteStep = { kind: 'key'; needle: Buffer } | { kind: 'each' } | { kind: 'index'; index: number };

/** Compiles a rule's path for `walkBytes`. */
export function byteSteps(path: readonly PathStep[]): ByteStep[] {
  return path.map((s) =>
    s.kind === 'key' ? { kind: 'key', needle: Buffer.from(JSON.stringify(s.key)) } : s,
  );
}

/**
 * Visits every value at `steps[i..]` below the value at `node`; returns how many. Each is appended
 * to `out` as four numbers: its start and end, where its member (key included) or array element
 * starts, and the index of the `{` or `[` holding it.
 */
export function walkBytes(
  b: Buffer,
  node: number,
  steps: readonly ByteStep[],
  i: number,
  out: number[],
): number {
  const step = steps[i]!;
  const isLast = i === steps.length - 1;
  if (step.kind === 'key') {
    if (b[node] !== OPEN_BRACE || b[node + 1] === CLOSE_BRACE) return 0;
    const { needle } = step;
    for (let j = node + 1; ; j++) {
      const keyEnd = endOfString(b, j);
      const end = endOfValue(b, keyEnd + 1);
      if (keyEnd - j === needle.length && equalAt(b, j, needle)) {
        if (!isLast) return walkBytes(b, keyEnd + 1, steps, i + 1, out);
        out.push(keyEnd + 1, end, j, node);
        return 1;
      }
      if (b[end] !== COMMA) return 0;
      j = end;
    }
  }
  if (b[node] !== OPEN_BRACKET || b[node + 1] === CLOSE_BRACKET) return 0;
  let n = 0;
  for (let j = node + 1, k = 0; ; j++, k++) {
    const end = endOfValue(b, j);
    if (step.kind === 'each' || k === step.index) {
      if (!isLast) n += walkBytes(b, j, steps, i + 1, out);
      else {
        out.push(j, end, j, node);
        n++;
      }
      if (step.kind === 'index') return n;
    }
    if (b[end] !== COMMA) return n;
    j = end;
  }
}

function equalAt(b: Buffer, at: number, needle: Buffer): boolean {
  for (let k = 0; k < needle.length; k++) if (b[at + k] !== needle[k]) return false;
  return true;
}

/**
 * The element ranges `[start, end)` of the object or array at `open` (members with their keys),
 * as a flat list of offsets.
 */
export function elementsOf(b: Buffer, open: number): number[] {
  const out: number[] = [];
  if (b[open + 1] === CLOSE_BRACE || b[open + 1] === CLOSE_BRACKET) return out;
  const isObject = b[open] === OPEN_BRACE;
  for (let j = open + 1; ; j++) {
    const valueStart = isObject ? endOfString(b, j) + 1 : j;
    const end = endOfValue(b, valueStart);
    out.push(j, end);
    if (b[end] !== COMMA) return out;
    j = end;
  }
}
