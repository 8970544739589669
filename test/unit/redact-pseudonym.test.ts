import { describe, expect, it } from 'vitest';
import { createPseudonymiser } from '../../src/redact/pseudonym.js';
import { isUuid } from '../../src/store/validate.js';

const KEY = Buffer.from('0123456789abcdef-test-key');
const pseudo = createPseudonymiser(KEY);

describe('pseudonyms', () => {
  it('gives equal values equal pseudonyms, also from a second pseudonymiser with the same key', () => {
    expect(pseudo('ada@example.com')).toBe(pseudo('ada@example.com'));
    expect(createPseudonymiser(Buffer.from(KEY))('ada@example.com')).toBe(pseudo('ada@example.com'));
    expect(pseudo('ada@example.com')).not.toBe(pseudo('bob@example.com'));
  });

  it('gives other pseudonyms under another key', () => {
    const other = createPseudonymiser(Buffer.from('another-key-of-16-bytes'));
    expect(other('ada@example.com')).not.toBe(pseudo('ada@example.com'));
  });

  it('keeps an e-mail e-mail-shaped on a reserved domain', () => {
    expect(pseudo('ada@example.com')).toMatch(/^u_[0-9a-f]{16}@redacted\.invalid$/);
  });

  it('keeps a UUID a UUID', () => {
    const out = pseudo('6f1c2b9e-6f0a-4c55-9d0e-1f2a3b4c5d6e') as string;
    expect(isUuid(out)).toBe(true);
    expect(out).not.toBe('6f1c2b9e-6f0a-4c55-9d0e-1f2a3b4c5d6e');
  });

  it('keeps a card-like string its length with digits for digits and the separators in place', () => {
    const out = pseudo('4111 1111 1111 1111') as string;
    expect(out).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
    expect(out).not.toBe('4111 1111 1111 1111');
    const long = '1'.repeat(80);
    expect(pseudo(long)).toMatch(/^\d{80}$/);
  });

  it('turns other strings into r_ and 16 hex digits, and leaves the empty string empty', () => {
    expect(pseudo('Ada Lovelace')).toMatch(/^r_[0-9a-f]{16}$/);
    expect(pseudo('12345')).toMatch(/^r_[0-9a-f]{16}$/);
    expect(pseudo('')).toBe('');
  });

  it('keeps the string "42" and the number 42 apart', () => {
    expect(pseudo(42)).not.toBe(pseudo('42'));
  });

  it('turns numbers into integers below 2^48, booleans into null, and keeps null', () => {
    const n = pseudo(1234.5) as number;
    expect(Number.isInteger(n) && n >= 0 && n < 2 ** 48).toBe(true);
    expect(n).not.toBe(1234.5);
    expect(pseudo(true)).toBeNull();
    expect(pseudo(false)).toBeNull();
    expect(pseudo(null)).toBeNull();
  });

  it('replaces every leaf of an object or array, keeping keys and length', () => {
    const out = pseudo({ street: 'Main St 1', zip: '12345', geo: [1.5, 2.5], vip: true }) as Record<
      string,
      unknown
    >;
    expect(Object.keys(out)).toEqual(['street', 'zip', 'geo', 'vip']);
    expect(out['street']).toBe(pseudo('Main St 1'));
    expect(out['geo']).toEqual([pseudo(1.5), pseudo(2.5)]);
    expect(out['vip']).toBeNull();
  });

  it('replaces the value of a __proto__ key instead of losing or keeping it', () => {
    const input = JSON.parse('{"__proto__":"secret"}') as unknown;
    expect(JSON.stringify(pseudo(input))).toBe(`{"__proto__":${JSON.stringify(pseudo('secret'))}}`);
    expect(JSON.stringify(pseudo(input))).not.toContain('secret');
  });

  it('gives the same answer from the cache as from a fresh pseudonymiser, after the cache turned over', () => {
    const cached = createPseudonymiser(KEY);
    const values = Array.from({ length: 101_000 }, (_, i) => `cus-${i}`);
    const first = values.map((v) => cached(v));
    const sample = [...values.slice(0, 500), ...values.slice(60_000, 60_500), ...values.slice(-500)];
    const fresh = createPseudonymiser(KEY);
    expect(sample.map((v) => cached(v))).toEqual(sample.map((v) => fresh(v)));
    expect(sample.map((v) => cached(v))).toEqual(sample.map((v) => first[values.indexOf(v)]));
  });
});
