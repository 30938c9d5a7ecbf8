/**
 * The timeline filters that have no byte pre-check in the backward reader
 * (symbol prefix/substring and case folding, blocks only, gate names, reason
 * codes), as options of `getExecutionTimeline` and as one predicate over read
 * events. The rules themselves live in `timeline_query.ts`.
 *
 * @module
 */
import type { ReadEvent } from "../execution/wire/types.ts";
import { compileTimelineFilter, type SymbolMatch, type TimelineQuery } from "./timeline_query.ts";

/**
 * Filters of {@linkcode getExecutionTimeline} beyond kinds, exact symbol and
 * time: how the symbol matches, and the gate filters.
 *
 * @example
 * ```ts
 * import type { TimelineExtraFilters } from "@peak-trade/execution";
 * const blocks: TimelineExtraFilters = { blocked: true, gates: ["LotSize"], codes: ["QTY_ROUNDS_TO_ZERO"] };
 * ```
 */
export interface TimelineExtraFilters {
  /**
   * How `symbol` matches: the whole symbol, its start, or any part.
   *
   * @default {"exact"}
   */
  symbolMatch?: SymbolMatch;
  /**
   * Match `symbol` regardless of case.
   *
   * @default {false}
   */
  symbolIgnoreCase?: boolean;
  /**
   * Only blocking gate decisions.
   *
   * @default {false}
   */
  blocked?: boolean;
  /** Only decisions of these gates (by `gate_name`, or `gate` in the original's files). */
  gates?: readonly string[];
  /** Only events whose payload `code` is one of these (gate decisions and errors carry one). */
  codes?: readonly string[];
}

/**
 * What the timeline reader does with the extra filters: whether its exact
 * symbol pre-check still applies, the kinds to pre-check (a gate filter
 * narrows them to `gate`), and the predicate for the rest (`null`: none).
 */
export interface TimelineExtraFilterPlan {
  /** The symbol filter is an exact, case-sensitive match (the byte pre-check applies). */
  exactSymbol: boolean;
  /** The kinds to read (the caller's, or `["gate"]` for a gate filter without kinds). */
  kinds: readonly string[] | undefined;
  /** The remaining filters as one predicate, or `null` when there are none. */
  test: ((event: ReadEvent) => boolean) | null;
}

/** Plan the extra filters of one timeline read (see {@linkcode TimelineExtraFilterPlan}). */
export function timelineExtraFilter(
  options: TimelineExtraFilters & { symbol?: string; kinds?: readonly string[] },
): TimelineExtraFilterPlan {
  const symbol = options.symbol ?? null;
  const exactSymbol = symbol === null ||
    ((options.symbolMatch ?? "exact") === "exact" && !(options.symbolIgnoreCase ?? false));
  const gateFilter = (options.blocked ?? false) || (options.gates?.length ?? 0) > 0;
  const codes = options.codes ?? [];
  const kinds = gateFilter && (options.kinds === undefined || options.kinds.length === 0)
    ? ["gate"]
    : options.kinds;
  if (exactSymbol && !gateFilter && codes.length === 0) return { exactSymbol, kinds, test: null };
  const matches = compileTimelineFilter({
    kinds: [],
    symbol: exactSymbol ? null : symbol,
    sinceMicros: null,
    untilMicros: null,
    symbolMatch: options.symbolMatch,
    symbolIgnoreCase: options.symbolIgnoreCase,
    blocked: options.blocked,
    gates: options.gates,
    codes,
  });
  return { exactSymbol, kinds, test: matches };
}

/**
 * The filters of a parsed query as `getExecutionTimeline` options (without
 * `baseDir`, `limit` and `before`), so every reader applies the same ones.
 */
export function timelineReadFilters(query: TimelineQuery): TimelineReadFilters {
  return {
    kinds: query.kinds,
    symbol: query.symbol ?? undefined,
    symbolMatch: query.symbolMatch,
    symbolIgnoreCase: query.symbolIgnoreCase,
    blocked: query.blocked,
    gates: query.gates,
    codes: query.codes,
    since: query.since ?? undefined,
    until: query.until ?? undefined,
  };
}

/** The filter options {@linkcode timelineReadFilters} gives. */
export interface TimelineReadFilters extends TimelineExtraFilters {
  /** Kinds to keep (empty: every kind). */
  kinds: readonly string[];
  /** Symbol, or absent. */
  symbol?: string;
  /** Earliest instant as typed, or absent. */
  since?: string;
  /** Latest instant as typed, or absent. */
  until?: string;
}
