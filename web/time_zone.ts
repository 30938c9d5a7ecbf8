/**
 * The timeline's time zone choice (UTC or the browser's local time) for the
 * since/until fields: a bound typed without an offset is read in the zone
 * shown, and a bound is shown in that zone. The query itself always carries
 * an instant the server reads the same way (an explicit offset).
 *
 * @module
 */
import { parseTimestampMicros } from "../execution/wire/timestamps.ts";
import { formatWireTimestamp } from "../execution/wire_time.ts";
import type { TimeZoneMode } from "./format.ts";

/** A date and time without an offset: what a person types. */
const NAIVE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;

/**
 * The query form of a since/until field typed in `mode`: in local time a
 * bound without an offset is read as local and sent as a UTC instant; any
 * other text (UTC mode, an explicit offset, something unreadable for the
 * server to report) is sent as typed.
 *
 * @example
 * ```ts
 * import { boundForQuery } from "./time_zone.ts";
 * console.log(boundForQuery("2026-11-25T09:30Z", "local")); // "2026-11-25T09:30Z"
 * console.log(boundForQuery("2026-11-25 09:30", "utc")); // "2026-11-25 09:30"
 * ```
 */
export function boundForQuery(text: string | undefined, mode: TimeZoneMode): string {
  const typed = text?.trim() ?? "";
  if (mode === "utc" || typed === "") return typed;
  const m = NAIVE.exec(typed);
  if (m === null) return typed;
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = ""] = m;
  const local = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(local.getTime())) return typed;
  return formatWireTimestamp(local.getTime() * 1000 + Number(fraction.padEnd(6, "0")));
}

/**
 * How a since/until bound from the query is shown in `mode`: in local time
 * as a local date and time without offset (to the second, with the fraction
 * when there is one), in UTC as given.
 *
 * @example
 * ```ts
 * import { boundForDisplay } from "./time_zone.ts";
 * console.log(boundForDisplay("2026-11-25T09:30Z", "utc")); // "2026-11-25T09:30Z"
 * ```
 */
export function boundForDisplay(text: string | undefined, mode: TimeZoneMode): string {
  const bound = text?.trim() ?? "";
  if (mode === "utc" || bound === "") return bound;
  const micros = parseTimestampMicros(bound);
  if (micros === null) return bound;
  const date = new Date(Math.floor(micros / 1000));
  const fraction = micros - Math.floor(micros / 1_000_000) * 1_000_000;
  const pad = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${
    pad(date.getHours())
  }:${pad(date.getMinutes())}:${pad(date.getSeconds())}${
    fraction === 0 ? "" : "." + pad(fraction, 6)
  }`;
}
