import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isEventoError } from '../../src/errors.js';
import { splitLines, type Line } from '../../src/ndjson/read.js';
import { parseRecordLine, recordLineOfRow, type CategoryRow } from '../../src/ndjson/record.js';
import { encodeCategoryRow } from '../../src/server/rows.js';

const record = {
  id: '550e8400-e29b-41d4-a716-446655440000',
  stream: 'workflow-123',
  type: 'TaskRequested',
  pos: 0,
  gpos: 47,
  data: { task: 'process' },
  meta: null,
  time: '2025-07-15T10:00:00.000001Z',
};

async function lines(chunks: string[], max = 1000): Promise<Line[]> {
  const out: Line[] = [];
  for await (const group of splitLines(Readable.from(chunks.map((c) => Buffer.from(c))), max))
    out.push(...group);
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isEventoError(err) ? err.code : 'not an EventoError';
  }
  return undefined;
}

describe('NDJSON lines', () => {
  it('splits lines across chunk boundaries, numbering blank lines too', async () => {
    const got = await lines(['{"a":', '1}\n\n{"b":2}\r\n{"c"', ':3}']);
    expect(got).toEqual([
      { number: 1, text: '{"a":1}' },
      { number: 2, text: '' },
      { number: 3, text: '{"b":2}' },
      { number: 4, text: '{"c":3}' },
    ]);
  });

  it('keeps multi-byte characters split across chunks intact', async () => {
    const bytes = Buffer.from('{"s":"é€"}\n');
    const parts = [bytes.subarray(0, 7), bytes.subarray(7)];
    const out: Line[] = [];
    for await (const group of splitLines(Readable.from(parts), 100)) out.push(...group);
    expect(out[0]?.text).toBe('{"s":"é€"}');
  });

  it('rejects an over-long line with its line number before it ends', async () => {
    const err = await lines(['ok\n', 'x'.repeat(600), 'x'.repeat(600)], 1000).catch((e: unknown) => e);
    expect(isEventoError(err) && err.code).toBe('PAYLOAD_TOO_LARGE');
    expect((err as { line: number }).line).toBe(2);
  });
});

describe('export records', () => {
  it('round-trips a record line byte for byte through the stored message and the wire row', () => {
    const line = JSON.stringify(record);
    const row = JSON.parse(encodeCategoryRow(parseRecordLine(line))) as CategoryRow;
    expect(recordLineOfRow(row)).toBe(line);
  });

  it('reads an upper-case id as the same, lower-case id', () => {
    expect(parseRecordLine(JSON.stringify({ ...record, id: record.id.toUpperCase() })).id).toBe(record.id);
  });

  it('treats a missing meta as null', () => {
    const { meta: _meta, ...rest } = record;
    expect(parseRecordLine(JSON.stringify(rest)).metadata).toBeNull();
  });

  it('rejects a line that is not JSON with INVALID_JSON', () => {
    expect(codeOf(() => parseRecordLine('{"id":'))).toBe('INVALID_JSON');
  });

  it.each([
    ['a non-UUID id', { id: 'nope' }],
    ['an empty stream', { stream: '' }],
    ['a missing type', { type: undefined }],
    ['a negative pos', { pos: -1 }],
    ['a fractional pos', { pos: 1.5 }],
    ['a zero gpos', { gpos: 0 }],
    ['a string gpos', { gpos: '47' }],
    ['array data', { data: [1] }],
    ['a string meta', { meta: 'x' }],
    ['a bad time', { time: '15/07/2025' }],
  ])('rejects %s with INVALID_RECORD', (_what, change) => {
    expect(codeOf(() => parseRecordLine(JSON.stringify({ ...record, ...change })))).toBe('INVALID_RECORD');
  });

  it('rejects a line that is JSON but not an object with INVALID_RECORD', () => {
    expect(codeOf(() => parseRecordLine('[1,2]'))).toBe('INVALID_RECORD');
  });
});
