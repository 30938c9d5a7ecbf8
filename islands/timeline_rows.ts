/**
 * The rows the timeline island holds: those its filters show, newest first,
 * each event (by byte offset) at most once, and at most
 * {@linkcode MAX_TIMELINE_ROWS} of them. Pure functions over arrays, so a
 * state update applies a whole batch of streamed rows at once.
 *
 * @module
 */
import type { FilterValues } from "../components/FilterBar.tsx";
import {
  compileTimelineFilter,
  parseTimelineNames,
  parseTimelineRange,
} from "../live/timeline_query.ts";
import { parseTimestampMicros } from "../execution/wire/timestamps.ts";
import type { TimelineRow } from "../live/types.ts";

/** Rows kept in the table at most, so a long live follow cannot exhaust memory. */
export const MAX_TIMELINE_ROWS = 5_000;

/**
 * `current` with the streamed `incoming` rows (oldest first, as the stream
 * delivers them) put in front, newest first, skipping rows already held and
 * keeping the newest `max`. Returns `current` itself when nothing is new, so
 * a state update with it does not re-render.
 *
 * @example
 * ```ts
 * import { prependStreamedRows } from "./timeline_rows.ts";
 * const row = (offset: number) => ({
 *   ts: null, kind: "fill", symbol: null, description: "", details: null, offset, seq: null,
 * });
 * console.log(prependStreamedRows([row(10)], [row(20), row(30)]).map((r) => r.offset)); // [30, 20, 10]
 * ```
 */
export function prependStreamedRows<T extends TimelineRow>(
  current: T[],
  incoming: readonly T[],
  max: number = MAX_TIMELINE_ROWS,
): T[] {
  const held = new Set(current.map((row) => row.offset));
  const fresh: T[] = [];
  for (const row of incoming) {
    if (held.has(row.offset)) continue;
    held.add(row.offset);
    fresh.push(row);
  }
  if (fresh.length === 0) return current;
  return [...fresh.reverse(), ...current].slice(0, max);
}

/**
 * `current` followed by the `older` page's rows that it does not hold yet.
 *
 * @example
 * ```ts
 * import { appendOlderRows } from "./timeline_rows.ts";
 * const row = (offset: number) => ({
 *   ts: null, kind: "fill", symbol: null, description: "", details: null, offset, seq: null,
 * });
 * console.log(appendOlderRows([row(30), row(20)], [row(20), row(10)]).map((r) => r.offset)); // [30, 20, 10]
 * ```
 */
export function appendOlderRows<T extends TimelineRow>(current: T[], older: readonly T[]): T[] {
  const held = new Set(current.map((row) => row.offset));
  return [...current, ...older.filter((row) => !held.has(row.offset))];
}

/**
 * Whether a streamed row belongs to the view: the filters the server applied
 * to the shown rows, read by the one timeline query module. A time range the
 * server cannot read was not applied to the page (it says why instead), so it
 * does not filter streamed rows either.
 *
 * @example
 * ```ts
 * import { timelineRowMatcher } from "./timeline_rows.ts";
 * const shows = timelineRowMatcher({ kinds: ["fill"], symbol: "", limit: 200, until: "2026-11-25" });
 * const row = {
 *   ts: "2026-11-24T09:30:00.000000+00:00", kind: "fill", symbol: "BTC-USD",
 *   description: "", details: null, offset: 0, seq: null,
 * };
 * console.log(shows(row), shows({ ...row, kind: "gate" })); // true false
 * ```
 */
export function timelineRowMatcher(filters: FilterValues): (row: TimelineRow) => boolean {
  let range: { since: number | null; until: number | null };
  try {
    range = parseTimelineRange(filters.since, filters.until);
  } catch {
    range = { since: null, until: null };
  }
  const names = (text: string | undefined, field: "gate" | "code"): string[] => {
    try {
      return parseTimelineNames([text ?? ""], field);
    } catch {
      return []; // not applied to the page either: the server said why
    }
  };
  const matches = compileTimelineFilter({
    kinds: filters.kinds,
    symbol: filters.symbol === "" ? null : filters.symbol,
    symbolMatch: filters.symbolMatch,
    symbolIgnoreCase: filters.symbolIgnoreCase,
    blocked: filters.blocked,
    gates: names(filters.gate, "gate"),
    codes: names(filters.code, "code"),
    sinceMicros: range.since,
    untilMicros: range.until,
  });
  return (row) =>
    matches({
      kind: row.kind,
      symbol: row.symbol,
      ts_micros: row.ts === null ? null : parseTimestampMicros(row.ts),
      payload: row.details,
    });
}
