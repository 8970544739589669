import { describe, expect, it } from 'vitest';
import { createPseudonymiser } from '../../src/redact/pseudonym.js';
import { Redactor } from '../../src/redact/redactor.js';
import { parseRule } from '../../src/redact/rule.js';
import { typeOfLine } from '../../src/redact/line-scan.js';

const KEY = Buffer.from('redactor-unit-test-key');
const pseudo = createPseudonymiser(KEY);

function redactor(rules: string[], drop = false): Redactor {
  return new Redactor({ rules: rules.map(parseRule), key: KEY, drop });
}

function line(type: string, data: object, meta: object | null = null, stream = 'user-1'): Buffer {
  const record = {
    id: '6f1c2b9e-6f0a-4c55-9d0e-1f2a3b4c5d6e',
    stream,
    type,
    pos: 0,
    gpos: 7,
    data,
    meta,
    time: '2025-07-15T10:00:00Z',
  };
  return Buffer.from(`${JSON.stringify(record)}\n`);
}

const parsed = (b: Buffer): Record<string, unknown> => JSON.parse(b.toString()) as Record<string, unknown>;

describe('Redactor', () => {
  it('pseudonymises matched values and leaves id, stream, positions and time alone', () => {
    const r = redactor(['data.email', 'data.card.number', 'metadata.ip']);
    const input = line(
      'Paid',
      { email: 'ada@example.com', card: { number: '4111 1111 1111 1111' } },
      { ip: '10.1.2.3' },
    );
    const out = parsed(r.redactLine(input));
    const before = parsed(input);
    expect(out['data']).toEqual({
      email: pseudo('ada@example.com'),
      card: { number: pseudo('4111 1111 1111 1111') },
    });
    expect(out['meta']).toEqual({ ip: pseudo('10.1.2.3') });
    for (const k of ['id', 'stream', 'type', 'pos', 'gpos', 'time']) expect(out[k]).toEqual(before[k]);
    expect(Object.keys(out)).toEqual(Object.keys(before));
    expect(r.redactLine(input).toString()).not.toContain('ada@example.com');
  });

  it('applies a typed rule to that type only', () => {
    const r = redactor(['UserRegistered:data.email']);
    const other = line('EmailSent', { email: 'ada@example.com' });
    expect(r.redactLine(other)).toBe(other);
    expect(parsed(r.redactLine(line('UserRegistered', { email: 'ada@example.com' })))['data']).toEqual({
      email: pseudo('ada@example.com'),
    });
  });

  it('walks every array element', () => {
    const r = redactor(['data.items[*].name']);
    const out = parsed(
      r.redactLine(line('Ordered', { items: [{ name: 'a', q: 1 }, { q: 2 }, { name: 'b' }] })),
    );
    expect(out['data']).toEqual({ items: [{ name: pseudo('a'), q: 1 }, { q: 2 }, { name: pseudo('b') }] });
  });

  it('drops matched fields and array elements with drop', () => {
    const r = redactor(['data.email', 'data.tags[*]', 'data.list[1]'], true);
    const out = parsed(
      r.redactLine(line('X', { email: 'a@b.c', keep: 1, tags: ['x', 'y'], list: [1, 2, 3] })),
    );
    expect(out['data']).toEqual({ keep: 1, tags: [], list: [1, 3] });
  });

  it('returns an unmatched line byte for byte, without parsing it again', () => {
    const r = redactor(['data.email']);
    const text = line('X', { n: 1, big: 1 }).toString();
    const input = Buffer.from(
      text.replace('"n":1', '"n":1.0').replace('"big":1', '"big":12345678901234567890'),
    );
    expect(r.redactLine(input)).toBe(input);
  });

  it('finds a key spelled with a \\u escape', () => {
    const r = redactor(['data.email']);
    const input = Buffer.from(
      line('X', { email: 'ada@example.com' }).toString().replace('"email"', '"em\\u0061il"'),
    );
    expect(r.redactLine(input).toString()).not.toContain('ada@example.com');
  });

  it('redacts records in another key order too', () => {
    const r = redactor(['X:data.email']);
    const input = Buffer.from('{"data":{"email":"ada@example.com"},"type":"X","id":"x"}\n');
    expect(r.redactLine(input).toString()).toBe(
      `{"data":{"email":${JSON.stringify(pseudo('ada@example.com'))}},"type":"X","id":"x"}\n`,
    );
  });

  it('redacts a chunk of several lines', () => {
    const r = redactor(['data.email']);
    const chunk = Buffer.concat([
      line('A', { email: 'a@x.y' }),
      line('B', { n: 1 }),
      line('C', { email: 'a@x.y' }),
    ]);
    const lines = r.redactLines(chunk).toString().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain(pseudo('a@x.y') as string);
    expect(lines[2]).toContain(pseudo('a@x.y') as string);
  });

  it('counts matches per rule and type and names the rules that matched nothing', () => {
    const r = redactor(['data.email', 'A:data.card', 'data.emial']);
    r.redactLine(line('A', { email: 'a@x.y', card: 'x' }));
    r.redactLine(line('B', { email: 'b@x.y', card: 'y' }));
    r.redactLine(line('B', { email: 'c@x.y' }));
    expect(r.report()).toEqual([
      { rule: 'data.email', matches: 3, byType: { A: 1, B: 2 } },
      { rule: 'A:data.card', matches: 1, byType: { A: 1 } },
      { rule: 'data.emial', matches: 0, byType: {} },
    ]);
    expect(r.unmatched()).toEqual(['data.emial']);
  });

  it('counts without changing anything in count mode', () => {
    const r = redactor(['data.items[*].sku']);
    const record = { type: 'T', data: { items: [{ sku: 'a' }, { sku: 'b' }] }, meta: null };
    expect(r.apply(record, 'count')).toBe(true);
    expect(record.data.items).toEqual([{ sku: 'a' }, { sku: 'b' }]);
    expect(r.report()[0]?.matches).toBe(2);
  });
});

describe('typeOfLine', () => {
  it('reads the type of an export-layout line, also when the stream name holds quotes', () => {
    expect(typeOfLine(line('Paid', {}, null, 'a-"type":"X"'))).toBe('Paid');
    expect(typeOfLine(line('P\\"a', {}))).toBe('P\\"a');
  });

  it('returns null for another layout', () => {
    expect(typeOfLine(Buffer.from('{"type":"A","id":"x"}'))).toBeNull();
  });
});
