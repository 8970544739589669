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
 * HMACs are computed by `HmacSha256` (plain JS, key pads precomputed), and caches skip them for
 * values seen recently, which repeated customer ids, e-mails and user ids are: a two-generation
 * map (≤ 2 × 50,000 values) for parsed values, a fixed direct-mapped one (byte-cache.ts) for
 * strings read from a line's bytes. `writeStringJson` serves the byte-level redaction path
 * (redactor.ts): it takes a string's UTF-8 bytes straight from the line and appends the
 * pseudonym's JSON text to the output, from the cache's bytes or written from the hash.
 */
import { createHmac } from 'node:crypto';
import { ByteCache, MAX_VALUE_BYTES } from './byte-cache.js';
import { ByteSink } from './byte-sink.js';
import { HmacSha256 } from './hmac-sha256.js';
import { setOwn } from './set-own.js';
import { isUuid } from '../store/validate.js';

/** Replaces one value by its pseudonym (see the table above). */
export type Pseudonymise = (value: unknown) => unknown;

const EMAIL = /^[^@\s]+@[^@\s]+$/;
const DIGITS_SHAPE = /^[0-9 ()+./-]+$/;
const MIN_SHAPED_DIGITS = 6;
const CACHE_GENERATION = 50_000;
const TAG_STRING = 0x73; // 's'
const TAG_NUMBER = 0x6e; // 'n'

/** A map that forgets the older half of its entries once the newer half holds `generation`. */
class RecentCache<V> {
  #recent = new Map<string, V>();
  #older = new Map<string, V>();

  constructor(private readonly generation: number) {}

  get(key: string, make: () => V): V {
    let out = this.#recent.get(key);
    if (out !== undefined) return out;
    out = this.#older.get(key) ?? make();
    if (this.#recent.size >= this.generation) {
      this.#older = this.#recent;
      this.#recent = new Map();
    }
    this.#recent.set(key, out);
    return out;
  }
}

/** Pseudonyms under one key (≥ 16 bytes, checked by the caller). */
export class Pseudonymiser {
  readonly #hmac: HmacSha256;
  /** Tagged value (`s…`, `n…`) → pseudonym. */
  readonly #values = new RecentCache<string | number>(CACHE_GENERATION);
  /** A string's UTF-8 bytes → its pseudonym's JSON text. */
  readonly #json = new ByteCache();
  /** A pseudonym's JSON being made (MAX_VALUE_BYTES: anything longer is not cached anyway). */
  readonly #scratch = Buffer.alloc(MAX_VALUE_BYTES);

  constructor(key: Buffer) {
    this.#hmac = new HmacSha256(key);
  }

  /** The pseudonym of any JSON value (see the table above). */
  value(value: unknown): unknown {
    if (typeof value === 'string')
      return value === '' ? '' : this.#values.get(`s${value}`, () => this.#ofString(value));
    if (typeof value === 'number') {
      return this.#values.get(`n${value}`, () => {
        const text = Buffer.from(String(value));
        return this.#hmac.digest(TAG_NUMBER, text, 0, text.length).readUIntBE(0, 6);
      });
    }
    if (typeof value === 'boolean' || value === null || value === undefined) return null;
    if (Array.isArray(value)) return value.map((v: unknown) => this.value(v));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, this.value(v));
    return out;
  }

  /**
   * The JSON text of the pseudonym of the non-empty string whose UTF-8 bytes (no JSON escapes)
   * are `bytes[start..end)`.
   */
  stringJson(bytes: Buffer, start: number, end: number): string {
    const sink = new ByteSink(80);
    this.writeStringJson(bytes, start, end, sink);
    return sink.take().toString('utf8');
  }

  /** `stringJson` appended to `sink`, allocating nothing when the value is cached or plain. */
  writeStringJson(bytes: Buffer, start: number, end: number, sink: ByteSink): void {
    const cache = this.#json;
    const at = cache.get(bytes, start, end);
    if (at !== -1) {
      sink.copy(cache.values, at, cache.hitEnd);
      return;
    }
    const h = this.#hmac.digest(TAG_STRING, bytes, start, end);
    // The common shapes written straight from the hash; every pseudonym is plain ASCII that
    // JSON writes unescaped, so quoting it is its JSON.
    const shape = asciiShape(bytes, start, end);
    const out = this.#scratch;
    let n: number;
    if (shape === SHAPE_OTHER) n = writeHexForm(out, R_PREFIX, h, CLOSE_QUOTE);
    else if (shape === SHAPE_EMAIL) n = writeHexForm(out, U_PREFIX, h, EMAIL_SUFFIX);
    else {
      const json = JSON.stringify(shapeString(bytes.toString('utf8', start, end), h));
      if (json.length > out.length) {
        sink.write(json);
        return;
      }
      n = out.write(json, 0, 'latin1');
    }
    cache.set(bytes, start, end, out, n);
    sink.copy(out, 0, n);
  }

  #ofString(value: string): string {
    const bytes = Buffer.from(value, 'utf8');
    return shapeString(value, this.#hmac.digest(TAG_STRING, bytes, 0, bytes.length));
  }
}

/** A pseudonymiser keyed with `key` (≥ 16 bytes, checked by the caller), as a function. */
export function createPseudonymiser(key: Buffer): Pseudonymise {
  const p = new Pseudonymiser(key);
  return (value) => p.value(value);
}

const SHAPE_OTHER = 0;
const SHAPE_EMAIL = 1;
/** Any other shape, or a value that is not ASCII: decided by `shapeString`. */
const SHAPE_ASK = 2;

/**
 * The shape `shapeString` would pick, from ASCII bytes alone: an e-mail (one `@`, not first or
 * last, no whitespace), `SHAPE_ASK` for what may be a UUID or digits (only hex digits, `-` and
 * digit separators) or any non-ASCII byte, else `SHAPE_OTHER`.
 */
function asciiShape(b: Buffer, start: number, end: number): number {
  let at = -1;
  let isPlain = true;
  let mayBeNumberish = true;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c >= 0x80) return SHAPE_ASK;
    if (c === 0x40) {
      if (at !== -1) isPlain = false;
      at = i;
    } else if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) isPlain = false;
    if (!NUMBERISH[c]) mayBeNumberish = false;
  }
  if (mayBeNumberish) return SHAPE_ASK;
  if (isPlain && at > start && at < end - 1) return SHAPE_EMAIL;
  return SHAPE_OTHER;
}

/** Bytes a UUID or a digits shape can hold: hex digits and ` ()+./-`. */
const NUMBERISH = new Uint8Array(128);
for (const c of '0123456789abcdefABCDEF ()+./-') NUMBERISH[c.charCodeAt(0)] = 1;

const R_PREFIX = Buffer.from('"r_');
const U_PREFIX = Buffer.from('"u_');
const CLOSE_QUOTE = Buffer.from('"');
const EMAIL_SUFFIX = Buffer.from('@redacted.invalid"');
const HEX_DIGITS = Buffer.from('0123456789abcdef');

/** `prefix`, the first 8 bytes of `h` in lowercase hex, `suffix`, into `out`; returns the length. */
function writeHexForm(out: Buffer, prefix: Buffer, h: Buffer, suffix: Buffer): number {
  let n = 0;
  for (let i = 0; i < prefix.length; i++) out[n++] = prefix[i]!;
  for (let i = 0; i < 8; i++) {
    out[n++] = HEX_DIGITS[h[i]! >>> 4]!;
    out[n++] = HEX_DIGITS[h[i]! & 15]!;
  }
  for (let i = 0; i < suffix.length; i++) out[n++] = suffix[i]!;
  return n;
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
