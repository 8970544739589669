/**
 * The token format (wire contract §2), one module for the server and the CLI.
 *
 * A token is `ns_` + base64url-without-padding(namespace id) + `_` + 64 lower-case hex chars
 * (32 random bytes). The namespace part is the text between `ns_` and the LAST `_`, because
 * base64url itself may contain `_` and `-`. Only the hex SHA-256 of the whole token is stored,
 * and hashes are compared in constant time.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isNamespaceId } from './store/validate.js';

/** The namespace whose token is the admin token. */
export const DEFAULT_NAMESPACE = 'default';

const SECRET = /^[0-9a-f]{64}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A new token for namespace `nsId`: 32 random bytes as the secret. */
export function generateToken(nsId: string): string {
  return `ns_${Buffer.from(nsId, 'utf8').toString('base64url')}_${randomBytes(32).toString('hex')}`;
}

/** The namespace a token names, or null when the token is malformed. */
export function parseToken(token: string): { namespace: string } | null {
  if (!token.startsWith('ns_')) return null;
  const last = token.lastIndexOf('_');
  if (last <= 3) return null;
  const encoded = token.slice(3, last);
  if (!BASE64URL.test(encoded) || !SECRET.test(token.slice(last + 1))) return null;
  const namespace = Buffer.from(encoded, 'base64url').toString('utf8');
  // Reject non-canonical encodings, so one namespace has one spelling.
  if (Buffer.from(namespace, 'utf8').toString('base64url') !== encoded) return null;
  return isNamespaceId(namespace) ? { namespace } : null;
}

/** The hex SHA-256 of a token, as stored. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
