/**
 * The timeline query: the one place for the filters a reader of a session
 * accepts (kinds, symbol and how it matches, since/until, limit, and the gate
 * filters: blocks only, gate names, reason codes), how their text is read,
 * and which events they match. The CLI, the HTTP API, the timeline page and the
 * browser island all read their filters here, so they cannot disagree.
 *
 * Pure (no file or network access), so the browser bundle can use it.
 *
 * @module
 */
import { EVENT_KINDS, isEventKind } from "../execution/event_kinds.ts";
import { gateName, gatePassed } from "../execution/wire/gate_payload.ts";
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
/** What a gate name or reason code filter value may look like (`LotSize`, `QTY_BELOW_MIN`). */
const NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
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
export type TimelineQueryField =
  | "kind"
  | "symbol"
  | "symbol_match"
  | "symbol_ci"
  | "blocked"
  | "gate"
  | "code"
  | "since"
  | "until"
  | "limit";

/**
 * How a symbol filter matches an event's symbol: the whole symbol
 * (`exact`, the default), its start (`prefix`) or any part (`substring`).
 *
 * @example
 * ```ts
 * import type { SymbolMatch } from "@peak-trade/execution";
 * const match: SymbolMatch = "substring"; // "ETH" finds "ETH-USD"
 * ```
 */
export type SymbolMatch = "exact" | "prefix" | "substring";

/**
 * Every {@linkcode SymbolMatch}, the default first.
 *
 * @example
 * ```ts
 * import { SYMBOL_MATCHES } from "@peak-trade/execution";
 * console.log(SYMBOL_MATCHES); // ["exact", "prefix", "substring"]
 * ```
 */
export const SYMBOL_MATCHES: readonly SymbolMatch[] = ["exact", "prefix", "substring"];

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
  /** How the symbol matches (`exact`, `prefix`, `substring`); absent or empty: `exact`. */
  symbolMatch?: string | null;
  /** Whether the symbol matches regardless of case (`true`, or `1`/`true`/`yes`/`on` as text). */
  symbolIgnoreCase?: string | boolean | null;
  /** Only blocking gate decisions (`true`, or `1`/`true`/`yes`/`on` as text). */
  blocked?: string | boolean | null;
  /** Gate names, each possibly comma-separated: only decisions of these gates. */
  gates?: Iterable<string>;
  /** Reason codes, each possibly comma-separated: only events whose payload `code` is one. */
  codes?: Iterable<string>;
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
  /** Symbol to keep (as `symbolMatch` says), or `null` for every symbol. */
  symbol: string | null;
  /** How `symbol` matches. */
  symbolMatch: SymbolMatch;
  /** Whether `symbol` matches regardless of case. */
  symbolIgnoreCase: boolean;
  /** Only blocking gate decisions. */
  blocked: boolean;
  /** Gate names to keep (deduplicated); empty keeps every event. Non-empty keeps gate events only. */
  gates: string[];
  /** Reason codes to keep (deduplicated); empty keeps every event. */
  codes: string[];
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
 * Read how a symbol filter matches: absent or blank is `exact`. Throws
 * {@linkcode TimelineQueryError} for anything but `exact`, `prefix` or
 * `substring`.
 *
 * @example
 * ```ts
 * import { parseSymbolMatch } from "@peak-trade/execution";
 * console.log(parseSymbolMatch("prefix"), parseSymbolMatch(null)); // "prefix" "exact"
 * ```
 */
export function parseSymbolMatch(raw: string | null | undefined): SymbolMatch {
  const text = raw?.trim().toLowerCase() ?? "";
  if (text === "") return "exact";
  const match = SYMBOL_MATCHES.find((m) => m === text);
  if (match === undefined) {
    throw new TimelineQueryError(
      "symbol_match",
      `expected one of ${SYMBOL_MATCHES.join(", ")}, got ${JSON.stringify(text.slice(0, 20))}`,
    );
  }
  return match;
}

/**
 * Read a yes/no filter switch: `true` or `1`/`true`/`yes`/`on` (any case)
 * is on; absent, `false` or `0`/`false`/`no`/`off`/blank is off. Throws
 * {@linkcode TimelineQueryError} naming `field` for any other text.
 *
 * @example
 * ```ts
 * import { parseTimelineSwitch } from "@peak-trade/execution";
 * console.log(parseTimelineSwitch("1", "blocked"), parseTimelineSwitch(undefined, "blocked")); // true false
 * ```
 */
export function parseTimelineSwitch(
  raw: string | boolean | null | undefined,
  field: "blocked" | "symbol_ci",
): boolean {
  if (typeof raw === "boolean") return raw;
  const text = raw?.trim().toLowerCase() ?? "";
  if (["", "0", "false", "no", "off"].includes(text)) return false;
  if (["1", "true", "yes", "on"].includes(text)) return true;
  throw new TimelineQueryError(
    field,
    `expected true or false (1/0, yes/no, on/off), got ${JSON.stringify(text.slice(0, 20))}`,
  );
}

