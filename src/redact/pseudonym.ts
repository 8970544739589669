/**
 * Deterministic pseudonyms: HMAC-SHA256(key, tag + value), shaped like the value it replaces, so
 * equal values get equal pseudonyms (joins and correlations survive) and nobody without the key
 * can tell which value a pseudonym stands for.
 *
 * | value                                   | replaced by                                           |
 * |-----------------------------------------|-------------------------------------------------------|
 * | e-mail (`local@domain`, no spaces)      | `u_<16 hex>@redacted.invalid`                         |
 * | UUID                                    | a UUID (version-4 layout) from the hash               |
 * | ≥ 6 digits with only ` -./()+` between  | same length, every digit replaced by a hashed digit, |
 * |   (cards, phones, IBAN-less numbers)    |   separators kept: `4111 1111 …` → `7302 9941 …`      |
 * | any other non-empty string              | `r_<16 hex>`                                          |
 * | "" (empty string)                       | "" (carries nothing)                                  |
 * | number                                  | an integer from 0 to 2^48-1 from the hash             |
 * | boolean                                 | null: one bit cannot be hidden and still be a boolean |
 * | null                                    | null                                                  |
 * | object / array                          | the same keys/length, every leaf replaced as above    |
 *
 * The tag (`s` string, `n` number) keeps the string "42" and the number 42 apart. 64 bits of hash
 * in the hex forms make an accidental collision negligible; digit shapes keep only as many digits
 * as the value had, so two different short values can collide (documented in docs/CLI.md).
 * A two-generation cache (≤ 2 × 50,000 values) skips the HMAC for values seen recently, which
 * repeated customer ids, e-mails and user ids are.
 */
import { createHmac } from 'node:crypto';
import { setOwn } from './set-own.js';
import { isUuid } from '../store/validate.js';

/** Replaces one value by its pseudonym (see the table above). */
export type Pseudonymise = (value: unknown) => unknown;

const EMAIL = /^[^@\s]+@[^@\s]+$/;
const DIGITS_SHAPE = /^[0-9 ()+./-]+$/;
const MIN_SHAPED_DIGITS = 6;
const CACHE_GENERATION = 50_000;

/** A pseudonymiser keyed with `key` (≥ 16 bytes, checked by the caller). */
export function createPseudonymiser(key: Buffer): Pseudonymise {
  const mac = (text: string): Buffer => createHmac('sha256', key).update(text).digest();
  let recent = new Map<string, unknown>();
  let older = new Map<string, unknown>();
  const cached = (tagged: string, make: (h: Buffer) => unknown): unknown => {
    let out = recent.get(tagged);
    if (out !== undefined || recent.has(tagged)) return out;
    out = older.has(tagged) ? older.get(tagged) : make(mac(tagged));
    if (recent.size >= CACHE_GENERATION) {
      older = recent;
      recent = new Map();
    }
    recent.set(tagged, out);
    return out;
  };
  const leaf = (value: unknown): unknown => {
    if (typeof value === 'string')
      return value === '' ? '' : cached(`s${value}`, (h) => shapeString(value, h));
    if (typeof value === 'number') return cached(`n${value}`, (h) => h.readUIntBE(0, 6));
    if (typeof value === 'boolean' || value === null || value === undefined) return null;
    if (Array.isArray(value)) return value.map(leaf);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, leaf(v));
    return out;
  };
  return leaf;
}

function shapeString(value: string, h: Buffer): string {
  if (EMAIL.test(value)) return `u_${h.toString('hex', 0, 8)}@redacted.invalid`;
  if (isUuid(value)) {
    const x = h.toString('hex', 0, 16);
    const variant = ((h[8]! & 0x3) | 0x8).toString(16);
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-${variant}${x.slice(17, 20)}-${x.slice(20, 32)}`;
  }
  if (DIGITS_SHAPE.test(value) && countDigits(value) >= MIN_SHAPED_DIGITS) return shapeDigits(value, h);
  return `r_${h.toString('hex', 0, 8)}`;
}

function countDigits(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) >= 48 && value.charCodeAt(i) <= 57) n++;
  return n;
}

/** Every digit replaced by one from the hash (extended with SHA-256 in counter mode past 32). */
function shapeDigits(value: string, h: Buffer): string {
  let out = '';
  let stream = h;
  let used = 0;
  let block = 0;
  for (const c of value) {
    if (c < '0' || c > '9') {
      out += c;
      continue;
    }
    if (used === stream.length) {
      stream = createHmac('sha256', h).update(String(++block)).digest();
      used = 0;
    }
    out += String(stream[used++]! % 10);
  }
  return out;
}
