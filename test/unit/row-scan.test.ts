import { describe, expect, it } from 'vitest';
import { recordLineOfRow, type CategoryRow } from '../../src/ndjson/record.js';
import { scanCategoryRows } from '../../src/ndjson/row-scan.js';

const rows: CategoryRow[] = [
  [
    '0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b',
    'order-1',
    'Created',
    0,
    1,
    { amount: 100 },
    null,
    '2025-07-15T10:00:00Z',
  ],
  [
    '0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0c',
    'order-1+retry',
    'Tricky "type" \\ with ] and } and , inside',
    1,
    52,
    { s: 'quote " backslash \\ ] } [ { ,', nested: { a: [1, { b: [] }], e: 1e21, n: -0.5 }, u: 'é€😀\u0001' },
    { correlationStreamName: 'workflow-123', list: [null, true, false] },
    '2025-07-15T10:00:00.123456Z',
  ],
  ['0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0d', 'a-1', 'T', 2, 9007199254740991, {}, {}, '2025-07-15T10:00:00.1Z'],
];

describe('scanning category.get replies', () => {
  it('builds the same record lines as parsing and re-serialising', () => {
    const scanned = scanCategoryRows(Buffer.from(JSON.stringify(rows)), true);
    expect(scanned?.map((r) => r.line.toString())).toEqual(rows.map((row) => recordLineOfRow(row) + '\n'));
    expect(scanned?.map((r) => r.gpos)).toEqual([1, 52, 9007199254740991]);
    expect(scanned?.map((r) => r.time)).toEqual(rows.map((r) => r[7]));
  });

  it('reads an empty reply as no rows', () => {
    expect(scanCategoryRows(Buffer.from('[]'), false)).toEqual([]);
  });

  it('leaves the time undecoded unless asked for', () => {
    expect(scanCategoryRows(Buffer.from(JSON.stringify(rows)), false)?.map((r) => r.time)).toEqual([
      null,
      null,
      null,
    ]);
  });

  it.each([
    ['whitespace between tokens', JSON.stringify(rows, null, 1)],
    ['a row with too few elements', '[["id","s","t",0,1,{},null]]'],
    ['a row with too many elements', '[["id","s","t",0,1,{},null,"t","x"]]'],
    ['a non-numeric gpos', '[["id","s","t",0,"1",{},null,"2025-01-01T00:00:00Z"]]'],
    ['an unterminated string', '[["id'],
    ['trailing garbage', JSON.stringify(rows) + 'x'],
    ['an object instead of an array', '{"error":{}}'],
  ])('declines %s, so the caller parses it instead', (_what, text) => {
    expect(scanCategoryRows(Buffer.from(text), true)).toBeNull();
  });
});
