/**
 * Lenient timestamp reading: what Python 3.11's `datetime.fromisoformat`
 * accepts, turned into epoch microseconds and normalised to the wire form
 * `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`. Naive timestamps are taken as UTC.
 *
 * @module
 */
import { formatWireTimestamp } from "../wire_time.ts";

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MICROS_PER_SECOND = 1_000_000;
const MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND;

const EXTENDED_DATE = /^(\d{4})-(\d{2})-(\d{2})/;
const BASIC_DATE = /^(\d{4})(\d{2})(\d{2})/;
// Time of day, extended (`HH[:MM[:SS[.f]]]`) or basic (`HH[MM[SS[.f]]]`), then an optional offset.
// Fractional seconds: any number of digits, of which the first 6 count (as Python 3.11 reads them).
const EXTENDED_TIME =
  /^(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?)?$/;
const BASIC_TIME =
  /^(\d{2})(?:(\d{2})(?:(\d{2})(?:[.,](\d+))?)?)?(Z|[+-]\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,6})?)?)?)?$/;
const OFFSET_PARTS = /^([+-])(\d{2}):?(\d{2})?:?(\d{2})?(?:\.(\d{1,6}))?$/;
/** Epoch microseconds of 0001-01-01T00:00:00 and just after 9999-12-31T23:59:59.999999 UTC. */
const MIN_MICROS = -62_135_596_800_000_000;
const END_MICROS = 253_402_300_800_000_000;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function validDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  return day <= days;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

function epochMicros(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  micros: number,
): number {
  // Plain arithmetic: no Date object, and years 1..99 stay literal.
  return daysFromCivil(year, month, day) * 86_400_000_000 +
    ((hour * 60 + minute) * 60 + second) * MICROS_PER_SECOND + micros;
}

/** `count` ASCII digits of `text` at `at` as a number, or -1. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** HOT PATH: the wire form `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`, read without a regex; else null. */
function wireFormMicros(text: string): number | null {
  if (
    text.length !== 32 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 || !text.endsWith("+00:00")
  ) return null;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const micros = digitsAt(text, 20, 6);
  if (
    !validDate(year, month, day) || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
    second < 0 || second > 59 || micros < 0
  ) return null;
  return epochMicros(year, month, day, hour, minute, second, micros);
}

/** Offset east of UTC in microseconds, or `null` when out of range. */
function offsetMicros(text: string): number | null {
  if (text === "Z") return 0;
  const m = OFFSET_PARTS.exec(text);
  if (m === null) return null;
  const hours = Number(m[2]);
  const minutes = m[3] === undefined ? 0 : Number(m[3]);
  const seconds = m[4] === undefined ? 0 : Number(m[4]);
  if (hours > 23 || minutes > 59 || seconds > 59) return null;
  const magnitude = hours * 60 * MICROS_PER_MINUTE + minutes * MICROS_PER_MINUTE +
    seconds * MICROS_PER_SECOND + (m[5] === undefined ? 0 : Number(m[5].padEnd(6, "0")));
  return m[1] === "-" ? -magnitude : magnitude;
}

/**
 * Parse a timestamp the way Python 3.11's `datetime.fromisoformat` reads it
 * (`Z`, `±HH:MM` and other offsets, a space or any single character instead of
 * `T`, fractional seconds of any length of which the first 6 digits count,
 * date-only, compact basic format) into epoch microseconds. Naive timestamps
 * are taken as UTC. Returns `null` when the text is not such a timestamp, or
 * when its instant falls outside years 1–9999 in UTC. Not read: ISO week and
 * ordinal dates, and a separator before `Z` (`45.Z`, `45 Z`).
 *
 * @example
 * ```ts
 * import { parseTimestampMicros } from "@peak-trade/execution";
 * console.log(parseTimestampMicros("2026-11-25T09:30:45.5Z")); // 1795599045500000
 * console.log(parseTimestampMicros("yesterday")); // null
 * ```
 */
export function parseTimestampMicros(text: string): number | null {
  const wire = wireFormMicros(text);
  if (wire !== null) return wire;
  let rest: string;
  let dateMatch = EXTENDED_DATE.exec(text);
  let basic = false;
  if (dateMatch !== null) {
    rest = text.slice(10);
  } else {
    dateMatch = BASIC_DATE.exec(text);
    if (dateMatch === null) return null;
    rest = text.slice(8);
    basic = true;
  }
  const [year, month, day] = [Number(dateMatch[1]), Number(dateMatch[2]), Number(dateMatch[3])];
  if (!validDate(year, month, day)) return null;
  if (rest === "") return epochMicros(year, month, day, 0, 0, 0, 0);
  // Python accepts any single character as the date/time separator.
  const time = (basic ? BASIC_TIME : EXTENDED_TIME).exec(rest.slice(1)) ??
    (basic ? EXTENDED_TIME : BASIC_TIME).exec(rest.slice(1));
  if (time === null) return null;
  const hour = Number(time[1]);
  const minute = time[2] === undefined ? 0 : Number(time[2]);
  const second = time[3] === undefined ? 0 : Number(time[3]);
  if (hour > 23 || minute > 59 || second > 59) return null;
  const fraction = time[4] === undefined ? 0 : Number(time[4].slice(0, 6).padEnd(6, "0"));
  let offset = 0;
  if (time[5] !== undefined) {
    const parsed = offsetMicros(time[5]);
    if (parsed === null) return null;
    offset = parsed;
  }
  const micros = epochMicros(year, month, day, hour, minute, second, fraction) - offset;
  // An offset can carry an instant past year 9999 or before year 1 in UTC: Python cannot
  // convert it either (OverflowError), and it has no wire form.
  return micros >= MIN_MICROS && micros < END_MICROS ? micros : null;
}

/**
 * Normalise a timestamp to the wire form (UTC, 6 fractional digits,
 * `+00:00`), or `null` when it does not parse (see
 * {@linkcode parseTimestampMicros}).
 *
 * @example
 * ```ts
 * import { normalizeTimestamp } from "@peak-trade/execution";
 * console.log(normalizeTimestamp("2026-11-25T10:30:45+01:00"));
 * // "2026-11-25T09:30:45.000000+00:00"
 * ```
 */
export function normalizeTimestamp(text: string): string | null {
  if (wireFormMicros(text) !== null) return text;
  const micros = parseTimestampMicros(text);
  return micros === null ? null : formatWireTimestamp(micros);
}

/**
 * Turn a `since`/`until` bound (a timestamp string or a `Date`) into epoch
 * microseconds, or throw a `RangeError` that names the option and shows an
 * accepted form.
 *
 * @example
 * ```ts
 * import { parseTimeBound } from "@peak-trade/execution";
 * console.log(parseTimeBound("2026-11-25", "since")); // 1795564800000000
 * ```
 */
export function parseTimeBound(value: string | Date, name: string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new RangeError(`${name}: the Date is invalid`);
    return ms * 1000;
  }
  const micros = typeof value === "string" ? parseTimestampMicros(value.trim()) : null;
  if (micros === null) {
    throw new RangeError(
      `${name}: cannot read ${JSON.stringify(String(value).slice(0, 64))} as a timestamp; ` +
        `use ISO 8601 such as 2026-11-25T09:30:00Z, 2026-11-25T10:30:00+01:00 or 2026-11-25`,
    );
  }
  return micros;
}
