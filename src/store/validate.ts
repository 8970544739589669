/** Value checks shared by the RPC layer, the import reader and the store façade. */
import { invalidRequest, invalidRecord } from '../errors.js';
import type { StoredMessage } from './store.js';
import { isTimeInRange } from './time.js';

declare global {
  interface String {
    /** ES2024 (in Node 20; this project's TypeScript lib is ES2023): no lone surrogate. */
    isWellFormed(): boolean;
  }
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const NAMESPACE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/**
 * How deep `data` and `metadata` may nest objects and arrays: the value itself is level 1, so
 * `{"a":{"b":[1]}}` is 3 deep. Deeper values are refused before anything recursive (JSON.stringify,
 * a backend's JSON functions) touches them: V8's JSON.stringify overflows the stack near depth
 * 5,000, SQLite's JSON functions stop at 1,000 and PostgreSQL's jsonb at its stack limit. 100 is
 * MongoDB's limit and more than any real payload needs.
 */
export const MAX_JSON_DEPTH = 100;

/** True for a UUID in the 8-4-4-4-12 hex form (any version). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Namespace ids: 1–128 of letters, digits, `-`, `_`, `.`, not starting with `.`. */
export function isNamespaceId(value: string): boolean {
  return NAMESPACE_ID.test(value);
}

/** Throws INVALID_REQUEST unless `id` is a valid namespace id. */
export function assertNamespaceId(id: string): void {
  if (!isNamespaceId(id)) {
    throw invalidRequest(
      'namespace id must be 1-128 characters of letters, digits, "-", "_", "." and not start with "."',
    );
  }
}

/**
 * True for a non-empty string without lone surrogates, i.e. one that has a UTF-8 form: stream
 * names and types are stored, hashed and compared as UTF-8, and a lone surrogate would be stored
 * as U+FFFD, a different name.
 */
export function isNameText(value: string): boolean {
  return value.length > 0 && value.isWellFormed();
}

/** Throws INVALID_REQUEST unless `name` is a non-empty, well-formed stream name. */
export function assertStreamName(name: string): void {
  if (!isNameText(name)) throw invalidRequest('streamName must be a non-empty string of valid Unicode');
}

/** Throws INVALID_REQUEST unless `type` is a non-empty, well-formed message type. */
export function assertMessageType(type: string): void {
  if (!isNameText(type)) throw invalidRequest('message type must be a non-empty string of valid Unicode');
}

/** Throws INVALID_REQUEST if `value` (a filter or prefix) holds a lone surrogate. */
export function assertWellFormed(value: string | undefined, what: string): void {
  if (value !== undefined && !value.isWellFormed()) throw invalidRequest(`${what} must be valid Unicode`);
}

/**
 * True when `value` nests objects or arrays deeper than `limit` levels. Recurses at most
 * `limit + 1` levels, so a value of any depth is safe to check.
 */
export function exceedsJsonDepth(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (exceedsJsonDepth(item, limit - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (exceedsJsonDepth((value as Record<string, unknown>)[key], limit - 1)) return true;
  }
  return false;
}

/** Throws INVALID_REQUEST when `value` (named `what`) nests deeper than MAX_JSON_DEPTH. */
export function assertJsonDepth(value: unknown, what: string): void {
  if (exceedsJsonDepth(value)) {
    throw invalidRequest(`${what} nests objects/arrays deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/**
 * The checks `importBatch` makes on records built by anyone but the import reader (which checks the
 * same first, per line): non-empty well-formed stream name and type, a time in the accepted range.
 * Throws INVALID_RECORD naming the record's index in the batch.
 */
export function assertImportable(messages: readonly StoredMessage[]): void {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as StoredMessage;
    const problem = !isNameText(m.streamName)
      ? 'stream must be a non-empty string of valid Unicode'
      : !isNameText(m.type)
        ? 'type must be a non-empty string of valid Unicode'
        : !isTimeInRange(m.time)
          ? 'time must be a whole number of microseconds from 0001-01-01 to 9999-12-31 UTC'
          : undefined;
    if (problem !== undefined) {
      throw invalidRecord(`record ${i}: ${problem}`, { index: i });
    }
  }
}
