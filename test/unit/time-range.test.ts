/**
 * The accepted time range and calendar rules of parseTime/formatTime (issue 7, defect 3): every
 * accepted time must read back as an accepted time with the same microseconds.
 */
import { describe, expect, it } from 'vitest';
import { END_TIME, formatTime, MIN_TIME, parseDateOrTime, parseTime } from '../../src/store/time.js';

/** µs of a UTC date-time, computed with setUTCFullYear (Date.UTC maps years 0–99 to 19xx). */
function utc(year: number, month: number, day: number, h = 0, m = 0, s = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(h, m, s, 0);
  return date.getTime() * 1000;
}

describe('parseTime: years', () => {
  it('keeps years 0001 to 0099 as written instead of mapping them to 19xx', () => {
    expect(parseTime('0050-06-15T12:00:00Z')).toBe(utc(50, 6, 15, 12));
    expect(parseTime('0001-01-01T00:00:00Z')).toBe(utc(1, 1, 1));
    expect(parseTime('0099-12-31T23:59:59Z')).toBe(utc(99, 12, 31, 23, 59, 59));
  });

  it('rejects year 0000', () => {
    expect(parseTime('0000-01-01T00:00:00Z')).toBeNull();
    expect(parseTime('0000-12-31T23:59:59.999999Z')).toBeNull();
  });

  it('rejects a time whose UTC instant falls in year 0000 or 10000', () => {
    expect(parseTime('0001-01-01T00:00:00+01:00')).toBeNull();
    expect(parseTime('0001-01-01T00:59:59.999999+01:00')).toBeNull();
    expect(parseTime('0001-01-01T01:00:00+01:00')).toBe(MIN_TIME);
    expect(parseTime('9999-12-31T23:59:59-23:59')).toBeNull();
    expect(parseTime('9999-12-31T00:00:00-23:59')).toBe(utc(9999, 12, 31, 23, 59));
  });

  it('accepts the first and the last second of the range', () => {
    expect(parseTime('0001-01-01T00:00:00Z')).toBe(MIN_TIME);
    expect(parseTime('9999-12-31T23:59:59Z')).toBe(END_TIME - 1_000_000);
    expect(formatTime(MIN_TIME)).toBe('0001-01-01T00:00:00Z');
    expect(formatTime(END_TIME - 1_000_000)).toBe('9999-12-31T23:59:59Z');
  });

  it('truncates, never rounds up, a fraction a double cannot hold near year 9999', () => {
    const last = parseTime('9999-12-31T23:59:59.999999Z');
    expect(last).not.toBeNull();
    expect(last).toBeLessThan(END_TIME);
    expect(formatTime(last as number)).toMatch(/^9999-12-31T23:59:59\.9999\d\dZ$/);
    expect(parseTime(formatTime(last as number))).toBe(last);
  });
});

describe('parseTime: calendar', () => {
  it('accepts Feb 29 only in leap years (century years only when divisible by 400)', () => {
    for (const year of ['2024', '2000', '1600', '0004', '0400']) {
      expect(parseTime(`${year}-02-29T00:00:00Z`), year).not.toBeNull();
    }
    for (const year of ['2025', '1900', '2100', '0001', '0100']) {
      expect(parseTime(`${year}-02-29T00:00:00Z`), year).toBeNull();
    }
  });

  it('rejects Feb 30 and 31 in every year, and the 31st of 30-day months', () => {
    for (const text of [
      '2024-02-30T00:00:00Z',
      '2024-02-31T00:00:00Z',
      '2025-02-31T00:00:00Z',
      '2000-02-30T00:00:00Z',
      '2025-04-31T00:00:00Z',
      '2025-06-31T00:00:00Z',
      '2025-09-31T00:00:00Z',
      '2025-11-31T00:00:00Z',
      '2025-01-32T00:00:00Z',
      '2025-01-00T00:00:00Z',
      '2025-00-10T00:00:00Z',
    ]) {
      expect(parseTime(text), text).toBeNull();
    }
    expect(parseTime('2025-12-31T00:00:00Z')).toBe(utc(2025, 12, 31));
  });

  it('rejects hour 24 and minute or second 61', () => {
    for (const text of ['2025-07-15T24:00:00Z', '2025-07-15T10:60:00Z', '2025-07-15T10:00:61Z']) {
      expect(parseTime(text), text).toBeNull();
    }
  });
});

