import { describe, expect, it } from 'vitest';
import { validateRecordLine } from '../../src/ndjson/record.js';
import { scanRecordBytes } from '../../src/ndjson/record-bytes.js';

const record = {
  id: '6F1C2B9E-6f0a-4c55-9d0e-1f2a3b4c5d6e',
  stream: 'order-1',
  type: 'Created',
  pos: 3,
  gpos: 12,
  data: { a: 1, b: [true, null, 'x', -0.5e-7, { c: {} }, []], 'k"\\': 'v\n\t\u0001' },
  meta: { userId: 'u-1' },
  time: '2025-07-15T10:01:00.123456Z',
};
const json = (r: object): string => JSON.stringify(r);

/** The fields both readers give, or null when validateRecordLine rejects the line. */
function reference(text: string): object | null {
  try {
    const r = validateRecordLine(text);
    return { id: r.id, stream: r.stream, type: r.type, pos: r.pos, gpos: r.gpos, micros: r.micros };
  } catch {
    return null;
  }
}

/** scanRecordBytes' fields for `text`, placed mid-buffer with a newline after it as in a chunk. */
function scanned(text: string): object | null {
  const b = Buffer.from(`xx\n${text}\n{"id"`);
  const start = 3;
  const end = start + Buffer.byteLength(text);
  const r = scanRecordBytes(b, start, end);
  if (r === null) return null;
  return {
    id: b.toString('utf8', r.idStart, r.idStart + 36).toLowerCase(),
    stream: b.toString('utf8', r.streamStart, r.streamEnd),
    type: b.toString('utf8', r.typeStart, r.typeEnd),
    pos: r.pos,
    gpos: r.gpos,
    micros: r.micros,
  };
}

/** Exact: whenever the scanner reads a line, it reads what validateRecordLine reads. */
function expectAgrees(text: string): object | null {
  const s = scanned(text);
  if (s !== null) expect(s, text).toEqual(reference(text));
  return s;
}

describe('scanRecordBytes (inspect reading a record in place)', () => {
  it('reads export lines with the same fields as validateRecordLine', () => {
    const lines = [
      json(record),
      json({ ...record, meta: null }),
      json({
        id: record.id,
        stream: 'a:b-ü😀',
        type: 'T',
        pos: 0,
        gpos: 1,
        data: {},
        time: '2025-01-01T00:00:00Z',
      }),
      json({ ...record, extra: [1, { x: '\ud800' }], time: '1970-01-01T00:00:00.1Z' }),
      json({ ...record, time: '0001-01-01T00:00:00.000001Z', pos: 999_999_999_999_999 }),
      '{"time":"2025-07-15T10:01:00.123456789Z","gpos":5,"pos":1,"type":"t","stream":"s","data":{"a":1E+2,"b":"\\u00e9\\/"},"id":"00000000-0000-0000-0000-000000000000"}',
    ];
    for (const text of lines) {
      expect(expectAgrees(text), text).not.toBeNull();
    }
  });

  it('reads no line that validateRecordLine rejects', () => {
    const bad = [
      json({ ...record, id: 'not-a-uuid' }),
      json({ ...record, id: '6F1C2B9E-6f0a-4c55-9d0e-1f2a3b4c5d6' }),
      json({ ...record, id: '6F1C2B9E-6f0a-4c55-9d0e-1f2a3b4c5d6g' }),
      json({ ...record, stream: '' }),
      json({ ...record, type: '' }),
      json({ ...record, type: 7 }),
      json({ ...record, pos: -1 }),
      json({ ...record, pos: 1.5 }),
      json({ ...record, gpos: 0 }),
      json({ ...record, data: [1] }),
      json({ ...record, data: null }),
      json({ ...record, data: 'x' }),
      json({ ...record, meta: 'x' }),
      json({ ...record, meta: [] }),
      json({ ...record, time: '2025-02-30T00:00:00Z' }),
      json({ ...record, time: '2025-07-15T24:00:00Z' }),
      json({ ...record, time: '0000-12-31T23:59:59Z' }),
      json({ ...record, time: 5 }),
      json({ ...record, time: undefined }),
      json({ ...record, gpos: undefined }),
      json({ ...record, data: undefined }),
      '{"id":"x"}',
      '{}',
      '[1]',
      json(record).slice(0, -1),
      `${json(record)}}`,
      json(record).replace('"a":1', '"a":01'),
      json(record).replace('"a":1', '"a":1.'),
      json(record).replace('"a":1', '"a":-'),
      json(record).replace('"a":1', '"a":tru'),
      json(record).replace('"a":1', '"a":1,'),
      json(record).replace('"x"', '"\\x"'),
      json(record).replace('"x"', '"\\u12"'),
      json(record).replace('"x"', '"\t"'),
      json(record).replace('"u-1"', '"u-1"]'),
    ];
    for (const text of bad) {
      expect(reference(text), text).toBeNull();
      expect(scanned(text), text).toBeNull();
    }
  });

  it('leaves to validateRecordLine the lines whose reading it cannot settle on the bytes', () => {
    const unsettled = [
      // Whitespace, a repeated or escaped top-level key, escapes in the fields it reads.
      JSON.stringify(record, null, 1).replace(/\n/g, ''),
      json(record).replace('"pos":3', '"pos":3,"pos":4'),
      json(record).replace('"pos":3', '"p\\u006fs":3'),
      json({ ...record, stream: 'a"b' }),
      json({ ...record, type: 'T\u2028' }).replace('\u2028', '\\u2028'),
      // Numbers it does not read: 16 digits, a fraction, an exponent, -0.
      json(record).replace('"gpos":12', '"gpos":1234567890123456'),
      json(record).replace('"gpos":12', '"gpos":12.0'),
      json(record).replace('"gpos":12', '"gpos":1.2e1'),
      json(record).replace('"pos":3', '"pos":-0'),
    ];
    for (const text of unsettled) {
      expect(scanned(text), text).toBeNull();
    }
    // Times not in the export's own form are read by parseTime itself.
    for (const time of [
      '2016-12-31T23:59:60Z',
      '2025-07-15T10:01:00+02:00',
      '2025-07-15t10:01:00z',
      '9999-12-31T23:59:59.999999Z',
      '2025-07-15 10:01:00.5Z',
    ]) {
      expect(expectAgrees(json({ ...record, time })), time).not.toBeNull();
    }
    // Nesting: up to 64 levels in place, deeper goes to validateRecordLine (which allows 100).
    const nest = (n: number): unknown => (n === 0 ? 1 : { k: nest(n - 1) });
    expect(expectAgrees(json({ ...record, data: nest(64) }))).not.toBeNull();
    expect(scanned(json({ ...record, data: nest(65) }))).toBeNull();
  });

  it('agrees with validateRecordLine on every one-byte change of a line', () => {
    const base = json({ ...record, data: { n: -1.5e3, s: 'a\\"b', l: [null, false], o: {} } });
    const bytes = '"{}[],:\\-0123456789.eE+tfnulasx \t';
    let read = 0;
    for (let i = 0; i < base.length; i++) {
      for (const c of bytes) {
        for (const text of [base.slice(0, i) + c + base.slice(i + 1), base.slice(0, i) + c + base.slice(i)]) {
          if (expectAgrees(text) !== null) read++;
        }
      }
      if (expectAgrees(base.slice(0, i) + base.slice(i + 1)) !== null) read++;
    }
    expect(read).toBeGreaterThan(100);
  });
});
