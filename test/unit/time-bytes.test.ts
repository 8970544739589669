import { describe, expect, it } from 'vitest';
import { parseTime, parseTimeBytes } from '../../src/store/time.js';

/** parseTimeBytes when it settles the text, else parseTime: what the inspect scanner does. */
function viaBytes(text: string): number | null {
  const b = Buffer.from(`"${text}"`);
  const r = parseTimeBytes(b, 1, b.length - 1);
  return r === undefined ? parseTime(text) : r;
}

describe('parseTimeBytes (times read in place)', () => {
  it('reads the times exports write as parseTime does', () => {
    const times = [
      '2025-07-15T10:01:00Z',
      '2025-07-15T10:01:00.1Z',
      '2025-07-15T10:01:00.123456Z',
      '2025-07-15T10:01:00.123456789Z',
      '2024-02-29T23:59:59.999999Z',
      '1970-01-01T00:00:00Z',
      '1969-12-31T23:59:59.5Z',
      '2255-01-01T00:00:00Z',
    ];
    for (const t of times) {
      const b = Buffer.from(t);
      expect(parseTimeBytes(b, 0, b.length), t).toBe(parseTime(t));
      expect(parseTime(t), t).not.toBeNull();
    }
  });

  it('rejects the dates and times parseTime rejects, and leaves other forms and far years to it', () => {
    const times = [
      '2025-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2025-13-01T00:00:00Z',
      '2025-00-01T00:00:00Z',
      '2025-07-00T00:00:00Z',
      '2025-07-15T24:00:00Z',
      '2025-07-15T10:60:00Z',
      '0000-12-31T00:00:00Z',
      '2016-12-31T23:59:60Z',
      '2016-12-30T23:59:60Z',
      '2025-07-15T10:01:00.Z',
      '2025-07-15T10:01:00.1234567890Z',
      '2025-07-15T10:01:00+01:00',
      '2025-07-15T10:01:00z',
      '2025-07-15 10:01:00Z',
      '2025-7-15T10:01:00Z',
      '2025-07-15T10:01:0xZ',
      '2025-07-15T10:01:00.1x3Z',
      '٢٠٢٥-07-15T10:01:00Z',
      '9999-12-31T23:59:59.999999Z',
      '0001-01-01T00:00:00.000001Z',
      '2025-07-15',
      '',
    ];
    for (const t of times) expect(viaBytes(t), t).toBe(parseTime(t));
  });

  it('agrees with parseTime on a sweep of times', () => {
    for (
      let micros = -62_135_596_800_000_000;
      micros < 253_402_300_800_000_000;
      micros += 7_777_777_777_777_777
    ) {
      const t = new Date(Math.floor(micros / 1000)).toISOString().replace('Z', '123Z');
      expect(viaBytes(t), t).toBe(parseTime(t));
    }
  });
});
