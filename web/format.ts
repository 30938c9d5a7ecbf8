/**
 * Display formatting shared by the server-rendered pages and the timeline
 * island (so both render the same text and hydration matches).
 *
 * @module
 */
import { isEventKind } from "../execution/event_kinds.ts";

/**
 * Format a byte count for people (`1.5 MiB`).
 *
 * @example
 * ```ts
 * import { formatBytes } from "./format.ts";
 * console.log(formatBytes(1536)); // "1.5 KiB"
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * How timestamps are shown: in UTC or in the browser's time zone.
 *
 * @example
 * ```ts
 * import type { TimeZoneMode } from "./format.ts";
 * const mode: TimeZoneMode = "utc";
 * ```
 */
export type TimeZoneMode = "utc" | "local";

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/**
 * Format a normalised wire timestamp (`2026-11-25T09:30:45.123456+00:00`) for
 * display: `2026-11-25 09:30:45.123456 UTC`, or in local time to the
 * millisecond with the zone offset. `null` or unparseable input gives `—`.
 *
 * @example
 * ```ts
 * import { formatTimestamp } from "./format.ts";
 * console.log(formatTimestamp("2026-11-25T09:30:45.123456+00:00", "utc"));
 * // "2026-11-25 09:30:45.123456 UTC"
 * ```
 */
export function formatTimestamp(ts: string | null, mode: TimeZoneMode): string {
  if (ts === null) return "—";
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(ts);
  if (m === null) return ts;
  if (mode === "utc") return `${m[1]} ${m[2]}${m[3] ?? ""} UTC`;
  const date = new Date(ts);
  if (Number.isNaN(date.getTime())) return ts;
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${
    pad(date.getHours())
  }:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)} ${sign}${
    pad(Math.floor(abs / 60))
  }:${pad(abs % 60)}`;
}

/**
 * The CSS class of a kind badge: `kind-<kind>` for the known kinds (`EVENT_KINDS`),
 * `kind-other` for anything else (a kind from a file never reaches a class
 * name unchecked).
 *
 * @example
 * ```ts
 * import { kindClass } from "./format.ts";
 * console.log(kindClass("fill")); // "kind-fill"
 * console.log(kindClass("<x>")); // "kind-other"
 * ```
 */
export function kindClass(kind: string): string {
  return isEventKind(kind) ? `kind-${kind}` : "kind-other";
}