describe('parseTime: offsets', () => {
  it('accepts offsets up to ±23:59 and applies them', () => {
    expect(parseTime('2025-07-15T23:59:00+23:59')).toBe(utc(2025, 7, 15));
    expect(parseTime('2025-07-15T00:00:00-23:59')).toBe(utc(2025, 7, 15, 23, 59));
    expect(parseTime('2025-07-15T10:00:00-00:00')).toBe(utc(2025, 7, 15, 10));
  });

  it('rejects offsets of 24 hours or more and offset minutes over 59', () => {
    for (const zone of ['+24:00', '-24:00', '+99:99', '+00:60', '-12:75']) {
      expect(parseTime(`2025-07-15T10:00:00${zone}`), zone).toBeNull();
    }
  });
});

describe('parseTime: leap seconds', () => {
  it('stores 23:59:60 UTC as the last microsecond of that day', () => {
    const leap = parseTime('2016-12-31T23:59:60Z');
    expect(leap).toBe(utc(2017, 1, 1) - 1);
    expect(formatTime(leap as number)).toBe('2016-12-31T23:59:59.999999Z');
    expect(parseTime('2016-12-31T23:59:60.5Z')).toBe(leap);
    expect(parseTime('2017-01-01T00:59:60+01:00')).toBe(leap);
  });

  it('rejects :60 anywhere but 23:59 UTC', () => {
    for (const text of [
      '2016-12-31T12:30:60Z',
      '2016-12-31T23:58:60Z',
      '2016-12-31T23:59:60+01:00',
      '2025-02-31T23:59:60Z',
    ]) {
      expect(parseTime(text), text).toBeNull();
    }
  });
});

describe('formatTime/parseTime round trip', () => {
  it('formats every accepted time so that it parses back to the same microseconds', () => {
    // A deterministic pseudo-random walk over the whole range, plus the edges.
    let seed = 0x9e3779b9;
    const random = (): number => {
      seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return seed / 2 ** 32;
    };
    const samples = [MIN_TIME, MIN_TIME + 8, END_TIME - 32, END_TIME - 1_000_000, -1, 0, 1, 2 ** 53 - 1];
    for (let i = 0; i < 5000; i++) {
      const seconds = Math.floor(MIN_TIME / 1e6 + random() * ((END_TIME - MIN_TIME) / 1e6));
      samples.push(seconds * 1e6 + Math.floor(random() * 1e6));
    }
    for (const sample of samples) {
      const accepted = parseTime(formatTime(sample));
      expect(accepted, formatTime(sample)).not.toBeNull();
      // What the parser accepted is what it will store: it must format to itself.
      expect(parseTime(formatTime(accepted as number)), String(sample)).toBe(accepted);
      expect(formatTime(accepted as number)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/);
      if (Number.isSafeInteger(sample)) expect(accepted).toBe(sample);
    }
  });

  it('accepts random texts with offsets only when their UTC form parses back the same', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed % n;
    };
    const pad = (n: number, w: number): string => String(n).padStart(w, '0');
    for (let i = 0; i < 5000; i++) {
      const sign = random(2) === 0 ? '+' : '-';
      const text =
        `${pad(random(10_000), 4)}-${pad(1 + random(12), 2)}-${pad(1 + random(31), 2)}` +
        `T${pad(random(24), 2)}:${pad(random(60), 2)}:${pad(random(60), 2)}.${pad(random(1_000_000), 6)}` +
        `${sign}${pad(random(24), 2)}:${pad(random(60), 2)}`;
      const micros = parseTime(text);
      if (micros === null) continue;
      expect(micros).toBeGreaterThanOrEqual(MIN_TIME);
      expect(micros).toBeLessThan(END_TIME);
      expect(parseTime(formatTime(micros)), text).toBe(micros);
    }
  });
});

describe('parseDateOrTime', () => {
  it('applies the same rules to bare dates', () => {
    expect(parseDateOrTime('0050-01-01', '--since')).toBe(utc(50, 1, 1));
    for (const bad of ['0000-01-01', '2025-02-29', '2025-02-31', '10000-01-01']) {
      expect(() => parseDateOrTime(bad, '--since'), bad).toThrow(
        expect.objectContaining({ code: 'INVALID_REQUEST' }),
      );
    }
  });
});
