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
 * display: `2026-11-25 09:30:45.123456 UTC`, or in local time with the zone
 * offset, to the microsecond in both (zone offsets are whole minutes, so the
 * fraction is the same). `null` gives `—`; unparseable input is shown as is.
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
  }:${pad(date.getMinutes())}:${pad(date.getSeconds())}${m[3] ?? ""} ${sign}${
    pad(Math.floor(abs / 60))
  }:${pad(abs % 60)}`;
}

/**
 * A count with thousands separators (`58,212`), the same on the server and
 * in every browser.
 *
 * @example
 * ```ts
 * import { formatCount } from "./format.ts";
 * console.log(formatCount(58212)); // "58,212"
 * ```
 */
export function formatCount(n: number): string {
  if (Number.isSafeInteger(n) && !Object.is(n, -0)) return groupThousands(n);
  return Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: 0 }) : "—";
}

/**
 * A safe integer with a comma between each group of three digits, as
 * `toLocaleString("en-US")` writes it. Written out, because the first
 * `toLocaleString` of a process loads ICU's number formatting: about 10 ms
 * of a CLI command's start.
 *
 * @example
 * ```ts
 * import { groupThousands } from "./format.ts";
 * console.log(groupThousands(-1234567)); // "-1,234,567"
 * ```
 */
export function groupThousands(n: number): string {
  const digits = String(Math.abs(n));
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${grouped}` : grouped;
}

/**
 * A number with thousands separators and exactly `digits` decimals
 * (`1,234.50`).
 *
 * @example
 * ```ts
 * import { formatDecimal } from "./format.ts";
 * console.log(formatDecimal(1234.5, 2)); // "1,234.50"
 * ```
 */
export function formatDecimal(n: number, digits: number): string {
  if (!Number.isFinite(n)) return "—";
  return n.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/**
 * An age in seconds, short (`45 s`, `12 min`, `3 h`, `2 d`); `null` gives `—`.
 *
 * @example
 * ```ts
 * import { formatAge } from "./format.ts";
 * console.log(formatAge(45), formatAge(7_200)); // "45 s" "2 h"
 * ```
 */
export function formatAge(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "—";
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)} h`;
  return `${formatCount(Math.floor(seconds / 86_400))} d`;
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
