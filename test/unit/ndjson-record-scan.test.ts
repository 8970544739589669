import { describe, expect, it } from 'vitest';
import { validateRecordLine } from '../../src/ndjson/record.js';
import { scanRecordLine } from '../../src/ndjson/record-scan.js';

const record = {
  id: '6F1C2B9E-6f0a-4c55-9d0e-1f2a3b4c5d6e',
  stream: 'order-1',
  type: 'Created',
  pos: 3,
  gpos: 12,
  data: { a: 1, b: [true, null, 'x'] },
  meta: { userId: 'u-1' },
  time: '2025-07-15T10:01:00.123456Z',
};
const json = (r: object): string => JSON.stringify(r);

/** What validateRecordLine gives, without data and meta. */
function validated(text: string): unknown {
  const { data: _data, meta: _meta, ...rest } = validateRecordLine(text);
  return rest;
}

describe('scanRecordLine (inspect reading a line from its bytes)', () => {
  it('gives the same fields as validateRecordLine for canonical lines', () => {
    const lines = [
      json(record),
      json({ ...record, meta: null }),
      json({
        id: record.id,
        stream: 'a:b-ü😀',
        type: 'T"q',
        pos: 0,
        gpos: 1,
        data: {},
        time: '2025-01-01T00:00:00+02:00',
      }),
      json({ ...record, stream: 'line\nbreak', extra: [1, 2] }),
    ];
    for (const text of lines) {
      const scanned = scanRecordLine(Buffer.from(text));
      expect(scanned).not.toBeNull();
      const { parts: _parts, ...fields } = scanned!;
      expect(fields).toEqual(validated(text));
    }
  });

  it('accepts no line that validateRecordLine rejects', () => {
    const bad = [
      json({ ...record, id: 'not-a-uuid' }),
      json({ ...record, stream: '' }),
      json({ ...record, type: 7 }),
      json({ ...record, pos: -1 }),
      json({ ...record, pos: 1.5 }),
      json({ ...record, gpos: 0 }),
      json({ ...record, data: [1] }),
      json({ ...record, data: null }),
      json({ ...record, meta: 'x' }),
      json({ ...record, meta: [] }),
      json({ ...record, time: '2025-02-30T00:00:00Z' }),
      json({ ...record, time: 5 }),
      json({ id: record.id, stream: 's', type: 't', pos: 0, gpos: 1, time: record.time }),
      json({ ...record, stream: '\ud800' }),
      '[1,2]',
      '{"id":',
    ];
    for (const text of bad) {
      expect(scanRecordLine(Buffer.from(text))).toBeNull();
      expect(() => validateRecordLine(text)).toThrow();
    }
  });

  it('leaves lines JSON.stringify would not write to validateRecordLine', () => {
    const odd = [
      json(record).replace('"pos":3', '"pos":3.0'),
      json(record).replace('"pos":3', '"pos": 3'),
      json(record).replace('"order-1"', '"order\\u002d1"'),
      json(record).replace('"pos":3', '"pos":1,"pos":3'),
    ];
    for (const text of odd) {
      expect(scanRecordLine(Buffer.from(text))).toBeNull();
      expect(validated(text)).toMatchObject({ pos: 3 });
    }
  });
});
