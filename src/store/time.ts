/**
 * Time is kept as integer microseconds since the Unix epoch on every backend and written on the
 * wire as RFC 3339 in UTC with `Z`: the fraction has its trailing zeros removed, and no fraction
 * at all when it is zero (`2025-07-15T10:00:00.1234Z`, `2025-07-15T10:00:00Z`).
 *
 * Accepted times (`parseTime`) are exactly those that read back as accepted times:
 * - the UTC instant is in years 0001–9999 (`MIN_TIME` ≤ µs < `END_TIME`), whatever the offset:
 *   `0001-01-01T00:00:00+01:00` (year 0000 in UTC) and `9999-12-31T23:59:59-23:59` (year 10000)
 *   are rejected, because their UTC form has no 4-digit year;
 * - real calendar dates (proleptic Gregorian: Feb 29 only in leap years, 1900 is not one, 2000 is),
 *   hours 00–23, minutes 00–59, offsets `Z` or ±00:00..±23:59;
 * - a leap second `:60` only where one can happen, at 23:59:60 UTC; it is stored as the last
 *   microsecond of that day (23:59:59.999999Z), so order is kept and it reads back as an accepted time;
 * - fraction digits beyond microseconds are truncated. A double holds every microsecond only within
 *   ±2^53 µs of 1970 (1684-09 to 2255-06); beyond that the fraction is truncated further, to the
 *   nearest lower value a double holds (a multiple of 2–32 µs), never rounded up.
 */
import { EventoError } from '../errors.js';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

const DAY_SECONDS = 86_400;
const DAY_MICROS = 86_400_000_000;

/**
 * Days from 1970-01-01 to the given proleptic Gregorian date (month 1–12). Pure arithmetic
 * (H. Hinnant's days_from_civil): `Date.UTC` maps years 0–99 to 1900–1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** First accepted time: 0001-01-01T00:00:00Z in µs. */
export const MIN_TIME = daysFromCivil(1, 1, 1) * DAY_MICROS;

/** First time past the accepted range: 10000-01-01T00:00:00Z in µs (exact as a double). */
export const END_TIME = daysFromCivil(10_000, 1, 1) * DAY_MICROS;

/** True when `micros` is a time the store accepts: an integer in [MIN_TIME, END_TIME). */
export function isTimeInRange(micros: number): boolean {
  return Number.isInteger(micros) && micros >= MIN_TIME && micros < END_TIME;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const isLeap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && isLeap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

const bits = new Float64Array(1);
const bitsAsInt = new BigInt64Array(bits.buffer);

/** The largest double below `x` (x ≠ 0). */
function nextDown(x: number): number {
  bits[0] = x;
  bitsAsInt[0] = (bitsAsInt[0] ?? 0n) + (x > 0 ? -1n : 1n);
  return bits[0];
}

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

/**
 * Formats microseconds since the epoch as RFC 3339 UTC (see the file comment). Every time in
 * [MIN_TIME, END_TIME) gets a 4-digit year (`toISOString` pads years 0–9999 to four digits) and
 * parses back to the same number.
 */
export function formatTime(micros: number): string {
  let seconds = Math.floor(micros / 1_000_000);
  // Beyond ±2^53 µs the division can round up to the next whole second.
  if (seconds * 1_000_000 > micros) seconds--;
  const day = Math.floor(seconds / DAY_SECONDS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * 86_400_000).toISOString().slice(0, 11);
  }
  const secondOfDay = seconds - day * DAY_SECONDS;
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

/** Parses an accepted RFC 3339 time (see the file comment) to µs; null for anything else. */
export function parseTime(text: string): number | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as string[];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  let offsetSeconds = 0;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const offsetHours = Number(zone.slice(1, 3));
    const offsetMinutes = Number(zone.slice(4, 6));
    if (offsetHours > 23 || offsetMinutes > 59) return null;
    offsetSeconds = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  const seconds =
    daysFromCivil(year, month, day) * DAY_SECONDS + hour * 3600 + minute * 60 + second - offsetSeconds;
  // Exact: |seconds| < 2^38 and 10^6 = 2^6 * 15625, so the product is a multiple of 64 below 2^59.
  const base = seconds * 1_000_000;
  let micros: number;
  if (second === 60) {
    // A leap second ends a UTC day: it is 00:00:00 of the next one here.
    if (seconds % DAY_SECONDS !== 0) return null;
    micros = Number.isSafeInteger(base) ? base - 1 : nextDown(base);
  } else {
    const fraction = frac === undefined ? 0 : Number((frac + '00000').slice(0, 6));
    micros = base + fraction;
    if (micros - base > fraction) micros = nextDown(micros);
  }
  return isTimeInRange(micros) ? micros : null;
}

/**
 * Parses a date (`YYYY-MM-DD`, UTC midnight) or an accepted RFC 3339 time; throws INVALID_REQUEST
 * naming `what`.
 */
export function parseDateOrTime(text: string, what: string): number {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseTime(`${text}T00:00:00Z`) : null;
  const micros = dateOnly ?? parseTime(text);
  if (micros === null) {
    throw new EventoError(
      'INVALID_REQUEST',
      `${what}: expected YYYY-MM-DD or an RFC 3339 time from 0001 to 9999 UTC, got "${text}"`,
    );
  }
  return micros;
}

const digitAt = (b: Uint8Array, i: number): number => {
  const d = b[i]! - 0x30;
  return d >= 0 && d <= 9 ? d : -100_000;
};
const twoDigits = (b: Uint8Array, i: number): number => digitAt(b, i) * 10 + digitAt(b, i + 1);

/**
 * `parseTime` of the ASCII bytes `b[start..end)` for the form every export writes
 * (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`, seconds 00–59, within ±2^53 µs of 1970), read without making
 * a string; `undefined` for any other text, which the caller then gives to `parseTime` (so the
 * result is always `parseTime`'s). Null: the form matched but the date or time is not accepted.
 */
export function parseTimeBytes(b: Uint8Array, start: number, end: number): number | null | undefined {
  const n = end - start;
  if (n < 20 || n === 21 || n > 30 || b[end - 1] !== 0x5a) return undefined;
  if (b[start + 4] !== 0x2d || b[start + 7] !== 0x2d || b[start + 10] !== 0x54) return undefined;
  if (b[start + 13] !== 0x3a || b[start + 16] !== 0x3a) return undefined;
  const year = twoDigits(b, start) * 100 + twoDigits(b, start + 2);
  const month = twoDigits(b, start + 5);
  const day = twoDigits(b, start + 8);
  const hour = twoDigits(b, start + 11);
  const minute = twoDigits(b, start + 14);
  const second = twoDigits(b, start + 17);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let fraction = 0;
  if (n > 20) {
    if (b[start + 19] !== 0x2e) return undefined;
    for (let i = start + 20; i < end - 1; i++) {
      const d = digitAt(b, i);
      if (d < 0) return undefined;
      if (i < start + 26) fraction = fraction * 10 + d;
    }
    for (let i = end - 1; i < start + 26; i++) fraction *= 10;
  }
  if (second > 59) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59) return null;
  const seconds = daysFromCivil(year, month, day) * DAY_SECONDS + hour * 3600 + minute * 60 + second;
  const micros = seconds * 1_000_000 + fraction;
  if (!Number.isSafeInteger(micros)) return undefined;
  return isTimeInRange(micros) ? micros : null;
}
