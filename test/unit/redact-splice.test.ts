import { describe, expect, it } from 'vitest';
import { canonicalRecord } from '../../src/ndjson/canonical-json.js';
import { createPseudonymiser, Pseudonymiser } from '../../src/redact/pseudonym.js';
import { Redactor, type RedactableRecord } from '../../src/redact/redactor.js';
import { parseRule } from '../../src/redact/rule.js';

const KEY = Buffer.from('splice-unit-test-key-32-bytes!!');
const HEAD = '{"id":"6f1c2b9e-6f0a-4c55-9d0e-1f2a3b4c5d6e","stream":"user-1","type":"Paid","pos":0,"gpos":7';
const TAIL = ',"time":"2025-07-15T10:00:00Z"}';

/** A record line with `data` and `meta` written as given (not necessarily canonical). */
const line = (data: string, meta = 'null'): Buffer =>
  Buffer.from(`${HEAD},"data":${data},"meta":${meta}${TAIL}\n`);

/** What the parse → change → stringify path gives, and the rule counts it reports. */
function expected(rules: string[], input: Buffer, drop: boolean): { out: string; report: unknown } {
  const oracle = new Redactor({ rules: rules.map(parseRule), key: KEY, drop });
  const record = JSON.parse(input.toString()) as RedactableRecord;
  const changed = oracle.apply(record, drop ? 'drop' : 'pseudonymise');
  return { out: changed ? `${JSON.stringify(record)}\n` : input.toString(), report: oracle.report() };
}

function expectSameAsParsing(rules: string[], input: Buffer, drop = false): void {
  const r = new Redactor({ rules: rules.map(parseRule), key: KEY, drop });
  const out = r.redactLine(input).toString();
  const want = expected(rules, input, drop);
  expect(out).toBe(want.out);
  expect(r.report()).toEqual(want.report);
}

const DATA = [
  '{"email":"ada@example.com","n":42,"card":{"number":"4111 1111 1111 1111"},"tags":["a","b","c"]}',
  '{"items":[{"sku":"A-1","qty":1},{"sku":"B-2","qty":2},{"qty":3}],"note":"x \\"quoted\\" \\\\ \\n"}',
  '{"email":"","nested":{"email":"deep@example.com"},"flag":true,"none":null,"price":12.5,"neg":-3}',
  '{"__proto__":"p","list":[[1,2],[3,4]],"obj":{"a":{"b":[{"c":"d"}]}},"empty":{},"arr":[]}',
  '{"email":"ünïcødé@exämple.com","emoji":"😀 ok","id":"0b6c8e2a-1d4e-4f3a-9b2c-7d8e9f0a1b2c"}',
];
const META = ['null', '{"ip":"10.1.2.3","userId":"u-1"}', '{"list":[{"ip":"1.1.1.1"},{"ip":"2.2.2.2"}]}'];
const RULES = [
  ['data.email'],
  ['data.email', 'data.n', 'metadata.ip', 'data.card.number'],
  ['data.items[*].sku', 'data.note', 'data.tags[1]', 'metadata.list[*].ip'],
  ['data.card', 'data.tags[*]', 'data.list[*][0]', 'data.obj.a.b[0].c', 'data["__proto__"]'],
  [
    'Paid:data.flag',
    'data.none',
    'data.price',
    'data.neg',
    'data.emoji',
    'data.id',
    'data.empty',
    'data.arr',
  ],
  ['data.items[*]', 'data.items[1].sku'],
  ['data.email', 'Paid:data.email'],
  ['data.tags[0]', 'data.tags[2]'],
  ['data.tags[0]', 'data.tags[1]', 'data.tags[2]'],
  ['data.n', 'data.tags'],
  ['data.email', 'data.n', 'data.card', 'data.tags', 'data.items', 'data.note'],
  ['data.missing', 'metadata.nothing', 'data.email.inner', 'data.tags.x', 'data.card[0]'],
];

