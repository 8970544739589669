/** Import-line hardening: invalid UTF-8, lone surrogates, nesting depth and times, per line. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isEventoError } from '../../src/errors.js';
import { splitLines, type Line } from '../../src/ndjson/read.js';
import { parseRecordLine } from '../../src/ndjson/record.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../src/store/validate.js';

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

/** `levels` nested containers, arrays and objects alternating, the outermost an object. */
function nest(levels: number): Record<string, unknown> {
  let value: unknown = {};
  for (let i = 1; i < levels; i++) value = i < levels - 1 && i % 2 === 1 ? [value] : { a: value };
  return value as Record<string, unknown>;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isEventoError(err) ? err.code : `not an EventoError: ${String(err)}`;
  }
  return undefined;
}

async function readAll(chunks: Buffer[]): Promise<{ lines: Line[]; error: unknown }> {
  const lines: Line[] = [];
  try {
    for await (const group of splitLines(Readable.from(chunks), 1000)) lines.push(...group);
  } catch (error) {
    return { lines, error };
  }
  return { lines, error: undefined };
}

describe('line reader: UTF-8', () => {
  it('rejects a line with invalid UTF-8 as INVALID_JSON at its line, after yielding the lines before it', async () => {
    const bad = Buffer.concat([Buffer.from('{"stream":"a-'), Buffer.from([0xff]), Buffer.from('"}\n')]);
    const { lines, error } = await readAll([
      Buffer.from('one\ntwo\n'),
      Buffer.concat([Buffer.from('3\n'), bad]),
    ]);
    expect(lines.map((l) => l.text)).toEqual(['one', 'two', '3']);
    expect(isEventoError(error) && error.code).toBe('INVALID_JSON');
    expect((error as { line: number }).line).toBe(4);
  });

  it('rejects a truncated multi-byte sequence and an encoded surrogate (CESU-8) too', async () => {
    for (const bytes of [
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
      [0xc0, 0xaf],
    ]) {
      const { error } = await readAll([
        Buffer.concat([Buffer.from('x'), Buffer.from(bytes), Buffer.from('\n')]),
      ]);
      expect(isEventoError(error) && error.code, bytes.join()).toBe('INVALID_JSON');
    }
  });

  it('still reads a last line without a newline and checks it', async () => {
    const { error } = await readAll([Buffer.from('ok\n'), Buffer.from([0x7b, 0xfe])]);
    expect((error as { line: number }).line).toBe(2);
  });
});

describe('record line: names', () => {
  it('rejects a stream or type with a lone surrogate escape as INVALID_RECORD', () => {
    for (const fields of [{ stream: 'a-\ud800' }, { stream: 'a-\udc00x' }, { type: 'T\udbff' }]) {
      // JSON.stringify writes a lone surrogate as a \u escape: the line is valid UTF-8 JSON.
      const line = JSON.stringify({ ...record, ...fields });
      expect(line).toMatch(/\\ud[89abcdef]/);
      expect(codeOf(() => parseRecordLine(line))).toBe('INVALID_RECORD');
    }
  });

  it('accepts a surrogate pair, escaped or not', () => {
    expect(parseRecordLine(JSON.stringify({ ...record, stream: 'a-😀' })).streamName).toBe('a-😀');
    const escaped = JSON.stringify(record).replace('workflow-123', 'a-\\ud83d\\ude00');
    expect(parseRecordLine(escaped).streamName).toBe('a-😀');
  });
});

describe('record line: nesting depth', () => {
  it('counts levels exactly: the value itself is level 1', () => {
    expect(exceedsJsonDepth({}, 1)).toBe(false);
    expect(exceedsJsonDepth({ a: [] }, 1)).toBe(true);
    expect(exceedsJsonDepth(nest(MAX_JSON_DEPTH))).toBe(false);
    expect(exceedsJsonDepth(nest(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(exceedsJsonDepth(nest(100_000))).toBe(true);
    expect(exceedsJsonDepth({ a: 1, b: 'x', c: null, d: [1, 2, { e: true }] }, 3)).toBe(false);
  });

  it('rejects data or meta deeper than the limit as INVALID_RECORD, even 5000 deep', () => {
    const base = JSON.stringify(record);
    for (const line of [
      JSON.stringify({ ...record, data: nest(MAX_JSON_DEPTH + 1) }),
      JSON.stringify({ ...record, meta: nest(MAX_JSON_DEPTH + 1) }),
      // JSON.stringify itself overflows here: write the text by hand.
      base.replace('{"task":"process"}', `${'{"a":['.repeat(2500)}1${']}'.repeat(2500)}`),
      base.replace('"meta":null', `"meta":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`),
    ]) {
      expect(codeOf(() => parseRecordLine(line))).toBe('INVALID_RECORD');
    }
  });

  it('accepts data and meta exactly at the limit and keeps them as written', () => {
    const deep = nest(MAX_JSON_DEPTH);
    const stored = parseRecordLine(JSON.stringify({ ...record, data: deep, meta: deep }));
    expect(stored.data).toBe(JSON.stringify(deep));
    expect(stored.metadata).toBe(JSON.stringify(deep));
  });
});

describe('record line: time', () => {
  it('rejects times outside 0001-9999 UTC and impossible dates as INVALID_RECORD', () => {
    for (const time of [
      '0000-01-01T00:00:00Z',
      '9999-12-31T23:59:59-23:59',
      '2025-02-29T00:00:00Z',
      '2025-07-15T10:00:00+99:99',
      '+010000-01-01T00:00:00Z',
    ]) {
      expect(
        codeOf(() => parseRecordLine(JSON.stringify({ ...record, time }))),
        time,
      ).toBe('INVALID_RECORD');
    }
  });

  it('stores year 0050 as year 50', () => {
    const stored = parseRecordLine(JSON.stringify({ ...record, time: '0050-01-01T00:00:00Z' }));
    const date = new Date(stored.time / 1000);
    expect(date.getUTCFullYear()).toBe(50);
  });
});
