/**
 * The wire clock: timestamps as the wire writes them (UTC, 6 fractional
 * digits, `+00:00`), with no dependency, so the writer, the pipeline, the
 * readers and the browser bundle share one definition.
 *
 * @module
 */

/**
 * The timestamp format written on the wire: UTC, 6 fractional digits, `+00:00`
 * (what Python's `isoformat()` writes for an aware UTC time).
 *
 * @example
 * ```ts
 * import { WIRE_TIMESTAMP_PATTERN } from "@peak-trade/execution";
 * console.log(WIRE_TIMESTAMP_PATTERN.test("2026-11-25T09:30:45.123456+00:00")); // true
 * ```
 */
export const WIRE_TIMESTAMP_PATTERN: RegExp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;

const MICROS_PER_SECOND = 1_000_000;

function pad2(n: number): string {
  return (n < 10 ? "0" : "") + n;
}

/**
 * Format an instant as a wire timestamp: UTC, 6 fractional digits, `+00:00`.
 * Accepts a `Date` (millisecond precision) or epoch microseconds.
 *
 * @example
 * ```ts
 * import { formatWireTimestamp } from "@peak-trade/execution";
 * console.log(formatWireTimestamp(new Date(Date.UTC(2026, 10, 25, 9, 30, 45, 123))));
 * // "2026-11-25T09:30:45.123000+00:00"
 * console.log(formatWireTimestamp(1_795_599_045_123_456));
 * // "2026-11-25T09:30:45.123456+00:00"
 * ```
 */
export function formatWireTimestamp(instant: Date | number): string {
  const micros = typeof instant === "number" ? Math.floor(instant) : instant.getTime() * 1000;
  const seconds = Math.floor(micros / MICROS_PER_SECOND);
  const fraction = micros - seconds * MICROS_PER_SECOND;
  const d = new Date(seconds * 1000);
  const year = d.getUTCFullYear();
  return `${year < 1000 ? String(year).padStart(4, "0") : year}-${pad2(d.getUTCMonth() + 1)}-${
    pad2(d.getUTCDate())
  }T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${
    String(fraction).padStart(6, "0")
  }+00:00`;
}

const clockOrigin = performance.timeOrigin;

/**
 * The current time in epoch microseconds, from the high-resolution clock, so
 * that events of one execution carry distinct, increasing timestamps.
 *
 * @example
 * ```ts
 * import { formatWireTimestamp, nowEpochMicros } from "@peak-trade/execution";
 * console.log(formatWireTimestamp(nowEpochMicros()));
 * ```
 */
export function nowEpochMicros(): number {
  return Math.floor((clockOrigin + performance.now()) * 1000);
}

/**
 * A wire clock for a hot path: `now()` reads the clock once and formats it,
 * re-formatting the date and time only when the second changes (the prefix of
 * the current second is cached, the 6 fractional digits are appended). The
 * output is byte-identical to {@linkcode formatWireTimestamp}.
 *
 * @example
 * ```ts
 * import { WireClock, WIRE_TIMESTAMP_PATTERN } from "@peak-trade/execution";
 * const clock = new WireClock();
 * console.log(WIRE_TIMESTAMP_PATTERN.test(clock.now())); // true
 * console.log(clock.format(1_795_599_045_123_456)); // "2026-11-25T09:30:45.123456+00:00"
 * ```
 */
export class WireClock {
  #second = Number.NaN;
  #prefix = "";

  /** The current time as a wire timestamp. */
  now(): string {
    return this.format(nowEpochMicros());
  }

  /** `micros` (epoch microseconds) as a wire timestamp, reusing the cached second. */
  format(micros: number): string {
    const whole = Math.floor(micros);
    const second = Math.floor(whole / MICROS_PER_SECOND);
    if (second !== this.#second) {
      const full = formatWireTimestamp(whole);
      this.#second = second;
      this.#prefix = full.slice(0, full.length - 12); // up to and including the "."
      return full;
    }
    const fraction = String(whole - second * MICROS_PER_SECOND);
    return `${this.#prefix}${"000000".slice(fraction.length)}${fraction}+00:00`;
  }
}
