/**
 * Time is kept as integer microseconds since the Unix epoch on every backend and written on the
 * wire as RFC 3339 in UTC with `Z`: the fraction has its trailing zeros removed, and no fraction
 * at all when it is zero (`2025-07-15T10:00:00.1234Z`, `2025-07-15T10:00:00Z`).
 */
import { EventoError } from '../errors.js';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

let lastMicros = 0;

/** The current time in microseconds; never goes backwards within this process. */
export function nowMicros(): number {
  const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  lastMicros = now > lastMicros ? now : lastMicros;
  return lastMicros;
}

// Hot path of every read: the date text is cached per day, the rest is arithmetic.
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
let cachedDay = Number.NaN;
let cachedDate = '';

/** Formats microseconds since the epoch as RFC 3339 UTC (see the file comment). */
export function formatTime(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const day = Math.floor(seconds / 86_400);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * 86_400_000).toISOString().slice(0, 11);
  }
  const secondOfDay = seconds - day * 86_400;
  const hms = `${TWO_DIGITS[Math.floor(secondOfDay / 3600)]}:${TWO_DIGITS[Math.floor(secondOfDay / 60) % 60]}:${TWO_DIGITS[secondOfDay % 60]}`;
  let fraction = micros - seconds * 1_000_000;
  if (fraction === 0) return `${cachedDate}${hms}Z`;
  let digits = 6;
  while (fraction % 10 === 0) {
    fraction /= 10;
    digits--;
  }
  const text = String(fraction);
  return `${cachedDate}${hms}.${'000000'.slice(0, digits - text.length)}${text}Z`;
}

/** Parses RFC 3339 (any offset, fraction truncated to microseconds); null when it is not one. */
export function parseTime(text: string): number | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as string[];
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return null;
  }
  const base = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s));
  if (new Date(base).getUTCDate() !== day && Number(s) !== 60) return null;
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const micros = Number(((frac ?? '') + '000000').slice(0, 6));
  return (base - offsetMinutes * 60_000) * 1000 + micros;
}

/** Parses a date (`YYYY-MM-DD`, UTC midnight) or an RFC 3339 time; throws INVALID_REQUEST. */
export function parseDateOrTime(text: string, what: string): number {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseTime(`${text}T00:00:00Z`) : null;
  const micros = dateOnly ?? parseTime(text);
  if (micros === null) {
    throw new EventoError(
      'INVALID_REQUEST',
      `${what}: expected YYYY-MM-DD or an RFC 3339 time, got "${text}"`,
    );
  }
  return micros;
}
