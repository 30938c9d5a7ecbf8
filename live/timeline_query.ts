/**
 * The timeline query: the one place for the filters a reader of a session
 * accepts (kinds, symbol, since/until, limit), how their text is read, and
 * which events they match. The CLI, the HTTP API, the timeline page and the
 * browser island all read their filters here, so they cannot disagree.
 *
 * Pure (no file or network access), so the browser bundle can use it.
 *
 * @module
 */
import { EVENT_KINDS, isEventKind } from "../execution/event_kinds.ts";
import { parseTimeBound } from "../execution/wire/timestamps.ts";

/**
 * Rows of a timeline page when no `limit` is given.
 *
 * @example
 * ```ts
 * import { DEFAULT_TIMELINE_LIMIT } from "@peak-trade/execution";
 * console.log(DEFAULT_TIMELINE_LIMIT); // 200
 * ```
 */
export const DEFAULT_TIMELINE_LIMIT = 200;

/**
 * Largest `limit` one HTTP page (API, page, island) may ask for.
 *
 * @example
 * ```ts
 * import { MAX_PAGE_LIMIT } from "@peak-trade/execution";
 * console.log(MAX_PAGE_LIMIT); // 1000
 * ```
 */
export const MAX_PAGE_LIMIT = 1000;

/** What a kind filter value may look like: kinds from other writers are allowed, bounded. */
const KIND_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/**
 * Longest symbol filter (symbols on the wire are short tickers).
 *
 * @example
 * ```ts
 * import { MAX_SYMBOL_FILTER_LENGTH } from "@peak-trade/execution";
 * console.log(MAX_SYMBOL_FILTER_LENGTH); // 128
 * ```
 */
export const MAX_SYMBOL_FILTER_LENGTH = 128;
/**
 * Longest `since`/`until` text (an RFC 3339 timestamp with an offset is 32 characters).
 *
 * @example
 * ```ts
 * import { MAX_TIME_BOUND_LENGTH } from "@peak-trade/execution";
 * console.log(MAX_TIME_BOUND_LENGTH); // 64
 * ```
 */
export const MAX_TIME_BOUND_LENGTH = 64;
/** Digits a limit may have before it is refused without being read as a number. */
const MAX_LIMIT_DIGITS = 15;

/**
 * A filter value that cannot be used; `field` names the filter (`kind`,
 * `symbol`, `since`, `until`, `limit`) and the message starts with it, says
 * what was given and what to give instead.
 *
 * @example
 * ```ts
 * import { parseTimelineLimit, TimelineQueryError } from "@peak-trade/execution";
 * try {
 *   parseTimelineLimit("0");
 * } catch (err) {
 *   if (err instanceof TimelineQueryError) console.log(err.field); // "limit"
 * }
 * ```
 */
export class TimelineQueryError extends RangeError {
  /** The filter at fault. */
  readonly field: TimelineQueryField;

  /** `message` is prefixed with `<field>: `. */
  constructor(field: TimelineQueryField, message: string) {
    super(`${field}: ${message}`);
    this.name = "TimelineQueryError";
    this.field = field;
  }
}

/**
 * The name of a timeline filter.
 *
 * @example
 * ```ts
 * import type { TimelineQueryField } from "@peak-trade/execution";
 * const field: TimelineQueryField = "since";
 * ```
 */
export type TimelineQueryField = "kind" | "symbol" | "since" | "until" | "limit";

/**
 * Filters as read from a user: each may be absent.
 *
 * @example
 * ```ts
 * import type { TimelineQueryInput } from "@peak-trade/execution";
 * const input: TimelineQueryInput = { kinds: ["gate,fill"], symbol: "BTC-USD", limit: "50" };
 * ```
 */
export interface TimelineQueryInput {
  /** Kind values, each possibly comma-separated (`["gate,fill", "order"]`). */
  kinds?: Iterable<string>;
  /** A symbol; empty or blank means no symbol filter. */
  symbol?: string | null;
  /** Earliest timestamp (inclusive), any form {@linkcode parseTimeBound} reads. */
  since?: string | null;
  /** Latest timestamp (inclusive). */
  until?: string | null;
  /** The number of rows, as typed; absent or empty means {@linkcode DEFAULT_TIMELINE_LIMIT}. */
  limit?: string | number | null;
}

/**
 * A validated timeline query.
 *
 * @example
 * ```ts
 * import { parseTimelineQuery, type TimelineQuery } from "@peak-trade/execution";
 * const query: TimelineQuery = parseTimelineQuery({ kinds: ["fill"] });
 * console.log(query.limit); // 200
 * ```
 */