describe('byte-level redaction (splicing into the line)', () => {
  it('reads every test line on the byte path', () => {
    for (const data of DATA)
      for (const meta of META) expect(canonicalRecord(line(data, meta))).not.toBeNull();
  });

  it('gives the same bytes and counts as parsing, for every rule set, when pseudonymising', () => {
    for (const rules of RULES) {
      for (const data of DATA) for (const meta of META) expectSameAsParsing(rules, line(data, meta));
    }
  });

  it('gives the same bytes and counts as parsing, for every rule set, when dropping', () => {
    for (const rules of RULES) {
      for (const data of DATA) for (const meta of META) expectSameAsParsing(rules, line(data, meta), true);
    }
  });

  it('gives the same bytes as parsing for lines JSON.stringify would write differently', () => {
    const odd = [
      '{"email": "ada@example.com"}',
      '{"email":"ada@example.com","n":1.0}',
      '{"email":"ada@example.com","n":1e3}',
      '{"email":"ada@example.com","n":-0}',
      '{"email":"ada@example.com","n":0.0000001}',
      '{"email":"ada@example.com","n":12345678901234567}',
      '{"email":"a\\u0064a@example.com"}',
      '{"email":"ada@example.com","path":"a\\/b"}',
      '{"email":"first@example.com","email":"second@example.com"}',
      '{"b":1,"10":2,"email":"ada@example.com","2":3}',
    ];
    for (const data of odd) {
      expect(canonicalRecord(line(data))).toBeNull();
      for (const drop of [false, true]) expectSameAsParsing(['data.email', 'data.n'], line(data), drop);
    }
  });

  it('passes a line without a trailing newline and a CRLF line the same way parsing does', () => {
    const data = '{"email":"ada@example.com"}';
    const bare = Buffer.from(`${HEAD},"data":${data},"meta":null${TAIL}`);
    const crlf = Buffer.from(`${HEAD},"data":${data},"meta":null${TAIL}\r\n`);
    expectSameAsParsing(['data.email'], bare);
    expectSameAsParsing(['data.email'], crlf);
  });

  it('keeps a line that is not UTF-8 off the byte path', () => {
    const bad = Buffer.from(`${HEAD},"data":{"email":"a@b.c","e":"\xff"},"meta":null${TAIL}\n`, 'latin1');
    expect(canonicalRecord(bad)).toBeNull();
    expectSameAsParsing(['data.email'], bad);
  });

  it('gives a string read from bytes the same pseudonym as the parsed string', () => {
    const values = [
      'ada@example.com',
      'a@b',
      'a@b@c',
      '@x',
      'x@',
      'a b@c',
      'a\tb@c',
      'ünï@x.y',
      'plain text',
      'x',
      '0b6c8e2a-1d4e-4f3a-9b2c-7d8e9f0a1b2c',
      '0B6C8E2A-1D4E-4F3A-9B2C-7D8E9F0A1B2C',
      'deadbeef',
      '4111 1111 1111 1111',
      '+44 (0)20 7946-0958',
      '12345',
      '123456',
      '1.2.3.4.5.6',
      'ab-12',
      '1'.repeat(70),
      'é'.repeat(40),
      '😀',
    ];
    const fromBytes = new Pseudonymiser(KEY);
    const parsed = createPseudonymiser(KEY);
    for (const v of values) {
      const bytes = Buffer.from(`[${v}]`);
      const want = JSON.stringify(parsed(v));
      expect(fromBytes.stringJson(bytes, 1, bytes.length - 1)).toBe(want);
      expect(fromBytes.stringJson(bytes, 1, bytes.length - 1)).toBe(want);
    }
  });

  it('redacts a chunk of many lines the same as line by line', () => {
    const lines = DATA.flatMap((d) => META.map((m) => line(d, m)));
    const rules = ['data.email', 'data.items[*].sku', 'metadata.ip'];
    const one = new Redactor({ rules: rules.map(parseRule), key: KEY, drop: false });
    const each = new Redactor({ rules: rules.map(parseRule), key: KEY, drop: false });
    const chunk = one.redactLines(Buffer.concat(lines)).toString();
    expect(chunk).toBe(lines.map((l) => each.redactLine(l).toString()).join(''));
  });
});
