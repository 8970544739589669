/** Value checks shared by the RPC layer, the import reader and the store façade. */
import { invalidRequest } from '../errors.js';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const NAMESPACE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

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

/** Throws INVALID_REQUEST unless `name` is a non-empty stream name. */
export function assertStreamName(name: string): void {
  if (name.length === 0) throw invalidRequest('streamName must be a non-empty string');
}