export interface TimelineQuery {
  /** Kinds to keep (deduplicated, in the order given); empty keeps every kind. */
  kinds: string[];
  /** Exact symbol to keep, or `null` for every symbol. */
  symbol: string | null;
  /** The `since` text as given (trimmed), or `null`. */
  since: string | null;
  /** The `until` text as given (trimmed), or `null`. */
  until: string | null;
  /** `since` in epoch microseconds, or `null`. */
  sinceMicros: number | null;
  /** `until` in epoch microseconds, or `null`. */
  untilMicros: number | null;
  /** Most rows. */
  limit: number;
}

/**
 * Options of {@linkcode parseTimelineQuery}.
 *
 * @example
 * ```ts
 * import { MAX_PAGE_LIMIT, type TimelineQueryOptions } from "@peak-trade/execution";
 * const options: TimelineQueryOptions = { maxLimit: MAX_PAGE_LIMIT };
 * ```
 */
export interface TimelineQueryOptions {
  /**
   * Largest accepted limit.
   *
   * @default {Number.MAX_SAFE_INTEGER}
   */
  maxLimit?: number;
}

/**
 * Read repeatable, comma-separated kind values into a deduplicated list.
 * Throws {@linkcode TimelineQueryError} for a value that cannot be a kind.
 *
 * @example
 * ```ts
 * import { parseTimelineKinds } from "@peak-trade/execution";
 * console.log(parseTimelineKinds(["fill", "gate,order", "fill"])); // ["fill", "gate", "order"]
 * ```
 */
export function parseTimelineKinds(values: Iterable<string>): string[] {
  const kinds: string[] = [];
  for (const value of values) {
    for (const part of value.split(",")) {
      const kind = part.trim();
      if (kind === "") continue;
      if (!KIND_PATTERN.test(kind)) {
        throw new TimelineQueryError(
          "kind",
          `expected an event kind such as ${EVENT_KINDS.join(", ")}, got ${
            JSON.stringify(kind.slice(0, 40))
          }`,
        );
      }
      if (!kinds.includes(kind)) kinds.push(kind);
    }
  }
  return kinds;
}

/**
 * The kinds among `kinds` that this product never writes, each with a hint
 * when only its case is wrong: usually a typo worth a warning.
 *
 * @example
 * ```ts
 * import { unknownTimelineKinds } from "@peak-trade/execution";
 * console.log(unknownTimelineKinds(["fill", "Gate"])); // [{ kind: "Gate", suggestion: "gate" }]
 * ```
 */
export function unknownTimelineKinds(
  kinds: readonly string[],
): { kind: string; suggestion: string | null }[] {
  return kinds.filter((kind) => !isEventKind(kind)).map((kind) => ({
    kind,
    suggestion: isEventKind(kind.toLowerCase()) ? kind.toLowerCase() : null,
  }));
}

/**
 * Read a symbol filter: blank means no filter (`null`), the same in the CLI
 * and over HTTP. Throws {@linkcode TimelineQueryError} when it is too long.
 *
 * @example
 * ```ts
 * import { parseTimelineSymbol } from "@peak-trade/execution";
 * console.log(parseTimelineSymbol(" BTC-USD "), parseTimelineSymbol("")); // "BTC-USD" null
 * ```
 */
export function parseTimelineSymbol(raw: string | null | undefined): string | null {
  const symbol = raw?.trim() ?? "";
  if (symbol === "") return null;
  if (symbol.length > MAX_SYMBOL_FILTER_LENGTH) {
    throw new TimelineQueryError(
      "symbol",
      `expected at most ${MAX_SYMBOL_FILTER_LENGTH} characters`,
    );
  }
  return symbol;
}

/**
 * Read a limit: absent or empty gives {@linkcode DEFAULT_TIMELINE_LIMIT};
 * otherwise a whole number from 1 to `max`. Throws
 * {@linkcode TimelineQueryError} otherwise.
 *
 * @example
 * ```ts
 * import { MAX_PAGE_LIMIT, parseTimelineLimit } from "@peak-trade/execution";
 * console.log(parseTimelineLimit("50", MAX_PAGE_LIMIT), parseTimelineLimit(undefined)); // 50 200
 * ```
 */
export function parseTimelineLimit(
  raw: string | number | null | undefined,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (raw === null || raw === undefined) return DEFAULT_TIMELINE_LIMIT;
  const text = String(raw).trim();
  if (text === "") return DEFAULT_TIMELINE_LIMIT;
  const limit = new RegExp(`^\\d{1,${MAX_LIMIT_DIGITS}}$`).test(text) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(limit) && limit >= 1 && limit <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? "a positive whole number" : `1 to ${max}`;
    throw new TimelineQueryError(
      "limit",
      `expected ${range}, got ${JSON.stringify(text.slice(0, 20))}`,
    );
  }
  return limit;
}

