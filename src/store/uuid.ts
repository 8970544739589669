/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, version 7, then random bits. Built from
 * `crypto.randomUUID()` (a v4 drawn from Node's cached random pool, with the variant bits already
 * set) by overwriting its first 48 bits with the time and its version nibble with 7. This is ~10×
 * cheaper than filling 16 random bytes per id, which showed in write profiles.
 */
import { randomUUID } from 'node:crypto';

/** A new UUIDv7 in lower-case 8-4-4-4-12 form. */
export function uuidv7(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