/**
 * Read repeatable, comma-separated gate names or reason codes into a
 * deduplicated list. Throws {@linkcode TimelineQueryError} naming `field` for
 * a value that cannot be a name.
 *
 * @example
 * ```ts
 * import { parseTimelineNames } from "@peak-trade/execution";
 * console.log(parseTimelineNames(["LotSize,MinNotional", "LotSize"], "gate")); // ["LotSize", "MinNotional"]
 * ```
 */
export function parseTimelineNames(values: Iterable<string>, field: "gate" | "code"): string[] {
  const names: string[] = [];
  for (const value of values) {
    for (const part of value.split(",")) {
      const name = part.trim();
      if (name === "") continue;
      if (!NAME_PATTERN.test(name)) {
        const example = field === "gate" ? "LotSize" : "QTY_ROUNDS_TO_ZERO";
        throw new TimelineQueryError(
          field,
          `expected a ${field === "gate" ? "gate name" : "reason code"} of letters, digits, ` +
            `\`_\`, \`.\`, \`:\` or \`-\` (up to 64) such as ${example}, got ${
              JSON.stringify(name.slice(0, 40))
            }`,
        );
      }
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
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
  const symbolMatch = parseSymbolMatch(input.symbolMatch);
  const symbolIgnoreCase = parseTimelineSwitch(input.symbolIgnoreCase, "symbol_ci");
  const blocked = parseTimelineSwitch(input.blocked, "blocked");
  const gates = parseTimelineNames(input.gates ?? [], "gate");
  const codes = parseTimelineNames(input.codes ?? [], "code");
  const range = parseTimelineRange(input.since, input.until);
  const limit = parseTimelineLimit(input.limit, options.maxLimit);
  const text = (raw: string | null | undefined): string | null =>
    raw === null || raw === undefined || raw.trim() === "" ? null : raw.trim();
  return {
    kinds,
    symbol,
    symbolMatch,
    symbolIgnoreCase,
    blocked,
    gates,
    codes,
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
 * const event: TimelineMatchable = {
 *   kind: "gate", symbol: "BTC-USD", ts_micros: 1_795_599_045_000_000,
 *   payload: { gate_name: "LotSize", passed: false, code: "QTY_BELOW_MIN" },
 * };
 * ```
 */
export interface TimelineMatchable {
  /** The event's kind. */
  kind: string;
  /** The event's symbol, or `null` when it has none. */
  symbol: string | null;
  /** The event's instant in epoch microseconds, or `null` when unreadable. */
  ts_micros: number | null;
  /**
   * The event's payload (a timeline row's `details`); the gate filters
   * (`blocked`, `gates`, `codes`) read it. Absent: no gate filter matches.
   */
  payload?: unknown;
}

/**
 * The filters of a {@linkcode TimelineQuery} that decide whether an event
 * matches (everything but the limit and the raw bound texts). Fields left out
 * of an older caller's object mean "no such filter".
 *
 * @example
 * ```ts
 * import type { TimelineFilter } from "@peak-trade/execution";
 * const filter: TimelineFilter = { kinds: ["gate"], symbol: null, sinceMicros: null, untilMicros: null, blocked: true };
 * ```
 */
export interface TimelineFilter {
  /** Kinds to keep; empty keeps every kind. */
  kinds: readonly string[];
  /** Symbol to keep, or `null`. */
  symbol: string | null;
  /** `since` in epoch microseconds, or `null`. */
  sinceMicros: number | null;
  /** `until` in epoch microseconds, or `null`. */
  untilMicros: number | null;
  /** How `symbol` matches; absent: `exact`. */
  symbolMatch?: SymbolMatch;
  /** Whether `symbol` matches regardless of case; absent: no. */
  symbolIgnoreCase?: boolean;
  /** Only blocking gate decisions; absent: no. */
  blocked?: boolean;
  /** Gate names to keep; absent or empty: every event. */
  gates?: readonly string[];
  /** Reason codes to keep; absent or empty: every event. */
  codes?: readonly string[];
}

/** The payload's `code` when it is a string, else `null`. */
function payloadCode(payload: unknown): string | null {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return null;
  const code = (payload as Record<string, unknown>).code;
  return typeof code === "string" ? code : null;
}

/**
 * A predicate for the filter, with its per-query work (case folding, sets)
 * done once: the form to use in a loop over many events.
 *
 * @example
 * ```ts
 * import { compileTimelineFilter, parseTimelineQuery } from "@peak-trade/execution";
 * const matches = compileTimelineFilter(parseTimelineQuery({ symbol: "eth", symbolMatch: "substring", symbolIgnoreCase: true }));
 * console.log(matches({ kind: "fill", symbol: "ETH-USD", ts_micros: null })); // true
 * ```
 */
export function compileTimelineFilter(
  filter: TimelineFilter,
): (event: TimelineMatchable) => boolean {
  const kinds = filter.kinds.length > 0 ? new Set(filter.kinds) : null;
  const how = filter.symbolMatch ?? "exact";
  const ignoreCase = filter.symbolIgnoreCase ?? false;
  const wanted = filter.symbol === null
    ? null
    : ignoreCase
    ? filter.symbol.toLowerCase()
    : filter.symbol;
  const blocked = filter.blocked ?? false;
  const gates = filter.gates !== undefined && filter.gates.length > 0
    ? new Set(filter.gates)
    : null;
  const codes = filter.codes !== undefined && filter.codes.length > 0
    ? new Set(filter.codes)
    : null;
  const { sinceMicros, untilMicros } = filter;
  return (event) => {
    if (kinds !== null && !kinds.has(event.kind)) return false;
    if (wanted !== null) {
      const symbol = event.symbol;
      if (symbol === null) return false;
      const have = ignoreCase ? symbol.toLowerCase() : symbol;
      if (
        how === "exact"
          ? have !== wanted
          : how === "prefix"
          ? !have.startsWith(wanted)
          : !have.includes(wanted)
      ) return false;
    }
    const t = event.ts_micros;
    if (sinceMicros !== null && (t === null || t < sinceMicros)) return false;
    if (untilMicros !== null && (t === null || t > untilMicros)) return false;
    if (blocked || gates !== null) {
      if (event.kind !== "gate" || event.payload === undefined) return false;
      if (blocked && gatePassed(event.payload)) return false;
      if (gates !== null && !gates.has(gateName(event.payload))) return false;
    }
    if (codes !== null) {
      const code = payloadCode(event.payload);
      if (code === null || !codes.has(code)) return false;
    }
    return true;
  };
}

/**
 * Whether an event passes the query's filters (the limit aside). An event
 * without a readable timestamp never passes a time bound; the gate filters
 * (`blocked`, `gates`) keep gate events only, and `codes` keeps events whose
 * payload `code` is one of them.
 *
 * @example
 * ```ts
 * import { matchesTimelineQuery, parseTimelineQuery } from "@peak-trade/execution";
 * const query = parseTimelineQuery({ kinds: ["fill"] });
 * console.log(matchesTimelineQuery(query, { kind: "fill", symbol: "ETH-USD", ts_micros: null })); // true
 * ```
 */
export function matchesTimelineQuery(filter: TimelineFilter, event: TimelineMatchable): boolean {
  return compileTimelineFilter(filter)(event);
}

/**
 * Whether the filter narrows anything at all (a limit aside).
 *
 * @example
 * ```ts
 * import { isTimelineFiltered, parseTimelineQuery } from "@peak-trade/execution";
 * console.log(isTimelineFiltered(parseTimelineQuery({})), isTimelineFiltered(parseTimelineQuery({ blocked: "1" }))); // false true
 * ```
 */
export function isTimelineFiltered(filter: TimelineFilter): boolean {
  return filter.kinds.length > 0 || filter.symbol !== null || filter.sinceMicros !== null ||
    filter.untilMicros !== null || (filter.blocked ?? false) || (filter.gates?.length ?? 0) > 0 ||
    (filter.codes?.length ?? 0) > 0;
}

/**
 * A canonical text of the filter (equal filters give equal keys), for caches
 * and for sharing one encoding between stream clients with the same filter.
 *
 * @example
 * ```ts
 * import { parseTimelineQuery, timelineFilterKey } from "@peak-trade/execution";
 * const a = timelineFilterKey(parseTimelineQuery({ kinds: ["fill,gate"] }));
 * console.log(a === timelineFilterKey(parseTimelineQuery({ kinds: ["gate", "fill"] }))); // true
 * ```
 */
export function timelineFilterKey(filter: TimelineFilter): string {
  const sorted = (values: readonly string[] | undefined): string[] => [...(values ?? [])].sort();
  const ignoreCase = filter.symbol !== null && (filter.symbolIgnoreCase ?? false);
  return JSON.stringify([
    sorted(filter.kinds),
    filter.symbol === null ? null : ignoreCase ? filter.symbol.toLowerCase() : filter.symbol,
    filter.symbol === null ? "exact" : filter.symbolMatch ?? "exact",
    ignoreCase,
    filter.sinceMicros,
    filter.untilMicros,
    filter.blocked ?? false,
    sorted(filter.gates),
    sorted(filter.codes),
  ]);
}