/** A bound as epoch microseconds, or `null` when blank; throws naming the field. */
function readBound(raw: string | null | undefined, field: "since" | "until"): number | null {
  const text = raw?.trim() ?? "";
  if (text === "") return null;
  if (text.length > MAX_TIME_BOUND_LENGTH) {
    throw new TimelineQueryError(field, "expected an ISO 8601 timestamp such as 2026-11-25T09:30Z");
  }
  try {
    return parseTimeBound(text, field);
  } catch (err) {
    // parseTimeBound's message starts with the field already ("since: cannot read …").
    const detail = err instanceof Error ? err.message.replace(/^\w+: /, "") : String(err);
    throw new TimelineQueryError(field, detail);
  }
}

/**
 * Read `since` and `until` into epoch microseconds; blank means unbounded.
 * Throws {@linkcode TimelineQueryError} for an unreadable bound, and for a
 * `since` later than `until` (no event could match).
 *
 * @example
 * ```ts
 * import { parseTimelineRange } from "@peak-trade/execution";
 * console.log(parseTimelineRange("2026-11-25", null)); // { since: 1795564800000000, until: null }
 * ```
 */
export function parseTimelineRange(
  since: string | null | undefined,
  until: string | null | undefined,
): { since: number | null; until: number | null } {
  const from = readBound(since, "since");
  const to = readBound(until, "until");
  if (from !== null && to !== null && from > to) {
    throw new TimelineQueryError(
      "since",
      `${since?.trim()} is after until ${until?.trim()}: no event can match; swap them?`,
    );
  }
  return { since: from, until: to };
}

/**
 * Read and validate every filter of a timeline query. Throws
 * {@linkcode TimelineQueryError} naming the first filter at fault.
 *
 * @example
 * ```ts
 * import { MAX_PAGE_LIMIT, parseTimelineQuery } from "@peak-trade/execution";
 * const query = parseTimelineQuery(
 *   { kinds: ["gate,fill"], symbol: "", since: "2026-11-25", limit: "20" },
 *   { maxLimit: MAX_PAGE_LIMIT },
 * );
 * console.log(query.kinds, query.symbol, query.limit); // ["gate", "fill"] null 20
 * ```
 */
export function parseTimelineQuery(
  input: TimelineQueryInput,
  options: TimelineQueryOptions = {},
): TimelineQuery {
  const kinds = parseTimelineKinds(input.kinds ?? []);
  const symbol = parseTimelineSymbol(input.symbol);
  const range = parseTimelineRange(input.since, input.until);
  const limit = parseTimelineLimit(input.limit, options.maxLimit);
  const text = (raw: string | null | undefined): string | null =>
    raw === null || raw === undefined || raw.trim() === "" ? null : raw.trim();
  return {
    kinds,
    symbol,
    since: text(input.since),
    until: text(input.until),
    sinceMicros: range.since,
    untilMicros: range.until,
    limit,
  };
}

/**
 * What of an event a timeline filter looks at.
 *
 * @example
 * ```ts
 * import type { TimelineMatchable } from "@peak-trade/execution";
 * const event: TimelineMatchable = { kind: "fill", symbol: "BTC-USD", ts_micros: 1_795_599_045_000_000 };
 * ```
 */
export interface TimelineMatchable {
  /** The event's kind. */
  kind: string;
  /** The event's symbol, or `null` when it has none. */
  symbol: string | null;
  /** The event's instant in epoch microseconds, or `null` when unreadable. */
  ts_micros: number | null;
}

/**
 * Whether an event passes the query's filters (the limit aside). An event
 * without a readable timestamp never passes a time bound.
 *
 * @example
 * ```ts
 * import { matchesTimelineQuery, parseTimelineQuery } from "@peak-trade/execution";
 * const query = parseTimelineQuery({ kinds: ["fill"] });
 * console.log(matchesTimelineQuery(query, { kind: "fill", symbol: "ETH-USD", ts_micros: null })); // true
 * ```
 */
export function matchesTimelineQuery(
  query: Pick<TimelineQuery, "kinds" | "symbol" | "sinceMicros" | "untilMicros">,
  event: TimelineMatchable,
): boolean {
  if (query.kinds.length > 0 && !query.kinds.includes(event.kind)) return false;
  if (query.symbol !== null && event.symbol !== query.symbol) return false;
  const t = event.ts_micros;
  if (query.sinceMicros !== null && (t === null || t < query.sinceMicros)) return false;
  if (query.untilMicros !== null && (t === null || t > query.untilMicros)) return false;
  return true;
}
