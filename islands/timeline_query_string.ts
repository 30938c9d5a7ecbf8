/**
 * The timeline view's filters as a query string (the page's, the API's, the
 * stream's, the export's and the count's) and back: the island's side of the
 * parameter names `web/params.ts` reads.
 *
 * @module
 */
import type { FilterValues } from "../components/FilterBar.tsx";
import type { TimeZoneMode } from "../web/format.ts";

/**
 * The query string for `filters` (the since/until in query form), with
 * `before` when paging and the zone when it is not UTC. `limit` is left out
 * when `withLimit` is false (a stream, an export and a count have none).
 *
 * @example
 * ```ts
 * import { filtersQuery } from "./timeline_query_string.ts";
 * console.log(filtersQuery({ kinds: ["gate"], symbol: "", limit: 50, blocked: true }));
 * // "kind=gate&blocked=1&limit=50"
 * ```
 */
export function filtersQuery(
  filters: FilterValues,
  options: { before?: number | null; timeZone?: TimeZoneMode; withLimit?: boolean } = {},
): string {
  const query = new URLSearchParams();
  for (const kind of filters.kinds) query.append("kind", kind);
  if (filters.symbol !== "") {
    query.set("symbol", filters.symbol);
    if ((filters.symbolMatch ?? "exact") !== "exact") {
      query.set("symbol_match", filters.symbolMatch!);
    }
    if (filters.symbolIgnoreCase) query.set("symbol_ci", "1");
  }
  if (filters.blocked) query.set("blocked", "1");
  if (filters.gate?.trim()) query.set("gate", filters.gate.trim());
  if (filters.code?.trim()) query.set("code", filters.code.trim());
  if (filters.since) query.set("since", filters.since);
  if (filters.until) query.set("until", filters.until);
  if (options.withLimit !== false) query.set("limit", String(filters.limit));
  if (options.before !== undefined && options.before !== null) {
    query.set("before", String(options.before));
  }
  if (options.timeZone === "local") query.set("tz", "local");
  return query.toString();
}

/**
 * Whether any filter narrows the view (the limit aside).
 *
 * @example
 * ```ts
 * import { isFiltered } from "./timeline_query_string.ts";
 * console.log(isFiltered({ kinds: [], symbol: "", limit: 200 })); // false
 * ```
 */
export function isFiltered(filters: FilterValues): boolean {
  return filters.kinds.length > 0 || filters.symbol !== "" || Boolean(filters.since) ||
    Boolean(filters.until) || Boolean(filters.blocked) || Boolean(filters.gate?.trim()) ||
    Boolean(filters.code?.trim());
}
