import { describe, expect, it } from 'vitest';
import { formatTime, nowMicros, parseDateOrTime, parseTime } from '../../src/store/time.js';

describe('time', () => {
  it('formats microseconds as RFC 3339 UTC with trailing zeros trimmed', () => {
    const base = Date.UTC(2025, 6, 15, 10, 0, 0) * 1000;
    expect(formatTime(base)).toBe('2025-07-15T10:00:00Z');
    expect(formatTime(base + 100_000)).toBe('2025-07-15T10:00:00.1Z');
    expect(formatTime(base + 123_456)).toBe('2025-07-15T10:00:00.123456Z');
    expect(formatTime(base + 1)).toBe('2025-07-15T10:00:00.000001Z');
  });

  it('parses what it formats, to the microsecond', () => {
    for (const micros of [0, 1, 999_999, 1_752_573_600_123_456, 1_752_573_600_000_010]) {
      expect(parseTime(formatTime(micros))).toBe(micros);
    }
  });

  it('applies offsets and truncates fractions beyond microseconds', () => {
    expect(parseTime('2025-07-15T12:00:00+02:00')).toBe(parseTime('2025-07-15T10:00:00Z'));
    expect(parseTime('2025-07-15T10:00:00.1234567Z')).toBe(parseTime('2025-07-15T10:00:00.123456Z'));
  });

  it('rejects text that is not RFC 3339', () => {
    for (const bad of [
      '2025-07-15',
      '2025-13-01T00:00:00Z',
      '2025-02-30T00:00:00Z',
      'yesterday',
      '2025-07-15T10:00:00',
    ]) {
      expect(parseTime(bad)).toBeNull();
    }
  });

  it('reads a bare date as UTC midnight', () => {
    expect(parseDateOrTime('2025-07-01', '--since')).toBe(Date.UTC(2025, 6, 1) * 1000);
    expect(() => parseDateOrTime('July', '--since')).toThrow();
  });

  it('never goes backwards', () => {
    let last = nowMicros();
    for (let i = 0; i < 1000; i++) {
      const now = nowMicros();
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
    }
  });
});

describe('formatTime against Date', () => {
  it('agrees with toISOString on the date and time of day across days, years and epochs', () => {
    for (const ms of [
      0, 86_399_999, 951_782_400_000, 1_709_251_199_999, 4_102_444_800_000, -1, -86_400_001,
    ]) {
      const micros = ms * 1000 + 250;
      expect(formatTime(micros).slice(0, 19)).toBe(new Date(ms).toISOString().slice(0, 19));
    }
  });
});
